"""Relative rate index (RRI) table: each group's rate compared with a comparison rate.

For a group with ``a`` children with the outcome out of ``n`` children, and a
comparison with ``c`` out of ``m``::

    RRI = (a / n) / (c / m)

The comparison is a named reference group, the rest of the slice, the whole
slice (which contains the group, so the covariance is allowed for), or an
external benchmark rate. Each row also gets a rate difference, the excess
number of children, a representation index, an unadjusted and an adjusted
p-value, and a ``status`` saying whether the comparison is sound, based on
low numbers, or not computable (and why). Nothing is ever divided by zero:
undefined values are pandas NA. See docs/methodology_statistics.md.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.stats.rates import _wilson, to_float_na, z_value
from analytics.stats.significance import ADJUST_METHODS, adjust_pvalues

__all__ = [
    "AUTO_EXACT_BELOW",
    "COMPARISONS",
    "CI_METHODS",
    "RESULT_COLUMNS",
    "REFERENCE_DERIVED_COLUMNS",
    "rri_table",
    "validate_counts",
]

#: With ``ci="auto"`` the exact (conditional binomial) interval is used when the
#: group's events, or the comparison's, are below this; Katz's log interval
#: otherwise. Below ~20 events the log-normal approximation is poor.
AUTO_EXACT_BELOW = 20

COMPARISONS = ("reference", "rest", "overall", "benchmark")
CI_METHODS = ("auto", "katz", "exact")

#: Output columns after the group and ``by`` columns, in order.
RESULT_COLUMNS = [
    "events", "population", "rate", "rate_ci_low", "rate_ci_high",
    "reference_rate", "rri", "rri_ci_low", "rri_ci_high",
    "p_value", "p_adjusted", "significant", "ci_method",
    "rate_difference", "rate_difference_ci_low", "rate_difference_ci_high",
    "excess_events", "representation_index", "status",
]

#: Columns computed from the comparison group's counts (hidden by disclosure
#: control when the comparison count is hidden).
REFERENCE_DERIVED_COLUMNS = [
    "reference_rate", "rri", "rri_ci_low", "rri_ci_high", "p_value",
    "p_adjusted", "significant", "ci_method", "rate_difference",
    "rate_difference_ci_low", "rate_difference_ci_high", "excess_events",
]


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

def _as_list(cols, name: str) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    cols = list(cols)
    if len(set(cols)) != len(cols):
        raise ValueError(f"{name} lists a column twice: {cols}")
    return cols


def _first_row(mask) -> int:
    """1-based position of the first True in ``mask``."""
    return int(np.flatnonzero(np.asarray(mask))[0]) + 1


def _count_column(counts: pd.DataFrame, col: str) -> np.ndarray:
    s = counts[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        raise ValueError(f"column {col!r} must hold whole numbers, not booleans")
    num = pd.to_numeric(s, errors="coerce").astype("Float64")
    bad = num.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        i = _first_row(bad)
        raise ValueError(f"column {col!r}, row {i}: {s.iloc[i - 1]!r} is not a number")
    if num.isna().any():
        raise ValueError(f"column {col!r}, row {_first_row(num.isna())}: missing value")
    x = num.to_numpy(dtype=float)
    if (~np.isfinite(x)).any():
        i = _first_row(~np.isfinite(x))
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]} is not a finite number")
    if (x != np.round(x)).any():
        i = _first_row(x != np.round(x))
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]} is not a whole number")
    if (x < 0).any():
        i = _first_row(x < 0)
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]:g} is negative")
    return x.astype(np.int64)


def validate_counts(counts: pd.DataFrame, group_cols, by=()) -> pd.DataFrame:
    """Check a counts table and return a clean copy (RangeIndex, int64 counts).

    Raises ``ValueError`` naming the column and the 1-based row for: missing
    columns, missing group/by values, non-integer, negative or missing
    counts, events above population, and a group repeated within a by-slice.
    """
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"counts must be a pandas DataFrame, got {type(counts).__name__}")
    group_cols = _as_list(group_cols, "group_cols")
    by = _as_list(by, "by")
    if not group_cols:
        raise ValueError("group_cols must name at least one column")
    both = set(group_cols) & set(by)
    if both:
        raise ValueError(f"columns {sorted(both)} are in both group_cols and by")
    needed = group_cols + by + ["events", "population"]
    missing = [c for c in needed if c not in counts.columns]
    if missing:
        raise ValueError(f"counts is missing column(s) {missing}")
    df = counts.reset_index(drop=True).copy()
    for col in group_cols + by:
        na = df[col].isna().to_numpy()
        if na.any():
            raise ValueError(f"column {col!r}, row {_first_row(na)}: missing value")
    a = _count_column(df, "events")
    n = _count_column(df, "population")
    over = a > n
    if over.any():
        i = _first_row(over)
        raise ValueError(
            f"column 'events', row {i}: events ({a[i - 1]}) exceed population ({n[i - 1]})"
        )
    dup = df.duplicated(subset=group_cols + by, keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup) + 1
        first = df.iloc[rows[0] - 1]
        same = df[group_cols + by].eq(first[group_cols + by]).all(axis=1).to_numpy()
        r = np.flatnonzero(same)[:2] + 1
        key = ", ".join(f"{c}={first[c]!r}" for c in group_cols + by)
        raise ValueError(
            f"columns {group_cols + by}: rows {r[0]} and {r[1]} repeat the group {key}; "
            "each group must appear once per by-slice"
        )
    df["events"] = a
    df["population"] = n
    return df


def _check_options(comparison, ci, adjust, level, unit, min_population, min_events):
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {comparison!r}")
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {CI_METHODS}, got {ci!r}")
    if adjust not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {ADJUST_METHODS}, got {adjust!r}")
    z_value(level)  # validates 0 < level < 1
    if not (np.isfinite(unit) and unit > 0):
        raise ValueError(f"unit must be a positive number, got {unit!r}")
    for name, v in (("min_population", min_population), ("min_events", min_events)):
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")


# --------------------------------------------------------------------------
# matching the comparison
# --------------------------------------------------------------------------

def _slice_totals(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Events and population of each row's by-slice (A, N)."""
    if by:
        tot = df.groupby(by, sort=False)[["events", "population"]].transform("sum")
        return tot["events"].to_numpy(float), tot["population"].to_numpy(float)
    size = len(df)
    return (np.full(size, float(df["events"].sum())),
            np.full(size, float(df["population"].sum())))


