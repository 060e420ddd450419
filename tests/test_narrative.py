"""Sentences for each status."""
import pandas as pd
import pytest

from analytics.protect import suppress
from analytics.stats.rri import rri_table
from analytics.views.wording import format_number, possessive, sentence

BOROUGH = "the borough average"


def row(**kw):
    base = {"events": 120, "population": 1000, "rri": 3.9, "rri_ci_low": 3.1,
            "rri_ci_high": 4.8, "significant": True, "status": "ok"}
    base.update(kw)
    return pd.Series(base)


def test_significantly_higher():
    s = sentence(row(), "Black Caribbean boys", "suspension", BOROUGH)
    assert s == ("The suspension rate of Black Caribbean boys is 3.9 times the borough average "
                 "(95% CI 3.1 to 4.8).")


def test_significantly_lower():
    s = sentence(row(rri=0.4, rri_ci_low=0.3, rri_ci_high=0.6), "Indian girls", "suspension",
                 BOROUGH)
    assert s == ("The suspension rate of Indian girls is 0.4 times the borough average "
                 "(95% CI 0.3 to 0.6): lower than the borough average.")


def test_not_significant_and_level():
    s = sentence(row(rri=1.2, rri_ci_low=0.9, rri_ci_high=1.6, significant=False),
                 "White boys", "suspension", BOROUGH, level=0.9)
    assert s == ("The suspension rate of White boys is 1.2 times the borough average "
                 "(90% CI 0.9 to 1.6), not a significant difference.")
    # interval excludes 1 but not significant after adjustment
    s = sentence(row(rri=1.5, rri_ci_low=1.1, rri_ci_high=2.0, significant=False),
                 "Irish girls", "suspension", BOROUGH)
    assert "not a significant difference once allowing for the number of groups" in s


def test_low_numbers():
    r = row(events=3, population=12, rri=2.3, rri_ci_low=0.7, rri_ci_high=6.1,
            significant=False,
            status="low numbers: fewer than 30 children; fewer than 5 events")
    s = sentence(r, "Gypsy/Roma girls", "suspension", BOROUGH)
    assert s.startswith("Numbers are too low for a reliable comparison: 3 of 12 "
                        "Gypsy/Roma girls were suspended.")
    assert "2.3 times the borough average (95% CI 0.7 to 6.1)" in s
    r = row(status="low numbers: comparison group has fewer than 5 events")
    s = sentence(r, "Black African boys", "suspension", "White British boys")
    assert "the comparison group (White British boys) has fewer than 5 events" in s


def test_not_computable_reference_and_suppressed():
    r = row(rri=pd.NA, rri_ci_low=pd.NA, rri_ci_high=pd.NA, significant=pd.NA,
            status="not computable: no events in the comparison group")
    assert sentence(r, "Black African boys", "permanent exclusion", "White British boys") == (
        "No comparison with White British boys is possible for Black African boys: "
        "no events in the comparison group.")
    r = row(rri=1.0, rri_ci_low=pd.NA, rri_ci_high=pd.NA, significant=pd.NA,
            status="reference")
    assert sentence(r, "White British boys", "suspension", "White British boys") == (
        "White British boys are the reference group: the suspension rates of other groups "
        "are compared with theirs.")
    r = row(events=pd.NA, rri=pd.NA, status="suppressed: fewer than 5 events")
    s = sentence(r, "Roma girls", "suspension", BOROUGH)
    assert s.startswith("Figures suppressed to protect children's identities")
    assert "fewer than 5" not in s  # the reason stays internal
    r = row(status="suppressed: reference group is suppressed", rri=pd.NA)
    assert "comparison of Roma girls with the borough average is not shown" in sentence(
        r, "Roma girls", "suspension", BOROUGH)


def test_numbers_and_possessive():
    assert format_number(3.94) == "3.9"
    assert format_number(0.05) == "0.05"
    assert format_number(0.047) == "0.047"
    assert format_number(0.0996) == "0.1"
    assert format_number(0) == "0"
    assert possessive("boys") == "boys'"
    assert possessive("Black African girl") == "Black African girl's"
    with pytest.raises(ValueError):
        format_number(float("inf"))


def test_every_row_of_real_tables_reads_cleanly():
    counts = pd.DataFrame({"grp": ["r", "a", "b", "c", "d", "e"],
                           "events": [50, 150, 3, 0, 12, 0],
                           "population": [1000, 1000, 20, 0, 400, 300]})
    for comp in ["reference", "rest", "overall"]:
        t = rri_table(counts, "grp", comparison=comp, reference="r")
        for table in (t, suppress(t, "grp")):
            for _, r in table.iterrows():
                s = sentence(r, f"group {r['grp']} pupils", "suspension", "the comparison")
                for bad in ("nan", "inf", "None", "<NA>"):
                    assert bad not in s, s
                assert s.endswith(".")


def test_zero_rate_with_no_minimum():
    r = row(events=0, population=60, rri=0.0, rri_ci_low=0.0, rri_ci_high=1.9,
            significant=False)
    assert sentence(r, "Chinese girls", "suspension", BOROUGH) == (
        "0 of the 60 Chinese girls were suspended "
        "(0 times the borough average, 95% CI 0 to 1.9).")


def test_finding_says_when_nothing_could_be_computed():
    import pandas as pd

    from analytics.views.wording import finding
    table = pd.DataFrame({"group": ["A", "B"], "status": ["suppressed: fewer than 5 children in "
                                                          "the group", "not computable: no "
                                                          "children in the group"],
                          "significant": pd.array([pd.NA, pd.NA], dtype="boolean"),
                          "rri": pd.array([pd.NA, pd.NA], dtype="Float64")})
    assert finding(table, "custody", "the borough average").startswith("Nothing could be computed")
    table["status"] = ["ok", "low numbers: fewer than 5 events"]
    table["significant"] = pd.array([False, False], dtype="boolean")
    assert finding(table, "custody", "the borough average").startswith("No group's")
