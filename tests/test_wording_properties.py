"""Property tests of the product's words: every group label at every ethnicity level and
every outcome of the catalogue, through every status the statistics can return, gives a
grammatical sentence and a readable label.

The grammar checks are the mistakes a board member saw ("Black boys, FSM eligible's
suspension rate", "had a reoffending", "6.4 times White children", raw DfE codes, "|").
"""
from __future__ import annotations

import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.data.reference import ethnicity_table, outcome_catalogue
from analytics.views import wording
from analytics.views.wording import (
    ETHNICITY_COLUMNS,
    QUALIFIERS,
    event_phrase,
    finding,
    group_labels,
    rate_phrase,
    sentence,
)

ETH = ethnicity_table()
CAT = outcome_catalogue()
LEVEL_VALUES = {"ethnicity_code": list(ETH["code"]), "ethnicity_minor": sorted(set(ETH["minor_group"])),
                "ethnicity_major": sorted(set(ETH["major_group"]))}
OTHER_VALUES = {**{c: list(v) for c, v in QUALIFIERS.items()},
                "age_band": ["0-4", "5-9", "10-15", "16-17"]}
COMPARISONS = ["the borough average", "all other children", "White British children",
               "White British children of the same sex", "WBRI children"]
STATUSES = ["ok", "reference", "not computable: no events in the comparison group",
            "not computable: no children in the group",
            "low numbers: fewer than 30 children; fewer than 5 events",
            "low numbers: comparison group has fewer than 5 events",
            "suppressed: fewer than 5 events", "suppressed: reference group is suppressed"]
#: Strings that must never reach a reader.
BAD = re.compile(r"\bnan\b|\binf\b|\bNone\b|<NA>|\||\bBME\b|  |'s [a-z -]*rate\b|s' [a-z -]*rate\b"
                 r"|\bhad an? (reoffending|offending|persistent|SEN support|NEET|looked)")
CODE = re.compile(r"\b(" + "|".join(ETH["code"]) + r")\b")


@st.composite
def groups(draw):
    """One row of a breakdown: an ethnicity level (or none), maybe sex, maybe other columns."""
    level = draw(st.sampled_from([*ETHNICITY_COLUMNS, None]))
    by_sex = draw(st.booleans())
    others = draw(st.lists(st.sampled_from(sorted(OTHER_VALUES)), unique=True, max_size=3))
    breakdown = ([level] if level else []) + (["sex"] if by_sex else []) + others
    row = {}
    if level:
        row[level] = draw(st.sampled_from(LEVEL_VALUES[level]))
    if by_sex:
        row["sex"] = draw(st.sampled_from(["Female", "Male"]))
    for col in others:
        row[col] = draw(st.sampled_from(OTHER_VALUES[col]))
    return breakdown, row


@st.composite
def results(draw):
    status = draw(st.sampled_from(STATUSES))
    rri = draw(st.sampled_from([0.0, 0.04, 0.4, 1.0, 1.3, 6.4, 12.0]))
    lo, hi = rri * 0.7, max(rri * 1.4, 0.1)
    events = draw(st.sampled_from([0, 1, 3, 40]))
    return pd.Series({"events": events, "population": draw(st.sampled_from([12, 60, 1000])),
                      "rri": rri if not status.startswith(("suppressed", "not computable")) else pd.NA,
                      "rri_ci_low": lo, "rri_ci_high": hi,
                      "significant": draw(st.sampled_from([True, False, pd.NA])),
                      "status": status})


def label_of(breakdown, row) -> str:
    return group_labels(pd.DataFrame([row]), breakdown).iloc[0]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups(), st.sampled_from(list(CAT["noun"])), st.sampled_from(COMPARISONS), results(),
       st.sampled_from([0.9, 0.95, 0.99]))
def test_every_sentence_reads_cleanly(group, noun, comparison, row, level):
    label = label_of(*group)
    text = sentence(row, label, noun, comparison, level)
    assert (text[:1].isupper() or text[:1].isdigit()) and text.endswith("."), text
    assert not BAD.search(text), text
    assert not CODE.search(text.replace(comparison, "")), text       # names, not codes
    # "N times X" always names a rate: the borough average or "the rate for ..."
    for m in re.finditer(r"times (\w+ \w+)", text):
        assert m.group(1) in ("the borough", "the rate"), text
    # a label that starts with its noun is not capitalised inside the sentence
    assert not re.search(r"[a-z,] (Boys|Girls|Children) (?!in Need)", text), text


@settings(max_examples=300, deadline=None)
@given(groups())
def test_every_group_label_is_readable(group):
    breakdown, row = group
    label = label_of(breakdown, row)
    assert label[:1].isupper() and not BAD.search(label), label
    assert not CODE.search(label), label                                 # DfE codes named
    assert "|" not in label and "," not in label.split(" ", 1)[0]
    if "ethnicity_code" in breakdown:
        name = ETH.set_index("code").loc[row["ethnicity_code"], "label"]
        assert (wording.UNRECORDED.get(name) or name.lower()) in label.lower() \
            or name.lower().removeprefix("any other") in label.lower(), label


def test_every_outcome_has_an_event_phrase_and_a_plain_short_label():
    for r in CAT.itertuples():
        assert isinstance(r.event, str) and r.event and r.event == r.event.strip()
        assert "|" not in r.short_label and "|" not in r.label
        one = event_phrase(r.key, 1)
        assert not one.startswith("were "), one                          # "1 ... was"
        assert event_phrase(r.noun) == r.event


def test_findings_name_a_rate_and_no_possessive_of_a_long_label():
    table = pd.DataFrame({"group": ["Black boys eligible for free school meals, with an EHCP"],
                          "status": ["ok"], "significant": [True], "rri": [6.4]})
    title = finding(table, "suspension", "White children")
    assert title == ("The suspension rate of Black boys eligible for free school meals, with an "
                     "EHCP is 6.4 times the rate for White children")
    assert rate_phrase("the borough average") == "the borough average"
    assert wording.rate_subject("custody (among offenders)", "Girls of any other White background") == (
        "the custody rate of girls of any other White background among offenders")


def test_dfe_codes_read_as_names_with_the_code_kept_in_its_column():
    t = pd.DataFrame({"ethnicity_code": ["BCRB", "MWBA", "WIRT", "REFU"],
                      "sex": ["Male", "Female", "Male", "Female"]})
    assert list(group_labels(t, ["ethnicity_code", "sex"])) == [
        "Black Caribbean boys", "White and Black African girls",
        "Traveller of Irish heritage boys", "Girls whose ethnicity was not given (refused)"]
    assert wording.COLUMN_LABELS["ethnicity_code"] == "DfE code"
