"""Funnel plot control limits: is a unit's rate (a school's) different from the borough's
beyond what chance explains, given its size?"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom

#: Two-sided coverage of the inner (warning) and outer (control) limits, as in Spiegelhalter's
#: funnel plots and NHS/DfE practice: about 2 and 3 standard deviations.
LIMITS = {"95%": 0.95, "99.8%": 0.998}


def funnel_limits(population, p0: float, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial limits (as proportions) for a unit of size n at the borough proportion p0."""
    n = np.asarray(population, dtype=float)
    alpha = (1 - coverage) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(n > 0, binom.ppf(alpha, n, p0) / n, np.nan)
        hi = np.where(n > 0, binom.ppf(1 - alpha, n, p0) / n, np.nan)
    return lo, hi


def funnel_table(counts: pd.DataFrame, unit_col: str, unit: float = 100,
                 p0: float | None = None) -> pd.DataFrame:
    """Each unit's rate with the borough rate and 95% / 99.8% limits, and where it falls.

    `p0` is the borough proportion (default: the units' events over their population; a
    protected view passes its published total). `position` is "above 99.8% limit", "above
    95% limit", "within limits", "below 95% limit" or "below 99.8% limit"; units with no
    eligible children are "no pupils".
    """
    df = counts[[unit_col, "events", "population"]].copy()
    a = df["events"].to_numpy(float)
    n = df["population"].to_numpy(float)
    if p0 is None:
        p0 = a.sum() / n.sum() if n.sum() > 0 else 0.0
    df["rate"] = np.where(n > 0, a / np.where(n > 0, n, 1), np.nan) * unit
    df["borough_rate"] = p0 * unit
    for label, cov in LIMITS.items():
        lo, hi = funnel_limits(n, p0, cov)
        df[f"lower_{label}"] = lo * unit
        df[f"upper_{label}"] = hi * unit
    r = df["rate"]
    df["position"] = np.select(
        [n == 0, r > df["upper_99.8%"], r > df["upper_95%"], r < df["lower_99.8%"], r < df["lower_95%"]],
        ["no pupils", "above 99.8% limit", "above 95% limit", "below 99.8% limit", "below 95% limit"],
        default="within limits")
    for col in ["rate", "borough_rate"] + [c for c in df.columns if c.startswith(("lower_", "upper_"))]:
        df[col] = pd.array(df[col].to_numpy(), dtype="Float64")
    return df


def funnel_curve(p0: float, max_population: int, unit: float = 100, points: int = 60) -> pd.DataFrame:
    """The limit lines across population sizes, for drawing."""
    n = np.unique(np.geomspace(10, max(max_population, 20), points).round())
    out = pd.DataFrame({"population": n})
    for label, cov in LIMITS.items():
        lo, hi = funnel_limits(n, p0, cov)
        out[f"lower_{label}"] = lo * unit
        out[f"upper_{label}"] = hi * unit
    return out
