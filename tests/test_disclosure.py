"""Primary and secondary suppression, worked by hand."""
import numpy as np
import pandas as pd
import pytest

from analytics.protect import (
    LEGEND,
    PUBLIC_SUPPRESSED_STATUS,
    SUPPRESSED,
    display_frame,
    legend,
    suppress,
)
from analytics.stats.rri import REFERENCE_DERIVED_COLUMNS, rri_table

SEC = "suppressed: secondary, protects another cell"


def one_col(events, population, **kw):
    counts = pd.DataFrame({"grp": [f"g{i}" for i in range(len(events))],
                           "events": events, "population": population})
    kw.setdefault("comparison", "rest")
    return rri_table(counts, "grp", **kw)


def hidden(df, col="events"):
    return df[col].isna().tolist()


def test_primary_and_smallest_positive_secondary():
    # 3 is primary; the line (whole slice) then has one hidden cell, so the
    # smallest other positive count (10) is hidden too. 0 and 20 stay.
    out = suppress(one_col([3, 10, 20, 0], [50, 60, 70, 80]), "grp")
    assert hidden(out) == [True, True, False, False]
    assert out["status"][0] == "suppressed: fewer than 5 events"
    assert out["status"][1] == SEC
    assert out["events"][2] == 20 and out["events"][3] == 0
    assert not out["population"].isna().any()  # populations are all >= 5
    for col in ["rate", "rate_ci_low", "rri", "rri_ci_high", "p_value", "p_adjusted",
                "significant", "rate_difference", "excess_events", "representation_index",
                "reference_rate", "ci_method"]:
        assert pd.isna(out[col][0]) and pd.isna(out[col][1]), col


def test_secondary_hides_a_zero_when_no_positive_cell():
    out = suppress(one_col([3, 0, 0], [40, 40, 40]), "grp")
    assert hidden(out) == [True, True, False]  # first zero in row order


def test_two_way_table_hand_worked():
    # events      M    F
    #   A         3   20      A/M primary.
    #   B        30   40      line M {A/M, B/M, C/M}: hide B/M (30, smallest)
    #   C        50   60      line A {A/M, A/F}: hide A/F; line B {B/M, B/F}: hide B/F
    # Then every line has 0 or 2 hidden cells; C's row is published.
    counts = pd.DataFrame({"eth": list("AABBCC"), "sex": ["M", "F"] * 3,
                           "events": [3, 20, 30, 40, 50, 60], "population": [100] * 6})
    out = suppress(counts, ["eth", "sex"])
    assert hidden(out) == [True, True, True, True, False, False]
    assert out["status"].tolist() == ["suppressed: fewer than 5 events", SEC, SEC, SEC,
                                      "ok", "ok"]
    assert out["events"].dtype == "Int64"  # plain int64 became nullable


def test_population_primary_hides_events_and_population():
    counts = pd.DataFrame({"grp": ["a", "b", "c"], "events": [0, 12, 20],
                           "population": [3, 100, 200]})
    out = suppress(counts, "grp")
    assert out["status"][0] == "suppressed: fewer than 5 children in the group"
    assert hidden(out, "population") == [True, True, False]  # 100 protects 3
    assert hidden(out) == [True, True, False]


def test_threshold_off():
    t = one_col([1, 2, 3], [10, 10, 10])
    for k in (0, 1):
        out = suppress(t, "grp", threshold=k)
        assert not out["events"].isna().any()
        assert out["status"].tolist() == t["status"].tolist()
        assert out.attrs["suppression_threshold"] == k


def test_threshold_changes_legend_and_cutoff():
    out = suppress(one_col([9, 10, 50, 60], [100] * 4), "grp", threshold=10)
    assert hidden(out) == [True, True, False, False]  # 9 primary, 10 secondary
    assert "1 to 9" in legend(10)
    assert "1 to 4" in LEGEND and SUPPRESSED in LEGEND and "[z]" in LEGEND