def normalise_reference(reference, group_cols: list[str], df: pd.DataFrame) -> dict:
    """``reference`` as a {group column: value} dict, checked against the data."""
    if reference is None:
        raise ValueError("comparison='reference' needs reference={column: value}")
    if not isinstance(reference, Mapping):
        if len(group_cols) != 1:
            raise ValueError(
                f"a plain reference value ({reference!r}) needs exactly one group column; "
                f"pass a dict such as {{{group_cols[0]!r}: {reference!r}}}"
            )
        reference = {group_cols[0]: reference}
    if not reference:
        raise ValueError("reference must name at least one group column")
    for col, value in reference.items():
        if col not in group_cols:
            raise ValueError(f"reference column {col!r} is not one of group_cols {group_cols}")
        if not (df[col] == value).any():
            raise ValueError(f"reference value {value!r} not found in column {col!r}")
    return dict(reference)


def reference_match(df: pd.DataFrame, group_cols: list[str], by: list[str],
                    reference: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per row: is it a reference row, and the position of its matched reference row.

    Group columns not named in ``reference`` are strata: a row is compared
    with the reference row having the same values on them (and the same
    by-slice). Position is -1 where there is no such row.
    """
    is_ref = np.ones(len(df), dtype=bool)
    for col, value in reference.items():
        is_ref &= (df[col] == value).to_numpy(dtype=bool)
    keys = by + [g for g in group_cols if g not in reference]
    ref_rows = df.loc[is_ref, keys].assign(_ref_pos=np.flatnonzero(is_ref))
    if keys:
        pos = df[keys].merge(ref_rows, on=keys, how="left", validate="many_to_one")["_ref_pos"]
        pos = pos.fillna(-1).to_numpy(dtype=np.int64)
    else:
        pos = np.full(len(df), int(ref_rows["_ref_pos"].iloc[0]), dtype=np.int64)
    return is_ref, pos


def _match_benchmark(df, group_cols, by, benchmark) -> np.ndarray:
    """Benchmark proportion per row (NaN where the benchmark has no matching row)."""
    if not isinstance(benchmark, pd.DataFrame):
        raise ValueError("comparison='benchmark' needs benchmark=DataFrame with a "
                         "'benchmark_rate' column")
    if "benchmark_rate" not in benchmark.columns:
        raise ValueError("benchmark is missing the column 'benchmark_rate'")
    keys = [c for c in benchmark.columns if c != "benchmark_rate"]
    extra = [c for c in keys if c not in group_cols + by]
    if extra:
        raise ValueError(f"benchmark columns {extra} are not group or by columns")
    rate = pd.to_numeric(benchmark["benchmark_rate"], errors="coerce").astype("Float64")
    bad = rate.isna() | (rate < 0) | (rate > 1)
    if bad.any():
        i = _first_row(bad.to_numpy(dtype=bool))
        raise ValueError(f"column 'benchmark_rate', row {i}: must be a proportion between "
                         "0 and 1 (not a rate per unit)")
    bm = benchmark[keys].reset_index(drop=True).assign(_b=rate.to_numpy(dtype=float))
    if not keys:
        if len(bm) != 1:
            raise ValueError("a benchmark without key columns must have exactly one row")
        return np.full(len(df), bm["_b"].iloc[0])
    dup = bm.duplicated(subset=keys, keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"benchmark columns {keys}: row {_first_row(dup)} is repeated")
    return df[keys].merge(bm, on=keys, how="left")["_b"].to_numpy(dtype=float)


# --------------------------------------------------------------------------
# interval kernels (numpy, NaN-free on the rows they are given)
# --------------------------------------------------------------------------

def _wald_log(rr, se, z):
    """Limits and two-sided Wald p for ln(rr) with standard error se.

    The interval excludes 1 exactly when p < 1 - level.
    """
    lo = rr * np.exp(-z * se)
    hi = rr * np.exp(z * se)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.abs(np.log(rr)) / se
    # se == 0 only when rr == 1 (everyone has the outcome on both sides).
    p = np.where(se > 0, 2 * stats.norm.sf(zstat), 1.0)
    return lo, hi, p


def _katz(a, n, c, m, z):
    """Katz log interval: se(ln RRI) = sqrt(1/a - 1/n + 1/c - 1/m); a, c > 0."""
    rr = (a / n) / (c / m)
    se = np.sqrt(np.maximum(1 / a - 1 / n + 1 / c - 1 / m, 0.0))
    return (rr, *_wald_log(rr, se, z))


def _katz_overall(a, n, A, N, z):
    """Delta-method interval for (a/n)/(A/N) where the group is part of A/N.

    Var ln RRI = 1/a - 1/n - 1/A - 1/N + 2a/(nA): the variances of the two
    log-proportions minus twice their covariance (1/A - a/(nA)).
    Zero when the group is the whole slice.
    """
    rr = (a / n) / (A / N)
    var = 1 / a - 1 / n - 1 / A - 1 / N + 2 * a / (n * A)
    se = np.sqrt(np.maximum(var, 0.0))
    return (rr, *_wald_log(rr, se, z))


def _clopper_pearson(x, t, alpha):
    """Clopper-Pearson limits for a proportion x/t (t > 0)."""
    lo = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), t - x + 1), 0.0)
    hi = np.where(x < t, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(t - x, 1)), 1.0)
    return lo, hi


def _binom_central_p(x, t, p0):
    """Central two-sided exact binomial p: min(1, 2 min(P(X<=x), P(X>=x)))."""
    lower = stats.binom.cdf(x, t, p0)
    upper = stats.binom.sf(x - 1, t, p0)
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def _exact_pi(a, n, c, m, alpha):
    """Exact limits for pi = share of the T = a + c events that fall in the group.

    Conditional on T, a ~ Binomial(T, pi) with pi = n*theta / (n*theta + m)
    and theta the rate ratio; theta = 1 <=> pi = n / (n + m).
    """
    t = a + c
    lo, hi = _clopper_pearson(a, t, alpha)
    p = _binom_central_p(a, t, n / (n + m))
    return lo, hi, p


def _pi_to_theta(pi, n, m):
    """theta = pi*m / (n*(1 - pi)); pi == 1 (only when c == 0) gives NaN, not inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pi < 1, pi * m / (n * (1 - pi)), np.nan)


