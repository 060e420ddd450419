"""Rates and ratios of event counts (analytics.stats.events) against statsmodels, scipy and
hand-worked figures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.rates import confint_poisson, confint_poisson_2indep

from analytics.stats.events import event_rate_interval, event_ratio_table


def test_rate_interval_is_garwood_exact_by_hand():
    """3 events: the exact 95% limits are chi2(0.025; 6)/2 = 0.619 and chi2(0.975; 8)/2 =
    8.767 (the tables' figures), per 1,000 here."""
    low, high = event_rate_interval([3], [1000])
    assert float(low[0]) * 1000 == pytest.approx(0.6187, abs=1e-4)
    assert float(high[0]) * 1000 == pytest.approx(8.7673, abs=1e-4)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_rate_interval_matches_statsmodels_exact(level):
    a = np.array([0, 1, 2, 5, 17, 120, 2147, 954952])
    n = np.array([30, 100, 2041, 5000, 4174, 23146, 23146, 8445343])
    low, high = event_rate_interval(a, n, level)
    ref_low, ref_high = confint_poisson(a, n, method="exact-c", alpha=1 - level)
    assert np.allclose(low.to_numpy(float), ref_low, rtol=1e-9, atol=1e-15)
    assert np.allclose(high.to_numpy(float), ref_high, rtol=1e-9)


def test_rate_interval_with_dispersion_is_the_poisson_interval_of_the_effective_count():
    phi = 2.5
    k = np.array([0, 2, 7, 40, 400])
    n = np.array([500, 800, 1000, 9000, 20000])
    low, high = event_rate_interval(k * phi, n, dispersion=phi)
    ref_low, ref_high = confint_poisson(k, n / phi, method="exact-c")
    assert np.allclose(low.to_numpy(float), ref_low, rtol=1e-9, atol=1e-15)
    assert np.allclose(high.to_numpy(float), ref_high, rtol=1e-9)
    wider = event_rate_interval(k * phi, n)[1].to_numpy(float)
    assert (high.to_numpy(float) > wider).all()                  # overdispersion widens


def test_rate_interval_without_pupils_is_missing_not_nan():
    low, high = event_rate_interval([0, 3, None], [0, 0, 10])
    assert low.isna().all() and high.isna().all()


def _table(rows):
    return pd.DataFrame(rows, columns=["la", "ethnicity", "events", "population"])


def _exact_by_scipy(a, n, c, m, level):
    """The conditional interval worked with scipy's exact binomial interval."""
    ci = stats.binomtest(int(a), int(a + c)).proportion_ci(level, method="exact")
    to_theta = lambda p: p * m / ((1 - p) * n)  # noqa: E731
    return to_theta(ci.low), to_theta(ci.high)


@pytest.mark.parametrize("a,n,c,m", [(603, 5286, 877, 9537), (46, 2041, 877, 9537),
                                     (0, 300, 40, 2000), (3, 120, 1, 400), (12, 90, 7, 1500)])
def test_ratio_is_the_ratio_and_its_interval_the_exact_conditional(a, n, c, m):
    out = event_ratio_table(_table([("x", "Black", a, n), ("x", "White", c, m)]), "ethnicity",
                            "White", by=["la"])
    assert float(out["rri"][0]) == pytest.approx((a / n) / (c / m), rel=1e-12)
    lo, hi = _exact_by_scipy(a, n, c, m, 0.95)
    assert float(out["rri_ci_low"][0]) == pytest.approx(lo, rel=1e-7, abs=1e-12)
    assert float(out["rri_ci_high"][0]) == pytest.approx(hi, rel=1e-7)
    assert out["status"][1] == "reference" and float(out["rri"][1]) == 1.0


def test_ratio_agrees_with_statsmodels_log_wald_for_large_counts():
    a, n, c, m = 42842, 546750, 764156, 5844848          # England, 2023/24, Black vs White
    out = event_ratio_table(_table([("e", "Black", a, n), ("e", "White", c, m)]),
                            "ethnicity", "White", by=["la"])
    lo, hi = confint_poisson_2indep(a, n, c, m, method="wald-log")
    assert float(out["rri_ci_low"][0]) == pytest.approx(lo, rel=2e-3)
    assert float(out["rri_ci_high"][0]) == pytest.approx(hi, rel=2e-3)


def test_ratio_with_dispersion_is_the_interval_of_the_effective_counts():
    phi = 2.8
    big = _table([("x", "Black", 60 * phi, 5286), ("x", "White", 90 * phi, 9537)])
    out = event_ratio_table(big, "ethnicity", "White", by=["la"], dispersion=phi)
    lo, hi = _exact_by_scipy(60, 5286, 90, 9537, 0.95)
    assert float(out["rri_ci_low"][0]) == pytest.approx(lo, rel=1e-7)
    assert float(out["rri_ci_high"][0]) == pytest.approx(hi, rel=1e-7)
    assert float(out["rri"][0]) == pytest.approx((60 / 5286) / (90 / 9537))


def test_statuses_say_why_and_never_divide_by_zero():
    rows = [("a", "Black", 5, 100), ("a", "White", 0, 500),       # no reference events
            ("b", "Black", 0, 100), ("b", "White", 0, 500),       # no events at all
            ("c", "Black", 0, 0), ("c", "White", 10, 500),        # no pupils
            ("d", "Black", 3, 20), ("d", "White", 50, 500),       # low numbers
            ("e", "Black", 4, 200)]                                # no reference row
    out = event_ratio_table(_table(rows), "ethnicity", "White", by=["la"])
    status = list(out["status"])
    assert status[0] == "not computable: no events in the comparison group"
    assert status[2] == "not computable: no events in the group or the comparison group"
    assert status[4] == "not computable: no children in the group"
    assert status[6] == "low numbers: fewer than 30 children; fewer than 5 events"
    assert status[8] == "not computable: no reference group row for this slice"
    assert out["rri"][[0, 2, 4, 8]].isna().all()
    assert np.isfinite(out["rri"].dropna().to_numpy(float)).all()
    assert float(out["rri"][6]) == pytest.approx((3 / 20) / (50 / 500))
