"""The comparisons of an RRI table, one function per kind: a named reference group and the
rest of the slice (`_fit_pairs`), the whole slice containing the group (`_fit_overall`), and
an external benchmark proportion (`_fit_benchmark`); how each row finds its comparison, the
choice of interval method per row, and the low-numbers reasons."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.stats.intervals import (
    _binom_central_p,
    _clopper_pearson,
    _exact_pi,
    _katz,
    _katz_overall,
    _newcombe,
    _pi_to_theta,
    _score,
    _wilson,
    z_value,
)
from analytics.stats.validation import _first_row

#: With ``ci="auto"`` the exact conditional interval is used for a rare outcome (both
#: proportions at most AUTO_RARE_AT_MOST) when the group's events, or the comparison's, are
#: below AUTO_EXACT_BELOW; the score interval otherwise (see docs/methodology_statistics.md,
#: "Choosing an interval", for the coverage simulation behind this rule).
AUTO_EXACT_BELOW = 20
AUTO_RARE_AT_MOST = 0.10


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
