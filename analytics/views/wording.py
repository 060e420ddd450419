"""The product's words: readable labels for result rows, the finding a chart's title states,
and plain-English sentences for one row of an ``rri_table`` result.

One sentence per row, in the strategy's style: the ratio and its interval
first, then what it means. Every status has its own wording, and no
sentence ever contains "nan", "inf" or "None".
"""
from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

__all__ = ["capitalise", "format_number", "possessive", "rate_phrase", "event_phrase", "in_sentence", "rate_of",
           "sentence", "group_labels", "finding", "rate_subject", "ETHNICITY_COLUMNS"]


def format_number(x) -> str:
    """1 decimal place; 2 significant figures below 0.1 ("0.05", "0.047")."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r}")
    if x == 0:
        return "0"
    if abs(x) >= 0.1:
        return f"{x:.1f}"
    decimals = -math.floor(math.log10(abs(x))) + 1
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return text


def possessive(subject: str) -> str:
    """"boys" -> "boys'", "Black African girl" -> "Black African girl's"."""
    return subject + ("'" if subject.endswith("s") else "'s")


def capitalise(text: str) -> str:
    """First letter upper-case, the rest as written ("looked-after children" -> "Looked-after children")."""
    return text[:1].upper() + text[1:]


def rate_phrase(comparison_label: str) -> str:
    """What a ratio is "N times": the borough average is a rate already; a group is not
    ("6.4 times the rate for White British children", never "6.4 times White children")."""
    label = str(comparison_label)
    return label if label.startswith("the borough average") else f"the rate for {label}"


def in_sentence(label: str) -> str:
    """A group label as it reads inside a sentence: labels that start with their noun
    ("Girls of any other White background") lose the capital; names keep theirs."""
    label = str(label)
    first = label.split(" ", 1)[0]
    return label[:1].lower() + label[1:] if first in _NOUNS else label


def rate_of(noun: str) -> str:
    """"suspension rate"; a stage outcome's "custody (among offenders)" -> "custody rate
    among offenders"."""
    base, among, rest = str(noun).partition(" (among ")
    return f"{base} rate among {rest[:-1]}" if among and rest.endswith(")") else f"{noun} rate"


def rate_subject(noun: str, group: str) -> str:
    """"the suspension rate of Black boys eligible for free school meals": the subject of a
    sentence about a group's rate (no possessive, which breaks on labels with qualifiers).
    A stage outcome's noun, "custody (among offenders)", reads "the custody rate of Black
    boys among offenders"."""
    base, among, rest = str(noun).partition(" (among ")
    if among and rest.endswith(")"):
        return f"the {base} rate of {in_sentence(group)} among {rest[:-1]}"
    return f"the {noun} rate of {in_sentence(group)}"


@lru_cache(maxsize=None)
def _events() -> dict[str, str]:
    from analytics.data.reference import outcome_catalogue
    cat = outcome_catalogue()
    return {**dict(zip(cat["noun"], cat["event"])), **dict(zip(cat["key"], cat["event"]))}


def event_phrase(outcome: str, count=None) -> str:
    """What the children counted did, from the catalogue's `event` column, agreeing with
    the count: "were suspended", "1 ... was suspended", "reoffended". `outcome` is a key or
    a noun of the catalogue; anything else reads "had the outcome (...)"."""
    phrase = _events().get(str(outcome), f"had the outcome ({outcome})")
    if count is not None and not _missing(count) and int(count) == 1 and phrase.startswith("were "):
        phrase = "was " + phrase[len("were "):]
    return phrase


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v))


def _interval(row, level: float) -> str | None:
    lo, hi = row.get("rri_ci_low"), row.get("rri_ci_high")
    if _missing(lo) or _missing(hi):
        return None
    return f"{level * 100:g}% CI {format_number(lo)} to {format_number(hi)}"


