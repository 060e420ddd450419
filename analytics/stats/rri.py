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
from scipy import special, stats

from analytics.stats.rates import _wilson, to_float_na, z_value
from analytics.stats.significance import ADJUST_METHODS, adjust_families

__all__ = [
    "AUTO_EXACT_BELOW",
    "COMPARISONS",
    "CI_METHODS",
    "RESULT_COLUMNS",
    "REFERENCE_DERIVED_COLUMNS",
    "rri_table",
    "validate_counts",
]

#: With ``ci="auto"`` the exact conditional interval is used for a rare outcome (both
#: proportions at most AUTO_RARE_AT_MOST) when the group's events, or the comparison's, are
#: below AUTO_EXACT_BELOW; the score interval otherwise (see docs/methodology_statistics.md,
#: "Choosing an interval", for the coverage simulation behind this rule).
AUTO_EXACT_BELOW = 20
AUTO_RARE_AT_MOST = 0.10

COMPARISONS = ("reference", "rest", "overall", "benchmark")
CI_METHODS = ("auto", "katz", "exact", "score")

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


def slice_ids(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Per row, the number of its combination of `cols` values, in order of first
    appearance (groupby(cols, sort=False, dropna=False).ngroup(), by factorising column by
    column, which is several times faster on text columns)."""
    ids = np.zeros(len(df), dtype=np.int64)
    for col in cols:
        codes, uniques = pd.factorize(df[col], use_na_sentinel=False)   # a missing value is one
        ids = pd.factorize(ids * len(uniques) + codes)[0]
    return ids


def _count_column(counts: pd.DataFrame, col: str) -> np.ndarray:
    s = counts[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":   # whole numbers already
        x = s.to_numpy(dtype=np.int64)
        if (x < 0).any():
            i = _first_row(x < 0)
            raise ValueError(f"column {col!r}, row {i}: {x[i - 1]:g} is negative")
        return x
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
    if len(df) and slice_ids(df, group_cols + by).max() + 1 < len(df):
        dup = df.duplicated(subset=group_cols + by, keep=False).to_numpy()
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

#: Optional columns of a counts table giving each by-slice's own (published) totals; without
#: them a slice's totals are the sums of its rows.
TOTAL_COLUMNS = ("total_events", "total_population")


#: Per-child sums of squares of a pooled counts table (analytics/data/counts.py): with them,
#: intervals allow for the same child counted in several periods (`design_effect`).
SQUARE_COLUMNS = ("ss_events", "ss_cross", "ss_population")


def _square_sums(df: pd.DataFrame, by: list[str]) -> tuple | None:
    """(row sums of squares x3, slice totals x3) when the table has them, else None."""
    if not set(SQUARE_COLUMNS) <= set(df.columns):
        return None
    rows = [pd.to_numeric(df[c]).to_numpy(float) for c in SQUARE_COLUMNS]
    if all(f"total_{c}" in df.columns for c in SQUARE_COLUMNS):
        totals = [pd.to_numeric(df[f"total_{c}"]).to_numpy(float) for c in SQUARE_COLUMNS]
    elif by:
        totals = [df.groupby(by, sort=False)[c].transform("sum").to_numpy(float)
                  for c in SQUARE_COLUMNS]
    else:
        totals = [np.full(len(df), r.sum()) for r in rows]
    return (*rows, *totals)


def _slice_totals(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Events and population of each row's by-slice (A, N)."""
    if set(TOTAL_COLUMNS) <= set(df.columns):
        A = pd.to_numeric(df["total_events"]).to_numpy(float)
        N = pd.to_numeric(df["total_population"]).to_numpy(float)
        return A, N
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


def _katz_overall(a, n, c, m, z):
    """Delta-method interval for (a/n)/(A/N) where the group (a of n) is part of the slice
    and c of m are the rest of it (A = a + c, N = n + m).

    Var ln RRI = 1/a - 1/n - 1/A + 2a/(nA) - (a^2/n + c^2/m)/A^2: the variances of the two
    log-proportions minus twice their covariance (1/A - a/(nA)), each group binomial with its
    own rate. Zero when the group is the whole slice; the last term is 1/N when the group's
    rate equals the rest's.
    """
    A, N = a + c, n + m
    rr = (a / n) / (A / N)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(m > 0, c * c / m, 0.0)
    var = 1 / a - 1 / n - 1 / A + 2 * a / (n * A) - (a * a / n + rest) / (A * A)
    se = np.sqrt(np.maximum(var, 0.0))
    return (rr, *_wald_log(rr, se, z))


def _clopper_pearson(x, t, alpha):
    """Clopper-Pearson limits for a proportion x/t (t > 0)."""
    lo = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), t - x + 1), 0.0)
    hi = np.where(x < t, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(t - x, 1)), 1.0)
    return lo, hi


