"""Reading user-supplied files: every problem is reported with the file, row and column."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


class InputError(ValueError):
    """A problem in a user's file; the message names the file, and the row and column where
    they are known (rows are numbered as a spreadsheet shows them: the header is row 1)."""

    def __init__(self, file, message: str, row: int | None = None, column: str | None = None):
        where = [f"file {Path(str(file)).name}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.file, self.row, self.column = file, row, column


#: Largest file accepted (bytes). Record-level files of a borough are a few MB.
MAX_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".parquet")


def _check_file(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(path, f"unsupported file type {path.suffix or '(none)'}; use CSV, Excel (.xlsx) or Parquet")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "the file is empty")
    if size > max_bytes:
        raise InputError(path, f"the file is {_size(size)}, over the {_size(max_bytes)} limit")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", comment="#")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8'") from None
    except pd.errors.ParserError as e:
        raise InputError(path, f"not a well-formed CSV: {e}") from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "the file has no header row") from None
    if len(df.columns) == 1 and any(sep in df.columns[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in df.columns[0])
        raise InputError(path, f"the columns are separated by {sep!r}; save the file with commas")
    return df


def _read_excel(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises several types for a corrupt workbook
        raise InputError(path, f"not a readable Excel workbook ({type(e).__name__})") from None
    sheet = book.worksheets[0]
    rows = []
    for r, row in enumerate(sheet.iter_rows(), start=1):
        for cell in row:
            if cell.data_type == "f":
                raise InputError(path, f"cell {cell.coordinate} holds a formula ({cell.value}); "
                                       "paste values only", row=r, column=_header(sheet, cell))
        rows.append(["" if c.value is None else str(c.value) for c in row])
    book.close()
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        raise InputError(path, "the first sheet is empty")
    header = [h.strip() for h in rows[0]]
    width = len(header)
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows[1:]], columns=header, dtype=str)


def _header(sheet, cell) -> str | None:
    first = next(sheet.iter_rows(min_row=1, max_row=1), ())
    for c in first:
        if c.column == cell.column:
            return str(c.value)
    return None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for a corrupt file
        raise InputError(path, f"not a readable Parquet file ({type(e).__name__})") from None
    return df.astype("string").fillna("").astype(str)


def read_table(path, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A user's CSV, Excel or Parquet file as text cells (validation converts them)."""
    path = Path(path)
    _check_file(path, max_bytes)
    reader = {".csv": _read_csv, ".xlsx": _read_excel, ".parquet": _read_parquet}[path.suffix.lower()]
    df = reader(path)
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError(path, "the file has a header but no rows")
    return df


def whole_numbers(df: pd.DataFrame, col: str, path) -> pd.Series:
    """A column of non-negative whole numbers, or InputError naming the first bad cell."""
    text = df[col].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() | (values != values.round())
    if bad.any():
        i = int(bad.to_numpy().argmax())
        hint = " (a suppressed figure: import unsuppressed counts)" if text.iloc[i] == "[c]" else ""
        raise InputError(path, f"{text.iloc[i]!r} is not a whole number{hint}", row=i + 2, column=col)
    if (values < 0).any():
        i = int((values < 0).to_numpy().argmax())
        raise InputError(path, f"negative count {int(values.iloc[i])}", row=i + 2, column=col)
    return values.astype("int64")


def validate_counts_frame(df: pd.DataFrame, path, group_cols=None,
                          ignore=()) -> tuple[pd.DataFrame, list[str]]:
    """Check a counts table (group columns, events, population) cell by cell."""
    for col in ("events", "population"):
        if col not in df.columns:
            hint = " (is it separated by ';' or tabs? use commas)" if len(df.columns) == 1 else ""
            raise InputError(path, f"missing required column {col!r}; found {list(df.columns)}{hint}",
                             column=col)
    if group_cols is None:
        group_cols = [c for c in df.columns if c not in ("events", "population") and c not in ignore]
    for col in group_cols:
        if col not in df.columns:
            raise InputError(path, f"group column {col!r} not found; columns are {list(df.columns)}",
                             column=col)
    if not group_cols:
        raise InputError(path, "no group columns: add a column naming each group")
    df = df[list(group_cols) + ["events", "population"]].copy()
    for col in ("events", "population"):
        df[col] = whole_numbers(df, col, path)
    over = df["events"] > df["population"]
    if over.any():
        i = int(over.to_numpy().argmax())
        raise InputError(path, f"events ({df['events'].iloc[i]}) greater than population "
                               f"({df['population'].iloc[i]})", row=i + 2, column="events")
    for col in group_cols:
        blank = df[col].astype(str).str.strip() == ""
        if blank.any():
            i = int(blank.to_numpy().argmax())
            raise InputError(path, "empty group value", row=i + 2, column=col)
        df[col] = df[col].astype(str).str.strip()
    dup = df.duplicated(subset=group_cols, keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int(df.duplicated(subset=group_cols, keep=False).to_numpy().argmax())
        raise InputError(path, f"duplicate group (same as row {first + 2})", row=i + 2,
                         column=",".join(group_cols))
    return df, list(group_cols)


def read_counts_csv(path, group_cols=None) -> tuple[pd.DataFrame, list[str]]:
    """A counts table (group columns, events, population) from a CSV, Excel or Parquet file,
    checked cell by cell (the same reader and checks as an import).

    Returns the table with integer counts and the group columns (every column other than
    events/population when `group_cols` is not given).
    """
    return validate_counts_frame(read_table(path), path, group_cols)


def validate_events_frame(df: pd.DataFrame, path) -> tuple[pd.DataFrame, list[str]]:
    """A counts-only table (group columns and `events`, no population: e.g. children in need
    by ethnicity from a published table), checked cell by cell; rates need a population
    table (analytics.views.denominators)."""
    if "events" not in df.columns:
        raise InputError(path, f"missing required column 'events'; found {list(df.columns)}",
                         column="events")
    keys = [c for c in df.columns if c != "events"]
    eth = [c for c in keys if "ethnic" in c.lower()]
    if len(eth) != 1:
        raise InputError(path, "a counts-only table needs one ethnicity column (and may have sex, "
                               f"period and outcome columns); columns are {list(df.columns)}")
    df = df[keys + ["events"]].copy()
    df["events"] = whole_numbers(df, "events", path)
    for col in keys:
        blank = df[col].astype(str).str.strip() == ""
        if blank.any():
            raise InputError(path, "empty group value", row=int(blank.to_numpy().argmax()) + 2,
                             column=col)
        df[col] = df[col].astype(str).str.strip()
    dup = df.duplicated(subset=keys, keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError(path, "duplicate group", row=i + 2, column=",".join(keys))
    return df, keys
