"""Every English council beside the others: DfE's published council figures by major ethnic
group (permanent exclusions and suspensions with the pupil headcount, 153 councils), the
councils' codes, names, regions and DfE's ten statistical neighbours of each, shipped in
data/reference/areas/ with their sources (data/reference/areas/README.md).

Published figures are used as published: never perturbed (they are already public), and a
figure DfE withheld keeps DfE's symbol. Years imported from DfE's open-data CSV
(analytics.data.ees) are laid over the shipped ones (an imported year replaces the shipped
figures of that year).
"""
from __future__ import annotations

import difflib
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.data.reference import REFERENCE

AREAS = REFERENCE / "areas"
ENGLAND_CODE, ENGLAND = "E92000001", "England"
LONDON_CODE, LONDON = "E12000007", "London"
#: The five groups DfE's council figures give (DfE major groups; Asian includes Chinese).
GROUPS = ("Asian", "Black", "Mixed", "Other", "White")
#: The all-pupils row's ethnicity (it also counts pupils of unclassified ethnicity).
ALL_PUPILS = ""
#: The columns of a figures table (shipped and imported alike).
COLUMNS = ["la_code", "indicator", "period", "ethnicity", "events", "population",
           "events_symbol", "population_symbol", "source"]
SHIPPED_SOURCE = ("DfE, Suspensions and permanent exclusions in England (local authority by "
                  "ethnicity major, 2023/24 and 2024/25), as copied in SGilr/prism-r")
#: Suspensions and permanent exclusions: their words and how their counts are modelled.
INDICATORS = {
    "suspension": {"label": "Suspensions", "noun": "suspension", "counts": "suspensions",
                   "unit": "suspensions per 100 pupils", "model": "poisson", "digits": 1},
    "permanent_exclusion": {"label": "Permanent exclusions", "noun": "permanent exclusion",
                            "counts": "permanent exclusions",
                            "unit": "permanent exclusions per 100 pupils",
                            "model": "binomial", "digits": 3},
}
#: Suspensions per pupil with at least one suspension, England 2023/24 (954,952 suspensions,
#: 341,266 pupils suspended: DfE, in data/reference/benchmarks.csv). The variance of a count of
#: suspensions is at least this many times its mean (analytics.stats.events), so intervals on
#: suspensions are widened by its square root: a lower bound, as DfE does not publish how
#: repeat suspensions are spread.
SUSPENSIONS, PUPILS_SUSPENDED = 954_952, 341_266
DISPERSION = SUSPENSIONS / PUPILS_SUSPENDED
#: DfE's symbols for figures it does not publish (open data standards), and their meanings.
SYMBOLS = {"c": "confidential (suppressed by DfE)", "x": "not available",
           "z": "not applicable", "low": "rounds to 0 but is not 0",
           "k": "rounds to 0 but is not 0", "u": "low reliability", ":": "not available"}


class UnknownCouncil(ValueError):
    """No council has that code or name; `closest` holds the nearest names."""

    def __init__(self, text: str, closest: list[str]):
        hint = f"; closest: {', '.join(closest)}" if closest else ""
        super().__init__(f"no English council is called {text!r}{hint}")
        self.closest = closest


@lru_cache(maxsize=None)
def councils() -> pd.DataFrame:
    """One row per council: la_code, la_name (ONS), dfe_name, la_number, la_type, region
    (DfE's, with Inner and Outer London apart), region_code."""
    return pd.read_csv(AREAS / "councils.csv", dtype={"la_number": "int64"})


@lru_cache(maxsize=None)
def neighbours() -> pd.DataFrame:
    """Each council's ten statistical neighbours: la_code, rank (1 closest), neighbour_code,
    neighbour_name, closeness (DfE's words)."""
    table = councils()
    by_dfe = dict(zip(table["dfe_name"], table["la_code"]))
    names = dict(zip(table["la_code"], table["la_name"]))
    listed = pd.read_csv(AREAS / "statistical_neighbours.csv")
    out = pd.DataFrame({"la_code": listed["la_name"].map(by_dfe), "rank": listed["rank"],
                        "neighbour_code": listed["neighbour_name"].map(by_dfe)})
    if out.isna().any().any():
        bad = listed[out.isna().any(axis=1)].iloc[0]
        raise ValueError(f"statistical_neighbours.csv: {bad['la_name']!r} or "
                         f"{bad['neighbour_name']!r} is not a council in councils.csv")
    out["neighbour_name"] = out["neighbour_code"].map(names)
    dfe = pd.read_csv(AREAS / "dfe_statistical_neighbours.csv")
    number = dict(zip(table["la_number"], table["la_code"]))
    dfe = dfe.assign(la_code=dfe["la_number"].map(number))
    out = out.merge(dfe[["la_code", "rank", "closeness"]], on=["la_code", "rank"], how="left")
    return out.sort_values(["la_code", "rank"], ignore_index=True)


def neighbours_of(la_code: str) -> pd.DataFrame:
    table = neighbours()
    return table[table["la_code"] == la_code].reset_index(drop=True)


@lru_cache(maxsize=None)
def _names() -> dict[str, str]:
    table = councils()
    return {**dict(zip(table["region_code"], table["region"])),
            **dict(zip(table["la_code"], table["la_name"])),
            ENGLAND_CODE: ENGLAND, LONDON_CODE: LONDON}


def name_of(code: str) -> str:
    """A council's, region's or England's name (the code itself if unknown)."""
    return _names().get(code, code)