def _newcombe(a, n, c, m, level):
    """Newcombe's hybrid score interval (method 10) for a/n - c/m (proportions)."""
    p1, p2 = a / n, c / m
    l1, u1 = _wilson(a, n, level)
    l2, u2 = _wilson(c, m, level)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi


# --------------------------------------------------------------------------
# status strings
# --------------------------------------------------------------------------

def _plural(x: np.ndarray, one: str, many: str) -> np.ndarray:
    return np.where(x == 1, one, many)


def _fmt_int(x: np.ndarray) -> np.ndarray:
    return np.char.mod("%d", np.nan_to_num(x).astype(np.int64))


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """Join per-row reason strings with '; ', skipping empty ones."""
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = np.where((out != "") & (p != ""), out + "; " + p, out + p)
    return out


def _low_reasons(a, n, c, m, min_population, min_events, with_comparison: bool):
    mp, me = int(min_population), int(min_events)
    parts = [
        np.where(n < mp, "population " + _fmt_int(n) + f" (minimum {mp})", ""),
        np.where(a < me, _fmt_int(a) + " " + _plural(a, "event", "events")
                 + f" (minimum {me})", ""),
    ]
    if with_comparison:
        parts += [
            np.where(m < mp, "comparison group has population " + _fmt_int(m)
                     + f" (minimum {mp})", ""),
            np.where(c < me, "comparison group has " + _fmt_int(c) + " "
                     + _plural(c, "event", "events") + f" (minimum {me})", ""),
        ]
    return _join(parts)


