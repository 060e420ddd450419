"""Reading user-supplied files: every problem is reported with the file, row and column."""
from __future__ import annotations

import re
import zipfile
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
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
#: Largest total an Excel file may unpack to (its zip entries' declared sizes), checked
#: before the workbook is opened; zip reading never goes past a declared size.
MAX_UNZIPPED = 250 * 1024 * 1024
#: Most rows, columns and cells read from any file (a borough's ten years of child-years
#: with every column is about 400,000 x 30 = 12 million cells).
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
MAX_CELLS = 15_000_000
SUFFIXES = (".csv", ".xlsx", ".parquet")
#: A spreadsheet's dimension, e.g. <dimension ref="A1:XFD1048576"/>.
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"')


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


def check_shape(path, rows: int, columns: int, declared: str = "has") -> None:
    """Refuse a table larger than the limits before (or while) it is read."""
    if columns > MAX_COLUMNS:
        raise InputError(path, f"the table {declared} {columns:,} columns, over the limit of "
                               f"{MAX_COLUMNS:,}")
    if rows > MAX_ROWS:
        raise InputError(path, f"the table {declared} {rows:,} rows, over the limit of {MAX_ROWS:,}")
    if rows * columns > MAX_CELLS:
        raise InputError(path, f"the table {declared} {rows:,} rows x {columns:,} columns, over "
                               f"the limit of {MAX_CELLS:,} cells")


def csv_cells(source, path, error=InputError, empty: str = "the file has no header row",
              **options) -> pd.DataFrame:
    """A CSV (a path or a file object) as text cells, nothing converted, or `error` naming
    `path` and what is wrong: not UTF-8, not well-formed, or empty (`empty` says how)."""
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                           **options)
    except UnicodeDecodeError as e:
        raise error(path, f"not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8'") from None
    except pd.errors.ParserError as e:
        raise error(path, f"not a well-formed CSV: {e}") from None
    except pd.errors.EmptyDataError:
        raise error(path, empty) from None


def _read_csv(path: Path) -> pd.DataFrame:
    with open(path, "rb") as f:
        header = f.readline()
        lines = 1 + sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    check_shape(path, lines - 1, header.count(b",") + 1)
    df = csv_cells(path, path, comment="#")
    if len(df.columns) == 1 and any(sep in df.columns[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in df.columns[0])
        raise InputError(path, f"the columns are separated by {sep!r}; save the file with commas")
    return _unneutralise(df)


#: A text cell an export neutralised against formulas: a single quote before =, +, -, @, tab, CR.
NEUTRALISED = r"^'(?=[=+\-@\t\r])"


def _unneutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Undo the exports' CSV-injection quote (analytics.outputs.export), so an exported
    table imports back with the names it had."""
    df.columns = [re.sub(NEUTRALISED, "", str(c)) for c in df.columns]
    for col in df.columns:
        df[col] = df[col].str.replace(NEUTRALISED, "", regex=True)
    return df


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _check_xlsx(path: Path) -> None:
    """Look inside the zip before any XML is parsed: what it unpacks to and the size each
    worksheet declares. Entity declarations are refused by the parser (defusedxml)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNZIPPED:
                raise InputError(path, f"the workbook unpacks to {_size(total)}, over the "
                                       f"{_size(MAX_UNZIPPED)} limit (save it as CSV)")
            for info in infos:
                if not info.filename.startswith("xl/worksheets/") or not info.filename.endswith(".xml"):
                    continue
                with zf.open(info) as f:
                    head = f.read(65536)
                found = DIMENSION.search(head)
                if found:
                    first_col, first_row = _column_number(found[1]), int(found[2])
                    last_col = _column_number(found[3]) if found[3] else first_col
                    last_row = int(found[4]) if found[4] else first_row
                    check_shape(path, last_row - 1, last_col, declared="declares")
    except zipfile.BadZipFile as e:
        raise InputError(path, f"not a readable Excel workbook (bad zip: {e})") from None
    except (NotImplementedError, RuntimeError, EOFError, zlib.error) as e:
        raise InputError(path, f"not a readable Excel workbook ({type(e).__name__})") from None


def _read_excel(path: Path) -> pd.DataFrame:
    import openpyxl
    from openpyxl import load_workbook
    if not openpyxl.DEFUSEDXML:      # pragma: no cover - depends on the environment
        raise InputError(path, "Excel import needs defusedxml (OPENPYXL_DEFUSEDXML is off)")
    _check_xlsx(path)
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()         # never trust the declared size: read what is there
        rows, header, width, r = [], None, MAX_COLUMNS + 1, 0
        for r, row in enumerate(sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=width), start=1):
            for cell in row:
                if cell.data_type == "f":
                    raise InputError(path, f"cell {cell.coordinate} holds a formula ({cell.value}); "
                                           "paste values only", row=r,
                                     column=header[cell.column - 1] if header and cell.column <= len(header) else None)
            values = ["" if c.value is None else str(c.value) for c in row]
            if header is None:
                if not any(v.strip() for v in values):
                    continue
                while values and not values[-1].strip():
                    values.pop()
                header = [v.strip() for v in values]
                width = len(header)
                check_shape(path, 0, width)
                continue
            values = (values + [""] * width)[:width]
            if any(v.strip() for v in values):
                rows.append(values)
            check_shape(path, len(rows), width)
        if header is not None and r >= MAX_ROWS + 2:
            raise InputError(path, f"the sheet has more than {MAX_ROWS:,} rows, over the limit")
    finally:
        book.close()
    if header is None:
        raise InputError(path, "the first sheet is empty")
    return pd.DataFrame(rows, columns=header, dtype=str)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq
    meta = pq.ParquetFile(path).metadata
    check_shape(path, meta.num_rows, meta.num_columns, declared="declares")
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > MAX_UNZIPPED:
        raise InputError(path, f"the file unpacks to {_size(unpacked)}, over the "
                               f"{_size(MAX_UNZIPPED)} limit")
    df = pd.read_parquet(path)
    return df.astype("string").fillna("").astype(str)


