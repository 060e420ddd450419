"""The ranking, headline numbers, heatmap cells, profile rows and claim verdicts behind the
overview and high-risk pages."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.cohorts import get as get_cohort
from analytics.data.cohorts import profile_cohorts
from analytics.protect import gate
from analytics.views import findings
from analytics.views.claims import ClaimResult, evaluate, load_claims
from analytics.views.profiles import profile
from analytics.views.tables import rri_matrix

BREAKDOWN = ["ethnicity_major", "sex"]


def _row(outcome, eth, sex, rri, sig, excess, status="ok", events=50, population=1000):
    missing = status.startswith("suppressed")
    return {
        "outcome": outcome, "ethnicity_major": eth, "sex": sex,
        "events": pd.NA if missing else events, "population": population,
        "rate": pd.NA if missing else 5.0, "reference_rate": pd.NA if missing else 2.0,
        "rri": pd.NA if rri is None else rri,
        "rri_ci_low": pd.NA if rri is None else rri * 0.8,
        "rri_ci_high": pd.NA if rri is None else rri * 1.2,
        "significant": pd.NA if sig is None else sig,
        "excess_events": pd.NA if excess is None else excess, "status": status,
    }


def _matrix(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in ("rate", "reference_rate", "rri", "rri_ci_low", "rri_ci_high", "excess_events"):
        df[col] = df[col].astype("Float64")
    df["events"] = df["events"].astype("Int64")
    df["significant"] = df["significant"].astype("boolean")
    df["status"] = df["status"].astype("string")
    df.attrs["breakdown"] = BREAKDOWN
    # A hand-made matrix of true counts, published as the secure setting would publish it.
    return gate.publish(df, "rri_matrix", threshold=0)


@pytest.fixture()
def matrix():
    return _matrix([
        _row("suspension", "Black", "Male", 3.3, True, 360),
        _row("suspension", "Mixed", "Male", 1.3, True, 35),
        _row("suspension", "Asian", "Female", 0.2, True, -46),
        _row("suspension", "White", "Male", 5.0, False, 3),           # not significant
        _row("cin", "Black", "Male", 3.3, True, 900),                  # tie on RRI, more excess
        _row("cin", "White", "Female", 9.0, True, 4, status="low numbers: fewer than 30 children"),
        _row("cin", "Chinese", "Male", None, None, None, status="suppressed: fewer than 5 events"),
        _row("custody", "Asian", "Male", 0.5, True, -10),
    ])


def test_top_disparities_ranks_over_representation_first(matrix):
    top = findings.top_disparities(matrix, n=5)
    assert list(zip(top["group"], top["outcome"])) == [
        ("Black boys", "cin"), ("Black boys", "suspension"), ("Mixed boys", "suspension"),
        ("Asian girls", "suspension"), ("Asian boys", "custody")]
    assert top["sentence"].iloc[0] == ("The Child in Need rate of Black boys is 3.3 times the borough "
                                       "average (95% CI 2.6 to 4.0).")
    assert not top["sentence"].str.contains("nan|None|inf", case=False).any()


def test_top_disparities_leaves_out_unreliable_and_respects_n(matrix):
    top = findings.top_disparities(matrix, n=2, comparison_label="White boys")
    assert len(top) == 2
    assert "White" not in " ".join(top["group"])          # not significant / low numbers
    assert top["sentence"].str.contains("times the rate for White boys").all()
    empty = findings.top_disparities(matrix[matrix["status"] != "ok"])
    assert empty.empty


def test_top_disparities_without_sex_reads_children(matrix):
    m = matrix[matrix["sex"] == "Male"].drop(columns="sex")
    top = findings.top_disparities(m, n=1, breakdown=["ethnicity_major"])
    assert top["sentence"].iloc[0].startswith("The Child in Need rate of Black children")


def test_headline_counts(matrix):
    head = findings.headline(matrix, BREAKDOWN)
    assert head["over"] == 3 and head["under"] == 2 and head["compared"] == 6
    assert head["largest"]["group"] == "Black boys" and head["largest"]["text"] == "3.3"
    assert head["suppressed"] == 1 and head["low"] == 1


def test_heatmap_cells_text_and_tooltips(matrix):
    cells = findings.heatmap_cells(matrix, BREAKDOWN).set_index(["group", "outcome"])
    assert cells.loc[("Black boys", "suspension"), "text"] == "3.3"
    assert cells.loc[("Black boys", "suspension"), "category"] == "Significantly higher"
    assert cells.loc[("White boys", "suspension"), "category"] == "Not significant"
    assert cells.loc[("Chinese boys", "cin"), "text"] == "[c]"
    assert pd.isna(cells.loc[("Chinese boys", "cin"), "rri"])
    low = cells.loc[("White girls", "cin")]
    assert low["text"] == "[u]" and pd.isna(low["rri"])
    strings = cells.drop(columns=["rri"]).astype(str)
    assert not strings.apply(lambda c: c.str.contains("nan|None|<NA>|inf", case=False)).any().any()


def test_matrix_outcomes_exclude_stages_and_group_by_domain():
    keys = findings.matrix_outcomes()
    assert "reoffending" not in keys and "cpp_given_cin" not in keys
    assert keys[0] == "suspension" and keys[-1] == "custody"
    assert keys.index("camhs") > keys.index("concern_cse")


def test_children_total_suppresses_small_totals():
    # the published total: within the perturbation of the true one, never 1 or 2
    shown = findings.children_total(pd.DataFrame({"population": [40_000, 140]}))
    assert abs(int(shown.replace(",", "")) - 40_140) <= 4
    assert findings.children_total(pd.DataFrame({"population": [40_000, 140]}), 0) == "40,140"
    tiny = findings.children_total(pd.DataFrame({"population": [3]}))
    assert tiny in ("[c]", "0") or int(tiny) >= 5
    assert findings.children_total(pd.DataFrame({"population": [0]})) == "0"


def test_cohort_claims_include_the_section():
    girls = findings.cohort_claims(get_cohort("girls"))
    assert {"girls-cse-majority", "teenagers-cse-majority", "white-british-cse-largest",
            "girls-gangs", "girls-suspension"} == set(girls["claim_id"])
    for c in profile_cohorts():
        assert len(findings.cohort_claims(c)) >= 3


def test_claim_figure_is_readable():
    claims = load_claims().set_index("claim_id", drop=False)
    rri = findings.claim_figure(claims.loc["bcb-suspension"],
                                ClaimResult("bcb-suspension", True, 4.0946, 3.9256, 4.2708))
    assert rri == ("4.1 times the borough average (95% CI 3.9 to 4.3); "
                   "the statement implies 3 to 4.5 times.")
    rank = findings.claim_figure(claims.loc["bcb-custody-top"],
                                 ClaimResult("x", True, 2.0, detail="rank 2 of 24 groups (rate 0.008)"))
    assert rank == "Ranked 2nd of 24 groups by rate; the statement says in the top 3."
    none = findings.claim_figure(claims.loc["bcb-cin"], ClaimResult("bcb-cin", False, None))
    assert "None" not in none and "nan" not in none


def test_claim_verdicts_on_the_borough(con):
    cohort = get_cohort("black_caribbean_boys")
    claims = findings.cohort_claims(cohort)
    results = [evaluate(con, c) for _, c in claims.iterrows()]
    table = findings.claim_verdicts(claims, results, cohort)
    assert set(table["verdict"]) <= {"Borne out", "Consistent but not significant",
                                     "Not borne out", "Cannot be checked"}
    row = table.set_index("claim_id").loc["bcb-suspension"]
    assert row["verdict"] == "Borne out" and row["about"] == ""
    assert not table.astype(str).apply(lambda c: c.str.contains("nan|None", case=False)).any().any()


def test_suspension_top_disparity_is_black_or_mixed_boys(con):
    m = rri_matrix(con, BREAKDOWN, ["2024/25"], outcomes=["suspension"])
    top = findings.top_disparities(m, n=1)
    assert top["group"].iloc[0] in {"Black boys", "Mixed boys"}


def test_profile_rows_and_title(con):
    rows = findings.profile_rows(profile(con, "black_caribbean_boys", ["2024/25"]))
    assert rows["domain"].tolist() == sorted(rows["domain"], key=findings.domain_order().index)
    sus = rows.set_index("outcome").loc["suspension"]
    assert sus["category"] == "Significantly higher" and sus["rri_plot"] > 3
    assert sus["per"] == "per 100 pupils on roll"
    title = findings.profile_title(rows, "Black Caribbean boys")
    assert title.startswith("Black Caribbean boys: ") and "significantly above" in title
    lines = findings.profile_title(rows, "Black Caribbean boys", width=40)
    assert isinstance(lines, list) and all(len(x) <= 40 for x in lines)
