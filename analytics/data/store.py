"""A user's own data: imported from CSV, Excel or Parquet into a store kept apart from the
synthetic borough, listed, shared, deleted, and used as a data source.

Two kinds of file:
* **records**: one row per child and period with the columns of
  `data/reference/record_columns.csv` (period, sex, ethnicity and age required). Stored with
  the synthetic borough's table layout and `facts` view, so every query and page runs on it
  unchanged; each child gets a random `record_key` (0-255) for disclosure control.
* **aggregate**: a counts table (group columns, `events`, `population`, optional `outcome`
  and `period`), stored as table `counts` and used directly by the RRI code.

Everything is validated in memory first; then the dataset is written as a file of its own
(see "storing" below), so a rejected or failed import changes nothing already stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics.data import audit, cube, queries
from analytics.data.access import LOCAL, User
from analytics.data.dataset_files import (
    LEGACY,
    SHARE,
    SUFFIX,
    TMP,
    StoreError,
    _files,
    _workspace,
    _write_dataset,
    check_name,
    default_name,
    recover,
    user_data_dir,
)
from analytics.data.ethnicity import standard_labels
from analytics.data.readers import (
    MAX_BYTES,
    InputError,
    check_shape,
    read_table,
    validate_events_frame,
)
from analytics.data.records import (
    FLAG_SOURCES,
    _periods,
    is_aggregate,
    is_counts_only,
    parse_aggregate,
    parse_records,
    record_columns,
)
from analytics.data.synthetic import RECORD_KEYS
from analytics.data.workspaces import (
    CATALOGUE_COLUMNS,
    aggregate_table,
    connect_dataset,
    dataset_info,
    delete_dataset,
    list_datasets,
    population_table,
    share_dataset,
)

#: The store's public names, wherever they are defined (`dataset_files.py`, `records.py`,
#: `workspaces.py`): callers use `store.X`.
__all__ = [
    "CATALOGUE_COLUMNS", "FLAG_SOURCES", "LEGACY", "SHARE", "SUFFIX", "TMP", "Imported",
    "StoreError", "aggregate_table", "check_name", "connect_dataset", "dataset_info",
    "default_name", "delete_dataset", "import_file", "import_frame", "list_datasets",
    "parse_records", "population_table", "record_columns", "recover", "share_dataset",
    "store_dataset", "user_data_dir",
]


@dataclass
class Imported:
    name: str
    kind: str
    rows: int
    outcomes: list
    periods: list
    group_cols: list
    ethnicity_level: str
    notes: list = field(default_factory=list)


def _catalogue(con, result: Imported, source_file: str, owner: User) -> None:
    con.execute(queries.load("user_datasets_table"))
    con.execute(queries.load("user_insert_dataset"), {
        "name": result.name, "kind": result.kind, "source_file": Path(str(source_file)).name,
        "n_rows": result.rows, "group_cols": result.group_cols, "outcomes": result.outcomes,
        "periods": result.periods, "ethnicity_level": result.ethnicity_level,
        "owner": owner.id, "owner_name": owner.name})


def import_frame(raw: pd.DataFrame, source_file, name: str | None = None,
                 root: Path | None = None, user: User = LOCAL) -> Imported:
    """Validate an already-read table (records or aggregate, cells as text or values) and
    store it as a new dataset in `user`'s workspace; InputError (nothing written) on any
    problem. `source_file` names the file in messages and the catalogue."""
    root = Path(root or user_data_dir())
    if not user.can_import:
        raise PermissionError(f"{user.name} ({user.role}) may not import data")
    name = check_name(name) if name else default_name(source_file)
    folder = _workspace(root, user.id)
    if _files(folder, name):       # early answer; checked again under the lock
        raise InputError(source_file, f"a dataset named {name!r} already exists; delete it "
                                      "first or choose another name")
    check_shape(source_file, len(raw), len(raw.columns))
    if not all(pd.api.types.is_string_dtype(t) for t in raw.dtypes):
        raw = raw.astype(object).where(raw.notna(), "").astype(str)
    if is_counts_only(raw):
        table, keys = validate_events_frame(raw, source_file)
        eth = next(c for c in keys if "ethnic" in c.lower())
        table[eth] = standard_labels(table[eth], source_file, eth)
        outcomes = sorted(table["outcome"].unique()) if "outcome" in keys else []
        periods = (sorted(_periods(table, "period", source_file).unique()) if "period" in keys
                   else [])
        result = Imported(name, "counts", len(table), outcomes, periods, keys, "label")
        return store_dataset(result, {"counts": table}, source_file, root, user)
    if is_aggregate(raw):
        table, keys, level = parse_aggregate(raw, source_file)
        outcomes = sorted(table["outcome"].unique()) if "outcome" in keys else [name]
        periods = sorted(table["period"].unique()) if "period" in keys else []
        result = Imported(name, "aggregate", len(table), outcomes, periods, keys, level)
        return store_dataset(result, {"counts": table}, source_file, root, user)
    tables, outcomes, level = parse_records(raw, source_file)
    periods = sorted(tables["child_year"]["period"].unique())
    result = Imported(name, "records", len(raw), outcomes, periods, [], level)
    return store_dataset(result, tables, source_file, root, user, facts=True)


def store_dataset(result: Imported, tables: dict[str, pd.DataFrame], source_file,
                  root: Path | None = None, user: User = LOCAL, facts: bool = False) -> Imported:
    """Write validated tables as the new dataset `result.name` in `user`'s workspace (with
    the `facts` view every query runs on, for record-level tables); InputError if the name is
    taken, nothing written on any problem."""
    root = Path(root or user_data_dir())
    if not user.can_import:
        raise PermissionError(f"{user.name} ({user.role}) may not import data")
    folder = _workspace(root, user.id)
    if _files(folder, result.name):       # early answer; checked again under the lock
        raise InputError(source_file, f"a dataset named {result.name!r} already exists; delete "
                                      "it first or choose another name")

    def fill(con):
        for table, frame in tables.items():
            con.register(f"{table}_df", frame)
            con.execute(queries.render("user_create_table_as", table=table, frame=f"{table}_df"))
        if facts:
            con.execute(queries.load("create_facts_view"))
            cube.build(con, RECORD_KEYS)      # views of the dataset read the counts cube
        _catalogue(con, result, source_file, user)
    recover(root)
    _write_dataset(folder, result.name, fill, source_file)
    audit.record(root, user, "import", f"{result.kind} dataset from {Path(str(source_file)).name}, "
                                       f"{result.rows} rows", dataset=f"{user.id}/{result.name}")
    return result


def import_file(path, name: str | None = None, root: Path | None = None,
                max_bytes: int = MAX_BYTES, user: User = LOCAL) -> Imported:
    """Read, validate and store a file; InputError (nothing written) on any problem."""
    name = check_name(name) if name else default_name(path)
    return import_frame(read_table(path, max_bytes), path, name, root, user)
