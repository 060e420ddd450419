"""The cell-key method: every count that leaves the product is perturbed, consistently.

Every child has a fixed random record key (0-255, stored with the data and assigned on
import). A cell's key is the sum of the record keys of the children counted in it, mod 256,
computed by the same SQL that counts them (queries/counts.sql); the key of a union of
disjoint cells is the sum of their keys, so a total, a pooled window or a cube cell gets the
key of exactly the children in it. The perturbation table (analytics/protect/ptable.py)
maps (count, cell key) to the published count. So the same children always give the same
published number, on any page, in any export, in any combination, and differencing two
published counts recovers a small count only through the noise of both.

This is the method of flexible table builders at statistical offices: ABS TableBuilder
(Thompson, Broadfoot and Elazar 2013), ONS "create a custom dataset" for Census 2021, and the
sdcTools cellKey/ptable packages. Its properties, tested in tests/test_cellkey.py: zero stays
zero; no 1 or 2 is ever published; the expected change is zero; the change is at most
D = 4 with variance V of about 2.25.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.protect import ptable as pt
from analytics.stats.validation import slice_ids

#: The columns of a counts table that are counts of children (or of child-periods, or pairs
#: of periods of the same child), each published with the key in "<column>_ckey".
COUNTED = ("events", "population", "ss_events", "ss_cross", "ss_population")


@lru_cache(maxsize=1)
def _lookup() -> tuple[np.ndarray, int]:
    """published[i, key] for counts i = 0..i_max, and i_max."""
    table = pt.load()
    i_max = int(table["i"].max())
    key_space = int(table["key_hi"].max())
    out = np.zeros((i_max + 1, key_space), dtype=np.int64)
    for r in table.itertuples():
        out[r.i, r.key_lo:r.key_hi] = r.j
    return out, i_max


def key_space() -> int:
    return _lookup()[0].shape[1]


def noise_variance() -> float:
    """The variance of the change the table makes to a count (that of its last row, which
    every count from there up shares): what intervals on published counts allow for."""
    lookup, i_max = _lookup()
    return float(np.var(lookup[i_max] - i_max))


def perturb(counts, ckeys) -> np.ndarray:
    """Published counts for true counts and their cell keys (vectorised).

    Counts above the table's last row get that row's change: i + (j(i_max, key) - i_max)."""
    lookup, i_max = _lookup()
    n = np.asarray(counts, dtype=np.int64)
    k = np.asarray(ckeys, dtype=np.int64) % lookup.shape[1]
    if (n < 0).any():
        raise ValueError("counts must be >= 0")
    capped = np.minimum(n, i_max)
    return lookup[capped, k] + (n - capped)


def hash_keys(table: pd.DataFrame, columns: list[str], salt: str = "") -> np.ndarray:
    """Cell keys for a table that has no record keys (a user's aggregate counts): a fixed hash
    of each row's group values and count, so the same row always gets the same key."""
    frame = table[columns].astype(str)
    if salt:
        frame = frame.assign(_salt=salt)
    return (pd.util.hash_pandas_object(frame, index=False).to_numpy() % key_space()).astype(np.int64)


def publish(table: pd.DataFrame, by=(), salt: str = "") -> pd.DataFrame:
    """The counts table as published: every counted column (`COUNTED`) perturbed by its cell
    key, and `total_<column>` per `by`-slice (the published count of the whole slice, whose
    key is the sum of the rows' keys). Events never exceed population. Cell-key columns are
    dropped. A table without cell-key columns gets hashed keys (`hash_keys`)."""
    by = list(by)
    out = table.reset_index(drop=True).copy()
    counted = [c for c in COUNTED if c in out.columns]
    group = [c for c in out.columns if c not in counted and not c.endswith("_ckey")
             and not c.startswith("total_")]
    slice_id = slice_ids(out, by)
    size = slice_id.max(initial=-1) + 1
    space = key_space()
    for col in counted:
        true = out[col].to_numpy(dtype=np.int64)
        key = (out[f"{col}_ckey"].to_numpy(dtype=np.int64) if f"{col}_ckey" in out.columns
               else hash_keys(out, group + [col], salt=f"{salt}|{col}"))
        total = np.bincount(slice_id, weights=true, minlength=size).astype(np.int64)
        total_key = np.bincount(slice_id, weights=key % space, minlength=size).astype(np.int64)
        out[col] = perturb(true, key)
        out[f"total_{col}"] = perturb(total, total_key)[slice_id]
    if "events" in counted and "population" in counted:
        out["events"] = np.minimum(out["events"], out["population"])
        out["total_events"] = np.minimum(out["total_events"], out["total_population"])
    out = out.drop(columns=[c for c in out.columns if c.endswith("_ckey")])
    out.attrs = {**table.attrs, "protection": "cell key"}
    return out


def strip_keys(table: pd.DataFrame) -> pd.DataFrame:
    """The true counts without their cell keys (the secure setting, `--suppress 0`)."""
    out = table.drop(columns=[c for c in table.columns if c.endswith("_ckey")])
    out.attrs = {**table.attrs, "protection": "none"}
    return out