def _binom_central_p(x, t, p0):
    """Central two-sided exact binomial p: min(1, 2 min(P(X<=x), P(X>=x))).

    Written with the regularised incomplete beta function, which equals the binomial tails
    for whole counts and extends them to the effective (non-whole) counts of pooled periods.
    """
    lower = np.where(x >= t, 1.0, special.betainc(np.maximum(t - x, 1e-300), x + 1, 1 - p0))
    upper = np.where(x <= 0, 1.0, special.betainc(np.maximum(x, 1e-300), t - x + 1, p0))
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def noise_effect(a, n, count_noise: float) -> np.ndarray:
    """What independent noise of variance `count_noise` on a and on n adds to the rate's
    design effect: Var(ln a/n) gains count_noise (1/a^2 + 1/n^2), against the binomial
    (1 - p)/(n p), which is count_noise (1 + p^2) / (n p (1 - p)). 0 where p is 0 or 1."""
    a, n = np.asarray(a, float), np.asarray(n, float)
    if not count_noise:
        return np.zeros(a.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        extra = count_noise * (1 + p * p) / (n * p * (1 - p))
    return np.where((n > 0) & (p > 0) & (p < 1) & np.isfinite(extra), extra, 0.0)


def design_effect(a, n, ss_events, ss_cross, ss_population) -> np.ndarray:
    """Cluster-robust variance of the rate a/n over its binomial variance (at least 1).

    With each child a cluster (x periods eligible, y with the outcome), the rate's variance is
    sum((y - p x)^2) / n^2 = (ss_events - 2p ss_cross + p^2 ss_population) / n^2 (the
    sandwich estimator of a ratio), against p (1 - p) / n if every child-period were
    independent. It is 1 for a single period (each child counted once); it is floored at 1,
    so pooling never narrows an interval below the binomial one. 1 where p is 0 or 1.
    """
    a, n = np.asarray(a, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        num = np.asarray(ss_events, float) - 2 * p * np.asarray(ss_cross, float) \
            + p * p * np.asarray(ss_population, float)
        deff = num / (n * p * (1 - p))
    return np.where((n > 0) & (p > 0) & (p < 1) & np.isfinite(deff), np.maximum(deff, 1.0), 1.0)


def _exact_pi(a, n, c, m, alpha):
    """Exact limits for pi = share of the T = a + c events that fall in the group.

    Conditional on T, a ~ Binomial(T, pi) with pi = n*theta / (n*theta + m)
    and theta the rate ratio; theta = 1 <=> pi = n / (n + m).
    """
    t = a + c
    lo, hi = _clopper_pearson(a, t, alpha)
    p = _binom_central_p(a, t, n / (n + m))
    return lo, hi, p


def _mn_score(theta, x1, n1, x2, n2):
    """Miettinen-Nurminen score statistic for H0: p1 / p2 = theta (vectorised).

    The variance is evaluated at the maximum-likelihood proportions restricted to
    p1 = theta p2 (the smaller root of N theta p^2 - (n1 theta + x1 + n2 + x2 theta) p
    + x1 + x2 = 0, Farrington and Manning 1990), times N / (N - 1) (Miettinen and Nurminen
    1985). Decreasing in theta.
    """
    N = n1 + n2
    qa = N * theta
    qb = -(n1 * theta + x1 + n2 + x2 * theta)
    qc = x1 + x2
    disc = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0.0))
    p2 = np.clip((-qb - disc) / (2 * qa), 0.0, 1.0)
    p1 = np.clip(theta * p2, 0.0, 1.0)
    var = (p1 * (1 - p1) / n1 + theta * theta * p2 * (1 - p2) / n2) * N / (N - 1)
    diff = x1 / n1 - theta * x2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        # no variance: 0 where the estimate is exactly theta, else infinitely far from it
        return np.where(var > 0, diff / np.sqrt(var),
                        np.where(diff == 0, 0.0, np.sign(diff) * np.inf))


#: Bracket of ln(theta) searched for a score limit, and the width at which a limit is found.
_LOG_BRACKET = 40.0
_LOG_TOLERANCE = 1e-12


