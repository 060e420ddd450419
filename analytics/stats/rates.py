"""Rates per ``unit`` children and Wilson score intervals.

Counts are children (each child counted once), so a rate is a binomial
proportion ``events / population``. The Wilson score interval is used
because, unlike the Wald interval, it stays inside [0, 1], has sensible
width at 0 and at 100%, and keeps close to nominal coverage for small
groups (Newcombe 1998; Brown, Cai & DasGupta 2001).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.stats.intervals import _wilson, z_value

__all__ = ["wilson_interval", "rate_table", "z_value", "to_float_na"]


def to_float_na(values) -> pd.arrays.FloatingArray:
    """Float64 array in which every non-finite value (NaN, inf) becomes NA.

    The public tables never contain NaN or inf: missing means pandas NA, and
    the ``status`` column says why.
    """
    x = np.asarray(values, dtype=float)
    mask = ~np.isfinite(x)
    return pd.arrays.FloatingArray(np.where(mask, 0.0, x), mask)


def _as_float(values) -> np.ndarray:
    """1-d float ndarray from array-likes, pandas NA becoming NaN."""
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        return pd.Series(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.atleast_1d(np.asarray(values, dtype=float))


def wilson_interval(events, population, level: float = 0.95):
    """Wilson score interval for the proportion ``events / population``.

    Vectorised: array-likes in, a pair of ``Float64`` arrays (proportions in
    [0, 1]) out. Where ``population`` is 0 or a value is missing the limits
    are NA, never NaN or a made-up number.

    ``low, high = (c ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with
    ``c = p + z²/2n``.
    """
    a = _as_float(events)
    n = _as_float(population)
    if a.shape != n.shape:
        raise ValueError("events and population must have the same length")
    bad = np.isfinite(a) & np.isfinite(n) & ((a < 0) | (a > n))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise ValueError(f"events must be between 0 and population (row {row})")
    low, high = _wilson(a, n, level)
    return to_float_na(low), to_float_na(high)


def rate_table(counts: pd.DataFrame, unit: float = 100, level: float = 0.95) -> pd.DataFrame:
    """Copy of ``counts`` with ``rate``, ``rate_ci_low``, ``rate_ci_high`` per ``unit``.

    Rates are NA (not 0, not NaN) where the population is 0.
    """
    for col in ("events", "population"):
        if col not in counts.columns:
            raise ValueError(f"counts is missing the column {col!r}")
    if not unit > 0:
        raise ValueError(f"unit must be positive, got {unit!r}")
    out = counts.copy()
    a = _as_float(out["events"])
    n = _as_float(out["population"])
    low, high = wilson_interval(a, n, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = to_float_na(np.where(n > 0, a / n, np.nan) * unit)
    out["rate_ci_low"] = low * unit
    out["rate_ci_high"] = high * unit
    return out
