"""Opening the borough database, building it on first use."""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from analytics import ROOT
from analytics.data import cube, queries
from analytics.data.synthetic import DEFAULT_DB, build, build_cube, replacing

#: The committed seed and scale of the dashboard's synthetic borough.
BUILD_SETTINGS = ROOT / "data" / "synthetic" / "build.toml"
#: How long a process waits for another that is building the database (national scale).
BUILD_WAIT = 3600


def build_settings() -> dict:
    """{"seed": int, "scale": float} from data/synthetic/build.toml."""
    with open(BUILD_SETTINGS, "rb") as f:
        settings = tomllib.load(f)
    return {"seed": int(settings["seed"]), "scale": float(settings["scale"])}


def ensure_database(path: Path | str = DEFAULT_DB, scale: float | None = None,
                    seed: int | None = None, progress=None) -> Path:
    """The database path, building the synthetic borough there first if it is missing, with
    the committed seed and scale (build.toml) unless given: a deleted database comes back
    identical. A database built before the counts cube gets it. Both under a file lock, so
    that several app processes starting together build it once (the others wait, then read
    it). `progress(share, text)` is told each step."""
    path = Path(path)
    if path.exists() and has_cube(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=BUILD_WAIT):
        if not path.exists():
            settings = build_settings()
            build(path, scale=settings["scale"] if scale is None else scale,
                  seed=settings["seed"] if seed is None else seed, progress=progress)
        elif not has_cube(path):
            add_cube(path)
    return path


def has_cube(path: Path | str) -> bool:
    """Whether the database holds a counts cube of the current layout."""
    with duckdb.connect(str(path), read_only=True) as con:
        return cube.current(con)


def add_cube(path: Path | str) -> None:
    """Build the counts cube into a copy of the database and put the copy in its place (a
    rename: processes reading the old file keep reading it until they reopen)."""
    with replacing(Path(path), copy=True) as con:
        build_cube(con)


def connect(path: Path | str = DEFAULT_DB, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}; build it with `python -m analytics build`")
    return duckdb.connect(str(path), read_only=read_only)


def periods(con) -> list[str]:
    """The data's periods in order: from the counts cube's list when the database has one
    (scanning every row for them took half a second at national scale)."""
    listed = cube.periods(con)
    if listed is not None:
        return listed
    return [r[0] for r in con.execute(queries.load("periods")).fetchall()]


def fingerprint(con, table: str) -> str:
    """SHA-256 of a table's rows in sorted order: equal data give equal fingerprints."""
    sql = queries.render("fingerprint", table=queries.identifier(table, queries.TABLES))
    df = con.execute(sql).df()
    digest = hashlib.sha256()
    digest.update(",".join(df.columns).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return digest.hexdigest()