# --------------------------------------------------------------------------
# one function per kind of comparison
# --------------------------------------------------------------------------

@dataclass
class _Fit:
    """Per-row results of one comparison (float arrays; NaN = undefined)."""

    rri: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    p: np.ndarray
    p_comp: np.ndarray           # comparison proportion
    d: np.ndarray                # rate difference (proportion) and its interval
    dlo: np.ndarray
    dhi: np.ndarray
    large: np.ndarray            # rows using the large-sample method
    exact: np.ndarray            # rows using the exact method
    not_computable: list         # [(condition, reason), ...] in priority order
    low_text: np.ndarray         # low-numbers reasons ("" if none)

    @classmethod
    def empty(cls, size: int) -> "_Fit":
        arrays = [np.full(size, np.nan) for _ in range(8)]
        return cls(*arrays, np.zeros(size, dtype=bool), np.zeros(size, dtype=bool), [],
                   np.full(size, "", dtype=object))


def _fit_pairs(a, n, c, m, found, skip, ci, level, min_population, min_events) -> _Fit:
    """Each row vs its own comparison counts (c, m): "reference" and "rest"."""
    fit = _Fit.empty(a.size)
    alpha, z = 1 - level, z_value(level)
    fit.not_computable = [
        (n == 0, "no children in the group"),
        (~found, "no reference group row for this slice"),
        (m == 0, "no children in the comparison group"),
        ((a == 0) & (c == 0), "no events in the group or the comparison group"),
        (c == 0, "no events in the comparison group"),
    ]
    ok = ~np.logical_or.reduce([cond for cond, _ in fit.not_computable]) & ~skip
    exact = (ci == "exact") | (a == 0) | (
        (ci == "auto") & ((a < AUTO_EXACT_BELOW) | (c < AUTO_EXACT_BELOW)))
    k, e = ok & ~exact, ok & exact
    fit.rri[k], fit.lo[k], fit.hi[k], fit.p[k] = _katz(a[k], n[k], c[k], m[k], z)
    pil, pih, fit.p[e] = _exact_pi(a[e], n[e], c[e], m[e], alpha)
    fit.rri[e] = (a[e] / n[e]) / (c[e] / m[e])
    fit.lo[e], fit.hi[e] = _pi_to_theta(pil, n[e], m[e]), _pi_to_theta(pih, n[e], m[e])
    has = found & (m > 0)
    fit.p_comp[has] = c[has] / m[has]
    dd = has & (n > 0)
    fit.d[dd], fit.dlo[dd], fit.dhi[dd] = _newcombe(a[dd], n[dd], c[dd], m[dd], level)
    fit.large, fit.exact = k, e
    fit.low_text = _low_reasons(a, n, c, m, min_population, min_events, True)
    return fit


