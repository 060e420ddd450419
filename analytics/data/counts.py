"""Counts tables from the database: events and eligible population per group (DuckDB does
the row-level work; Python receives one row per group)."""
from __future__ import annotations

import pandas as pd

from analytics.data import queries
from analytics.data.cohorts import (
    COMPLEMENT_LABEL,
    Cohort,
    cohort_condition,
    where_clause,
)
from analytics.data.cohorts import get as get_cohort
from analytics.data.db import periods as all_periods
from analytics.data.reference import outcome as get_outcome
from analytics.data.reference import outcome_catalogue


def _group_select(by, cohort, params: dict) -> list[str]:
    """SELECT items for the breakdown columns (and the cohort flag), allow-listed."""
    select = [queries.identifier(c, queries.DIMENSIONS) for c in by]
    if cohort is not None:
        cohort = get_cohort(cohort) if isinstance(cohort, str) else cohort
        cond, cparams = cohort_condition(cohort)
        select.insert(0, f"CASE WHEN {cond} THEN $cohort_in ELSE $cohort_out END AS cohort")
        params.update(cparams, cohort_in=cohort.label, cohort_out=COMPLEMENT_LABEL)
    return select or ["'All children' AS all_children_group"]


def counts(con, outcome: str, by=(), periods=None, cohort: Cohort | str | None = None,
           filters: dict | None = None) -> pd.DataFrame:
    """Counts table for `outcome` broken down by the `by` columns (and the cohort, if given).

    `periods`: list of period labels (default all); include "period" in `by` for a row per
    period, otherwise the periods are pooled. `cohort`: a named cohort; adds a `cohort`
    column holding the cohort's label or "All other children". `filters`: {column: values}
    restricting the population (e.g. {"sex": ["Male"]}).
    """
    spec = get_outcome(outcome)
    params: dict = {"periods": list(periods) if periods else all_periods(con)}
    select = _group_select(list(by), cohort, params)
    filt, fparams = where_clause(filters or {}, prefix="f")
    params.update(fparams)
    sql = queries.render(
        "counts",
        group_select=",\n        ".join(select),
        numerator=queries.identifier(spec["numerator"], queries.FLAGS),
        denominator=queries.identifier(spec["denominator"], queries.FLAGS),
        filter=filt,
    )
    df = con.execute(sql, params).df()
    for col in ("events", "population"):
        df[col] = df[col].astype("int64")
    return df


def outcome_counts(con, outcomes=None, by=(), periods=None, cohort: Cohort | str | None = None,
                   filters: dict | None = None) -> pd.DataFrame:
    """Long counts table for many outcomes from one scan: by columns, `outcome`, events,
    population. Default: every outcome in the catalogue."""
    catalogue = outcome_catalogue()
    if outcomes is not None:
        catalogue = catalogue.set_index("key").loc[list(outcomes)].reset_index()
    params: dict = {"periods": list(periods) if periods else all_periods(con)}
    by = list(by)
    select = _group_select(by, cohort, params)
    aggregates = []
    for i, row in enumerate(catalogue.itertuples()):
        num = queries.identifier(row.numerator, queries.FLAGS)
        den = queries.identifier(row.denominator, queries.FLAGS)
        aggregates.append(f"count(*) FILTER (WHERE {num} AND {den}) AS e{i}")
        aggregates.append(f"count(*) FILTER (WHERE {den}) AS n{i}")
    filt, fparams = where_clause(filters or {}, prefix="f")
    params.update(fparams)
    sql = queries.render("matrix", group_select=",\n    ".join(select),
                         aggregates=",\n    ".join(aggregates), filter=filt)
    wide = con.execute(sql, params).df()
    keys = [c for c in wide.columns if not (c[0] in "en" and c[1:].isdigit())]
    parts = []
    for i, key in enumerate(catalogue["key"]):
        part = wide[keys].copy()
        part["outcome"] = key
        part["events"] = wide[f"e{i}"].astype("int64")
        part["population"] = wide[f"n{i}"].astype("int64")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def population(con, by=(), periods=None, filters: dict | None = None) -> pd.DataFrame:
    """Children per group (all ages 0-17): the borough's resident population by breakdown."""
    params: dict = {"periods": list(periods) if periods else all_periods(con)}
    select = _group_select(list(by), None, params)
    filt, fparams = where_clause(filters or {}, prefix="f")
    params.update(fparams)
    sql = queries.render("counts", group_select=",\n        ".join(select),
                         numerator="all_children", denominator="all_children", filter=filt)
    df = con.execute(sql, params).df().drop(columns="events")
    df["population"] = df["population"].astype("int64")
    return df
