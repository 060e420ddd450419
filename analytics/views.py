"""The computations behind each view, shared by the pages, the command line and the
benchmark: counts from the database, RRI, disclosure control, in that order."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from analytics import disclosure
from analytics.counts import counts, outcome_counts
from analytics.reference import outcome as get_outcome
from analytics.reference import outcome_catalogue
from analytics.rri import rri_table


@dataclass(frozen=True)
class Options:
    """The statistical choices of a view (defaults documented in docs/methodology.md)."""

    comparison: str = "overall"
    reference: tuple = ()            # ((column, value), ...) for comparison="reference"
    level: float = 0.95
    ci: str = "auto"
    adjust: str = "holm"
    min_population: int = 30
    min_events: int = 5
    suppress: int = 5

    def rri_kwargs(self) -> dict:
        return dict(comparison=self.comparison,
                    reference=dict(self.reference) if self.comparison == "reference" else None,
                    level=self.level, ci=self.ci, adjust=self.adjust,
                    min_population=self.min_population, min_events=self.min_events)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["reference"] = dict(self.reference)
        return d


def _rri(table: pd.DataFrame, breakdown: list[str], by: list[str], unit: int,
         options: Options) -> pd.DataFrame:
    result = rri_table(table, breakdown, by=by, unit=unit, **options.rri_kwargs())
    return disclosure.suppress(result, breakdown, by=by, threshold=options.suppress)


def rri_for_outcome(con, outcome: str, breakdown, periods, *, filters: dict | None = None,
                    options: Options = Options(), by_period: bool = False) -> pd.DataFrame:
    """RRI table of one outcome by the breakdown columns (one table per period if asked)."""
    breakdown = list(breakdown)
    by = ["period"] if by_period else []
    table = counts(con, outcome, by=breakdown + by, periods=periods, filters=filters)
    out = _rri(table, breakdown, by, int(get_outcome(outcome)["unit"]), options)
    out.attrs.update(outcome=outcome, periods=list(periods), filters=dict(filters or {}))
    return out


def rri_matrix(con, breakdown, periods, *, outcomes=None, filters: dict | None = None,
               options: Options = Options(), by_period: bool = False) -> pd.DataFrame:
    """RRI of every outcome (default: the catalogue) by the breakdown, from one scan.

    Long format: `outcome` then the result columns. Each outcome (and period) is its own
    table for adjustment and suppression, exactly as the explorer shows it alone.
    """
    breakdown = list(breakdown)
    by = ["period"] if by_period else []
    catalogue = outcome_catalogue().set_index("key")
    table = outcome_counts(con, outcomes=outcomes, by=breakdown + by, periods=periods,
                           filters=filters)
    parts = []
    for key, part in table.groupby("outcome", sort=False):
        result = _rri(part.drop(columns="outcome"), breakdown, by,
                      int(catalogue.loc[key, "unit"]), options)
        result.insert(0, "outcome", key)
        parts.append(result)
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(options.as_dict(), periods=list(periods), filters=dict(filters or {}),
                     breakdown=breakdown)
    return out