def _fit_overall(a, n, A, N, ci, level, min_population, min_events) -> _Fit:
    """Each row vs its whole by-slice (A, N), which contains the row."""
    fit = _Fit.empty(a.size)
    alpha, z = 1 - level, z_value(level)
    c_r, m_r = A - a, N - n  # the rest of the slice
    fit.not_computable = [
        (n == 0, "no children in the group"),
        (m_r == 0, "the group is the whole slice, so there is nothing to compare it with"),
        (A == 0, "no events in the group or the comparison group"),
    ]
    ok = ~np.logical_or.reduce([cond for cond, _ in fit.not_computable])
    # Exact intervals are built on the group-vs-rest table, so "auto" looks at
    # the rest's events (Katz is poor, and can pass N/n, when they are few).
    exact = (ci == "exact") | (a == 0) | (
        (ci == "auto") & ((a < AUTO_EXACT_BELOW) | (c_r < AUTO_EXACT_BELOW)))
    k, e = ok & ~exact, ok & exact
    fit.rri[k], fit.lo[k], fit.hi[k], fit.p[k] = _katz_overall(a[k], n[k], A[k], N[k], z)
    pil, pih, fit.p[e] = _exact_pi(a[e], n[e], c_r[e], m_r[e], alpha)
    fit.rri[e] = (a[e] / n[e]) / (A[e] / N[e])
    # theta_o = N*theta/(n*theta + m) with theta = pi*m/(n*(1-pi)) simplifies to
    # N*pi/n: monotone, and finite even when the rest has no events.
    fit.lo[e], fit.hi[e] = N[e] * pil / n[e], N[e] * pih / n[e]
    fit.p_comp[N > 0] = A[N > 0] / N[N > 0]
    dd = (n > 0) & (m_r > 0)
    # p_g - P = (m/N) (p_g - p_rest)
    fit.d[dd], fit.dlo[dd], fit.dhi[dd] = (
        (m_r[dd] / N[dd]) * x for x in _newcombe(a[dd], n[dd], c_r[dd], m_r[dd], level))
    fit.large, fit.exact = k, e
    fit.low_text = _low_reasons(a, n, A, N, min_population, min_events, True)
    return fit


