"""Checks of a counts table before any statistic is computed on it: every error names the
column and the 1-based row, so a user can find it in their file."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _as_list(cols, name: str) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    cols = list(cols)
    if len(set(cols)) != len(cols):
        raise ValueError(f"{name} lists a column twice: {cols}")
    return cols


def _first_row(mask) -> int:
    """1-based position of the first True in ``mask``."""
    return int(np.flatnonzero(np.asarray(mask))[0]) + 1


def slice_ids(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Per row, the number of its combination of `cols` values, in order of first
    appearance (groupby(cols, sort=False, dropna=False).ngroup(), by factorising column by
    column, which is several times faster on text columns)."""
    ids = np.zeros(len(df), dtype=np.int64)
    for col in cols:
        codes, uniques = pd.factorize(df[col], use_na_sentinel=False)   # a missing value is one
        ids = pd.factorize(ids * len(uniques) + codes)[0]
    return ids


def _count_column(counts: pd.DataFrame, col: str) -> np.ndarray:
    s = counts[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":   # whole numbers already
        x = s.to_numpy(dtype=np.int64)
        if (x < 0).any():
            i = _first_row(x < 0)
            raise ValueError(f"column {col!r}, row {i}: {x[i - 1]:g} is negative")
        return x
    if pd.api.types.is_bool_dtype(s.dtype):
        raise ValueError(f"column {col!r} must hold whole numbers, not booleans")
    num = pd.to_numeric(s, errors="coerce").astype("Float64")
    bad = num.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        i = _first_row(bad)
        raise ValueError(f"column {col!r}, row {i}: {s.iloc[i - 1]!r} is not a number")
    if num.isna().any():
        raise ValueError(f"column {col!r}, row {_first_row(num.isna())}: missing value")
    x = num.to_numpy(dtype=float)
    if (~np.isfinite(x)).any():
        i = _first_row(~np.isfinite(x))
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]} is not a finite number")
    if (x != np.round(x)).any():
        i = _first_row(x != np.round(x))
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]} is not a whole number")
    if (x < 0).any():
        i = _first_row(x < 0)
        raise ValueError(f"column {col!r}, row {i}: {x[i - 1]:g} is negative")
    return x.astype(np.int64)


def validate_counts(counts: pd.DataFrame, group_cols, by=()) -> pd.DataFrame:
    """Check a counts table and return a clean copy (RangeIndex, int64 counts).

    Raises ``ValueError`` naming the column and the 1-based row for: missing
    columns, missing group/by values, non-integer, negative or missing
    counts, events above population, and a group repeated within a by-slice.
    """
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"counts must be a pandas DataFrame, got {type(counts).__name__}")
    group_cols = _as_list(group_cols, "group_cols")
    by = _as_list(by, "by")
    if not group_cols:
        raise ValueError("group_cols must name at least one column")
    both = set(group_cols) & set(by)
    if both:
        raise ValueError(f"columns {sorted(both)} are in both group_cols and by")
    needed = group_cols + by + ["events", "population"]
    missing = [c for c in needed if c not in counts.columns]
    if missing:
        raise ValueError(f"counts is missing column(s) {missing}")
    df = counts.reset_index(drop=True).copy()
    for col in group_cols + by:
        na = df[col].isna().to_numpy()
        if na.any():
            raise ValueError(f"column {col!r}, row {_first_row(na)}: missing value")
    a = _count_column(df, "events")
    n = _count_column(df, "population")
    over = a > n
    if over.any():
        i = _first_row(over)
        raise ValueError(
            f"column 'events', row {i}: events ({a[i - 1]}) exceed population ({n[i - 1]})"
        )
    if len(df) and slice_ids(df, group_cols + by).max() + 1 < len(df):
        dup = df.duplicated(subset=group_cols + by, keep=False).to_numpy()
        rows = np.flatnonzero(dup) + 1
        first = df.iloc[rows[0] - 1]
        same = df[group_cols + by].eq(first[group_cols + by]).all(axis=1).to_numpy()
        r = np.flatnonzero(same)[:2] + 1
        key = ", ".join(f"{c}={first[c]!r}" for c in group_cols + by)
        raise ValueError(
            f"columns {group_cols + by}: rows {r[0]} and {r[1]} repeat the group {key}; "
            "each group must appear once per by-slice"
        )
    df["events"] = a
    df["population"] = n
    return df
