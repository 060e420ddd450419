"""Counts for the model-adjusted ratio (analytics.stats.poisson): the model's cells, and,
when a child counts in several years, the per-child counts that make its errors robust.
DuckDB does the row-level work; cells cross as numbers, not labels, to keep it quick."""
from __future__ import annotations

import pandas as pd

from analytics.data import queries
from analytics.data.cohorts import where_clause
from analytics.data.db import periods as all_periods
from analytics.data.reference import outcome as get_outcome


def model_counts(con, outcome: str, terms, periods=None, filters: dict | None = None,
                 per_child: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(cells, children) for `outcome` over the `terms` (breakdown columns of the facts
    view): `cells` has `cell`, the terms, `events` and `population`; `children` one row
    per child and cell (`cluster` = child, `cell`, `events`, `population`), or None when
    `per_child` is False (each child counted once, e.g. a single period)."""
    spec = get_outcome(outcome)
    terms = [queries.identifier(t, queries.DIMENSIONS) for t in terms]
    filt, params = where_clause(filters or {}, prefix="f")
    params["periods"] = list(periods) if periods else all_periods(con)
    parts = dict(terms=", ".join(terms), filter=filt,
                 numerator=queries.identifier(spec["numerator"], queries.FLAGS),
                 denominator=queries.identifier(spec["denominator"], queries.FLAGS))
    cells = con.execute(queries.render("model_cells", **parts), params).df()
    for col in ("events", "population"):
        cells[col] = cells[col].astype("int64")
    if not per_child:
        return cells, None
    children = pd.DataFrame(con.execute(queries.render("model_children", **parts),
                                        params).fetchnumpy())
    return cells, children