READERS = {".csv": _read_csv, ".xlsx": _read_excel, ".parquet": _read_parquet}
KIND = {".csv": "CSV file", ".xlsx": "Excel workbook", ".parquet": "Parquet file"}


def read_table(path, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A user's CSV, Excel or Parquet file as text cells (validation converts them).

    Sizes are bounded before anything is parsed, and any failure of a parser (a corrupt zip,
    malformed XML, an entity declaration, a broken Parquet footer, running out of memory)
    becomes an InputError naming the file."""
    path = Path(path)
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    try:
        df = READERS[suffix](path)
    except InputError:
        raise
    except MemoryError:
        raise InputError(path, "the file is too large to read in the memory available") from None
    except Exception as e:  # noqa: BLE001 - every parser failure becomes the same message
        raise InputError(path, f"not a readable {KIND[suffix]} ({_parser_reason(e)})") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError(path, "the file has a header but no rows")
    return df


def _parser_reason(e: Exception) -> str:
    """A short, path-free reason for a parser's exception."""
    chain, cause = [], e
    while cause is not None and len(chain) < 10:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    if any("Entities" in n or "DTD" in n or "ExternalReference" in n for n in chain):
        return "its XML declares entities, which are refused (a possible XML bomb)"
    name = type(e).__name__
    text = str(e).splitlines()[0] if str(e) else ""
    text = re.sub(r"(/[^\s:'\"]+)+", "<path>", text)[:120]
    return f"{name}: {text}" if text else name


#: Counts above 2^53 cannot be held exactly as a number by every tool downstream (a double).
LARGEST_COUNT = 2 ** 53


def whole_numbers(df: pd.DataFrame, col: str, path, largest: int = LARGEST_COUNT) -> pd.Series:
    """A column of non-negative whole numbers up to `largest`, or InputError naming the
    first bad cell (text, fractions, infinities, negatives, values too large to store)."""
    text = df[col].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = values.isna() | (np.isfinite(values) & (values != np.floor(values)))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        hint = (" (a suppressed figure: import unsuppressed counts)" if text.iloc[i] in ("[c]", "")
                else "")
        raise InputError(path, f"{text.iloc[i]!r} is not a whole number{hint}", row=i + 2, column=col)
    if not np.isfinite(values).all():
        i = int((~np.isfinite(values)).to_numpy().argmax())
        raise InputError(path, f"{text.iloc[i]!r} is not a finite number", row=i + 2, column=col)
    if (values < 0).any():
        i = int((values < 0).to_numpy().argmax())
        raise InputError(path, f"negative count {text.iloc[i]}", row=i + 2, column=col)
    near = values >= largest - 1               # doubles round here: check the exact text
    for i in np.flatnonzero(near.to_numpy()):
        try:
            exact = int(Decimal(text.iloc[i]))
        except (InvalidOperation, ValueError):
            exact = largest + 1
        if exact > largest:
            raise InputError(path, f"{text.iloc[i]} is too large (the largest count accepted is "
                                   f"{largest:,})", row=int(i) + 2, column=col)
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
