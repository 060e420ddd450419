"""Population tables: the denominators that turn counts into rates.

Two sources, one tidy layout (area, area_code, group, sex, age_low, age_high, population,
with the Census date in `attrs`):
* shipped: ONS Census 2021 children aged 10 to 17 by the five ethnic groups, for the
  borough (by sex and age band) and for England and Wales
  (data/reference/population/census2021_10to17.csv, with its source);
* imported: a table in the layout ONS's "create a custom dataset" tool downloads (an area,
  "Ethnic group (N categories)", optionally "Sex (2 categories)", "Age (N categories)",
  and "Observation"), one area a file.

Ethnic groups are paired at the five groups (Asian incl. Chinese, Black, Mixed, White,
Other incl. Arab): below them the Census and DfE categories do not match one to one.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from analytics.data import store
from analytics.data.access import LOCAL, User
from analytics.data.ethnicity import group_of
from analytics.data.readers import InputError, whole_numbers
from analytics.data.reference import REFERENCE

CENSUS_DAY = "2021-03-21"
COLUMNS = ["area", "area_code", "group", "sex", "age_low", "age_high", "population"]
#: Shipped tables: name -> (area code in the file, label).
SHIPPED = {"census2021_borough": ("E09000019", "Islington (the strategy's borough)"),
           "census2021_england_wales": ("K04000001", "England and Wales")}
OLDEST = 120
#: ONS age labels -> (lowest, highest age) from the numbers they hold (a, b).
_AGES = [
    (r"^aged (\d+) years? and under$", lambda a, b: (0 * a, a)),
    (r"^aged under (\d+) years?$", lambda a, b: (0 * a, a - 1)),
    (r"^aged (\d+) (?:to|-) (\d+) years?$", lambda a, b: (a, b)),
    (r"^aged (\d+) years? and over$", lambda a, b: (a, 0 * a + OLDEST)),
    (r"^aged (\d+) years?$", lambda a, b: (a, a)),
]


def looks_like(name: str, head: bytes) -> bool:
    """A CSV in the ONS custom-dataset layout (Observation, Ethnic group and Age columns)."""
    if not name.lower().endswith(".csv"):
        return False
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    cols = [c.strip().strip('"') for c in first[0].split(",")] if first else []
    return ("Observation" in cols and any(c.startswith("Ethnic group (") for c in cols)
            and any(c.startswith("Age (") for c in cols))


def _column(df, path, prefix: str, required: bool = True) -> str | None:
    found = [c for c in df.columns if c.startswith(prefix) and not c.endswith(" Code")]
    if not found and required:
        raise InputError(path, f"no '{prefix}...' column: download the table with ethnic group "
                               "and age (and sex) from ONS's custom dataset tool")
    return found[0] if found else None


def age_bounds(labels: pd.Series, path, column: str) -> pd.DataFrame:
    """(age_low, age_high) of ONS age labels ("Aged 10 years", "Aged 10 to 14 years", ...)."""
    text = labels.astype(str).str.strip().str.casefold()
    low = pd.Series(np.nan, index=labels.index)
    high = pd.Series(np.nan, index=labels.index)
    for pattern, bounds in _AGES:
        found = text.str.extract(pattern).astype(float)
        ok = found[0].notna() & low.isna()
        a, b = found[0], found[1] if 1 in found else found[0]
        lo, hi = bounds(a, b)
        low[ok], high[ok] = lo[ok], hi[ok]
    bad = low.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(path, f"{labels.iloc[i]!r} is not an ONS age category "
                               "(e.g. 'Aged 10 years', 'Aged 10 to 14 years')", row=i + 2,
                         column=column)
    return pd.DataFrame({"age_low": low.astype(int), "age_high": high.astype(int)})


def read_ons(path, data: bytes) -> pd.DataFrame:
    """An ONS custom-dataset download as a tidy population table (one area)."""
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(path, f"not a readable CSV ({type(e).__name__})") from None
    df.columns = [c.strip() for c in df.columns]
    if df.empty:
        raise InputError(path, "the file has a header but no rows")
    eth, age = _column(df, path, "Ethnic group ("), _column(df, path, "Age (")
    sex = _column(df, path, "Sex (", required=False)
    area_code = next((c for c in df.columns if c.endswith(" Code")
                      and not c.startswith(("Ethnic group (", "Age (", "Sex ("))), None)
    area = area_code[: -len(" Code")] if area_code else None
    if area_code is None or area not in df.columns:
        raise InputError(path, "no area columns (e.g. 'Lower tier local authorities Code')")
    if df[area_code].nunique() > 1:
        i = int((df[area_code] != df[area_code].iloc[0]).to_numpy().argmax())
        raise InputError(path, f"a second area ({df[area].iloc[i]}): download one area a file",
                         row=i + 2, column=area)
    counts = whole_numbers(df, "Observation", path)
    applies = df[eth].str.strip().str.casefold() != "does not apply"
    group = group_of(df[eth]).where(applies)
    unknown = group.isna() & applies
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        raise InputError(path, f"unrecognised ethnic group {df[eth].iloc[i]!r}", row=i + 2,
                         column=eth)
    sexes = pd.Series("All", index=df.index) if sex is None else df[sex].str.strip()
    if sex is not None and not sexes.isin(["Female", "Male"]).all():
        i = int((~sexes.isin(["Female", "Male"])).to_numpy().argmax())
        raise InputError(path, f"{sexes.iloc[i]!r} is not Female or Male", row=i + 2, column=sex)
    ages = age_bounds(df[age], path, age)
    tidy = pd.DataFrame({"area": df[area].iloc[0], "area_code": df[area_code].iloc[0],
                         "group": group, "sex": sexes, **ages, "population": counts})
    tidy = tidy[applies].groupby(COLUMNS[:-1], as_index=False)["population"].sum()
    tidy.attrs.update(census_day=CENSUS_DAY, source=f"ONS Census 2021 custom dataset ({path.name})")
    return tidy


def shipped(name: str) -> pd.DataFrame:
    """A population table shipped with the product (see SHIPPED)."""
    if name not in SHIPPED:
        raise KeyError(f"no population table {name!r}; shipped: {', '.join(SHIPPED)}")
    table = pd.read_csv(REFERENCE / "population" / "census2021_10to17.csv", dtype={"area_code": str})
    part = table[(table["area_code"] == SHIPPED[name][0]) & (table["coverage"] == "all")]
    out = part[COLUMNS].reset_index(drop=True)
    out.attrs.update(census_day=CENSUS_DAY, source=str(part["source"].iloc[0]),
                     label=SHIPPED[name][1])
    return out


def load(name: str, root=None, user: User = LOCAL) -> pd.DataFrame:
    """A shipped population table, or one imported into the user store (by dataset id)."""
    if name in SHIPPED:
        return shipped(name)
    info = store.dataset_info(name, root, user)
    if info["kind"] != "population":
        raise ValueError(f"dataset {name!r} is {info['kind']}, not a population table")
    with store.connect_dataset(info) as con:
        table = store.population_table(con)
    table.attrs.update(census_day=CENSUS_DAY, source=f"ONS Census 2021 ({info['source_file']}, "
                                                     "imported)", label=name)
    return table


def covers(table: pd.DataFrame, low: int, high: int) -> bool:
    """Whether the table gives the population aged `low` to `high` exactly."""
    try:
        restrict(table, low, high, by_sex=False)
    except ValueError:
        return False
    return True


def restrict(table: pd.DataFrame, low: int, high: int, by_sex: bool) -> pd.DataFrame:
    """Population by group (and sex) aged `low` to `high`, or ValueError saying why the
    table cannot give it (an age band that straddles a limit, ages it does not cover, or
    no sex breakdown)."""
    if by_sex and not table["sex"].isin(["Female", "Male"]).all():
        raise ValueError("this population table has no breakdown by sex")
    inside = (table["age_low"] >= low) & (table["age_high"] <= high)
    straddle = ~inside & (table["age_low"] <= high) & (table["age_high"] >= low)
    if straddle.any():
        r = table[straddle].iloc[0]
        raise ValueError(f"its age band {r['age_low']}-{r['age_high']} straddles the ages "
                         f"{low}-{high}")
    part = table[inside]
    keys = ["group", "sex"] if by_sex else ["group"]
    width = (part["age_high"] - part["age_low"] + 1).groupby([part[k] for k in keys]).sum()
    need = (high - low + 1) * (1 if by_sex or table["sex"].eq("All").all() else 2)
    if part.empty or (width != need).any():
        have = f"{table['age_low'].min()}-{table['age_high'].max()}"
        raise ValueError(f"it covers ages {have}, not every age {low}-{high}")
    out = part.groupby(keys, as_index=False)["population"].sum()
    out.attrs = dict(table.attrs)
    return out
