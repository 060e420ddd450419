"""Trends over periods: pooling consecutive periods, and persistent disproportionality.

Pooling several years gives small groups enough children for a usable
comparison. A disproportion that is significant in the same direction in
each of the latest ``n`` consecutive periods is "persistent": much less likely
to be a one-year fluctuation than a single significant year.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.stats.validation import _as_list, validate_counts

__all__ = ["period_positions", "pool_periods", "persistence"]

# "2015", "2015/16", "2015-16", "2015/2016"; pooled labels use their first period.
_YEAR = re.compile(r"^\s*(\d{4})(?:\s*[/-]\s*(?:\d{2}|\d{4}))?\s*$")


def period_positions(periods) -> tuple[list, np.ndarray]:
    """Sorted distinct periods and their integer positions on the time line.

    If every label starts with a year ("2015/16", "2015", "2015/16 to
    2017/18") the position is that year, so a missing year leaves a gap and
    breaks consecutiveness. Otherwise labels sort as strings and their rank
    is the position.
    """
    labels = sorted(pd.unique(pd.Series(periods).astype(str)))
    starts = [_YEAR.match(p.split(" to ")[0]) for p in labels]
    if labels and all(starts):
        pos = np.array([int(m.group(1)) for m in starts], dtype=np.int64)
        order = np.argsort(pos, kind="stable")
        return [labels[i] for i in order], pos[order]
    return labels, np.arange(len(labels), dtype=np.int64)


def _default_group_cols(df: pd.DataFrame, period_col: str) -> list[str]:
    group_cols = df.attrs.get("group_cols")
    if group_cols is not None:
        return list(group_cols) + [b for b in df.attrs.get("by", []) if b != period_col]
    return [c for c in df.columns if c not in (period_col, "events", "population")]


def pool_periods(counts: pd.DataFrame, n: int, period_col: str = "period",
                 group_cols=None) -> pd.DataFrame:
    """Sum events and population over each window of ``n`` consecutive periods.

    Windows are labelled "2015/16 to 2017/18"; only complete windows (n
    consecutive periods, no gap) are returned. A group missing from a period
    contributes zero children for it. ``group_cols`` defaults to every column
    other than ``period_col``, ``events`` and ``population``.

    Pooled counts are child-periods: a child with the outcome in two years
    counts twice, so the pooled rate is an average annual rate.
    """
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    group_cols = (_as_list(group_cols, "group_cols") if group_cols is not None
                  else _default_group_cols(counts, period_col))
    df = validate_counts(counts, [period_col], group_cols)
    labels, pos = period_positions(df[period_col])
    k = len(labels)
    starts = np.arange(max(k - n + 1, 0))
    complete = pos[starts + n - 1] - pos[starts] == n - 1 if k >= n else np.array([], bool)
    window_label = np.array(
        [labels[i] if n == 1 else f"{labels[i]} to {labels[i + n - 1]}" for i in starts],
        dtype=object)

    j = pd.Index(labels).get_indexer(df[period_col].astype(str))
    rows = np.repeat(np.arange(len(df)), n)
    win = np.repeat(j, n) - np.tile(np.arange(n), len(df))  # windows containing the row
    keep = (win >= 0) & (win < len(starts))
    rows, win = rows[keep], win[keep]
    keep = complete[win]
    rows, win = rows[keep], win[keep]

    long = df.iloc[rows][group_cols + ["events", "population"]].reset_index(drop=True)
    long["_win"] = win
    out = (long.groupby(["_win"] + group_cols, sort=False)[["events", "population"]]
           .sum().reset_index().sort_values("_win", kind="stable"))
    out[period_col] = pd.array(window_label[out["_win"].to_numpy()], dtype="string")
    out = out[group_cols + [period_col, "events", "population"]].reset_index(drop=True)
    out["events"] = out["events"].astype("Int64")
    out["population"] = out["population"].astype("Int64")
    out.attrs = {**counts.attrs, "pooled_periods": n}
    return out


def persistence(results: pd.DataFrame, n: int = 3, period_col: str = "period",
                group_cols=None, step: int | None = None) -> pd.DataFrame:
    """Add ``persistent`` and ``persistent_direction`` to an ``rri_table`` result.

    ``persistent`` is True when the row and the group's rows for the previous
    ``n - 1`` periods, each ``step`` apart, are all significant with the RRI on the same
    side of 1; ``persistent_direction`` is "higher" or "lower" there, NA
    elsewhere. Missing significance (suppressed, not computable, reference)
    or a missing period breaks the run. ``group_cols`` defaults to the
    group and non-period ``by`` columns recorded in ``results.attrs``.

    ``step`` (default: the ``pooled_periods`` in ``results.attrs``, else 1) makes pooled
    windows count only when they do not overlap: three overlapping 3-year windows share
    most of their children, so one chance excess would flag all three. Only the rows in
    step with the latest period can be persistent.
    """
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    step = int(step if step is not None else results.attrs.get("pooled_periods", 1) or 1)
    group_cols = (_as_list(group_cols, "group_cols") if group_cols is not None
                  else _default_group_cols(results, period_col))
    missing = [c for c in group_cols + [period_col, "rri", "significant"]
               if c not in results.columns]
    if missing:
        raise ValueError(f"results is missing column(s) {missing}")
    labels, pos = period_positions(results[period_col])
    df = results[group_cols + [period_col]].reset_index(drop=True).copy()
    df["_pos"] = pos[pd.Index(labels).get_indexer(df[period_col].astype(str))]
    sig = results["significant"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    rri = results["rri"].astype("Float64")
    df["_hi"] = sig & (rri > 1).fillna(False).to_numpy(dtype=bool)
    df["_lo"] = sig & (rri < 1).fillna(False).to_numpy(dtype=bool)
    aligned = ((pos.max(initial=0) - df["_pos"]) % step == 0).to_numpy() if len(df) else \
        np.zeros(0, dtype=bool)
    df["_hi"] &= aligned
    df["_lo"] &= aligned
    df = df[aligned].sort_values(group_cols + ["_pos"], kind="stable")

    g = df.groupby(group_cols, sort=False) if group_cols else None
    shift = (lambda col, lag: g[col].shift(lag)) if g is not None else \
        (lambda col, lag: df[col].shift(lag))
    hi, lo = df["_hi"].to_numpy(), df["_lo"].to_numpy()
    for lag in range(1, n):
        hi = hi & shift("_hi", lag).fillna(False).to_numpy(dtype=bool)
        lo = lo & shift("_lo", lag).fillna(False).to_numpy(dtype=bool)
    if n > 1:
        span = (df["_pos"] - shift("_pos", n - 1)).to_numpy(dtype=float, na_value=np.nan)
        consecutive = span == (n - 1) * step
        hi, lo = hi & consecutive, lo & consecutive

    out = results.reset_index(drop=True).copy()
    persistent = np.zeros(len(out), dtype=bool)
    direction = np.full(len(out), None, dtype=object)
    idx = df.index.to_numpy()
    persistent[idx] = hi | lo
    direction[idx] = np.where(hi, "higher", np.where(lo, "lower", None))
    out["persistent"] = pd.array(persistent, dtype="boolean")
    out["persistent_direction"] = pd.array(direction, dtype="string")
    out.attrs = {**results.attrs, "persistence_periods": n, "persistence_step": step}
    return out
