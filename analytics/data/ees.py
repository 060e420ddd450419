"""DfE's open-data CSV of "Suspensions and permanent exclusions in England" (Explore Education
Statistics), read into the council figures' layout (analytics.data.areas.COLUMNS), so next
year's release is an import, not a code change.

The file is recognised by its columns, as DfE's open data standards lay them out: the time
and geography columns (`time_period` as six digits, 202425; `time_identifier` "Academic
year"; `geographic_level`; `new_la_code`; `la_name`; country and region columns), the
ethnicity as a filter (`ethnicity_major`, or the pairs `characteristic_group` /
`characteristic` and `breakdown_topic` / `breakdown`), and the indicators: `headcount`
(pupils), `perm_excl` (permanent exclusions) and `suspension` (suspensions; `susp` in older
files), with the published rates `perm_excl_rate` and `susp_rate`.

Rows kept: local authority, regional and national rows whose other filters (education phase,
sex, ...) are "Total", for DfE's five major groups and the total. Figures DfE withheld keep
its symbol (c, x, z, low, k, u); every rate published beside its counts must be reproduced
from them. Any problem is an InputError naming the file, row and column; nothing is kept.
"""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from analytics.data import areas
from analytics.data.readers import InputError, check_shape, csv_cells

REQUIRED = ("time_period", "time_identifier", "geographic_level", "new_la_code", "la_name",
            "headcount")
#: The count columns of each indicator (newest name first) and its published rate.
EVENTS = {"permanent_exclusion": ("perm_excl",), "suspension": ("suspension", "susp")}
RATES = {"permanent_exclusion": "perm_excl_rate", "suspension": "susp_rate"}
#: The columns of time and place (never filters).
PLACE = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name",
         "region_code", "region_name", "old_la_code", "new_la_code", "la_name",
         "lad_code", "lad_name", "opportunity_area_code", "opportunity_area_name"}
#: Where the ethnicity is: a filter column, or a (group, value) pair of columns.
PAIRS = (("characteristic_group", "characteristic"), ("breakdown_topic", "breakdown"))
#: DfE's major-group wordings (open data standards and the exclusions release) -> the
#: product's five groups; "Total" is all pupils.
GROUPS = {"white": "White", "mixed / multiple ethnic groups": "Mixed",
          "mixed": "Mixed", "asian / asian british": "Asian", "asian": "Asian",
          "black / african / caribbean / black british": "Black", "black": "Black",
          "any other ethnic group": "Other", "other ethnic group": "Other", "other": "Other",
          "total": areas.ALL_PUPILS, "all ethnic groups": areas.ALL_PUPILS}
LEVELS = {"local authority": "la", "regional": "region", "national": "england"}
PERIOD = re.compile(r"^(\d{4})(\d{2})$")
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _header(data: bytes) -> list[str]:
    try:
        first = data.split(b"\n", 1)[0].decode("utf-8-sig")
    except UnicodeDecodeError:
        return []
    return [c.strip().lower() for c in next(csv.reader([first]), [])]


def looks_like(name: str, data: bytes) -> bool:
    """Whether a file is DfE's exclusions open-data CSV (by its header)."""
    cols = set(_header(data))
    has_group = "ethnicity_major" in cols or any(set(p) <= cols for p in PAIRS)
    has_events = any(c in cols for names in EVENTS.values() for c in names)
    return str(name).lower().endswith(".csv") and set(REQUIRED) <= cols and has_group \
        and has_events


def _ethnicity(df: pd.DataFrame) -> tuple[pd.Series, pd.Series, list[str]]:
    """Each row's group (NA: a row about something else) and the columns that hold it."""
    if "ethnicity_major" in df.columns:
        value = df["ethnicity_major"].str.strip().str.lower()
        return value.map(GROUPS), pd.Series(True, index=df.index), ["ethnicity_major"]
    for group_col, value_col in PAIRS:
        if {group_col, value_col} <= set(df.columns):
            group = df[group_col].str.strip().str.lower()
            value = df[value_col].str.strip().str.lower()
            about = group.isin(["ethnicity major", "total"])
            total = group.eq("total") & value.eq("total")
            mapped = value.map(GROUPS).where(group.eq("ethnicity major") | total)
            return mapped, about, [group_col, value_col]
    raise AssertionError("looks_like() accepted a file without an ethnicity column")


def _is_indicator(cells: pd.Series) -> bool:
    text = cells.str.strip()
    known = text.str.fullmatch(NUMBER) | text.str.lower().isin(areas.SYMBOLS) | (text == "")
    return bool(known.all())