def region_codes() -> list[str]:
    """Every region figures are summed for: DfE's regions (Inner and Outer London apart),
    then London."""
    return sorted(set(councils()["region_code"])) + [LONDON_CODE]


def regions_of(la_code: str) -> list[tuple[str, str]]:
    """(code, name) of the council's region: Inner or Outer London and London for a London
    borough, its English region otherwise."""
    row = council(la_code)
    if row["region"] in ("Inner London", "Outer London"):
        return [(row["region_code"], row["region"]), (LONDON_CODE, LONDON)]
    return [(row["region_code"], row["region"])]


def members(region_code: str) -> list[str]:
    """The councils of a region (London: Inner and Outer London; England: all)."""
    table = councils()
    if region_code == ENGLAND_CODE:
        return list(table["la_code"])
    if region_code == LONDON_CODE:
        return list(table.loc[table["region"].isin(["Inner London", "Outer London"]), "la_code"])
    return list(table.loc[table["region_code"] == region_code, "la_code"])


def council(text: str) -> pd.Series:
    """The council with this ONS code, DfE number, ONS or DfE name (any case); UnknownCouncil
    with the closest names otherwise."""
    table = councils()
    key = " ".join(str(text).split()).casefold()
    for col in ("la_code", "la_name", "dfe_name"):
        match = table[table[col].astype(str).str.casefold() == key]
        if len(match):
            return match.iloc[0]
    if key.isdigit():
        match = table[table["la_number"] == int(key)]
        if len(match):
            return match.iloc[0]
    folded = {n.casefold(): n for n in table["la_name"]}
    within = [n for n in folded if key and key in n]
    closest = within + [n for n in difflib.get_close_matches(key, list(folded), n=5, cutoff=0.5)
                        if n not in within]
    raise UnknownCouncil(str(text), [folded[c] for c in closest[:5]])


def _count(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts as published ("12.0", "c", ...) -> (Int64 counts, DfE symbol or "")."""
    text = values.astype(str).str.strip()
    number = pd.to_numeric(text, errors="coerce")
    symbol = text.where(number.isna(), "")
    return number.round().astype("Int64"), symbol


@lru_cache(maxsize=None)
def _shipped() -> pd.DataFrame:
    raw = pd.read_csv(AREAS / "dfe_la_by_major_ethnicity.csv", dtype=str, keep_default_na=False)
    events, events_symbol = _count(raw["numerator"])
    population, population_symbol = _count(raw["denominator"])
    out = pd.DataFrame({
        "la_code": raw["la_code"],
        "indicator": raw["indicator"].str.removesuffix("_rate"),
        "period": raw["reference_period"].str.removeprefix("academic year "),
        "ethnicity": raw["ethnicity"],
        "events": events, "population": population,
        "events_symbol": events_symbol, "population_symbol": population_symbol,
        "source": SHIPPED_SOURCE})
    return out[COLUMNS]


def shipped() -> pd.DataFrame:
    """The shipped figures (a copy): one row per council, indicator, period and group."""
    return _shipped().copy()


def figures(imported: list[pd.DataFrame] | tuple = ()) -> pd.DataFrame:
    """The shipped figures with imported ones laid over them: an imported (indicator,
    period) replaces the shipped rows of that indicator and period; later imports win."""
    table = _shipped()
    for extra in imported:
        if extra is None or extra.empty:
            continue
        covered = extra[["indicator", "period"]].drop_duplicates()
        keep = ~table.set_index(["indicator", "period"]).index.isin(
            pd.MultiIndex.from_frame(covered))
        table = pd.concat([table[keep], extra[COLUMNS]], ignore_index=True)
    return table


def periods(table: pd.DataFrame, indicator: str | None = None) -> list[str]:
    """The academic years a figures table covers (for one indicator), oldest first."""
    part = table if indicator is None else table[table["indicator"] == indicator]
    return sorted(part["period"].unique())


def sums(table: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """For each code of `groups` (code -> its councils), the councils' counts added up into
    one row per indicator, period and group. A sum over a withheld count is withheld itself
    (symbol "x": not available as a sum), and a published row for the code in `table`, if
    there is one, is used instead. A council without a row adds nothing."""
    member = pd.DataFrame([(code, la) for code, las in groups.items() for la in las],
                          columns=["code", "la_code"])
    part = table.merge(member, on="la_code")
    keys = ["code", "indicator", "period", "ethnicity"]
    counts = part[["events", "population"]]
    out = counts.groupby([part[k] for k in keys], sort=True).sum(min_count=1)
    gaps = counts.isna().groupby([part[k] for k in keys], sort=True).any()
    out = out.astype("Int64").mask(gaps.to_numpy(), pd.NA).reset_index()
    for col in ("events", "population"):
        out[f"{col}_symbol"] = np.where(gaps[col].to_numpy(), "x", "")
    out = out.rename(columns={"code": "la_code"})
    out["source"] = "sum of the councils' published counts"
    published = table[table["la_code"].isin(list(groups))]
    if len(published):
        keys = ["la_code", "indicator", "period", "ethnicity"]
        merged = out.merge(published, on=keys, how="left", suffixes=("", "_pub"))
        use = (merged["events"].isna() & merged["events_pub"].notna()).to_numpy()
        for col in ("events", "population", "events_symbol", "population_symbol", "source"):
            merged[col] = merged[col].where(~use, merged[f"{col}_pub"])
        out = merged
    return out[COLUMNS]
