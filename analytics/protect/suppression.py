"""Suppression on top of the cell-key method: the figures of groups too small to describe.

Perturbed counts (analytics/protect/cellkey.py) protect against working out how many
children there are, in any combination of tables; they do not stop a rate on three children
from describing each of them. So a row whose published population is below ``threshold``
shows its population only: its events, rate, ratio, interval, p-values and derived figures
are hidden ([c]); and a row whose comparison group has a published population below
``threshold`` loses the figures computed from that comparison. The decision uses published
counts only, so the status saying why reveals nothing the table does not show.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.stats.comparisons import (
    TOTAL_COLUMNS,
    normalise_reference,
    reference_match,
)
from analytics.stats.rates import to_float_na
from analytics.stats.rri import REFERENCE_DERIVED_COLUMNS
from analytics.stats.validation import _as_list

__all__ = ["suppress"]

_KEEP = ("population", "status")


def _nullable(s: pd.Series) -> pd.Series:
    """The column in a dtype that can hold pandas NA."""
    if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and s.dtype.na_value is pd.NA:
        return s
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64")
    if pd.api.types.is_float_dtype(s.dtype):
        return pd.Series(to_float_na(s.to_numpy(dtype=float)), index=s.index, name=s.name)
    return s.astype("string")


def _comparison_population(table: pd.DataFrame, group_cols, by, comparison, reference,
                           counts: pd.DataFrame | None) -> np.ndarray:
    """The published population each row is compared with (inf where none applies)."""
    n = table["population"].astype("Float64").to_numpy(dtype=float, na_value=0.0)
    if comparison == "reference" and reference:
        ref = normalise_reference(reference, group_cols, table)
        _, pos = reference_match(table, group_cols, by, ref)
        return np.where(pos >= 0, n[np.maximum(pos, 0)], np.inf)
    if comparison in ("rest", "overall"):
        source = counts if counts is not None and set(TOTAL_COLUMNS) <= set(counts.columns) \
            else None
        if source is not None:
            N = source["total_population"].to_numpy(dtype=float)
        elif by:
            N = table.groupby(by, sort=False)["population"].transform("sum").to_numpy(float)
        else:
            N = np.full(len(table), n.sum())
        return np.maximum(N - n, 0.0) if comparison == "rest" else N
    return np.full(len(table), np.inf)


def suppress(table: pd.DataFrame, group_cols, *, by=(), threshold: int = 5,
             comparison: str | None = None, reference=None,
             counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hide the figures of groups (and comparisons) with fewer than `threshold` children.

    `table` is an ``rri_table`` result on published counts (`counts`, the table it was
    computed from, gives the published slice totals when it has them). The comparison is
    read from ``table.attrs`` unless given. ``threshold`` 0 is the secure setting: nothing
    hidden, and the attrs say the counts are true ones. Returns a copy; hidden cells are NA
    and ``status`` starts with "suppressed: ".
    """
    group_cols = _as_list(group_cols, "group_cols")
    by = _as_list(by, "by")
    k = int(threshold)
    if k < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold!r}")
    out = table.reset_index(drop=True)
    attrs = {**table.attrs, "suppression_threshold": k}
    out.attrs = {}   # pandas deep-copies attrs into every column taken: set again at the end
    if "status" not in out.columns:
        out["status"] = pd.array(["ok"] * len(out), dtype="string")
    if k <= 1:
        out.attrs = attrs
        return out
    comparison = comparison if comparison is not None else attrs.get("comparison")
    reference = reference if reference is not None else attrs.get("reference")
    n = out["population"].astype("Float64").to_numpy(dtype=float, na_value=0.0)
    own = (n > 0) & (n < k)
    m = _comparison_population(out, group_cols, by, comparison, reference, counts)
    cmp_small = (m > 0) & (m < k) & ~own

    keys = set(group_cols + by) | set(_KEEP)
    cmp_cols = set(REFERENCE_DERIVED_COLUMNS)
    reason = np.select([own, cmp_small],
                       [f"suppressed: fewer than {k} children in the group",
                        f"suppressed: fewer than {k} children in the comparison group"],
                       default="")
    status = out["status"].astype("string").to_numpy(dtype=object, na_value="")
    columns = {}
    for col in out.columns:
        if col == "status":
            columns[col] = pd.array(np.where(reason != "", reason, status), dtype="string")
        elif col in keys:
            columns[col] = out[col].array
        else:
            hide = own | cmp_small if col in cmp_cols else own
            columns[col] = _nullable(out[col]).mask(hide).array
    out = pd.DataFrame(columns, copy=False)
    out.attrs = attrs
    return out
