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

__all__ = ["ADJUST_METHODS", "adjust_families", "adjust_pvalues"]

ADJUST_METHODS = ("none", "holm", "bh")


def adjust_families(pvalues, families, method: str = "holm") -> np.ndarray:
    """Adjusted p-values of many families at once: `families` gives each p-value's family
    (any labels, e.g. one per outcome and period); each family is adjusted on its own,
    exactly as `adjust_pvalues` adjusts it alone. NaN p-values are in no family and stay
    NaN. Returns a float array.

    Holm step-down: max over j <= i of min(1, (m - j + 1) p_(j)); Benjamini-Hochberg
    step-up: min over j >= i of min(1, m p_(j) / j), with p_(1) <= ... <= p_(m) one family's
    p-values in order (ties in their given order) and m its size.
    """
    if method not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {ADJUST_METHODS}, got {method!r}")
    p = _as_float(pvalues)
    present = np.flatnonzero(~np.isnan(p))
    q = p[present]
    if ((q < 0) | (q > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(p.shape, np.nan)
    if method == "none" or not q.size:
        out[present] = q
        return out
    family = pd.factorize(np.asarray(families)[present])[0]
    order = np.lexsort((q, family))           # by family, then p (stable: ties in order)
    fam, q = family[order], q[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, fam.size])
    m = np.repeat(sizes, sizes)
    rank = np.arange(fam.size) - np.repeat(starts, sizes)     # 0-based, within the family
    if method == "holm":
        adj = pd.Series((m - rank) * q).groupby(fam).cummax().to_numpy()
    else:
        stepped = pd.Series((m * q / (rank + 1))[::-1])
        adj = stepped.groupby(fam[::-1]).cummin().to_numpy()[::-1]
    out[present[order]] = np.minimum(adj, 1.0)
    return out


def adjust_pvalues(pvalues, method: str = "holm") -> pd.arrays.FloatingArray:
    """Adjusted p-values for one family of comparisons.

    Missing p-values (NA/NaN, e.g. reference or not-computable rows) are not
    part of the family and stay NA. Returns a ``Float64`` array of the same
    length; adjusted values are monotone in the raw ones and capped at 1.
    """
    p = _as_float(pvalues)
    return to_float_na(adjust_families(p, np.zeros(p.shape, np.int8), method))
