"""What a dataset that holds only some children (statutory returns) can give rates for.

A return covers some eligible populations completely (the CIN census: every child in need),
so outcomes among them are rates of its own; outcomes among all children of an age need a
population table (analytics.views.denominators).
"""
from __future__ import annotations

from analytics.data.records import FLAG_SOURCES
from analytics.data.reference import outcome_catalogue

#: Eligible populations defined by age alone: a population table (the Census) can supply them.
AGE_POPULATIONS = {"all_children": (0, 17), "age_5_17": (5, 17), "age_10_17": (10, 17),
                   "age_16_17": (16, 17)}


def covered_outcomes(columns: set, covers: set) -> list[str]:
    """Outcomes whose numerator and eligible population the data's columns hold, the
    population being one the data cover completely (`covers`: facts flags)."""
    cat = outcome_catalogue()
    ok = [all(c in columns for c in FLAG_SOURCES[r.numerator] + FLAG_SOURCES[r.denominator])
          and r.denominator in covers for r in cat.itertuples()]
    return cat.loc[ok, "key"].tolist()


def paired_outcomes(columns: set, covers: set) -> list[str]:
    """Outcomes whose numerator the data hold but whose population (all children of an age)
    they do not: rates need a population table."""
    cat = outcome_catalogue()
    ok = [all(c in columns for c in FLAG_SOURCES[r.numerator]) and r.denominator in AGE_POPULATIONS
          and r.denominator not in covers and r.kind != "stage" for r in cat.itertuples()]
    return cat.loc[ok, "key"].tolist()
