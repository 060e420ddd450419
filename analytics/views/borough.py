"""The borough page's figures: how many children live here, by group, and how many each
outcome touches, year by year; published counts through the gate like every other table."""
from __future__ import annotations

import pandas as pd

from analytics import protect
from analytics.data.counts import outcome_counts, population
from analytics.protect import gate


def children(con, by=(), periods=None, *, threshold: int = 5) -> pd.DataFrame:
    """Children by the `by` columns in `periods`: the published count of each group."""
    by = list(by)
    table = protect.published(population(con, by=by, periods=periods), threshold=threshold)
    out = table[by + ["population"]]
    out.attrs = dict(table.attrs)
    return gate.publish(out, "population", threshold=threshold)


def outcome_totals(con, outcomes=None, *, threshold: int = 5) -> pd.DataFrame:
    """Each outcome's children (events) and eligible children, period by period."""
    table = protect.published(outcome_counts(con, outcomes=outcomes, by=["period"]),
                              threshold=threshold)
    out = table[["outcome", "period", "events", "population"]]
    out.attrs = dict(table.attrs)
    return gate.publish(out, "outcome_totals", threshold=threshold)
