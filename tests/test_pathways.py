"""Pathways: loading data/reference/pathways.toml and locating the stage where a group's
disproportionality is largest."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics.data.db import periods
from analytics.data.reference import outcome_catalogue
from analytics.protect import gate
from analytics.views import pathways as pw
from analytics.views.tables import rri_matrix

BREAKDOWN = ["ethnicity_minor", "sex"]
YJ = pw.get("youth_justice")


def fake_matrix(rows):
    """rows: (outcome, ethnicity, sex, rri, significant, status)."""
    df = pd.DataFrame(rows, columns=["outcome", "ethnicity_minor", "sex", "rri", "significant",
                                     "status"])
    df["events"] = pd.array([50] * len(df), dtype="Int64")
    df["population"] = pd.array([500] * len(df), dtype="Int64")
    df["rri"] = df["rri"].astype("Float64")
    df["rri_ci_low"] = (df["rri"] * 0.8).astype("Float64")
    df["rri_ci_high"] = (df["rri"] * 1.25).astype("Float64")
    df["significant"] = df["significant"].astype("boolean")
    suppressed = df["status"].str.startswith("suppressed")
    for col in ("events", "rri", "rri_ci_low", "rri_ci_high", "significant"):
        df.loc[suppressed, col] = pd.NA
    return gate.publish(df, "rri_matrix", threshold=0)      # hand-made: the secure setting


def no_missing_text(values) -> bool:
    text = " ".join(map(str, values)).lower()
    return not any(w in f" {text} " for w in ("nan", "inf", " none", "<na>"))


def test_pathways_are_data_in_order():
    paths = pw.load_pathways()
    assert list(paths) == ["youth_justice", "social_care", "exclusion"]
    assert YJ.outcomes == ("proven_offence", "remand_given_offence", "custody_given_offence")
    assert paths["social_care"].outcomes == ("cin", "cpp_given_cin", "looked_after_given_cin")
    assert paths["exclusion"].outcomes == ("suspension", "permanent_given_suspension")
    kinds = outcome_catalogue().set_index("key")["kind"]
    for p in paths.values():                      # later stages are stage-to-stage rates
        assert all(kinds[s.outcome] == "stage" for s in p.stages[1:])
        assert all(len(s.label) <= 26 for s in p.stages)
    assert pw.stage_descriptions(YJ)[2] == \
        "Custody (of offenders): among children with a proven offence"
    with pytest.raises(KeyError, match="unknown pathway"):
        pw.get("nope")


@pytest.mark.parametrize("text, message", [
    ('[[pathway]]\nkey="a"\nlabel="A"\nstart="x"\n[[pathway.stage]]\noutcome="cin"\n'
     '[[pathway.stage]]\noutcome="nope"\n', "unknown outcome"),
    ('[[pathway]]\nkey="a"\nlabel="A"\nstart="x"\n[[pathway.stage]]\noutcome="cin"\n',
     "at least two"),
    ('[[pathway]]\nkey="a"\nlabel="A"\nstart="x"\n[[pathway.stage]]\noutcome="cin"\n'
     '[[pathway.stage]]\noutcome="cin"\n', "twice"),
    ('[[pathway]]\nkey="a"\nstart="x"\n', "no 'label'"),
    ("", "no pathways"),
])
def test_bad_pathway_files_are_refused(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        pw.load_pathways(path)


def test_largest_step_is_located():
    m = fake_matrix([
        ("proven_offence", "Black Caribbean", "Male", 4.1, True, "ok"),
        ("remand_given_offence", "Black Caribbean", "Male", 1.5, False, "ok"),
        ("custody_given_offence", "Black Caribbean", "Male", 1.2, False, "ok"),
        ("proven_offence", "White British", "Male", 0.8, True, "ok"),
        ("remand_given_offence", "White British", "Male", 0.9, False, "ok"),
        ("custody_given_offence", "White British", "Male", 2.5, True, "ok"),
    ])
    t = pw.pathway_table(m, YJ, BREAKDOWN)
    assert t["stage_label"].tolist()[:3] == ["Proven offence", "Proven offence",
                                             "Remand (of offenders)"]
    steps = pw.largest_steps(t).set_index("group")
    assert steps.at["Black Caribbean boys", "stage_label"] == "Proven offence"
    assert steps.at["White British boys", "stage_label"] == "Custody (of offenders)"
    s = pw.step_sentences(t, YJ, ["Black Caribbean boys", "White British boys"])
    assert s[0] == ("For Black Caribbean boys the largest step is at proven offence (RRI 4.1, "
                    "significant), not at remand among offenders (1.5) or custody among "
                    "offenders (1.2).")
    assert s[1].startswith("For White British boys the largest step is at custody among "
                           "offenders (RRI 2.5, significant)")
    assert pw.pathway_finding(t, YJ, ["Black Caribbean boys"], "the borough average") == \
        ("Black Caribbean boys: the largest disproportionality in the youth justice pathway "
         "is at proven offence (RRI 4.1)")


def test_suppressed_and_under_represented_groups():
    m = fake_matrix([
        ("proven_offence", "Black African", "Male", 0.7, True, "ok"),
        ("remand_given_offence", "Black African", "Male", None, None,
         "suppressed: fewer than 5 events"),
        ("custody_given_offence", "Black African", "Male", 0.9, False,
         "low numbers: fewer than 5 events"),
        ("proven_offence", "Chinese", "Female", None, None, "suppressed: fewer than 5 events"),
        ("remand_given_offence", "Chinese", "Female", None, None,
         "suppressed: fewer than 5 children in the group"),
        ("custody_given_offence", "Chinese", "Female", None, None,
         "not computable: no children in the group"),
    ])
    t = pw.pathway_table(m, YJ, BREAKDOWN)
    s = pw.step_sentences(t, YJ, ["Black African boys", "Chinese girls"])
    assert s[0].startswith("Black African boys are not over-represented at any stage shown: "
                           "the highest RRI is at custody among offenders (RRI 0.9, low numbers,"
                           " not significant)")
    assert "Remand among offenders cannot be shown" in s[0]
    assert s[1].startswith("For Chinese girls no stage of the youth justice pathway can be shown")
    assert no_missing_text(s)
    assert pw.pathway_finding(t, YJ, ["Black African boys"], "x").startswith("No group shown")
    summary = pw.stage_summary(t, YJ).set_index("Group")
    assert list(summary.columns) == ["Proven offence", "Remand (of offenders)",
                                     "Custody (of offenders)", "Largest at"]
    assert summary.at["Black African boys", "Remand (of offenders)"] == "[c]"
    assert summary.at["Black African boys", "Custody (of offenders)"].endswith("[u]")
    assert summary.at["Black African boys", "Proven offence"] == "0.70 (0.56 to 0.88)"
    assert summary.at["Chinese girls", "Largest at"] == "not shown"
    assert no_missing_text(summary.to_numpy().ravel())


def test_ties_at_one_decimal_use_two():
    m = fake_matrix([
        ("cin", "Black African", "Male", 1.521, True, "ok"),
        ("cpp_given_cin", "Black African", "Male", 0.59, True, "ok"),
        ("looked_after_given_cin", "Black African", "Male", 1.524, True, "ok"),
    ])
    sc = pw.get("social_care")
    s = pw.step_sentences(pw.pathway_table(m, sc, BREAKDOWN), sc, ["Black African boys"])[0]
    assert "(RRI 1.52, significant), level with Child in Need (1.52), not at Child Protection " \
           "Plan among Children in Need (0.59)" in s


def test_social_care_on_the_borough(con):
    ps = periods(con)[-5:]
    sc = pw.get("social_care")
    m = rri_matrix(con, ["ethnicity_major", "sex"], ps, outcomes=list(sc.outcomes))
    t = pw.pathway_table(m, sc, ["ethnicity_major", "sex"])
    steps = pw.largest_steps(t, ["Black boys"]).iloc[0]
    assert steps["stage_label"] == "Child in Need" and steps["significant"]
    sentence = pw.step_sentences(t, sc, ["Black boys"])[0]
    assert sentence.startswith("For Black boys the largest step is at Child in Need (RRI ")
    summary = pw.stage_summary(t, sc)
    assert len(summary) == t["group"].nunique()
    assert no_missing_text(summary.to_numpy().ravel())


def test_chart_draws_nothing_from_suppressed_counts():
    from analytics.outputs.charts.pathways import stage_rri_chart

    m = fake_matrix([
        ("proven_offence", "Black Caribbean", "Male", 4.1, True, "ok"),
        ("remand_given_offence", "Black Caribbean", "Male", None, None,
         "suppressed: fewer than 5 events"),
        ("custody_given_offence", "Black Caribbean", "Male", 1.2, False, "ok"),
        ("proven_offence", "Chinese", "Female", 0.0, False, "low numbers: fewer than 5 events"),
        ("remand_given_offence", "Chinese", "Female", None, None,
         "not computable: no children in the group"),
        ("custody_given_offence", "Chinese", "Female", None, None,
         "not computable: no children in the group"),
    ])
    t = pw.pathway_table(m, YJ, BREAKDOWN)
    chart = stage_rri_chart(t, YJ, ["Black Caribbean boys", "Chinese girls"], "x")
    spec = json.loads(chart.to_json())
    rows = [r for v in spec["datasets"].values() for r in v if "group" in r]
    drawn = {(r["group"], r["stage"]) for r in rows if r["rri"] is not None}
    assert drawn == {("Black Caribbean boys", 0), ("Black Caribbean boys", 2)}   # not 0 on a log
    assert all(r["band_low"] is None for r in rows if (r["group"], r["stage"]) not in drawn)
    assert "Custody (of offenders)" in json.dumps(spec["layer"])      # the stage axis labels
    from analytics.outputs import charts
    svg = charts.to_svg(charts.board_chart(chart, "Title", "Subtitle", "Caveat", width=720))
    assert svg.startswith("<svg") and "Custody (of offenders)" in svg
