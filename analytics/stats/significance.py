"""Multiple-comparison adjustment of p-values (Holm, Benjamini-Hochberg).

A dashboard that compares twenty groups will, by chance alone, show about
one "significant" difference at the 5% level even when there is none.
Adjusting across the comparisons of one table keeps that under control:

* ``holm`` controls the family-wise error rate (the chance of *any* false
  flag) and is uniformly more powerful than Bonferroni. Default, because a
  flagged group triggers action at a board.
* ``bh`` controls the false discovery rate (the expected share of flags
  that are false); more flags, some of them wrong.
* ``none`` leaves p-values as they are.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.stats.rates import _as_float, to_float_na

__all__ = ["ADJUST_METHODS", "adjust_pvalues"]

ADJUST_METHODS = ("none", "holm", "bh")


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm step-down: max over j <= i of min(1, (m - j + 1) p_(j))."""
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = (m - np.arange(m)) * p[order]
    adj = np.minimum(np.maximum.accumulate(stepped), 1.0)
    out = np.empty(m)
    out[order] = adj
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg step-up: min over j >= i of min(1, m p_(j) / j)."""
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = m * p[order] / np.arange(1, m + 1)
    adj = np.minimum(np.minimum.accumulate(stepped[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adj
    return out


def adjust_pvalues(pvalues, method: str = "holm") -> pd.arrays.FloatingArray:
    """Adjusted p-values for one family of comparisons.

    Missing p-values (NA/NaN, e.g. reference or not-computable rows) are not
    part of the family and stay NA. Returns a ``Float64`` array of the same
    length; adjusted values are monotone in the raw ones and capped at 1.
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {ADJUST_METHODS}, got {method!r}")
    p = _as_float(pvalues)
    present = ~np.isnan(p)
    if ((p[present] < 0) | (p[present] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(p.shape, np.nan)
    if present.any():
        q = p[present]
        out[present] = q if method == "none" else (_holm(q) if method == "holm" else _bh(q))
    return to_float_na(out)
