"""Counts tables from the database: child-periods with an outcome (events) and eligible
child-periods (population) per group and window of periods, with the cell keys that disclosure
control needs and, for pooled windows, the per-child sums of squares that make intervals
allow for the same child counted in several periods. DuckDB does the row-level work
(queries/counts.sql); Python receives one row per group.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.data import cube, queries
from analytics.data.cohorts import (
    COMPLEMENT_LABEL,
    Cohort,
    cohort_columns,
    cohort_condition,
    where_clause,
)
from analytics.data.cohorts import get as get_cohort
from analytics.data.db import periods as all_periods
from analytics.data.reference import outcome as get_outcome
from analytics.data.reference import outcome_catalogue
from analytics.data.synthetic import RECORD_KEYS

#: Cell-key columns beside the counts: sum of the record keys of the rows counted, mod
#: RECORD_KEYS. The same children always give the same key, and the key of a union of
#: disjoint cells is the sum of theirs (mod RECORD_KEYS).
KEY_COLUMNS = ("events_ckey", "population_ckey")
#: Per-child sums of squares of a pooled window (sum y^2, sum x*y, sum x^2 over children, with
#: x periods eligible and y periods with the outcome): the cluster-robust variance's inputs.
SQUARE_COLUMNS = ("ss_events", "ss_cross", "ss_population")


def count_columns(table: pd.DataFrame) -> list[str]:
    """The count columns of a counts table that it has: counts, sums of squares, their keys
    (select these, not just events and population, to keep what protection needs)."""
    names = ["events", "population", *SQUARE_COLUMNS]
    return [c for n in names for c in (n, f"{n}_ckey") if c in table.columns]
POOLED = "pooled"


def window_label(periods) -> str:
    """"2017/18 to 2019/20" for consecutive periods pooled; the period itself for one."""
    periods = list(periods)
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def _windows(con, by, periods, windows) -> tuple[dict, bool]:
    """({label: [periods]}, whether the result keeps a `period` column for the window)."""
    if windows is not None:
        return {str(k): list(v) for k, v in windows.items()}, True
    periods = list(periods) if periods else all_periods(con)
    if "period" in by:
        return {p: [p] for p in periods}, True
    return {POOLED: periods}, False


def _groups(by, cohort, params: dict) -> tuple[list[str], list[str], set[str]]:
    """(SELECT items, their column names, the columns they read) for the breakdown and the
    cohort, allow-listed."""
    items, names, reads = [], [], set()
    if cohort is not None:
        cohort = get_cohort(cohort) if isinstance(cohort, str) else cohort
        cond, cparams = cohort_condition(cohort)
        items.append(f"CASE WHEN {cond} THEN $cohort_in ELSE $cohort_out END AS cohort")
        names.append("cohort")
        reads |= cohort_columns(cohort)
        params.update(cparams, cohort_in=cohort.label, cohort_out=COMPLEMENT_LABEL)
    for col in by:
        if col != "period":
            items.append(queries.identifier(col, queries.DIMENSIONS))
            names.append(col)
            reads.add(col)
    if not items:
        items, names = ["'All children' AS all_children_group"], ["all_children_group"]
    return items, names, reads


def flag_counts(con, pairs, by=(), periods=None, cohort: Cohort | str | None = None,
                filters: dict | None = None, windows: dict | None = None) -> pd.DataFrame:
    """Wide counts for (numerator flag, denominator flag) pairs from one scan: the group
    columns (and `period` holding the window label when windows are kept), then per pair i
    the columns e<i>, n<i> (events, population) and ek<i>, nk<i> (their cell keys), and for
    windows pooling several periods the per-child sums of squares syy<i>, sxy<i>, sxx<i>
    with their keys syyk<i>, sxyk<i>, sxxk<i>.

    Answered from the counts cube (analytics.data.cube) when it holds everything the
    request reads, otherwise from the rows; both give the same numbers."""
    by = list(by)
    request, keep = _request(con, pairs, by, periods, cohort, filters, windows)
    wide = cube.counts(con, request)
    if wide is None:
        wide = _scan(con, request)
    groups = [c for c in ["cohort", *[b for b in by if b != "period"], "all_children_group"]
              if c in wide.columns]
    first = groups + (["window_label"] if keep else [])
    order = first + [c for c in wide.columns if c not in groups + ["window_label"]]
    if order != list(wide.columns):          # the cube's are in order already
        wide = wide[order]
    wide.columns = ["period" if c == "window_label" else c for c in wide.columns]
    return wide


def _request(con, pairs, by, periods, cohort, filters, windows) -> tuple[cube.Request, bool]:
    """The request of a `flag_counts` call (allow-listed), and whether it keeps windows."""
    windows, keep = _windows(con, by, periods, windows)
    params: dict = {
        "window_labels": [w for w, ps in windows.items() for _ in ps],
        "window_periods": [p for ps in windows.values() for p in ps],
        "key_space": RECORD_KEYS,
    }
    items, names, reads = _groups(by, cohort, params)
    filt, fparams = where_clause(filters or {}, prefix="f")
    params.update(fparams)
    pairs = [(queries.identifier(n, queries.FLAGS), queries.identifier(d, queries.FLAGS))
             for n, d in pairs]
    request = cube.Request(pairs=tuple(pairs), items=tuple(items), names=tuple(names),
                           filter=filt, params=params, windows=windows,
                           columns=frozenset(reads | set(dict(filters or {}))))
    return request, keep


def source(con, pairs, by=(), periods=None, cohort: Cohort | str | None = None,
           filters: dict | None = None, windows: dict | None = None) -> tuple[str, str]:
    """Where `flag_counts` with these arguments takes its counts from: (a cube table or
    "rows", why)."""
    request, _ = _request(con, pairs, list(by), periods, cohort, filters, windows)
    table, reason = cube.plan(con, request)
    return (table or "rows"), reason


def _scan(con, request: cube.Request) -> pd.DataFrame:
    """The wide counts of `request` from the rows (queries/counts.sql)."""
    flags, sums, single, aggregates = [], [], [], []
    for i, (num, den) in enumerate(request.pairs):
        flags += [f"{den} AS n{i}", f"({num} AND {den}) AS e{i}"]
        sums += [f"count(*) FILTER (WHERE n{i}) AS x{i}", f"count(*) FILTER (WHERE e{i}) AS y{i}"]
        single += [f"n{i}::INTEGER AS x{i}", f"e{i}::INTEGER AS y{i}"]
        terms = {"e": f"y{i}", "n": f"x{i}"}
        if request.pooled:
            terms.update({"syy": f"y{i} * y{i}", "sxy": f"x{i} * y{i}", "sxx": f"x{i} * x{i}"})
        for name, term in terms.items():
            aggregates += [f"sum({term}) AS {name}{i}",
                           f"sum(record_key * {term}) % $key_space AS {name}k{i}"]
    sep = ",\n        "
    clusters = queries.render(
        "clusters_pooled" if request.pooled else "clusters_single",
        group_cols=sep.join(request.names), cluster_sums=sep.join(sums),
        cluster_flags=sep.join(single))
    sql = queries.render(
        "counts", group_select=sep.join(request.items), flag_select=sep.join(flags),
        filter=request.filter, clusters=clusters, group_cols=sep.join(request.names),
        aggregates=sep.join(aggregates))
    return con.execute(sql, request.params).df()


_COUNT_COLUMN = re.compile(r"^(e|n|syy|sxy|sxx)k?\d+$")
_LONG_NAMES = {"e": "events", "n": "population", "syy": "ss_events", "sxy": "ss_cross",
               "sxx": "ss_population"}


def _long(wide: pd.DataFrame, keys: list[str], i: int) -> pd.DataFrame:
    """Pair i of a wide counts table as a long one: counts, sums of squares, cell keys."""
    part = wide[keys].copy()
    for short, name in _LONG_NAMES.items():
        if f"{short}{i}" in wide.columns:
            part[name] = wide[f"{short}{i}"].fillna(0).astype("int64")
            part[f"{name}_ckey"] = wide[f"{short}k{i}"].fillna(0).astype("int64")
    return part


def _keys(wide: pd.DataFrame) -> list[str]:
    """The group (and period) columns of a wide counts table."""
    return [c for c in wide.columns if not _COUNT_COLUMN.match(c)]


def outcome_counts(con, outcomes=None, by=(), periods=None, cohort: Cohort | str | None = None,
                   filters: dict | None = None, windows: dict | None = None) -> pd.DataFrame:
    """Long counts table for many outcomes from one scan: group columns (and `period`),
    `outcome`, `events`, `population` and their cell keys. Default: every outcome in the
    catalogue. Groups with no eligible children for an outcome have population 0."""
    catalogue = outcome_catalogue()
    if outcomes is not None:
        catalogue = catalogue.set_index("key").loc[list(outcomes)].reset_index()
    pairs = list(zip(catalogue["numerator"], catalogue["denominator"]))
    wide = flag_counts(con, pairs, by, periods, cohort, filters, windows)
    return _stack(wide, list(catalogue["key"]))


def _stack(wide: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """A wide counts table (pair i = outcomes[i]) as one long table: the group rows repeated
    per outcome, each count column stacked (one array operation per column)."""
    keys = _keys(wide)
    n, k = len(wide), len(outcomes)
    rows = np.tile(np.arange(n), k)
    columns = {key: wide[key].array.take(rows) for key in keys}
    columns["outcome"] = pd.array(outcomes, dtype="str").take(np.repeat(np.arange(k), n))
    stacked = [(col, short, suffix) for short, name in _LONG_NAMES.items()
               if f"{short}0" in wide.columns
               for col, suffix in ((name, ""), (f"{name}_ckey", "k"))]
    # every count column at once (one block per count: pair i in columns i*k .. i*k + k-1)
    values = wide[[f"{short}{suffix}{i}" for _, short, suffix in stacked
                   for i in range(k)]].to_numpy(dtype="int64", na_value=0)
    for j, (col, _, _) in enumerate(stacked):
        columns[col] = values[:, j * k:(j + 1) * k].T.reshape(-1)
    return pd.DataFrame(columns)


def counts(con, outcome: str, by=(), periods=None, cohort: Cohort | str | None = None,
           filters: dict | None = None, windows: dict | None = None) -> pd.DataFrame:
    """Counts table for `outcome` broken down by the `by` columns (and the cohort, if given).

    `periods`: list of period labels (default all); include "period" in `by` for a row per
    period, otherwise the periods are pooled into one window. `windows`: {label: [periods]}
    for a row per window (column `period` holds the label). `cohort`: a named cohort; adds a
    `cohort` column holding the cohort's label or "All other children". `filters`:
    {column: values} restricting the population (e.g. {"sex": ["Male"]}). Only groups with
    eligible children appear.
    """
    spec = get_outcome(outcome)
    wide = flag_counts(con, [(spec["numerator"], spec["denominator"])], by, periods, cohort,
                       filters, windows)
    out = _long(wide, _keys(wide), 0)
    return out[out["population"] > 0].reset_index(drop=True)


def population(con, by=(), periods=None, filters: dict | None = None,
               windows: dict | None = None) -> pd.DataFrame:
    """Children per group (all ages 0-17) and its cell key: the borough's resident population
    by breakdown."""
    wide = flag_counts(con, [("all_children", "all_children")], by, periods, None, filters,
                       windows)
    out = _long(wide, _keys(wide), 0)
    return out[[c for c in out.columns if c in ("population", "population_ckey")
                or c not in count_columns(out)]]
