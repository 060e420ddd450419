"""Rates for data that count only the children with an outcome (statutory returns, counts-only
tables): their events paired with a population table (the Census), by the five ethnic groups
and, where the table has it, sex.

The pairing is honest about what it is: the ages are those both sides cover (the outcome's
eligible ages, cut to the population table's), a pooled window counts the population once a
year, and the gap between the events' years and the Census day is stated with the result.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics.data import population as pop
from analytics.data.coverage import AGE_POPULATIONS
from analytics.data.reference import outcome as get_outcome
from analytics.protect import gate
from analytics.views.benchmark import REFERENCE_GROUP, add_up, regroup
from analytics.views.tables import Options, protected_rri

#: Ages the facts view's age bands can select (low, high) -> bands.
AGE_BANDS = {(0, 17): None, (5, 17): ["5-9", "10-15", "16-17"], (10, 17): ["10-15", "16-17"],
             (16, 17): ["16-17"]}


def ages_for(outcome: str, table: pd.DataFrame) -> tuple[int, int, str | None]:
    """The ages to pair on: the outcome's eligible ages, cut to those the population table
    covers (and the product's age bands can select); a note when cut."""
    low, high = AGE_POPULATIONS[get_outcome(outcome)["denominator"]]
    have_low, have_high = int(table["age_low"].min()), int(table["age_high"].max())
    cut_low, cut_high = max(low, have_low), min(high, have_high)
    if (cut_low, cut_high) not in AGE_BANDS:
        raise ValueError(f"the population table covers ages {have_low}-{have_high}, which do not "
                         f"meet the outcome's ages {low}-{high} in whole age bands")
    note = None
    if (cut_low, cut_high) != (low, high):
        note = (f"Children aged {cut_low}-{cut_high} only: the population table covers ages "
                f"{have_low}-{have_high}, the outcome's population is {low}-{high}.")
    return cut_low, cut_high, note


def pair(events: pd.DataFrame, population: pd.DataFrame, column: str, by_sex: bool,
         years: int = 1) -> tuple[pd.DataFrame, list[str]]:
    """A counts table: events (by `column`, sex) summed into the five groups beside the
    population of each group (times `years` for a pooled window)."""
    keys = ["ethnicity_5"] + (["sex"] if by_sex else [])
    ev = regroup(events, "five", column)
    ev = add_up(ev[keys + [c for c in ("events", "events_ckey") if c in ev]], keys)
    denominators = population.rename(columns={"group": "ethnicity_5"})[keys + ["population"]]
    table = ev.merge(denominators, on=keys, how="right")
    for col in [c for c in ("events", "events_ckey") if c in table]:
        table[col] = table[col].fillna(0).astype("int64")
    table["population"] = table["population"].astype("int64") * years
    notes = []
    unpaired = ev[~ev.set_index(keys).index.isin(table.set_index(keys).index)]
    if unpaired["events"].sum():
        notes.append(f"{int(unpaired['events'].sum()):,} children of unknown or unpaired ethnicity "
                     "are left out: the Census has no population for them.")
    over = table["events"] > table["population"]
    if over.any():
        row = table[over].iloc[0]
        raise ValueError(f"more children with the outcome ({row['events']:,}) than in the "
                         f"population ({row['population']:,}) for {row['ethnicity_5']}: is the "
                         "population table for the same area?")
    return table, notes


def year_gap(periods: list[str], census_day: str = pop.CENSUS_DAY) -> str:
    """The sentence that says how far the events' years are from the Census day (which falls
    in the year 2020/21, academic or financial)."""
    census = pd.Timestamp(census_day)
    if not periods:
        return (f"The counts carry no period, so how far they are from the Census day "
                f"({census:%-d %B %Y}) cannot be stated; rates are approximate.")
    first, last = int(periods[0][:4]), int(periods[-1][:4])
    gap = first - (census.year - 1)
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    years = f"{abs(gap)} year{'s' if abs(gap) != 1 else ''}"
    when = ("in which the Census day falls" if gap == 0 else
            f"{years} after the Census day" if gap > 0 else f"{years} before the Census day")
    pooled = (f" The population is counted once for each of the {last - first + 1} years pooled."
              if last > first else "")
    return (f"The events are from {span}, {when} ({census:%-d %B %Y}): the population is the "
            "Census's. Populations change (births, moves, children growing older), so these "
            f"rates are approximate.{pooled}")


def paired_rri(events: pd.DataFrame, outcome: str, periods: list[str], population: pd.DataFrame,
               *, column: str = "ethnicity_code", by_sex: bool = False,
               options: Options = Options(), ages: tuple[int, int] | None = None) -> pd.DataFrame:
    """RRI table of counts-only events against a population table, through the same
    protection as every view. `events` must cover the ages chosen by `ages_for` (pass them
    to the counts query as age bands), or the `ages` given (a counts-only file's)."""
    low, high, age_note = ages_for(outcome, population) if ages is None else (*ages, None)
    denominators = pop.restrict(population, low, high, by_sex)
    table, notes = pair(events, denominators, column, by_sex, years=max(len(periods), 1))
    keys = ["ethnicity_5"] + (["sex"] if by_sex else [])
    if options.comparison == "reference":
        options = replace(options, reference=(("ethnicity_5", REFERENCE_GROUP),))
    elif options.comparison not in ("overall", "rest"):
        options = replace(options, comparison="overall", reference=())
    out = protected_rri(table, keys, [], int(get_outcome(outcome)["unit"]), options)
    out.attrs.update(notes=[n for n in (age_note,) if n] + notes + [year_gap(periods)],
                     population_source=population.attrs.get("source", ""),
                     population_label=population.attrs.get("label", "Census 2021"),
                     ages=(low, high), outcome=outcome, periods=list(periods))
    return gate.publish(out, "rri_census", threshold=options.suppress, keys=keys)
