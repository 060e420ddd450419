"""The computations behind each view, shared by the pages, the command line and the
benchmark: counts from the database, RRI, disclosure control, in that order."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from analytics import protect
from analytics.protect import gate
from analytics.data.counts import count_columns, counts, outcome_counts
from analytics.data.reference import outcome as get_outcome
from analytics.data.reference import outcome_catalogue
from analytics.stats.rri import rri_table

#: Result columns expressed per `unit` children (everything else is a count or a ratio).
RATE_COLUMNS = ["rate", "rate_ci_low", "rate_ci_high", "reference_rate", "rate_difference",
                "rate_difference_ci_low", "rate_difference_ci_high"]


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


def protected_rri(table: pd.DataFrame, breakdown: list[str], by: list[str], unit: int,
                  options: Options, benchmark: pd.DataFrame | None = None) -> pd.DataFrame:
    """The one step every view (and export) goes through: the counts are published (the
    cell-key method, or true counts in the secure setting), the RRI table is computed from
    the published counts only, then groups too small to describe are suppressed.
    `benchmark`: external rates for comparison="benchmark" (analytics.views.benchmark)."""
    published = protect.published(table, by=by, threshold=options.suppress)
    noise = protect.noise_variance() if published.attrs.get("protection") == "cell key" else 0.0
    result = rri_table(published, breakdown, by=by, unit=unit, count_noise=noise,
                       benchmark=benchmark, **options.rri_kwargs())
    result = protect.suppress(result, breakdown, by=by, threshold=options.suppress,
                              counts=published)
    result.attrs["protection"] = published.attrs.get("protection", "none")
    return result


def rri_for_outcome(con, outcome: str, breakdown, periods, *, filters: dict | None = None,
                    options: Options = Options(), by_period: bool = False) -> pd.DataFrame:
    """RRI table of one outcome by the breakdown columns (one table per period if asked)."""
    breakdown = list(breakdown)
    by = ["period"] if by_period else []
    table = counts(con, outcome, by=breakdown + by, periods=periods, filters=filters)
    out = protected_rri(table, breakdown, by, int(get_outcome(outcome)["unit"]), options)
    out.attrs.update(outcome=outcome, periods=list(periods), filters=dict(filters or {}))
    return gate.publish(out, "rri", threshold=options.suppress)


def rri_matrix(con, breakdown, periods, *, outcomes=None, filters: dict | None = None,
               options: Options = Options(), by_period: bool = False) -> pd.DataFrame:
    """RRI of every outcome (default: the catalogue) by the breakdown, from one scan.

    Long format: `outcome` then the result columns. Each outcome (and period) is its own
    table for adjustment and suppression, exactly as the explorer shows it alone.
    """
    breakdown = list(breakdown)
    by = ["outcome"] + (["period"] if by_period else [])
    table = outcome_counts(con, outcomes=outcomes, by=breakdown + by[1:], periods=periods,
                           filters=filters)
    out = rri_by_outcome(table[breakdown + by + count_columns(table)], breakdown, by,
                         options)
    out.attrs.update(options.as_dict(), periods=list(periods), filters=dict(filters or {}),
                     breakdown=breakdown)
    return gate.publish(out, "rri_matrix", threshold=options.suppress)


def rri_by_outcome(table: pd.DataFrame, breakdown: list[str], by: list[str],
                   options: Options) -> pd.DataFrame:
    """`protected_rri` over many outcomes in one vectorised pass: `by` includes "outcome",
    so each outcome (x period) is its own slice for the comparison, adjustment and
    suppression; rates are computed per child, then put per each outcome's unit."""
    out = protected_rri(table, breakdown, by, 1, options)
    codes, keys = pd.factorize(out["outcome"])
    unit = outcome_catalogue().set_index("key")["unit"].reindex(keys).to_numpy(float)[codes]
    columns = {"outcome": out["outcome"].array}
    for col in out.columns:
        if col != "outcome":
            columns[col] = out[col].array * unit if col in RATE_COLUMNS else out[col].array
    scaled = pd.DataFrame(columns, copy=False)
    scaled.attrs = out.attrs
    return scaled


def aggregate_keys(table: pd.DataFrame) -> list[str]:
    """The group columns of an aggregate counts table (all but outcome, period and counts)."""
    return [c for c in table.columns if c not in ("outcome", "period", "events", "population")]


def rri_for_aggregate(table: pd.DataFrame, *, outcome: str | None = None,
                      period: str | None = None, options: Options = Options(),
                      unit: int = 100) -> pd.DataFrame:
    """RRI of a user's aggregate counts table, restricted to one outcome and period when the
    table has those columns; every other column is a group column."""
    part = table
    if outcome is not None and "outcome" in part.columns:
        part = part[part["outcome"] == outcome]
    if period is not None and "period" in part.columns:
        part = part[part["period"] == period]
    keys = aggregate_keys(part)
    # No record keys in an aggregate table: each cell's key is a fixed hash of its row.
    part = part.reset_index(drop=True)
    part = part.assign(events_ckey=protect.hash_keys(part, list(part.columns), "events"),
                       population_ckey=protect.hash_keys(part, list(part.columns), "population"))
    out = protected_rri(part[keys + count_columns(part)], keys, [], unit, options)
    out.attrs.update(outcome=outcome, periods=[period] if period else [])
    return gate.publish(out, "rri", threshold=options.suppress, keys=keys)