def _decreasing_root(f, target: float, rows: np.ndarray, size: int, start: np.ndarray,
                     step: np.ndarray) -> np.ndarray:
    """For each of `rows`, the x in [-_LOG_BRACKET, _LOG_BRACKET] where the decreasing
    f(x, rows) crosses `target` (NaN elsewhere); near an end where it does not cross.

    The search starts at `start` (a guess, NaN for none) and steps from it towards the
    crossing, doubling `step` each time, until both ends of the row's bracket have finite
    values on either side of the target; then regula falsi with the Illinois modification
    (the new point is where the chord between the ends crosses the target, and an end kept
    twice in a row has its value halved, so both ends close in). Where neither applies it
    bisects. The bracket is kept by sign, so the crossing cannot be lost, and a row stops
    when its bracket is narrower than _LOG_TOLERANCE: about 8 evaluations of f where
    bisection to that width takes 45; rows still open are evaluated alone."""
    x = np.full(size, np.nan)
    lo, hi = np.full(size, -_LOG_BRACKET), np.full(size, _LOG_BRACKET)
    flo, fhi = np.full(size, np.nan), np.full(size, np.nan)
    side = np.zeros(size, np.int8)           # the end the last point replaced: -1 hi, 1 lo
    guess, step = start.astype(float), step.astype(float)
    while rows.size:
        a, b, fa, fb = lo[rows], hi[rows], flo[rows], fhi[rows]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            chord = b - fb * (b - a) / (fb - fa)
        usable = (fa > 0) & (fb < 0) & np.isfinite(fa) & np.isfinite(fb) \
            & (chord > a) & (chord < b)
        g = guess[rows]
        probe = ~usable & (g > a) & (g < b)
        new = np.where(usable, chord, np.where(probe, g, (a + b) / 2))
        fn = f(new, rows) - target
        x[rows] = new
        up = fn > 0                           # the crossing is above the new point
        guess[rows] = new + np.where(up, step[rows], -step[rows])
        step[rows] *= 2
        last = side[rows]
        fb = np.where(up & (last == 1), fb / 2, fb)
        fa = np.where(~up & (last == -1), fa / 2, fa)
        lo[rows], flo[rows] = np.where(up, new, a), np.where(up, fn, fa)
        hi[rows], fhi[rows] = np.where(up, b, new), np.where(up, fb, fn)
        side[rows] = np.where(up, 1, -1)
        rows = rows[(fn != 0) & (hi[rows] - lo[rows] >= _LOG_TOLERANCE)]
    return x


def _score(a, n, c, m, z):
    """Score interval (Miettinen-Nurminen) for (a/n)/(c/m) and the score test at 1.

    Each limit solves score(theta) = +-z on log theta (all rows at once, `_decreasing_root`):
    the interval is the set of ratios the score test does not reject, so it excludes 1
    exactly when p < 1 - level. A limit with no root is 0 (no events in the group) or
    infinite (NaN: no events in the comparison). Good coverage for common outcomes, where
    the conditional interval is far too wide.
    """
    rr = (a / n) / (c / m)

    def score(x, rows):
        return _mn_score(np.exp(x), a[rows], n[rows], c[rows], m[rows])

    # Guesses: the Katz (log) limits, in steps of a fifth of their half-width.
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.maximum(1 / a - 1 / n + 1 / c - 1 / m, 0.0))
        centre = np.log(rr)
        below, above = centre - half, centre + half   # NaN (no guess) without events
    step = np.where(np.isfinite(half) & (half > 0), half / 5, 1.0)
    low = np.where(a == 0, 0.0, np.exp(_decreasing_root(
        score, z, np.flatnonzero(a > 0), a.size, below, step)))
    high = np.where(c == 0, np.nan, np.exp(_decreasing_root(
        score, -z, np.flatnonzero(c > 0), a.size, above, step)))
    p = 2 * special.ndtr(-np.abs(_mn_score(np.ones(a.size), a, n, c, m)))
    return rr, low, high, np.minimum(p, 1.0)


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

def _fmt_int(x: np.ndarray) -> np.ndarray:
    """Whole counts as text (object array); each distinct value is formatted once."""
    values, inverse = np.unique(np.nan_to_num(x).astype(np.int64), return_inverse=True)
    return np.array([str(v) for v in values], dtype=object)[inverse]


def _events_text(x: np.ndarray) -> np.ndarray:
    return _fmt_int(x) + np.where(x == 1, " event", " events").astype(object)


