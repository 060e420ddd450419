"""Opening the borough database, building it on first use."""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from analytics.data import queries
from analytics.data.synthetic import DEFAULT_DB, build


def ensure_database(path: Path | str = DEFAULT_DB, scale: float = 1.0,
                    seed: int = 20240601, progress=None) -> Path:
    """The database path, building the synthetic borough there first if it is missing
    (telling `progress(share, text)` each step)."""
    path = Path(path)
    if not path.exists():
        build(path, scale=scale, seed=seed, progress=progress)
    return path


def connect(path: Path | str = DEFAULT_DB, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}; build it with `python -m analytics build`")
    return duckdb.connect(str(path), read_only=read_only)


def periods(con) -> list[str]:
    return [r[0] for r in con.execute(queries.load("periods")).fetchall()]


def fingerprint(con, table: str) -> str:
    """SHA-256 of a table's rows in sorted order: equal data give equal fingerprints."""
    sql = queries.render("fingerprint", table=queries.identifier(table, queries.TABLES))
    df = con.execute(sql).df()
    digest = hashlib.sha256()
    digest.update(",".join(df.columns).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return digest.hexdigest()