def _counts(df: pd.DataFrame, col: str, path, rows: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Whole counts (Int64) and DfE symbols ("" where a count is given) of column `col`."""
    text = df[col].str.strip()
    symbol = text.str.lower().where(text.str.lower().isin(areas.SYMBOLS), "")
    number = pd.to_numeric(text.where(symbol == ""), errors="coerce")
    bad = (symbol == "") & (number.isna() | (number < 0) | (number % 1 != 0))
    if bad.any():
        at = bad.to_numpy().nonzero()[0][0]
        raise InputError(path, f"{text.iloc[at]!r} is not a whole number or one of DfE's "
                               f"symbols ({', '.join(areas.SYMBOLS)})", rows[at], col)
    return number.round().astype("Int64"), symbol


def _check_rates(df, events, population, rate_col, path, rows) -> None:
    """Every published rate must be events / headcount x 100 rounded as published."""
    text = df[rate_col].str.strip()
    given = pd.to_numeric(text, errors="coerce")
    decimals = text.str.partition(".")[2].str.len()
    ok = given.notna() & events.notna() & population.notna() & (population > 0)
    if not ok.any():
        return
    mine = (events[ok].astype(float) / population[ok].astype(float) * 100).to_numpy()
    tolerance = 0.5 * 10.0 ** (-decimals[ok].to_numpy()) + 1e-9
    wrong = np.abs(mine - given[ok].to_numpy()) > tolerance
    if wrong.any():
        i = np.flatnonzero(ok.to_numpy())[np.flatnonzero(wrong)[0]]
        raise InputError(path, f"the published rate {text.iloc[i]} is not the counts' "
                               f"{mine[np.flatnonzero(wrong)[0]]:.5f} (count / headcount x "
                               "100): the counts and the rates disagree", rows[i], rate_col)


def read(path, data: bytes) -> tuple[pd.DataFrame, list[str]]:
    """The file's council (and regional and national) figures in the layout of
    analytics.data.areas.COLUMNS, and notes on what was left out."""
    df = csv_cells(io.BytesIO(data), path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    check_shape(path, len(df), len(df.columns))
    rows = pd.RangeIndex(2, len(df) + 2)               # as a spreadsheet numbers them
    group, about, group_cols = _ethnicity(df)
    indicators = {k: next(c for c in names if c in df.columns) for k, names in EVENTS.items()
                  if any(c in df.columns for c in names)}
    counted = {"headcount", *indicators.values(), *RATES.values()}
    filters = [c for c in df.columns if c not in PLACE | counted | set(group_cols)
               and not _is_indicator(df[c])]
    level = df["geographic_level"].str.strip().str.lower().map(LEVELS)
    keep = level.notna() & about & group.notna()
    for col in filters:
        keep &= df[col].str.strip().str.lower().eq("total")
    if not keep.any():
        raise InputError(path, "no local authority, regional or national rows by major "
                               "ethnic group with every other filter at 'Total'")
    part, rows = df[keep].reset_index(drop=True), rows[keep.to_numpy()]
    level, group = level[keep].reset_index(drop=True), group[keep].reset_index(drop=True)
    ident = part["time_identifier"].str.strip()
    if (ident != "Academic year").any():
        at = np.flatnonzero(ident != "Academic year")[0]
        raise InputError(path, f"time_identifier {ident.iloc[at]!r}: the exclusions figures "
                               "are by academic year", rows[at], "time_identifier")
    period = part["time_period"].str.strip().str.extract(PERIOD)
    good = period[0].notna() & ((period[0].astype(float) + 1) % 100 == period[1].astype(float))
    if not good.all():
        at = np.flatnonzero(~good)[0]
        raise InputError(path, f"{part['time_period'].iloc[at]!r} is not an academic year "
                               "written as six digits (e.g. 202425)", rows[at], "time_period")
    period = period[0] + "/" + period[1]
    code = np.select([level == "la", level == "region"],
                     [part["new_la_code"].str.strip(),
                      part.get("region_code", pd.Series("", index=part.index)).str.strip()],
                     default=areas.ENGLAND_CODE)
    population, population_symbol = _counts(part, "headcount", path, rows)
    out = []
    for indicator, col in indicators.items():
        events, symbol = _counts(part, col, path, rows)
        if RATES[indicator] in part.columns:
            _check_rates(part, events, population, RATES[indicator], path, rows)
        out.append(pd.DataFrame({
            "la_code": code, "indicator": indicator, "period": period.to_numpy(),
            "ethnicity": group.to_numpy(), "events": events.to_numpy(),
            "population": population.to_numpy(), "events_symbol": symbol.to_numpy(),
            "population_symbol": population_symbol.to_numpy(), "_row": rows}))
    table = pd.concat(out, ignore_index=True)
    return _finish(table, path)


def _finish(table: pd.DataFrame, path) -> tuple[pd.DataFrame, list[str]]:
    """Refuse repeated rows, leave out former councils (with a note), name the source."""
    keys = ["la_code", "indicator", "period", "ethnicity"]
    twice = table.duplicated(keys, keep="first")
    if twice.any():
        r = table[twice].iloc[0]
        raise InputError(path, f"{r['la_code']} {r['period']} "
                               f"{r['ethnicity'] or 'Total'} appears twice (with every other "
                               "filter at 'Total')", int(r["_row"]))
    known = set(areas.councils()["la_code"]) | set(areas.region_codes()) | {areas.ENGLAND_CODE}
    former = table[~table["la_code"].isin(known)]
    notes = []
    if len(former):
        codes = sorted(former["la_code"].unique())
        notes.append(f"left out {len(codes)} area code(s) that are not among the 153 councils "
                     f"of April 2023 (e.g. {codes[0]}): their neighbours are not known")
    table = table[table["la_code"].isin(known)]
    councils = table[table["la_code"].isin(set(areas.councils()["la_code"]))]
    for (indicator, period), part in councils.groupby(["indicator", "period"]):
        missing = 153 - part["la_code"].nunique()
        if missing:
            notes.append(f"{indicator} {period}: {missing} of the 153 councils have no rows")
    name = getattr(path, "name", str(path))
    table = table.drop(columns="_row").assign(source=f"DfE open data CSV {name}")
    periods = ", ".join(sorted(table["period"].unique()))
    notes.insert(0, f"DfE exclusions open data: {', '.join(sorted(table['indicator'].unique()))}"
                    f" for {periods}, {councils['la_code'].nunique()} councils; shown as "
                    "published")
    return table[areas.COLUMNS].reset_index(drop=True), notes