def _low_reasons(a, n, c, m, min_population, min_events, with_comparison: bool):
    """Per row, the low-numbers reasons joined with '; ' ("" if none). Text is built only
    for the rows a reason applies to."""
    mp, me = int(min_population), int(min_events)
    reasons = [
        (n < mp, lambda r: "population " + _fmt_int(n[r]) + f" (minimum {mp})"),
        (a < me, lambda r: _events_text(a[r]) + f" (minimum {me})"),
    ]
    if with_comparison:
        reasons += [
            (m < mp, lambda r: "comparison group has population " + _fmt_int(m[r])
             + f" (minimum {mp})"),
            (c < me, lambda r: "comparison group has " + _events_text(c[r])
             + f" (minimum {me})"),
        ]
    out = np.full(np.size(a), "", dtype=object)
    for applies, text in reasons:
        rows = np.flatnonzero(applies)
        if rows.size:
            before = out[rows]
            out[rows] = np.where(before != "", before + "; ", before) + text(rows)
    return out


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
    methods: dict                # interval method name -> rows using it
    not_computable: list         # [(condition, reason), ...] in priority order
    low_text: np.ndarray         # low-numbers reasons ("" if none)

    @classmethod
    def empty(cls, size: int) -> "_Fit":
        arrays = [np.full(size, np.nan) for _ in range(8)]
        return cls(*arrays, {}, [], np.full(size, "", dtype=object))


