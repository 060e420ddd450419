"""Reference data shipped with the product: ethnicity codes and the outcome catalogue."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from analytics import ROOT

REFERENCE = ROOT / "data" / "reference"


@lru_cache(maxsize=None)
def _ethnicity() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "ethnicity.csv", dtype={"sort_order": "int64"})


def ethnicity_table() -> pd.DataFrame:
    """DfE code -> label, minor group, major group, ONS 2021 label (a copy; callers may edit)."""
    return _ethnicity().copy()


@lru_cache(maxsize=None)
def _outcomes() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "outcomes.csv", dtype={"unit": "int64"})


def outcome_catalogue() -> pd.DataFrame:
    """The outcome catalogue: one row per outcome (see docs/data_dictionary.md)."""
    return _outcomes().copy()


def outcome(key: str) -> pd.Series:
    """One outcome's catalogue row; a clear error for an unknown key."""
    cat = _outcomes()
    match = cat[cat["key"] == key]
    if match.empty:
        raise KeyError(f"unknown outcome {key!r}; known outcomes: {', '.join(cat['key'])}")
    return match.iloc[0]
