"""Indirectly standardised ratios (ISR): how a group's events compare with the number
expected if its own children had the standard population's rates, stratum by stratum.

For a group with ``a_s`` children with the outcome among ``n_s`` children in stratum ``s``
(a combination of the chosen characteristics, e.g. FSM x SEN x age band), and a standard
population with ``E_s`` among ``N_s``::

    observed = sum_s a_s
    expected = sum_s n_s * E_s / N_s
    ISR      = observed / expected

An ISR of 1 means the group has as many events as the standard's rates predict for its mix
of characteristics; the crude ratio to the standard's overall rate minus this is what the
mix accounts for. The standard is all children in the table (default) or a supplied table
(e.g. England's rates by stratum).

Intervals treat the observed count as Poisson with the expected count fixed:

* ``exact``: the chi-square (gamma) limits of a Poisson count (Armitage & Berry 2002),
  ``chi2(alpha/2, 2O)/2`` and ``chi2(1 - alpha/2, 2O + 2)/2``, divided by ``expected``;
* ``byar``: Byar's approximation (Breslow & Day 1987), used from ``BYAR_FROM`` observed
  events; below that the exact limits, where Byar's method is inaccurate. This is the rule
  of England's Fingertips tools and of the PHEindicatormethods R package.

Zero expected, empty groups and strata missing from the standard give a labelled status,
never inf or NaN. See docs/methodology_statistics.md.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from analytics.stats.rates import to_float_na, z_value
from analytics.stats.validation import validate_counts

__all__ = ["BYAR_FROM", "CI_METHODS", "RESULT_COLUMNS", "byar_limits", "exact_limits",
           "isr_table"]

#: Byar's approximation is used from this many observed events; exact limits below it.
BYAR_FROM = 10
CI_METHODS = ("byar", "exact")
#: Output columns after the group columns, in order (a public interface: `python -m analytics isr`).
RESULT_COLUMNS = ["observed", "expected", "isr", "isr_ci_low", "isr_ci_high", "status"]


def exact_limits(observed, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for observed counts (the chi-square form; 0 below for 0)."""
    o = np.asarray(observed, dtype=float)
    alpha = 1 - float(level)
    z_value(level)                                     # validates the level
    with np.errstate(invalid="ignore"):
        lo = np.where(o > 0, chi2.ppf(alpha / 2, 2 * np.maximum(o, 1)) / 2, 0.0)
    hi = chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    return lo, hi