@pytest.mark.parametrize("comparison", ["rest", "overall"])
def test_comparison_count_hidden(comparison):
    # Row g1 (3 events) primary; g0 (0) secondary; g2 stays, but its
    # comparison has 3 events (rest: 3+0, overall: all 3) so its ratio would
    # reveal them.
    t = one_col([0, 3, 0], [100, 100, 50], comparison=comparison)
    out = suppress(t, "grp")
    assert hidden(out) == [True, True, False]
    assert out["status"][2] == "suppressed: comparison group has fewer than 5 events"
    for col in REFERENCE_DERIVED_COLUMNS:
        assert pd.isna(out[col][2]), col
    assert out["events"][2] == 0 and out["rate"][2] == 0.0
    assert out["representation_index"][2] == 0.0


def test_reference_group_hidden():
    # r (3 events) primary; smallest other positive (c: 40) secondary;
    # b's own counts are published but its ratio to r is not.
    counts = pd.DataFrame({"grp": ["r", "b", "c"], "events": [3, 50, 40],
                           "population": [100, 200, 300]})
    t = rri_table(counts, "grp", reference="r")
    out = suppress(t, "grp")
    assert hidden(out) == [True, False, True]
    assert out["status"][1] == "suppressed: reference group is suppressed"
    assert out["events"][1] == 50 and out["rate"][1] == pytest.approx(25.0)
    for col in REFERENCE_DERIVED_COLUMNS:
        assert pd.isna(out[col][1]), col
    # the same when the attrs were lost and the comparison is passed explicitly
    t.attrs = {}
    again = suppress(t, "grp", comparison="reference", reference="r")
    assert again["status"].tolist() == out["status"].tolist()


def test_strata_reference_hidden_only_affects_its_stratum():
    counts = pd.DataFrame({"eth": ["W", "W", "B", "B", "A", "A"],
                           "sex": ["M", "F"] * 3,
                           "events": [60, 2, 40, 30, 50, 20],
                           "population": [500, 400, 200, 150, 300, 100]})
    t = rri_table(counts, ["eth", "sex"], reference={"eth": "W"})
    out = suppress(t, ["eth", "sex"])
    # W/F (2) primary; line F {W/F, B/F, A/F}: hide A/F (20); line W: hide W/M (60);
    # line A: hide A/M (50). B/M and B/F stay, but their references W/M and W/F are hidden.
    assert hidden(out) == [True, True, False, False, True, True]
    assert out["status"][2] == out["status"][3] == "suppressed: reference group is suppressed"


def test_deterministic_and_no_small_published_counts():
    rng = np.random.default_rng(3)
    counts = pd.DataFrame({"eth": np.repeat(list("ABCDEF"), 2), "sex": ["M", "F"] * 6,
                           "events": rng.integers(0, 9, 12)})
    counts["population"] = counts["events"] + rng.integers(0, 40, 12)
    one = suppress(rri_table(counts, ["eth", "sex"], comparison="overall"), ["eth", "sex"])
    two = suppress(rri_table(counts, ["eth", "sex"], comparison="overall"), ["eth", "sex"])
    pd.testing.assert_frame_equal(one, two)
    for col in ["events", "population"]:
        shown = one[col].dropna().to_numpy(dtype=int)
        assert not ((shown >= 1) & (shown < 5)).any()


def test_display_frame_symbols():
    counts = pd.DataFrame({"grp": ["a", "b", "c", "d", "e"], "events": [3, 10, 50, 2, 0],
                           "population": [100, 100, 200, 10, 0]})
    t = rri_table(counts, "grp", comparison="rest")
    shown = display_frame(suppress(t, "grp"))
    text = " ".join(shown.astype(str).to_numpy().ravel())
    for bad in ("nan", "NaN", "inf", "None", "<NA>"):
        assert bad not in text
    assert shown["events"][0] == SUPPRESSED and shown["rri"][0] == SUPPRESSED
    assert shown["status"][0] == PUBLIC_SUPPRESSED_STATUS
    assert shown["rate"][4] == "[z]"  # no children: not applicable, not confidential
    assert shown["events"][4] == "0"
    detail = display_frame(suppress(t, "grp"), detail=True)
    assert detail["status"][0] == "suppressed: fewer than 5 events"
    low = display_frame(one_col([30, 3, 40], [100, 20, 300]), mark_low=True)
    assert low["rri"][1].endswith("[u]") and not low["rri"][0].endswith("[u]")
    assert low["p_value"][0].startswith(("0.", "<0.", "1."))
