"""The ratio funnel (analytics.stats.funnel): limits by hand and their false-alarm rate on
councils whose true ratio is the target."""
from __future__ import annotations

import numpy as np
import pytest

from analytics.stats.funnel import (null_precision, ratio_funnel_curve, ratio_funnel_table,
                                    ratio_limits)


def test_limits_by_hand():
    lo, hi = ratio_limits([100.0], 1.5, 0.95)
    assert lo[0] == pytest.approx(1.5 * np.exp(-1.959964 / 10), rel=1e-6)
    assert hi[0] == pytest.approx(1.5 * np.exp(1.959964 / 10), rel=1e-6)
    lo, hi = ratio_limits([100.0], 1.5, 0.998)
    assert hi[0] == pytest.approx(1.5 * np.exp(3.090232 / 10), rel=1e-6)


def test_null_precision_by_hand():
    # binomial: E = 2 x (10/1000) x 500 = 10; var = 1/10 - 1/500 + 1/10 - 1/1000
    w = null_precision([500], [10], [1000], 2.0, "binomial")
    assert w[0] == pytest.approx(1 / (0.1 - 0.002 + 0.1 - 0.001))
    w = null_precision([500], [10], [1000], 2.0, "poisson", dispersion=3.0)
    assert w[0] == pytest.approx(1 / (3 * (0.1 + 0.1)))
    assert np.isnan(null_precision([500], [0], [1000], 2.0, "binomial")[0])


def test_positions_and_curve():
    t = ratio_funnel_table([3.0, 1.6, 0.5, np.nan], [100.0, 100.0, 100.0, 50.0], 1.5)
    assert list(t["position"]) == ["above 99.8% limit", "within limits", "below 99.8% limit",
                                   "not computable"]
    curve = ratio_funnel_curve(1.5, 1000)
    assert (np.diff(curve["upper_95%"]) < 0).all()                # the funnel narrows


def test_false_alarms_near_nominal_at_the_target():
    """Councils whose true ratio is the target: about 5% fall outside the 95% limits and
    about 0.2% outside the 99.8% limits (Poisson counts, large enough for the log scale)."""
    rng = np.random.default_rng(3)
    units = 20000
    n, m = rng.integers(2000, 20000, units), rng.integers(20000, 200000, units)
    base = 0.05
    a, c = rng.poisson(n * base * 1.5), rng.poisson(m * base)
    w = null_precision(n, c, m, 1.5, "poisson")
    t = ratio_funnel_table((a / n) / (c / m), w, 1.5)
    out95 = (~t["position"].isin(["within limits"])).mean()
    out998 = t["position"].str.contains("99.8").mean()
    assert 0.035 < out95 < 0.065
    assert out998 < 0.006