def byar_limits(observed, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits (Breslow & Day 1987, vol. II, p. 69)."""
    o = np.asarray(observed, dtype=float)
    z = z_value(level)
    safe = np.maximum(o, 1)
    lo = np.where(o > 0, safe * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0)
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return np.maximum(lo, 0.0), hi


def _standard_rates(standard: pd.DataFrame, strata: list[str]) -> pd.DataFrame:
    """One row per stratum of the standard with its events and population summed."""
    return standard.groupby(strata, sort=False, dropna=False)[["events", "population"]].sum()


def _describe(stratum, strata: list[str]) -> str:
    values = stratum if isinstance(stratum, tuple) else (stratum,)
    return ", ".join(f"{c}={v}" for c, v in zip(strata, values))


def isr_table(counts: pd.DataFrame, group_cols, strata, *, standard: pd.DataFrame | None = None,
              ci: str = "byar", level: float = 0.95, min_population: int = 30,
              min_events: int = 5, with_population: bool = False) -> pd.DataFrame:
    """Indirectly standardised ratio of each group.

    ``counts``: group columns, strata columns, ``events`` and ``population`` (one row per
    group and stratum). ``standard``: strata columns, ``events`` and ``population``; by
    default the counts themselves summed over the groups (all children). Returns one row
    per group (in first-seen order) with the group columns then ``RESULT_COLUMNS``;
    undefined values are NA with the reason in ``status``. Groups with fewer than
    ``min_population`` children or ``min_events`` observed events are marked "low numbers"
    (shown, but not a basis for decisions). ``with_population`` adds the group's
    ``population`` after the group columns (disclosure control needs it).
    """
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    strata = [strata] if isinstance(strata, str) else list(strata)
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {CI_METHODS}, got {ci!r}")
    if not strata:
        raise ValueError("strata must name at least one column")
    if set(strata) & set(group_cols):
        raise ValueError(f"columns {sorted(set(strata) & set(group_cols))} are both group and strata columns")
    z_value(level)
    df = validate_counts(counts, group_cols + strata)
    if standard is None:
        std = _standard_rates(df, strata)
    else:
        std = _standard_rates(validate_counts(standard, strata), strata)

    # Each (group, stratum) row's expected events at the standard's stratum rate.
    keys = pd.MultiIndex.from_frame(df[strata]) if len(strata) > 1 else pd.Index(df[strata[0]])
    pos = std.index.get_indexer(keys)
    N = np.where(pos >= 0, std["population"].to_numpy(float)[np.maximum(pos, 0)], 0.0)
    E = np.where(pos >= 0, std["events"].to_numpy(float)[np.maximum(pos, 0)], 0.0)
    n = df["population"].to_numpy(float)
    a = df["events"].to_numpy(float)
    lacking = (n > 0) & (N == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_row = np.where(N > 0, n * E / N, 0.0)

    groups = df.groupby(group_cols, sort=False, dropna=False)
    gid = groups.ngroup().to_numpy()
    size = groups.ngroups
    observed = np.bincount(gid, weights=a, minlength=size)
    population = np.bincount(gid, weights=n, minlength=size)
    expected = np.bincount(gid, weights=expected_row, minlength=size)
    first_lacking = np.full(size, -1)
    rows = np.flatnonzero(lacking)
    first_lacking[gid[rows][::-1]] = rows[::-1]          # the first such row of each group

    if ci == "exact":
        lo_count, hi_count = exact_limits(observed, level)
    else:
        b_lo, b_hi = byar_limits(observed, level)
        e_lo, e_hi = exact_limits(observed, level)
        byar = observed >= BYAR_FROM
        lo_count, hi_count = np.where(byar, b_lo, e_lo), np.where(byar, b_hi, e_hi)
    ok = (population > 0) & (expected > 0) & (first_lacking < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        isr = np.where(ok, observed / expected, np.nan)
        lo = np.where(ok, lo_count / expected, np.nan)
        hi = np.where(ok, hi_count / expected, np.nan)

    status = np.full(size, "ok", dtype=object)
    low = (population < min_population) | (observed < min_events)
    status[ok & low] = [
        "low numbers: " + "; ".join(p for p in (
            f"population {int(pop):,} (minimum {min_population})" if pop < min_population else "",
            f"{int(o):,} observed (minimum {min_events})" if o < min_events else "") if p)
        for pop, o in zip(population[ok & low], observed[ok & low])]
    status[expected <= 0] = ("not computable: nothing is expected (the standard has no "
                             "events in this group's strata)")
    for g in np.flatnonzero(first_lacking >= 0):
        row = df.iloc[first_lacking[g]]
        stratum = tuple(row[strata]) if len(strata) > 1 else row[strata[0]]
        status[g] = (f"not computable: the standard has no children in stratum "
                     f"{_describe(stratum, strata)}")
    status[population <= 0] = "not computable: no children in the group"

    out = df.loc[groups.head(1).index, group_cols].reset_index(drop=True)
    if with_population:
        out["population"] = pd.array(population.astype(np.int64), dtype="Int64")
    out["observed"] = pd.array(observed.astype(np.int64), dtype="Int64")
    out["expected"] = to_float_na(np.where(first_lacking < 0, expected, np.nan))
    out["isr"] = to_float_na(isr)
    out["isr_ci_low"] = to_float_na(lo)
    out["isr_ci_high"] = to_float_na(hi)
    out["status"] = pd.array(status, dtype="string")
    out.attrs = {"group_cols": group_cols, "strata": strata, "ci": ci, "level": level,
                 "byar_from": BYAR_FROM, "min_population": min_population,
                 "min_events": min_events, "standard": "supplied" if standard is not None
                 else "all children in the table"}
    return out
