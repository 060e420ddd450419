"""Suppression on top of the cell-key method, worked by hand: groups (and comparisons) with
fewer than `threshold` published children show their population only."""
import pandas as pd
import pytest

from analytics.protect import LEGEND, SUPPRESSED, display_frame, legend, suppress
from analytics.stats.rri import REFERENCE_DERIVED_COLUMNS, rri_table

OWN = [c for c in ["events", "rate", "rate_ci_low", "rate_ci_high", "rri", "rri_ci_low",
                   "rri_ci_high", "p_value", "p_adjusted", "significant", "rate_difference",
                   "excess_events", "representation_index", "reference_rate", "ci_method"]]


def one_col(events, population, **kw):
    counts = pd.DataFrame({"grp": [f"g{i}" for i in range(len(events))],
                           "events": events, "population": population})
    kw.setdefault("comparison", "rest")
    return rri_table(counts, "grp", **kw)


def test_tiny_group_shows_its_population_only():
    out = suppress(one_col([3, 10, 20, 0], [4, 60, 70, 80]), "grp")
    assert out["status"][0] == "suppressed: fewer than 5 children in the group"
    assert out["population"][0] == 4
    for col in OWN:
        assert pd.isna(out[col][0]), col
    # the others keep everything, including the counts (no secondary suppression: the
    # counts are perturbed, not hidden, so differencing gains nothing exact)
    assert out["events"].tolist()[1:] == [10, 20, 0]
    assert out["status"].tolist()[1:3] == ["ok", "ok"]


def test_zero_population_is_not_suppressed_but_not_computable():
    out = suppress(one_col([0, 10], [0, 60]), "grp")
    assert out["status"][0].startswith("not computable")


def test_threshold_off_and_secure_setting():
    t = one_col([1, 2, 3], [3, 3, 3])
    for k in (0, 1):
        out = suppress(t, "grp", threshold=k)
        assert not out["events"].isna().any()
        assert out["status"].tolist() == t["status"].tolist()
        assert out.attrs["suppression_threshold"] == k
    assert "Secure setting: true counts" in legend(0)
    assert "cell-key" in LEGEND and "no count of 1 or 2" in LEGEND


def test_threshold_changes_cutoff_and_legend():
    out = suppress(one_col([5, 6, 50, 60], [9, 10, 100, 100]), "grp", threshold=10)
    assert out["events"].isna().tolist() == [True, False, False, False]
    assert "fewer than 10 children" in legend(10)


@pytest.mark.parametrize("comparison", ["rest", "overall"])
def test_tiny_comparison_hides_the_ratio(comparison):
    # g0 is nearly everyone: the rest has 3 children (overall: the slice is big, nothing hides)
    t = one_col([50, 1], [500, 3], comparison=comparison)
    out = suppress(t, "grp")
    if comparison == "rest":
        assert out["status"][0] == "suppressed: fewer than 5 children in the comparison group"
        for col in REFERENCE_DERIVED_COLUMNS:
            assert pd.isna(out[col][0]), col
        assert out["events"][0] == 50 and out["rate"][0] == pytest.approx(10.0)
    else:
        assert out["status"][0] == t["status"][0]
    assert out["status"][1] == "suppressed: fewer than 5 children in the group"


def test_reference_group_tiny():
    counts = pd.DataFrame({"grp": ["r", "b", "c"], "events": [3, 50, 40],
                           "population": [4, 200, 300]})
    t = rri_table(counts, "grp", reference="r")
    out = suppress(t, "grp")
    assert out["status"][1] == "suppressed: fewer than 5 children in the comparison group"
    assert out["events"][1] == 50 and out["rate"][1] == pytest.approx(25.0)
    for col in REFERENCE_DERIVED_COLUMNS:
        assert pd.isna(out[col][1]), col
    t.attrs = {}
    again = suppress(t, "grp", comparison="reference", reference="r")
    assert again["status"].tolist() == out["status"].tolist()


def test_uses_published_totals_when_given():
    counts = pd.DataFrame({"grp": ["a", "b"], "events": [10, 1], "population": [100, 6],
                           "total_events": [11, 11], "total_population": [104, 104]})
    t = rri_table(counts, "grp", comparison="rest")
    out = suppress(t, "grp", counts=counts)
    # the rest of b is 104 - 6 = 98; the rest of a is 104 - 100 = 4: too few
    assert out["status"][0] == "suppressed: fewer than 5 children in the comparison group"


def test_display_frame_symbols():
    counts = pd.DataFrame({"grp": ["a", "b", "c", "d", "e"], "events": [3, 10, 50, 2, 0],
                           "population": [4, 100, 200, 10, 0]})
    t = rri_table(counts, "grp", comparison="rest")
    shown = display_frame(suppress(t, "grp"))
    text = " ".join(shown.astype(str).to_numpy().ravel())
    for bad in ("nan", "NaN", "inf", "None", "<NA>"):
        assert bad not in text
    assert shown["events"][0] == SUPPRESSED and shown["rri"][0] == SUPPRESSED
    assert shown["population"][0] == "4"
    assert shown["rate"][4] == "[z]"  # no children: not applicable, not confidential
    assert shown["events"][4] == "0"
    low = display_frame(one_col([30, 3, 40], [100, 20, 300]), mark_low=True)
    assert low["rri"][1].endswith("[u]") and not low["rri"][0].endswith("[u]")
    assert low["p_value"][0].startswith(("0.", "<0.", "1."))
