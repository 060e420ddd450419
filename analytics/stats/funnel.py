"""Funnel plot control limits: is a unit's rate (a school's) different from the borough's
beyond what chance explains, given its size? And the same for a ratio (a council's RRI
against England's), given its precision."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom, norm

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
    df["position"] = _positions(df["rate"], df, n == 0, "no pupils")
    for col in ["rate", "borough_rate"] + [c for c in df.columns if c.startswith(("lower_", "upper_"))]:
        df[col] = pd.array(df[col].to_numpy(), dtype="Float64")
    return df


def _positions(value, limits: pd.DataFrame, missing, missing_label: str) -> np.ndarray:
    """Where each value falls against its 95% and 99.8% limits (`limits` columns
    lower_95%, upper_95%, lower_99.8%, upper_99.8%)."""
    v = np.asarray(value, dtype=float)
    return np.select(
        [np.asarray(missing, bool), v > limits["upper_99.8%"].to_numpy(float),
         v > limits["upper_95%"].to_numpy(float), v < limits["lower_99.8%"].to_numpy(float),
         v < limits["lower_95%"].to_numpy(float)],
        [missing_label, "above 99.8% limit", "above 95% limit", "below 99.8% limit",
         "below 95% limit"], default="within limits")


def funnel_curve(p0: float, max_population: int, unit: float = 100, points: int = 60) -> pd.DataFrame:
    """The limit lines across population sizes, for drawing."""
    n = np.unique(np.geomspace(10, max(max_population, 20), points).round())
    out = pd.DataFrame({"population": n})
    for label, cov in LIMITS.items():
        lo, hi = funnel_limits(n, p0, cov)
        out[f"lower_{label}"] = lo * unit
        out[f"upper_{label}"] = hi * unit
    return out


# --------------------------------------------------------------------------
# ratios: a unit's RRI against a target RRI (England's), by its precision
# --------------------------------------------------------------------------

def ratio_limits(precision, target: float, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits for a ratio whose log has variance 1 / precision, around `target`:
    target x exp(-/+ z / sqrt(precision)) (Spiegelhalter 2005, on the log scale)."""
    w = np.asarray(precision, dtype=float)
    z = norm.ppf(1 - (1 - coverage) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(w > 0, z / np.sqrt(w), np.nan)
    return target * np.exp(-half), target * np.exp(half)


def null_precision(n, c, m, target: float, model: str, dispersion: float = 1.0) -> np.ndarray:
    """1 / variance of the log ratio (a/n)/(c/m) if the group's true ratio were `target`:
    its events then expected E = target (c/m) n. Binomial (children): 1/E - 1/n + 1/c - 1/m
    (Katz); events: dispersion (1/E + 1/c) (quasi-Poisson). NaN where c, m or n is 0."""
    n, c, m = (np.asarray(x, dtype=float) for x in (n, c, m))
    with np.errstate(divide="ignore", invalid="ignore"):
        e = target * (c / m) * n
        var = (1 / e - 1 / n + 1 / c - 1 / m) if model == "binomial" else dispersion * (1 / e + 1 / c)
        w = 1 / var
    return np.where((n > 0) & (c > 0) & (m > 0) & np.isfinite(w) & (w > 0), w, np.nan)


def ratio_funnel_table(ratio, precision, target: float) -> pd.DataFrame:
    """Each unit's ratio, precision, the target and its 95% / 99.8% limits at that precision,
    and where the ratio falls (`position`; "not computable" where it has no ratio or
    precision)."""
    out = pd.DataFrame({"ratio": np.asarray(ratio, dtype=float),
                        "precision": np.asarray(precision, dtype=float)})
    out["target"] = float(target)
    for label, cov in LIMITS.items():
        lo, hi = ratio_limits(out["precision"], target, cov)
        out[f"lower_{label}"], out[f"upper_{label}"] = lo, hi
    missing = out["ratio"].isna() | out["precision"].isna()
    out["position"] = _positions(out["ratio"], out, missing, "not computable")
    return out


def ratio_funnel_curve(target: float, max_precision: float, min_precision: float = 1.0,
                       points: int = 120) -> pd.DataFrame:
    """The ratio limit lines across precisions, for drawing (column `population` holds the
    precision, as the rate funnel's curve holds the size)."""
    w = np.geomspace(max(min_precision, 0.5), max(max_precision, 2 * min_precision, 2), points)
    out = pd.DataFrame({"population": w})
    for label, cov in LIMITS.items():
        out[f"lower_{label}"], out[f"upper_{label}"] = ratio_limits(w, target, cov)
    return out
