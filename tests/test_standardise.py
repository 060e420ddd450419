"""Indirectly standardised ratios (analytics.stats.standardise) against published results
of a public-health reference implementation, an independent exact computation and
hand-worked examples."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import poisson

from analytics.stats.standardise import byar_limits, exact_limits, isr_table

DATA = Path(__file__).resolve().parent / "data"

#: Documented results of PHEindicatormethods' calculate_ISRatio (UKHSA's R package behind
#: England's Fingertips indicators): sheet 'testresults_ISR', rows "indirectly standardised
#: ratio x 1", of tests/testthat/testdata_DSR_ISR.xlsx in
#: github.com/ukhsa-collaboration/PHEindicatormethods at commit 093fd288 (the package's
#: own test expectations). Columns: observed, expected, value, lower95, upper95,
#: lower99.8, upper99.8, method. The input is tests/data/phe_isr_testdata.csv.
PHE_RESULTS = {
    "testdata_big": (895, 835.8835612311743, 1.0707232939020275, 1.0017147712553987,
                     1.143233287249895, 0.9635155619614437, 1.1860070415876287, "Byars"),
    "testdata_small": (91, 835.8835612311743, 0.10886683770400503, 0.08765040101829405,
                       0.1336657632841891, 0.07695425528392111, 0.14897920510466744, "Byars"),
    "testdata_tiny": (9, 835.8835612311743, 0.010767049882813684, 0.004923380825095776,
                      0.02043921455549973, 0.0029339306550682617, 0.02710589651469021, "Exact"),
}


def _phe_input():
    raw = pd.read_csv(DATA / "phe_isr_testdata.csv", comment="#").dropna(subset=["count"])
    counts = raw.rename(columns={"count": "events", "pop": "population"})[
        ["area", "ageband", "events", "population"]].astype({"events": int, "population": int})
    standard = (raw[raw["area"] == "testdata_big"]
                .rename(columns={"refcount": "events", "refpop": "population"})
                [["ageband", "events", "population"]])
    return counts, standard


@pytest.mark.parametrize("level, lo_col, hi_col", [(0.95, 3, 4), (0.998, 5, 6)])
def test_matches_phe_indicator_methods_documented_results(level, lo_col, hi_col):
    counts, standard = _phe_input()
    out = isr_table(counts, "area", "ageband", standard=standard, ci="byar", level=level,
                    min_events=0, min_population=0).set_index("area")
    for area, expected in PHE_RESULTS.items():
        row = out.loc[area]
        assert row["observed"] == expected[0]
        assert float(row["expected"]) == pytest.approx(expected[1], rel=1e-12)
        assert float(row["isr"]) == pytest.approx(expected[2], rel=1e-12)
        assert float(row["isr_ci_low"]) == pytest.approx(expected[lo_col], rel=1e-9)
        assert float(row["isr_ci_high"]) == pytest.approx(expected[hi_col], rel=1e-9)
        assert row["status"] == "ok"


def test_hand_worked_two_strata():
    """Standard (both groups together): FSM 30 of 300 (0.1), not FSM 20 of 700 (1/35).
    Group A: FSM 20 of 100, not FSM 5 of 100 -> expected 100 x 0.1 + 100/35 = 12.857143,
    observed 25, ISR 1.944444. Group B: FSM 10 of 200, not FSM 15 of 600 -> expected
    20 + 600/35 = 37.142857, observed 25, ISR 0.673077."""
    counts = pd.DataFrame({"group": ["A", "A", "B", "B"], "fsm": ["yes", "no", "yes", "no"],
                           "events": [20, 5, 10, 15], "population": [100, 100, 200, 600]})
    out = isr_table(counts, ["group"], ["fsm"], ci="exact").set_index("group")
    assert float(out.loc["A", "expected"]) == pytest.approx(12.857143, abs=1e-6)
    assert float(out.loc["A", "isr"]) == pytest.approx(1.944444, abs=1e-6)
    assert float(out.loc["B", "expected"]) == pytest.approx(37.142857, abs=1e-6)
    assert float(out.loc["B", "isr"]) == pytest.approx(0.673077, abs=1e-6)
    # Expected events add up to the observed total when the standard is the table itself.
    assert out["expected"].astype(float).sum() == pytest.approx(50)
    assert list(out.columns) == ["observed", "expected", "isr", "isr_ci_low", "isr_ci_high",
                                 "status"]


def test_byar_hand_worked():
    """Byar's limits for 65 events at 95% (z = 1.959964):
    lower = 65 (1 - 0.001709 - 1.959964/24.186773)^3 = 65 x 0.917256^3 = 65 x 0.771741 = 50.163;
    upper = 66 (1 - 0.001684 + 1.959964/24.372115)^3 = 66 x 1.078735^3 = 66 x 1.255290 = 82.849."""
    lo, hi = byar_limits([65], 0.95)
    assert lo[0] == pytest.approx(50.163, abs=1e-3)
    assert hi[0] == pytest.approx(82.849, abs=1e-3)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99, 0.998])
def test_exact_limits_equal_poisson_tail_inversion(level):
    """Independent check: the exact limits solve P(X >= O | L) = alpha/2 and
    P(X <= O | U) = alpha/2 (root-finding on scipy's Poisson distribution)."""
    alpha = 1 - level
    observed = np.arange(0, 60)
    lo, hi = exact_limits(observed, level)
    for o, l, h in zip(observed, lo, hi):
        if o == 0:
            assert l == 0
        else:
            root = brentq(lambda m, o=o: poisson.sf(o - 1, m) - alpha / 2, 1e-9, 10 * o + 50)
            assert l == pytest.approx(root, rel=1e-7)
        root = brentq(lambda m, o=o: poisson.cdf(o, m) - alpha / 2, 1e-9, 10 * o + 50)
        assert h == pytest.approx(root, rel=1e-7)


def test_byar_is_close_to_exact_from_ten_events():
    """Fingertips: Byar's method is within a fraction of a percent of exact from 10 events."""
    observed = np.arange(10, 500)
    b_lo, b_hi = byar_limits(observed, 0.95)
    e_lo, e_hi = exact_limits(observed, 0.95)
    assert np.max(np.abs(b_lo / e_lo - 1)) < 0.01
    assert np.max(np.abs(b_hi / e_hi - 1)) < 0.01


def test_one_stratum_isr_is_the_crude_ratio_to_the_standard():
    counts = pd.DataFrame({"g": ["a", "b", "c"], "s": ["x"] * 3, "events": [12, 30, 8],
                           "population": [100, 400, 300]})
    out = isr_table(counts, "g", "s").set_index("g")
    overall = 50 / 800
    for g, e, n in zip("abc", (12, 30, 8), (100, 400, 300)):
        assert float(out.loc[g, "isr"]) == pytest.approx((e / n) / overall)


def test_supplied_standard_and_labelled_edge_cases():
    counts = pd.DataFrame({
        "g": ["ok", "ok", "none", "none", "zero_exp", "missing", "missing", "nobody"],
        "s": ["x", "y", "x", "y", "z", "x", "w", "x"],
        "events": [3, 0, 0, 0, 2, 4, 1, 0],
        "population": [50, 50, 40, 60, 30, 40, 10, 0]})
    standard = pd.DataFrame({"s": ["x", "y", "z"], "events": [10, 5, 0],
                             "population": [100, 100, 100]})
    out = isr_table(counts, "g", "s", standard=standard).set_index("g")
    assert float(out.loc["ok", "expected"]) == pytest.approx(7.5)
    assert float(out.loc["ok", "isr"]) == pytest.approx(0.4)
    assert out.loc["ok", "status"].startswith("low numbers")
    # No events: ISR 0 with an upper limit, not NA.
    assert float(out.loc["none", "isr"]) == 0 and float(out.loc["none", "isr_ci_low"]) == 0
    assert float(out.loc["none", "isr_ci_high"]) > 0
    assert out.loc["zero_exp", "status"].startswith("not computable: nothing is expected")
    assert "s=w" in out.loc["missing", "status"]
    assert out.loc["nobody", "status"] == "not computable: no children in the group"
    for g in ("zero_exp", "missing", "nobody"):
        assert pd.isna(out.loc[g, "isr"]) and pd.isna(out.loc[g, "isr_ci_high"])
    numbers = out[["expected", "isr", "isr_ci_low", "isr_ci_high"]].astype("Float64")
    assert not np.isinf(numbers.to_numpy(dtype=float, na_value=0)).any()


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame({"g": ["a"], "s": ["x"], "events": [5], "population": [3]}), "exceed"),
    (pd.DataFrame({"g": ["a", "a"], "s": ["x", "x"], "events": [1, 1],
                   "population": [3, 3]}), "repeat"),
    (pd.DataFrame({"g": ["a"], "s": ["x"], "events": [-1], "population": [3]}), "negative"),
    (pd.DataFrame({"g": ["a"], "events": [1], "population": [3]}), "missing column"),
])
def test_bad_counts_are_refused_with_column_and_row(bad, message):
    with pytest.raises(ValueError, match=message):
        isr_table(bad, "g", "s")


def test_options_are_checked():
    counts = pd.DataFrame({"g": ["a"], "s": ["x"], "events": [1], "population": [3]})
    with pytest.raises(ValueError, match="ci must be"):
        isr_table(counts, "g", "s", ci="wald")
    with pytest.raises(ValueError, match="level"):
        isr_table(counts, "g", "s", level=95)
    with pytest.raises(ValueError, match="both group and strata"):
        isr_table(counts, "g", "g")
