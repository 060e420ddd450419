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

import numpy as np
import pandas as pd

from analytics.stats.comparisons import (
    AUTO_EXACT_BELOW,
    AUTO_RARE_AT_MOST,
    _fit_benchmark,
    _fit_overall,
    _fit_pairs,
    _match_benchmark,
    _slice_totals,
    _square_sums,
    normalise_reference,
    reference_match,
)
from analytics.stats.intervals import (
    _katz_overall,
    _wilson,
    design_effect,
    noise_effect,
)
from analytics.stats.rates import to_float_na, z_value
from analytics.stats.significance import ADJUST_METHODS, adjust_families
from analytics.stats.validation import _as_list, slice_ids, validate_counts

__all__ = [
    "AUTO_EXACT_BELOW",
    "AUTO_RARE_AT_MOST",
    "COMPARISONS",
    "CI_METHODS",
    "RESULT_COLUMNS",
    "REFERENCE_DERIVED_COLUMNS",
    "rri_table",
    "slice_ids",
    "validate_counts",
    "_katz_overall",        # the delta-method kernel, checked on its own in tests/test_rri.py
]

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


def _frame(df: pd.DataFrame, keys: list[str], unit: float, *, rate, rlo, rhi, p_comp, rri, lo,
           hi, p, p_adj, significant, method, d, dlo, dhi, excess, rep, status) -> pd.DataFrame:
    """The result table: the key columns, then RESULT_COLUMNS (rates and differences per
    `unit`; every non-finite value NA)."""
    columns = {col: df[col].array for col in keys}
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
    return pd.DataFrame(columns, copy=False)


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

    out = _frame(df, group_cols + by, unit, rate=rate, rlo=rlo, rhi=rhi, p_comp=p_comp, rri=rri,
                 lo=lo, hi=hi, p=p, p_adj=p_adj, significant=significant, method=method, d=d,
                 dlo=dlo, dhi=dhi, excess=excess, rep=rep, status=status)
    out.attrs = {
        "comparison": comparison, "reference": ref_dict, "level": level, "ci": ci,
        "adjust": adjust, "unit": unit, "min_population": min_population,
        "min_events": min_events, "auto_exact_below": AUTO_EXACT_BELOW,
        "auto_rare_at_most": AUTO_RARE_AT_MOST,
        "group_cols": list(group_cols), "by": list(by),
    }
    return out
