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


def read_counts_csv(path, group_cols=None) -> tuple[pd.DataFrame, list[str]]:
    """A counts table (group columns, events, population) from CSV, checked cell by cell.

    Returns the table with integer counts and the group columns (every column other than
    events/population when `group_cols` is not given).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start}); save it as CSV UTF-8") from None
    except pd.errors.ParserError as e:
        raise InputError(path, f"not a well-formed CSV: {e}") from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "the file has no header row") from None
    df.columns = [c.strip() for c in df.columns]
    for col in ("events", "population"):
        if col not in df.columns:
            hint = " (is it separated by ';' or tabs? use commas)" if len(df.columns) == 1 else ""
            raise InputError(path, f"missing required column {col!r}; found {list(df.columns)}{hint}",
                             column=col)
    if df.empty:
        raise InputError(path, "the file has a header but no rows")
    if group_cols is None:
        group_cols = [c for c in df.columns if c not in ("events", "population")]
    for col in group_cols:
        if col not in df.columns:
            raise InputError(path, f"group column {col!r} not found; columns are {list(df.columns)}",
                             column=col)
    if not group_cols:
        raise InputError(path, "no group columns: add a column naming each group")
    for col in ("events", "population"):
        text = df[col].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() | (values != values.round())
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise InputError(path, f"{text.iloc[i]!r} is not a whole number", row=i + 2, column=col)
        if (values < 0).any():
            i = int((values < 0).to_numpy().argmax())
            raise InputError(path, f"negative count {int(values.iloc[i])}", row=i + 2, column=col)
        df[col] = values.astype("int64")
    over = df["events"] > df["population"]
    if over.any():
        i = int(over.to_numpy().argmax())
        raise InputError(path, f"events ({df['events'].iloc[i]}) greater than population "
                               f"({df['population'].iloc[i]})", row=i + 2, column="events")
    for col in group_cols:
        blank = df[col].str.strip() == ""
        if blank.any():
            i = int(blank.to_numpy().argmax())
            raise InputError(path, "empty group value", row=i + 2, column=col)
    dup = df.duplicated(subset=group_cols, keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int(df.duplicated(subset=group_cols, keep=False).to_numpy().argmax())
        raise InputError(path, f"duplicate group (same as row {first + 2})", row=i + 2,
                         column=",".join(group_cols))
    return df, list(group_cols)