def _fit_benchmark(a, n, b, ci, level, min_population, min_events) -> _Fit:
    """Each row vs a known external proportion b (NaN where none matched)."""
    fit = _Fit.empty(a.size)
    alpha = 1 - level
    found = ~np.isnan(b)
    fit.not_computable = [
        (n == 0, "no children in the group"),
        (~found, "no benchmark rate for this group"),
        (b == 0, "benchmark rate is 0"),
        (b == 1, "benchmark rate is 100%"),
    ]
    ok = ~np.logical_or.reduce([cond for cond, _ in fit.not_computable])
    exact = (ci == "exact") | ((ci == "auto") & (a < AUTO_EXACT_BELOW))
    k, e = ok & ~exact, ok & exact
    # "score": the Wilson interval and the score test it inverts.
    wl, wh = _wilson(a[k], n[k], level)
    ph = a[k] / n[k]
    fit.rri[k], fit.lo[k], fit.hi[k] = ph / b[k], wl / b[k], wh / b[k]
    fit.p[k] = 2 * stats.norm.sf(np.abs(ph - b[k]) / np.sqrt(b[k] * (1 - b[k]) / n[k]))
    # exact: Clopper-Pearson and the central binomial test it inverts.
    cl, ch = _clopper_pearson(a[e], n[e], alpha)
    fit.rri[e], fit.lo[e], fit.hi[e] = a[e] / n[e] / b[e], cl / b[e], ch / b[e]
    fit.p[e] = _binom_central_p(a[e], n[e], b[e])
    fit.p_comp[found] = b[found]
    dd = found & (n > 0)
    wl, wh = _wilson(a[dd], n[dd], level)
    fit.d[dd], fit.dlo[dd], fit.dhi[dd] = a[dd] / n[dd] - b[dd], wl - b[dd], wh - b[dd]
    fit.large, fit.exact = k, e
    fit.low_text = _low_reasons(a, n, None, None, min_population, min_events, False)
    return fit


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def rri_table(counts: pd.DataFrame, group_cols, *, by=(), comparison: str = "reference",
              reference=None, level: float = 0.95, ci: str = "auto", adjust: str = "holm",
              unit: float = 100, min_population: int = 30, min_events: int = 5,
              benchmark: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relative rate index of each group against a comparison, one row per input row.

    Parameters
    ----------
    counts : DataFrame with ``group_cols``, ``by`` columns and integer
        ``events`` (children with the outcome) and ``population`` (children).
    comparison : "reference" (named group; unnamed group columns are strata),
        "rest" (all other rows of the by-slice pooled), "overall" (the whole
        by-slice, group included) or "benchmark" (external proportions in
        ``benchmark['benchmark_rate']``, treated as known).
    ci : "katz" (log interval), "exact" (conditional binomial /
        Clopper-Pearson) or "auto" (exact when events < AUTO_EXACT_BELOW).
    adjust : "holm", "bh" or "none"; applied within each by-slice.

    Returns the columns ``group_cols + by + RESULT_COLUMNS`` in input row
    order; NA (never NaN/inf) where a value is undefined, with ``status``
    saying why. Options are recorded in ``df.attrs``.
    """
    group_cols = _as_list(group_cols, "group_cols")
    by = _as_list(by, "by")
    _check_options(comparison, ci, adjust, level, unit, min_population, min_events)
    df = validate_counts(counts, group_cols, by)
    size = len(df)
    a = df["events"].to_numpy(float)
    n = df["population"].to_numpy(float)
    A, N = _slice_totals(df, by)
    is_ref = np.zeros(size, dtype=bool)
    ref_dict = None
    mins = (min_population, min_events)

    with np.errstate(divide="ignore", invalid="ignore"):
        if comparison == "reference":
            ref_dict = normalise_reference(reference, group_cols, df)
            is_ref, pos = reference_match(df, group_cols, by, ref_dict)
            found = pos >= 0
            c = np.where(found, a[np.maximum(pos, 0)], 0.0)
            m = np.where(found, n[np.maximum(pos, 0)], 0.0)
            fit = _fit_pairs(a, n, c, m, found, is_ref, ci, level, *mins)
        elif comparison == "rest":
            fit = _fit_pairs(a, n, A - a, N - n, np.ones(size, dtype=bool), is_ref, ci,
                             level, *mins)
        elif comparison == "overall":
            fit = _fit_overall(a, n, A, N, ci, level, *mins)
        else:
            b = _match_benchmark(df, group_cols, by, benchmark)
            fit = _fit_benchmark(a, n, b, ci, level, *mins)
        excess = np.where(n > 0, a - n * fit.p_comp, np.nan)
        rate = np.where(n > 0, a / n, np.nan)
        rlo, rhi = _wilson(a, n, level)
        rep = np.where((A > 0) & (n > 0), (a / A) / (n / N), np.nan)

    method = np.full(size, None, dtype=object)
    method[fit.large] = "score" if comparison == "benchmark" else "katz"
    method[fit.exact] = "exact"
    rri, lo, hi, p = fit.rri, fit.lo, fit.hi, fit.p
    d, dlo, dhi, p_comp = fit.d, fit.dlo, fit.dhi, fit.p_comp

    # The named reference row(s): exactly 1, nothing to test.
    ref_ok = is_ref & (n > 0)
    rri[ref_ok], d[ref_ok], excess[ref_ok] = 1.0, 0.0, 0.0
    dlo[is_ref], dhi[is_ref] = np.nan, np.nan

    status = np.select([cond for cond, _ in fit.not_computable],
                       ["not computable: " + r for _, r in fit.not_computable], default="")
    status = np.where(status != "", status,
                      np.where(fit.low_text != "", "low numbers: " + fit.low_text, "ok"))
    status = np.where(ref_ok, "reference", status)
    alpha = 1 - level

    # Multiple-comparison adjustment within each by-slice.
    p_adj = np.full(size, np.nan)
    slices = df.groupby(by, sort=False).indices.values() if by else [np.arange(size)]
    for idx in slices:
        p_adj[idx] = adjust_pvalues(p[idx], adjust).to_numpy(dtype=float, na_value=np.nan)
    significant = pd.arrays.BooleanArray(np.nan_to_num(p_adj, nan=1.0) < alpha,
                                         np.isnan(p_adj))

    out = df[group_cols + by].copy()
    out["events"] = pd.array(df["events"].to_numpy(), dtype="Int64")
    out["population"] = pd.array(df["population"].to_numpy(), dtype="Int64")
    cols = {
        "rate": rate * unit, "rate_ci_low": rlo * unit, "rate_ci_high": rhi * unit,
        "reference_rate": p_comp * unit, "rri": rri, "rri_ci_low": lo, "rri_ci_high": hi,
        "p_value": p, "p_adjusted": p_adj,
    }
    for name, values in cols.items():
        out[name] = to_float_na(values)
    out["significant"] = significant
    out["ci_method"] = pd.array(method, dtype="string")
    for name, values in {"rate_difference": d * unit, "rate_difference_ci_low": dlo * unit,
                         "rate_difference_ci_high": dhi * unit, "excess_events": excess,
                         "representation_index": rep}.items():
        out[name] = to_float_na(values)
    out["status"] = pd.array(status.astype(object), dtype="string")
    out.attrs = {
        "comparison": comparison, "reference": ref_dict, "level": level, "ci": ci,
        "adjust": adjust, "unit": unit, "min_population": min_population,
        "min_events": min_events, "auto_exact_below": AUTO_EXACT_BELOW,
        "group_cols": list(group_cols), "by": list(by),
    }
    return out
