"""Counts for the follow-up after a first exclusion and for the youth-justice cohort's
history (queries/followup.sql, queries/yj_history.sql). DuckDB does the row-level work,
child by child; Python receives counts tables in the usual shape (group columns, `events`,
`population`)."""
from __future__ import annotations

import re

import pandas as pd

from analytics.data import queries
from analytics.data.cohorts import where_clause
from analytics.data.db import periods as all_periods
from analytics.data.reference import outcome_catalogue
from analytics.data.synthetic import RECORD_KEYS

#: The later outcomes followed up (outcome catalogue keys), in display order.
FOLLOWUP_OUTCOMES = ("proven_offence", "custody", "neet", "concern_gangs", "concern_cce",
                     "concern_syv")
#: Follow-up windows: years after the index year.
WINDOWS = (1, 2, 3)
#: Cohort labels (the `cohort` column).
EXCLUDED, NOT_EXCLUDED = "Excluded", "Not excluded"
#: Columns of the index year the follow-up can be grouped by, besides the breakdown
#: dimensions: the child (for per-child counts) and single-year age.
INDEX_COLUMNS = {"child_id": "Child", "age": "Age at the index year"}
#: The youth-justice cohort's history: each measure splits the children into categories
#: (columns of yj_history.sql) that add up to all of them.
YJ_CATEGORIES = {
    "exclusion": ("excluded_earlier", "excluded_that_year_only", "not_excluded"),
    "sen": ("sen_support", "ehcp", "no_sen"),
    "care": ("looked_after", "not_looked_after"),
}


def _select(columns) -> list[str]:
    allowed = {**queries.DIMENSIONS, **INDEX_COLUMNS}
    return [queries.identifier(c, allowed) for c in columns] or ["'All children' AS all_children"]


def followup_counts(con, by=(), periods=None, outcomes=FOLLOWUP_OUTCOMES, windows=WINDOWS,
                    filters: dict | None = None) -> pd.DataFrame:
    """Long counts table of later outcomes: the `by` columns (of the index year), `cohort`
    (EXCLUDED / NOT_EXCLUDED), `years` (the window), `outcome`, `events`, `population`.

    `periods`: index years (default all; only windows ending by the last year count).
    `filters`: {column: values} restricting the index children (e.g. BME pupils)."""
    catalogue = outcome_catalogue().set_index("key").loc[list(outcomes)]
    per_child, aggregates = [], []
    for i, row in enumerate(catalogue.itertuples()):
        num = queries.identifier(row.numerator, queries.FLAGS)
        den = queries.identifier(row.denominator, queries.FLAGS)
        per_child += [f"bool_or({den}) AS eligible_{i}", f"bool_or({num} AND {den}) AS had_{i}"]
        aggregates += [f"count(*) FILTER (WHERE had_{i}) AS e{i}",
                       f"count(*) FILTER (WHERE eligible_{i}) AS n{i}",
                       f"coalesce(sum(record_key) FILTER (WHERE had_{i}), 0) % $key_space AS ek{i}",
                       f"coalesce(sum(record_key) FILTER (WHERE eligible_{i}), 0) % $key_space "
                       f"AS nk{i}"]
    filt, params = where_clause(filters or {}, prefix="f")
    params.update(periods=list(periods) if periods else all_periods(con),
                  windows=[int(w) for w in windows], key_space=RECORD_KEYS)
    by = list(by)
    sql = queries.render("followup", group_select=",\n    ".join(_select(by)), filter=filt,
                         per_child=",\n        ".join(per_child),
                         aggregates=",\n    ".join(aggregates))
    wide = con.execute(sql, params).df()
    keys = [c for c in wide.columns if not re.fullmatch(r"(e|n)k?\d+", c)]
    parts = []
    for i, key in enumerate(catalogue.index):
        part = wide[keys].copy()
        part["outcome"] = key
        part["events"] = wide[f"e{i}"].astype("int64")
        part["population"] = wide[f"n{i}"].astype("int64")
        part["events_ckey"] = wide[f"ek{i}"].astype("int64")
        part["population_ckey"] = wide[f"nk{i}"].astype("int64")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["years"] = out["years"].astype("int64")
    return out.drop(columns=[c for c in ("all_children",) if c in out.columns])


def yj_history_counts(con, by=(), periods=None, filters: dict | None = None) -> pd.DataFrame:
    """Long counts table of the youth-justice cohort's history: the `by` columns, `measure`
    (a key of YJ_CATEGORIES), `category`, `events` (children in the category) and
    `population` (children with a proven offence in the periods, each once)."""
    filt, params = where_clause(filters or {}, prefix="f")
    params["periods"] = list(periods) if periods else all_periods(con)
    params["key_space"] = RECORD_KEYS
    by = list(by)
    sql = queries.render("yj_history", group_select=",\n    ".join(_select(by)), filter=filt)
    wide = con.execute(sql, params).df()
    parts = []
    for measure, categories in YJ_CATEGORIES.items():
        for category in categories:
            part = wide[by].copy() if by else pd.DataFrame(index=wide.index)
            part["measure"] = measure
            part["category"] = category
            part["events"] = wide[category].astype("int64")
            part["population"] = wide["population"].astype("int64")
            part["events_ckey"] = wide[f"{category}_ckey"].astype("int64")
            part["population_ckey"] = wide["population_ckey"].astype("int64")
            parts.append(part)
    return pd.concat(parts, ignore_index=True)