def sentence(row, subject: str, outcome_label: str, comparison_label: str,
             level: float = 0.95) -> str:
    """Describe one result row.

    ``subject`` names the group ("Black Caribbean boys"), ``outcome_label``
    the outcome as a noun ("suspension") or its key, ``comparison_label`` what it is
    compared with ("the borough average", "White British boys").
    """
    status = "" if _missing(row.get("status")) else str(row.get("status"))
    subject = in_sentence(subject)
    label, _, reason = status.partition(":")
    label, reason = label.strip(), reason.strip()
    than = rate_phrase(comparison_label)
    rri = row.get("rri")
    ci = _interval(row, level)
    a, n = row.get("events"), row.get("population")

    if label == "suppressed":
        if "comparison" in reason or "reference group" in reason:
            return ("Figures suppressed to protect children's identities: the comparison of "
                    f"{subject} with {comparison_label} is not shown.")
        return ("Figures suppressed to protect children's identities: "
                f"no {outcome_label} figures are shown for {subject}.")
    if label == "reference":
        return (f"{capitalise(subject)} are the reference group: the {outcome_label} rates of "
                "other groups are compared with theirs.")
    if label == "not computable":
        why = f": {reason}" if reason else ""
        return f"No comparison with {comparison_label} is possible for {subject}{why}."
    if label == "low numbers":
        parts = []
        own = [r for r in reason.split("; ") if r and not r.startswith("comparison group")]
        cmp = [r for r in reason.split("; ") if r.startswith("comparison group")]
        if own and not (_missing(a) or _missing(n)):
            parts.append(f"{int(a)} of {int(n)} {subject} {event_phrase(outcome_label, a)}")
        for r in cmp:
            parts.append(r.replace("comparison group", f"the comparison group "
                                   f"({comparison_label})", 1))
        text = "Numbers are too low for a reliable comparison"
        text += (": " + "; ".join(parts)) if parts else ""
        if not _missing(rri) and rri > 0 and ci:
            text += (f". The estimate of {format_number(rri)} times {than} "
                     f"({ci}) is uncertain")
        return text + "."
    if label == "ok" and not _missing(rri) and ci:
        if rri == 0:
            who = f"No {subject}" if _missing(n) else f"0 of the {int(n):,} {subject}"
            return f"{who} {event_phrase(outcome_label)} (0 times {than}, {ci})."
        base = (f"{capitalise(rate_subject(outcome_label, subject))} is {format_number(rri)} "
                f"times {than} ({ci})")
        sig = row.get("significant")
        if not _missing(sig) and bool(sig):
            return base + (f": lower than {than}." if rri < 1 else ".")
        lo, hi = float(row.get("rri_ci_low")), float(row.get("rri_ci_high"))
        if lo > 1 or hi < 1:
            return base + (", not a significant difference once allowing for the number "
                           "of groups compared.")
        return base + ", not a significant difference."
    return f"No comparison with {comparison_label} is available for {subject}."


# --------------------------------------------------------------------------
# labels of result rows and chart findings
# --------------------------------------------------------------------------

SEX_NOUN = {"Male": "boys", "Female": "girls"}
#: Nouns a group label can start with (then capitalised; lower-case inside a sentence).
_NOUNS = {"Boys", "Girls", "Children"}
#: The ethnicity breakdown columns (a DfE code is shown by its name; see `group_labels`).
ETHNICITY_COLUMNS = ("ethnicity_major", "ethnicity_minor", "ethnicity_code")
#: Ethnicity values that are not an ethnic group, as they read after a noun.
UNRECORDED = {"Unclassified": "whose ethnicity is not recorded",
              "Refused": "whose ethnicity was not given (refused)",
              "Information not yet obtained": "whose ethnicity is not yet known"}
#: Values of the other breakdown columns as they read after "Black boys".
QUALIFIERS = {
    "fsm_status": {"FSM eligible": "eligible for free school meals",
                   "Not FSM eligible": "not eligible for free school meals"},
    "sen_status": {"No SEN": "with no SEN", "SEN support": "on SEN support",
                   "EHCP": "with an EHCP"},
    "care_status": {"Looked after": "looked after", "Not looked after": "not looked after"},
}
QUALIFIER_FORMATS = {"age_band": "aged {}", "school": "at {}", "school_phase": "in {} schools",
                     "period": "in {}"}

#: Column names as a reader sees them.
COLUMN_LABELS = {
    "ethnicity_major": "Ethnicity", "ethnicity_minor": "Ethnicity", "ethnicity_code": "DfE code",
    "sex": "Sex", "fsm_status": "Free school meals", "sen_status": "SEN", "care_status": "Care status",
    "age_band": "Age band", "school": "School", "school_phase": "Phase", "period": "Period",
    "cohort": "Group", "group": "Group", "outcome_label": "Outcome",
    "events": "Children with outcome", "population": "Children", "rate": "Rate",
    "rate_ci_low": "Rate CI low", "rate_ci_high": "Rate CI high",
    "reference_rate": "Comparison rate", "rri": "RRI", "rri_ci_low": "RRI CI low (unadjusted)",
    "rri_ci_high": "RRI CI high (unadjusted)", "p_value": "p-value", "p_adjusted": "Adjusted p",
    "significant": "Significant (adjusted)", "ci_method": "Interval method",
    "rate_difference": "Rate difference", "rate_difference_ci_low": "Difference CI low",
    "rate_difference_ci_high": "Difference CI high", "excess_events": "Excess children",
    "representation_index": "Representation index", "status": "Status",
}


