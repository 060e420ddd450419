"""Rates and Wilson intervals against hand arithmetic and published values."""
import math

import numpy as np
import pandas as pd
import pytest

from analytics.stats.rates import rate_table, wilson_interval

Z95 = 1.959963984540054  # standard normal 97.5% quantile


def _floats(arr):
    return np.asarray(arr, dtype=float)


def test_wilson_by_hand_10_of_100():
    # p = 0.1, n = 100, z^2 = 3.841459
    # centre = (0.1 + z^2/200) / (1 + z^2/100) = 0.1192073 / 1.0384146 = 0.1147974
    # half   = z/(1 + z^2/100) * sqrt(0.1*0.9/100 + z^2/40000)
    #        = 1.887458 * sqrt(0.000996036) = 0.0595683
    # -> 0.0552291 to 0.1743657
    p, n = 0.1, 100
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    low, high = wilson_interval([10], [100], 0.95)
    assert _floats(low)[0] == pytest.approx(centre - half, rel=1e-12)
    assert _floats(high)[0] == pytest.approx(centre + half, rel=1e-12)
    assert _floats(low)[0] == pytest.approx(0.0552291, abs=1e-7)
    assert _floats(high)[0] == pytest.approx(0.1743657, abs=1e-7)


@pytest.mark.parametrize("a, n, low, high", [
    # Newcombe (1998), Statistics in Medicine 17:857-872, worked examples, method 3 (score)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
])
def test_wilson_matches_newcombe_1998(a, n, low, high):
    lo, hi = wilson_interval([a], [n], 0.95)
    assert round(_floats(lo)[0], 4) == low
    assert round(_floats(hi)[0], 4) == high


def test_wilson_ends_are_exact_and_zero_population_is_na():
    lo, hi = wilson_interval([0, 5, 0, 3], [10, 5, 0, 7])
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert lo.isna()[2] and hi.isna()[2]
    assert lo.dtype == "Float64"
    assert not np.isnan(_floats(lo.dropna())).any()


def test_wilson_accepts_nullable_input_and_level():
    ev = pd.array([10, pd.NA], dtype="Int64")
    pop = pd.array([100, 50], dtype="Int64")
    lo99, hi99 = wilson_interval(ev, pop, 0.99)
    lo95, hi95 = wilson_interval(ev, pop, 0.95)
    assert lo99.isna()[1]
    assert lo99[0] < lo95[0] < hi95[0] < hi99[0]


def test_wilson_rejects_bad_input():
    with pytest.raises(ValueError, match="row 2"):
        wilson_interval([1, 9], [5, 8])
    with pytest.raises(ValueError, match="level"):
        wilson_interval([1], [5], 95)


def test_rate_table_scales_by_unit():
    counts = pd.DataFrame({"g": ["a", "b"], "events": [10, 0], "population": [100, 0]})
    out = rate_table(counts, unit=1000)
    assert out["rate"][0] == pytest.approx(100.0)
    assert out["rate_ci_low"][0] == pytest.approx(55.2291, abs=1e-4)
    assert out["rate"].isna()[1] and out["rate_ci_high"].isna()[1]
    assert list(out.columns) == ["g", "events", "population", "rate", "rate_ci_low",
                                 "rate_ci_high"]
