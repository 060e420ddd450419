"""What every statutory-return reader shares: errors that name the file, the child element or
row, and the field; the field and code tables in data/reference/returns/; dates, periods and
ages; and the frame each reader returns (one row per child and period, in the record-level
layout of data/reference/record_columns.csv, plus the child's identifiers for linking)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.readers import InputError, csv_cells
from analytics.data.reference import REFERENCE, ethnicity_table

RETURNS = REFERENCE / "returns"
#: Identifiers a user may link children by across returns (--link).
LINKS = ("LAchildID", "UPN", "hash")
#: A pseudonymous hash: at least 16 hexadecimal characters (e.g. SHA-256 of a matching key).
HASH = re.compile(r"^[0-9A-Fa-f]{16,}$")


class ReturnError(InputError):
    """A problem in a statutory return. `where` names the child element (XML) or the row
    (CSV, numbered as a spreadsheet shows it: the header is row 1), `field` the element or
    column."""

    def __init__(self, file, message: str, *, where: str | None = None,
                 field: str | None = None, row: int | None = None):
        parts = [f"file {Path(str(file)).name}"]
        if where:
            parts.append(where)
        elif row is not None:
            parts.append(f"row {row}")
        if field:
            parts.append(f"field '{field}'")
        ValueError.__init__(self, f"{', '.join(parts)}: {message}")
        self.file, self.row, self.column, self.where = file, row, field, where


@dataclass
class ReturnFrame:
    """One statutory return read into the product's layout.

    `records`: one row per child and period with the text cells parse_records reads
    (period, sex, ethnicity, age and the outcome columns this return can fill), plus
    `own_id` (the child's identifier within this return) and one column per link
    identifier the return carries (NA where a child has none).
    `periods`: the periods this return covers completely (a child absent from it in one of
    them does not have its outcomes then). `covers`: the eligible populations (facts flags)
    it covers completely. `notes`: what was left out and why, for the import summary.
    """

    format: str
    files: list[str]
    records: pd.DataFrame
    periods: list[str]
    covers: set[str]
    notes: list[str] = field(default_factory=list)


# -- reference tables ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(RETURNS / f"{name}.csv", dtype=str, keep_default_na=False)


def fields(fmt: str) -> pd.DataFrame:
    """The documented fields of a format (data/reference/returns/<fmt>_fields.csv)."""
    return _table(f"{fmt}_fields").copy()


def codes(fmt: str) -> pd.DataFrame:
    """Code lists of a format with the collection years each code is valid in."""
    table = _table(f"{fmt}_codes").copy()
    table["first_year"] = pd.to_numeric(table["first_year"].replace("", None)).fillna(0).astype(int)
    table["last_year"] = pd.to_numeric(table["last_year"].replace("", None)).fillna(9999).astype(int)
    return table


def spec(fmt: str) -> pd.Series:
    """The format's row of data/reference/returns/specifications.csv: label, the years whose
    specifications the product holds, how its years run, and the source."""
    return _table("specifications").set_index("format").loc[fmt]


def first_year(fmt: str) -> int:
    return int(spec(fmt)["first_year"])


def latest_year(fmt: str) -> int:
    """The latest collection year whose specification the product holds (later years are
    read with it, and the import says so)."""
    return int(spec(fmt)["latest_year"])


def check_codes(values: pd.Series, fmt: str, fld: str, year: int, path, where) -> pd.Series:
    """Each value's row in the code table of `fld`, or a ReturnError naming the first value
    that is unknown, or valid only in other years (a return of the wrong schema year).

    `where(i)` describes the i-th value's child element or row. Returns the `meaning`
    column for each value (empty cells stay empty).
    """
    table = codes(fmt)
    table = table[table["field"] == fld]
    text = values.astype(str).str.strip()
    filled = text != ""
    known = text.isin(table["code"])
    if (filled & ~known).any():
        i = int((filled & ~known).to_numpy().argmax())
        raise ReturnError(path, f"{text.iloc[i]!r} is not a {fld} code of the "
                                f"{fmt_label(fmt)}", field=fld, **where(i))
    valid = table[(table["first_year"] <= year) & (table["last_year"] >= year)]
    wrong = filled & ~text.isin(valid["code"])
    if wrong.any():
        i = int(wrong.to_numpy().argmax())
        row = table[table["code"] == text.iloc[i]].iloc[0]
        span = (f"from {row['first_year']}" if row["last_year"] == 9999
                else f"until {row['last_year']}" if row["first_year"] == 0
                else f"from {row['first_year']} to {row['last_year']}")
        raise ReturnError(path, f"{text.iloc[i]!r} is a {fld} code only {span}, not in {year}: "
                                f"is this file from another year?", field=fld, **where(i))
    meaning = dict(zip(table["code"], table["meaning"]))
    return text.map(lambda v: meaning.get(v, ""))


def check_ethnicity(values: pd.Series, path, fld: str, where) -> None:
    """Every value a DfE ethnicity code (data/reference/ethnicity.csv)."""
    known = set(ethnicity_table()["code"])
    bad = ~values.isin(known)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ReturnError(path, f"{values.iloc[i]!r} is not a DfE ethnicity code (e.g. WBRI, "
                                "BCRB, MWBA)", field=fld, **where(i))


def fmt_label(fmt: str) -> str:
    return str(spec(fmt)["label"])


# -- dates, periods, ages ------------------------------------------------------------------

def parse_dates(values: pd.Series, path, fld: str, where, formats=("%Y-%m-%d",),
                required: bool = True) -> pd.Series:
    """Dates from text in one of `formats`; ReturnError naming the first bad or missing one."""
    text = values.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = out.isna() & (text != "")
        if todo.any():
            out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    bad = out.isna() & (text != "")
    if bad.any():
        i = int(bad.to_numpy().argmax())
        shown = " or ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
                            for f in formats)
        raise ReturnError(path, f"{text.iloc[i]!r} is not a date ({shown})", field=fld, **where(i))
    if required and (text == "").any():
        i = int((text == "").to_numpy().argmax())
        raise ReturnError(path, "missing (it is mandatory)", field=fld, **where(i))
    return out


def period_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def period_start(dates: pd.Series, start_month: int) -> pd.Series:
    """The first calendar year of the year (starting in `start_month`) holding each date."""
    return (dates.dt.year - (dates.dt.month < start_month)).astype("Int64")


def age_at_start(birth: pd.Series, start_year: pd.Series | int) -> pd.Series:
    """Age on 31 August at the start of the period (the product's `age`); a child born during
    the period is age 0."""
    ref = pd.to_datetime(pd.Series(start_year, index=birth.index).astype(str) + "-08-31")
    years = ref.dt.year - birth.dt.year - ((ref.dt.month < birth.dt.month) |
                                           ((ref.dt.month == birth.dt.month) &
                                            (ref.dt.day < birth.dt.day)))
    return years.clip(lower=0).astype("Int64")


def year_in_name(path) -> int | None:
    """A collection year written in a file name (SSDA903_2024_episodes.csv), as DfE's and
    Social Finance's tools name the files; None if there is none."""
    found = re.findall(r"(?<!\d)(20\d\d)(?!\d)", Path(str(path)).name)
    return int(found[-1]) if found else None


def flag(values) -> pd.Series:
    """Booleans as the text cells parse_records reads ("1", "0"; "" = not recorded)."""
    s = pd.Series(values)
    return pd.Series(np.where(s.isna(), "", np.where(s.astype("boolean").fillna(False), "1", "0")),
                     index=s.index)


def which_part(columns: set[str], key: str, second: tuple[str, str, set[str], int],
               first: tuple[str, set[str], int]) -> str | None:
    """The part of a two-file return that a CSV's columns (mostly) belong to, or None: the
    files share the `key` column; `second` = (part, marker column, its columns, how many of
    them), which wins when its marker or enough of its columns are present; `first` = (part,
    its columns, how many). A file missing a mandatory column is still recognised, so the
    message can name the column."""
    if key not in columns:
        return None
    part, marker, expected, enough = second
    if marker in columns or len(expected & columns) >= enough:
        return part
    part, expected, enough = first
    return part if len(expected & columns) >= enough else None


def read_csv(path, data: bytes) -> pd.DataFrame:
    """A CSV return as text cells (header names stripped), or a ReturnError saying why not."""
    import io
    df = csv_cells(io.BytesIO(data), path, ReturnError, empty="the file is empty")
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise ReturnError(path, "the file has a header but no rows")
    return df.apply(lambda s: s.str.strip())


def require_columns(df: pd.DataFrame, fmt: str, part: str | None, path) -> None:
    """Every mandatory field of the format (or of one of its files) is a column and no
    mandatory cell is empty."""
    spec = fields(fmt)
    if part is not None:
        spec = spec[spec["file"] == part]
    for fld in spec.loc[spec["required"] == "yes", "field"]:
        if fld not in df.columns:
            raise ReturnError(path, f"missing column (it is mandatory); columns are "
                                    f"{', '.join(df.columns)}", field=fld)
        blank = df[fld] == ""
        if blank.any():
            raise ReturnError(path, "empty (it is mandatory)", row=int(blank.to_numpy().argmax()) + 2,
                              field=fld)


def rows(i: int) -> dict:
    """Where the i-th data row of a CSV is (`where` argument of check_codes/parse_dates)."""
    return {"row": i + 2}


def duplicates(df: pd.DataFrame, keys: list[str], path, what: str) -> None:
    """ReturnError naming the first row that repeats an earlier row's `keys`."""
    dup = df.duplicated(subset=keys, keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        same = df[keys].eq(df[keys].iloc[i]).all(axis=1).to_numpy()
        first = int(same.argmax())
        raise ReturnError(path, f"duplicate {what} (the same as row {first + 2})", row=i + 2,
                          field=",".join(keys))