@lru_cache(maxsize=None)
def _code_names() -> dict[str, str]:
    from analytics.data.reference import ethnicity_table
    eth = ethnicity_table()
    return dict(zip(eth["code"], eth["label"]))


def ethnicity_name(value) -> str:
    """A DfE ethnicity code as its name ("BCRB" -> "Black Caribbean"); other values as given."""
    return _code_names().get(str(value), str(value))


def _core(value: str | None, noun: str) -> str:
    """"Black" + "boys" -> "Black boys"; "Any other White background" -> "Boys of any other
    White background"; "Unclassified" -> "Boys whose ethnicity is not recorded"."""
    if value is None:
        return capitalise(noun)
    if value in UNRECORDED:
        return f"{capitalise(noun)} {UNRECORDED[value]}"
    if value.lower().startswith("any other"):
        return f"{capitalise(noun)} of {value[:1].lower()}{value[1:]}"
    return f"{value} {noun}"


def _qualifier(col: str, value: str) -> str:
    if col in QUALIFIERS:
        return QUALIFIERS[col].get(value, value)
    if col in QUALIFIER_FORMATS:
        return QUALIFIER_FORMATS[col].format(value.lower() if col == "school_phase" else value)
    return value


def group_labels(table: pd.DataFrame, breakdown) -> pd.Series:
    """Readable group names that work inside a sentence: "Black Caribbean boys" (also from
    the DfE code BCRB: the code stays in its own column as secondary detail), "Girls of any
    other White background", "Black children eligible for free school meals, with an EHCP".

    The first ethnicity column (or, for a user's aggregate table, the first column that is
    not a known breakdown) names the group; sex gives the noun; other columns qualify it."""
    breakdown = list(breakdown)
    known = set(ETHNICITY_COLUMNS) | set(QUALIFIERS) | set(QUALIFIER_FORMATS) | {"sex"}
    lead = next((c for c in breakdown if c in ETHNICITY_COLUMNS), None)
    if lead is None:
        lead = next((c for c in breakdown if c not in known), None)
    if "sex" in breakdown:
        nouns = [SEX_NOUN.get(str(v), str(v)) for v in table["sex"]]
    else:
        nouns = ["children"] * len(table)
    names = ([None] * len(table) if lead is None else
             [ethnicity_name(v) if lead == "ethnicity_code" else str(v) for v in table[lead]])
    rest = [c for c in breakdown if c not in (lead, "sex")]
    labels = []
    for i, (name, noun) in enumerate(zip(names, nouns)):
        extra = [_qualifier(c, str(table[c].iloc[i])) for c in rest]
        core = _core(name, noun)
        # "Girls of any other White background, eligible for ...": a comma after a core
        # that already ends in a phrase of its own.
        sep = ", " if core != f"{name} {noun}" and name is not None else " "
        labels.append(core + (sep + ", ".join(extra) if extra else ""))
    return pd.Series(labels, index=table.index, dtype=object, name="group")


def finding(table: pd.DataFrame, noun: str, comparison_label: str) -> str:
    """A title stating the finding: the largest significant ratio, or that there is none.

    `table` needs a `group` column (see `group_labels`)."""
    status = table["status"].astype(str)
    if not (status.eq("ok") | status.str.startswith("low numbers")).any():
        return f"Nothing could be computed: no group's {rate_of(noun)} can be compared"
    ok = table[status.eq("ok") & table["significant"].fillna(False).astype(bool)]
    if ok.empty:
        return (f"No group's {rate_of(noun)} differs significantly from "
                f"{rate_phrase(comparison_label)}")
    rri = ok["rri"].astype(float)
    # Lead with the largest over-representation; only if there is none, the largest under.
    top = ok.loc[rri.idxmax()] if (rri > 1).any() else ok.loc[rri.idxmin()]
    return (f"{capitalise(rate_subject(noun, top['group']))} is {format_number(top['rri'])} "
            f"times {rate_phrase(comparison_label)}")
