"""National (and London) figures by ethnicity, shipped as reference data with their source,
year and caveats (data/reference/benchmarks.csv, benchmark_sources.csv; see
docs/benchmarks.md). Each row is one published figure: counts with or without a population,
or a published rate; `comparable` says whether it measures the same thing as the product's
outcome, and if not, why not.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from analytics.data.reference import REFERENCE

#: Labels of the benchmarks (--benchmark NAME).
LABELS = {"england": "England", "london": "Inner London"}
#: Published rate units -> the divisor that makes them proportions.
DIVISORS = {"%": 100, "per 100 pupils": 100, "per 100 children sentenced": 100, "per 100": 100,
            "per 10,000 children aged 0-17": 10_000, "per 10,000 children aged 10-17": 10_000}
#: Groupings the borough's counts can be regrouped to (the column they then go in).
GROUPINGS = {"five": "ethnicity_5", "dfe_major": "ethnicity_major"}


@lru_cache(maxsize=None)
def _table() -> pd.DataFrame:
    t = pd.read_csv(REFERENCE / "benchmarks.csv", dtype={"local_period": str})
    for col in ("events", "population", "published_rate"):
        t[col] = pd.to_numeric(t[col]).astype("Float64")
    return t


@lru_cache(maxsize=None)
def _sources() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "benchmark_sources.csv").set_index("source_id")


def source(source_id: str) -> pd.Series:
    """Title, publisher, release, the copy used and the caveats of a source."""
    return _sources().loc[source_id].copy()


def names() -> list[str]:
    return sorted(_table()["benchmark"].unique())


def outcomes(benchmark: str = "england") -> list[str]:
    """Outcomes with figures for the benchmark."""
    t = _table()
    return sorted(t.loc[t["benchmark"] == benchmark, "outcome"].unique())


def rows(benchmark: str, outcome: str) -> pd.DataFrame:
    """The benchmark's figures for an outcome, with `rate` as a proportion: events over
    population where both are published, else the published rate; NA where neither."""
    if benchmark not in LABELS:
        raise ValueError(f"unknown benchmark {benchmark!r}; known: {', '.join(names())}")
    t = _table()
    part = t[(t["benchmark"] == benchmark) & (t["outcome"] == outcome)].copy()
    divisor = part["rate_unit"].map(DIVISORS).astype("Float64")
    counted = part["events"] / part["population"]
    part["rate"] = counted.where(part["events"].notna() & part["population"].notna(),
                                 part["published_rate"] / divisor)
    return part.reset_index(drop=True)


def periods(part: pd.DataFrame) -> list[str]:
    """The local periods the figures are for (each a period, or a comma list for a pool)."""
    return sorted(part["local_period"].unique(), key=lambda p: (p.split(",")[-1], len(p)))


def match_period(part: pd.DataFrame, local: list[str]) -> tuple[str, str | None]:
    """The benchmark period to set beside the borough's `local` periods, and a sentence
    saying how they differ (None when they are the same years)."""
    have = periods(part)
    wanted = ",".join(local)
    if wanted in have:
        return wanted, None
    latest = local[-1]
    singles = [p for p in have if "," not in p]
    if latest in singles:
        label = part.loc[part["local_period"] == latest, "period"].iloc[0]
        return latest, (f"The borough's figures pool {local[0]} to {latest}; the benchmark is "
                        f"for one year ({label})." if len(local) > 1 else None)
    before = [p for p in singles if p <= latest]
    chosen = before[-1] if before else singles[0]
    label = part.loc[part["local_period"] == chosen, "period"].iloc[0]
    return chosen, (f"No benchmark figures for {latest}: the closest published are for "
                    f"{label}, set beside the borough's {', '.join(local)}.")
