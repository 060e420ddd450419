"""Rates and ratios of event counts: suspensions, where one pupil can be suspended several
times, so the count is of suspensions, not of children, and a binomial model (each pupil
with the outcome or not) does not apply.

Counts are taken as quasi-Poisson: Poisson in shape, with the variance `dispersion` times
the mean. Repeat suspensions make the variance larger than the mean: if suspended pupils
arrive as a Poisson process and each has K suspensions, the count's variance over its mean
is E[K^2] / E[K], at least the mean number of suspensions per suspended pupil, E[K]
(analytics.data.areas.DISPERSION gives the figure used, from DfE's national counts). An
interval on a count a with dispersion phi is the Poisson interval of the effective count
a / phi, scaled back: phi = 1 gives the exact Poisson intervals.

* rate interval: Garwood's exact (central) interval, from the gamma distribution;
* rate ratio interval: the exact conditional interval: given the total t = a + c of the
  group's and the reference's counts, a is binomial with p = n theta / (n theta + m)
  (theta the ratio of the two rates, n and m the pupils), so the Clopper-Pearson limits on
  p give limits on theta (the same kernel as the RRI's exact interval, imported from
  analytics.stats.intervals).

Checked against statsmodels' `confint_poisson(method="exact-c")` and scipy's exact binomial
interval in tests/test_events.py. Nothing is divided by zero: undefined values are NA and
the status says why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analytics.stats.rates import to_float_na
from analytics.stats.comparisons import _low_reasons
from analytics.stats.intervals import _exact_pi, _pi_to_theta

__all__ = ["event_rate_interval", "event_ratio_table"]


def _floats(values) -> np.ndarray:
    return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def event_rate_interval(events, population, level: float = 0.95, dispersion: float = 1.0):
    """Interval for events per member of the population (a rate per 1, not per 100), as a
    pair of Float64 arrays; NA where the population is 0 or a value is missing."""
    if not dispersion > 0:
        raise ValueError(f"dispersion must be positive, got {dispersion!r}")
    a, n = _floats(events), _floats(population)
    alpha = 1 - float(level)
    ok = np.isfinite(a) & np.isfinite(n) & (n > 0) & (a >= 0)
    x = np.where(ok, a, 0.0) / dispersion
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, stats.gamma.ppf(alpha / 2, np.maximum(x, 1e-300)), 0.0)
        high = stats.gamma.ppf(1 - alpha / 2, x + 1)
        scale = dispersion / np.where(ok, n, 1.0)
    return (to_float_na(np.where(ok, low * scale, np.nan)),
            to_float_na(np.where(ok, high * scale, np.nan)))


def _reasons(a, n, c, m, found) -> list[tuple[np.ndarray, str]]:
    """Why a ratio cannot be computed, in priority order (the wording of rri_table)."""
    return [(n == 0, "no children in the group"),
            (~found, "no reference group row for this slice"),
            (m == 0, "no children in the comparison group"),
            ((a == 0) & (c == 0), "no events in the group or the comparison group"),
            (c == 0, "no events in the comparison group")]


def event_ratio_table(counts: pd.DataFrame, group_col: str, reference: str, *, by=(),
                      level: float = 0.95, dispersion: float = 1.0, min_population: int = 30,
                      min_events: int = 5) -> pd.DataFrame:
    """Each row's rate over its slice's `reference` row's rate (`group_col` == reference,
    within the same `by` values): columns `rri`, `rri_ci_low`, `rri_ci_high`, `status`, in
    the rows' order. Counts must be whole and known (rows with missing counts are the
    caller's to label)."""
    by = list(by)
    df = counts.reset_index(drop=True)
    a, n = df["events"].to_numpy(float), df["population"].to_numpy(float)
    is_ref = (df[group_col].astype(str) == str(reference)).to_numpy()
    keys = df[by].astype(str).agg("\x1f".join, axis=1) if by else pd.Series("", index=df.index)
    ref_rows = pd.Series(np.flatnonzero(is_ref), index=keys[is_ref].to_numpy())
    if ref_rows.index.duplicated().any():
        raise ValueError(f"the reference {reference!r} appears twice in one slice")
    pos = keys.map(ref_rows).to_numpy(dtype=float)
    found = ~np.isnan(pos)
    at = np.where(found, pos, 0).astype(int)
    c, m = np.where(found, a[at], np.nan), np.where(found, n[at], np.nan)
    reasons = _reasons(a, n, c, m, found)
    blocked = np.logical_or.reduce([cond for cond, _ in reasons]) | is_ref
    ok = ~blocked
    rri, lo, hi = (np.full(len(df), np.nan) for _ in range(3))
    pil, pih, _ = _exact_pi(a[ok] / dispersion, n[ok], c[ok] / dispersion, m[ok], 1 - level)
    rri[ok] = (a[ok] / n[ok]) / (c[ok] / m[ok])
    lo[ok], hi[ok] = _pi_to_theta(pil, n[ok], m[ok]), _pi_to_theta(pih, n[ok], m[ok])
    status = np.full(len(df), "ok", dtype=object)
    low = _low_reasons(a, n, np.nan_to_num(c), np.nan_to_num(m), min_population, min_events,
                       True)
    status = np.where(ok & (low != ""), "low numbers: " + low, status)
    for cond, why in reversed(reasons):
        status = np.where(cond & ~is_ref, "not computable: " + why, status)
    status = np.where(is_ref, "reference", status)
    rri = np.where(is_ref & (n > 0), 1.0, rri)
    return pd.DataFrame({"rri": to_float_na(rri), "rri_ci_low": to_float_na(lo),
                         "rri_ci_high": to_float_na(hi), "status": status.astype(str)})