def _methods(ci, a, n, c, m):
    """Per row: (katz, exact, score) masks for the chosen method; "auto" picks the exact
    conditional interval for a rare outcome with few events, the score interval otherwise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rare = (a <= AUTO_RARE_AT_MOST * n) & (c <= AUTO_RARE_AT_MOST * m)
    few = (a < AUTO_EXACT_BELOW) | (c < AUTO_EXACT_BELOW)
    size = np.size(a)
    if ci == "auto":
        exact = rare & few
        return np.zeros(size, bool), exact, ~exact
    if ci == "katz":   # Katz needs events on both sides: the exact interval covers a == 0
        return a > 0, a == 0, np.zeros(size, bool)
    return (np.zeros(size, bool), np.full(size, ci == "exact"), np.full(size, ci == "score"))


def _ratio_intervals(fit, ok, a, n, c, m, ci, level):
    """Fill fit.rri/lo/hi/p of the `ok` rows for a vs c with the chosen method; returns the
    (katz, exact, score) row masks used."""
    alpha, z = 1 - level, z_value(level)
    katz, exact, score = (mask & ok for mask in _methods(ci, a, n, c, m))
    fit.rri[katz], fit.lo[katz], fit.hi[katz], fit.p[katz] = _katz(
        a[katz], n[katz], c[katz], m[katz], z)
    pil, pih, fit.p[exact] = _exact_pi(a[exact], n[exact], c[exact], m[exact], alpha)
    fit.rri[exact] = (a[exact] / n[exact]) / (c[exact] / m[exact])
    fit.lo[exact] = _pi_to_theta(pil, n[exact], m[exact])
    fit.hi[exact] = _pi_to_theta(pih, n[exact], m[exact])
    fit.rri[score], fit.lo[score], fit.hi[score], fit.p[score] = _score(
        a[score], n[score], c[score], m[score], z)
    return katz, exact, score


def _fit_pairs(a, n, c, m, found, skip, ci, level, min_population, min_events,
               eff=None) -> _Fit:
    """Each row vs its own comparison counts (c, m): "reference" and "rest".

    `eff` = (a, n, c, m) as effective counts (divided by their design effects) for the
    intervals and tests; the raw counts decide statuses."""
    fit = _Fit.empty(a.size)
    fit.not_computable = [
        (n == 0, "no children in the group"),
        (~found, "no reference group row for this slice"),
        (m == 0, "no children in the comparison group"),
        ((a == 0) & (c == 0), "no events in the group or the comparison group"),
        (c == 0, "no events in the comparison group"),
    ]
    ok = ~np.logical_or.reduce([cond for cond, _ in fit.not_computable]) & ~skip
    ae, ne, ce, me = eff if eff is not None else (a, n, c, m)
    katz, exact, score = _ratio_intervals(fit, ok, ae, ne, ce, me, ci, level)
    has = found & (m > 0)
    fit.p_comp[has] = c[has] / m[has]
    dd = has & (n > 0)
    fit.d[dd], fit.dlo[dd], fit.dhi[dd] = _newcombe(ae[dd], ne[dd], ce[dd], me[dd], level)
    fit.methods = {"katz": katz, "exact": exact, "score": score}
    fit.low_text = _low_reasons(a, n, c, m, min_population, min_events, True)
    return fit


def _fit_overall(a, n, c_r, m_r, ci, level, min_population, min_events, eff=None) -> _Fit:
    """Each row vs its whole by-slice, which contains the row: c_r of m_r are the rest.

    The "katz" interval uses the general delta-method variance (`_katz_overall`); the exact
    and score intervals are those of the group against the rest, carried over to the slice by
    theta_o = N theta / (n theta + m), which is increasing in theta (so the p-value is the
    same test's)."""
    fit = _Fit.empty(a.size)
    A, N = a + c_r, n + m_r
    fit.not_computable = [
        (n == 0, "no children in the group"),
        (m_r == 0, "the group is the whole slice, so there is nothing to compare it with"),
        (A == 0, "no events in the group or the comparison group"),
    ]
    ok = ~np.logical_or.reduce([cond for cond, _ in fit.not_computable])
    inner = _Fit.empty(a.size)
    ae, ne, ce, me = eff if eff is not None else (a, n, c_r, m_r)
    katz, exact, score = _ratio_intervals(inner, ok, ae, ne, ce, me, ci, level)
    z = z_value(level)
    fit.rri[katz], fit.lo[katz], fit.hi[katz], fit.p[katz] = _katz_overall(
        ae[katz], ne[katz], ce[katz], me[katz], z)
    # A zero delta-method variance away from 1 (every child of the group with the outcome and
    # none of the rest, or the reverse) says nothing: those rows take the score interval.
    flat = katz & (fit.lo == fit.hi) & (fit.rri != 1)
    if flat.any():
        inner.rri[flat], inner.lo[flat], inner.hi[flat], inner.p[flat] = _score(
            ae[flat], ne[flat], ce[flat], me[flat], z)
        katz, score = katz & ~flat, score | flat
    cond = exact | score
    with np.errstate(divide="ignore", invalid="ignore"):
        def carry(theta):
            # theta infinite (NaN: the rest has no events) -> N / n. The transform uses the
            # shares of the slice in the group and the rest (ratios, unchanged by the
            # effective-count scaling within each).
            return np.where(np.isnan(theta), N / n, N * theta / (n * theta + m_r))
        fit.lo[cond] = carry(inner.lo)[cond]
        fit.hi[cond] = carry(inner.hi)[cond]
    fit.rri[cond] = (a[cond] / n[cond]) / (A[cond] / N[cond])
    fit.p[cond] = inner.p[cond]
    fit.p_comp[N > 0] = A[N > 0] / N[N > 0]
    dd = (n > 0) & (m_r > 0)
    # p_g - P = (m/N) (p_g - p_rest)
    fit.d[dd], fit.dlo[dd], fit.dhi[dd] = (
        (m_r[dd] / N[dd]) * x for x in _newcombe(ae[dd], ne[dd], ce[dd], me[dd], level))
    fit.methods = {"katz": katz, "exact": exact, "score": score}
    fit.low_text = _low_reasons(a, n, A, N, min_population, min_events, True)
    return fit


def _fit_benchmark(a, n, b, ci, level, min_population, min_events, eff=None) -> _Fit:
    """Each row vs a known external proportion b (NaN where none matched); `eff` = (a, n)
    as effective counts for the intervals and tests."""
    fit = _Fit.empty(a.size)
    raw_a, raw_n = a, n
    a, n = eff if eff is not None else (a, n)
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
    k, e = ok & ~exact, ok & exact   # "katz" and "score" both mean the score (Wilson) form
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
    fit.methods = {"score": k, "exact": e}
    fit.low_text = _low_reasons(raw_a, raw_n, None, None, min_population, min_events, False)
    return fit


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def rri_table(counts: pd.DataFrame, group_cols, *, by=(), comparison: str = "reference",
              reference=None, level: float = 0.95, ci: str = "auto", adjust: str = "holm",
              unit: float = 100, min_population: int = 30, min_events: int = 5,
              benchmark: pd.DataFrame | None = None, count_noise: float = 0.0) -> pd.DataFrame:
    """Relative rate index of each group against a comparison, one row per input row.

    Parameters
    ----------
    counts : DataFrame with ``group_cols``, ``by`` columns and integer
        ``events`` (children with the outcome) and ``population`` (children).
    comparison : "reference" (named group; unnamed group columns are strata),
        "rest" (all other rows of the by-slice pooled), "overall" (the whole
        by-slice, group included) or "benchmark" (external proportions in
        ``benchmark['benchmark_rate']``, treated as known).
    ci : "katz" (log interval), "exact" (the conditional, Poisson-type interval:
        Clopper-Pearson on the group's share of the events; conservative, meant for rare
        outcomes), "score" (Miettinen-Nurminen score interval for a ratio of two binomial
        proportions) or "auto" (exact for a rare outcome with fewer than AUTO_EXACT_BELOW
        events on a side, score otherwise).
    adjust : "holm", "bh" or "none"; applied within each by-slice.
    count_noise : variance of the noise added to each count before publication (the
        cell-key method's perturbation); intervals and tests widen for it (`noise_effect`).

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
    squares = _square_sums(df, by)
    dg = design_effect(a, n, *squares[:3]) if squares else np.ones(size)
    dg = dg + noise_effect(a, n, count_noise)
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
            dc = np.where(found, dg[np.maximum(pos, 0)], 1.0)  # the reference row's, noise included
            fit = _fit_pairs(a, n, c, m, found, is_ref, ci, level, *mins,
                             eff=(a / dg, n / dg, c / dc, m / dc))
        elif comparison in ("rest", "overall"):
            # The rest of the slice. With published totals (perturbed independently of the
            # rows) it can come out negative or with more events than children: then 0 and
            # at most its children.
            m_r = np.maximum(N - n, 0.0)
            c_r = np.minimum(np.maximum(A - a, 0.0), m_r)
            dc = (design_effect(c_r, m_r, *(np.maximum(t - s, 0.0) for t, s in
                                             zip(squares[3:], squares[:3])))
                  if squares else np.ones(size))
            # the rest is a published total minus a published row: twice the noise
            dc = dc + noise_effect(c_r, m_r, 2 * count_noise)
            eff = (a / dg, n / dg, c_r / dc, m_r / dc)
            if comparison == "rest":
                fit = _fit_pairs(a, n, c_r, m_r, np.ones(size, dtype=bool), is_ref, ci,
                                 level, *mins, eff=eff)
            else:
                fit = _fit_overall(a, n, c_r, m_r, ci, level, *mins, eff=eff)
                A, N = a + c_r, n + m_r
        else:
            b = _match_benchmark(df, group_cols, by, benchmark)
            fit = _fit_benchmark(a, n, b, ci, level, *mins, eff=(a / dg, n / dg))
        excess = np.where(n > 0, a - n * fit.p_comp, np.nan)
        rate = np.where(n > 0, a / n, np.nan)
        rlo, rhi = _wilson(a / dg, n / dg, level)
        rep = np.where((A > 0) & (n > 0), (a / A) / (n / N), np.nan)

    method = np.full(size, None, dtype=object)
    for name, rows in fit.methods.items():
        method[rows] = name
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
    slices = slice_ids(df, by)
    p_adj = adjust_families(p, slices, adjust)
    significant = pd.arrays.BooleanArray(np.nan_to_num(p_adj, nan=1.0) < alpha,
                                         np.isnan(p_adj))

    columns = {col: df[col].array for col in group_cols + by}
    columns["events"] = pd.array(df["events"].to_numpy(), dtype="Int64")
    columns["population"] = pd.array(df["population"].to_numpy(), dtype="Int64")
    floats = {
        "rate": rate * unit, "rate_ci_low": rlo * unit, "rate_ci_high": rhi * unit,
        "reference_rate": p_comp * unit, "rri": rri, "rri_ci_low": lo, "rri_ci_high": hi,
        "p_value": p, "p_adjusted": p_adj,
    }
    columns.update((name, to_float_na(values)) for name, values in floats.items())
    columns["significant"] = significant
    columns["ci_method"] = pd.array(method, dtype="string")
    floats = {"rate_difference": d * unit, "rate_difference_ci_low": dlo * unit,
              "rate_difference_ci_high": dhi * unit, "excess_events": excess,
              "representation_index": rep}
    columns.update((name, to_float_na(values)) for name, values in floats.items())
    columns["status"] = pd.array(status.astype(object), dtype="string")
    out = pd.DataFrame(columns, copy=False)
    out.attrs = {
        "comparison": comparison, "reference": ref_dict, "level": level, "ci": ci,
        "adjust": adjust, "unit": unit, "min_population": min_population,
        "min_events": min_events, "auto_exact_below": AUTO_EXACT_BELOW,
        "auto_rare_at_most": AUTO_RARE_AT_MOST,
        "group_cols": list(group_cols), "by": list(by),
    }
    return out
