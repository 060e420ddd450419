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

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from analytics import ROOT
from analytics.data import audit, cube, queries
from analytics.data.access import LOCAL, User
from analytics.data.ethnicity import ethnicity_rows_for, map_ethnicity, standard_labels
from analytics.data.readers import (
    MAX_BYTES,
    InputError,
    check_shape,
    read_table,
    validate_counts_frame,
    validate_events_frame,
    whole_numbers,
)
from analytics.data.reference import REFERENCE, outcome_catalogue
from analytics.data.synthetic import RECORD_KEYS
from analytics.stats.rri import RESULT_COLUMNS

#: The user data folder: workspaces of dataset files and the audit log.
DEFAULT_USER_DATA = ROOT / "data" / "user"
#: Environment variable naming another user data folder (tests, deployments).
USER_DATA_ENV = "DISPROP_USER_DATA"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f"}
SEXES = {"female": "Female", "f": "Female", "girl": "Female", "male": "Male", "m": "Male",
         "boy": "Male"}
SEN = {"no sen": "No SEN", "n": "No SEN", "none": "No SEN", "sen support": "SEN support",
       "k": "SEN support", "ehcp": "EHCP", "e": "EHCP", "statement": "EHCP"}
PERIOD = re.compile(r"^(\d{4})/(\d{2})$")

#: Columns of child_year each facts flag needs (outcome availability for a records dataset).
FLAG_SOURCES = {
    "all_children": [], "age_5_17": ["age"], "age_10_17": ["age"], "age_16_17": ["age"],
    "pupil": ["on_roll"], "pupil_5_15": ["on_roll"], "year11": ["on_roll"],
    "suspended": ["suspensions"], "permanent_exclusion": ["permanent_exclusion"],
    "persistent_absence": ["persistent_absence"], "ks4_below_basics": ["ks4_basics"],
    "neet": ["neet"], "cin": ["cin"], "cpp": ["cpp"], "looked_after": ["looked_after"],
    "camhs": ["camhs"], "sen_support": ["sen"], "ehcp": ["sen"], "sen_any": ["sen"],
    "fsm": ["fsm"], "proven_offence": ["proven_offence"],
    "first_time_entrant": ["first_time_entrant"], "offence_prev_year": ["offence_prev_year"],
    "reoffended": ["proven_offence", "offence_prev_year"], "remand": ["remand"],
    "custody": ["custody"], "concern_gangs": ["concern_gangs"], "concern_cce": ["concern_cce"],
    "concern_syv": ["concern_syv"], "concern_cse": ["concern_cse"],
    "excluded_ever": ["excluded_ever"],
}


def user_data_dir() -> Path:
    return Path(os.environ.get(USER_DATA_ENV) or DEFAULT_USER_DATA)


def record_columns() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "record_columns.csv")


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


def check_name(name: str) -> str:
    """Dataset names become table/schema names, so only [a-z][a-z0-9_]* is allowed."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"dataset name {name!r}: use lower-case letters, digits and _ "
                         "(starting with a letter, at most 40 characters)")
    return name


def default_name(path) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(path).stem.lower()).strip("_") or "data"
    return check_name(("d_" + stem if not stem[0].isalpha() else stem)[:40])


# -- reading and validating ---------------------------------------------------------------

def _bools(df, col, path) -> pd.Series:
    text = df[col].astype(str).str.strip().str.casefold()
    bad = ~(text.isin(TRUE) | text.isin(FALSE) | (text == ""))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(path, f"{df[col].iloc[i]!r} is not yes/no (use 1/0, true/false or yes/no)",
                         row=i + 2, column=col)
    return pd.array(np.where(text == "", None, text.isin(TRUE)), dtype="boolean")


def _mapped(df, col, path, mapping, what, blank_ok: bool = False) -> pd.Series:
    """Values through `mapping` (case-insensitive); with `blank_ok` an empty cell is NULL."""
    text = df[col].astype(str).str.strip()
    out = text.str.casefold().map(mapping)
    bad = out.isna() & ~(blank_ok & (text == ""))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(path, f"{text.iloc[i]!r} is not a recognised {what}", row=i + 2, column=col)
    return out


def _periods(df, col, path) -> pd.Series:
    text = df[col].astype(str).str.strip()
    parts = text.str.extract(PERIOD)
    ok = parts[0].notna() & ((parts[0].astype(float) + 1) % 100 == parts[1].astype(float))
    if not ok.all():
        i = int((~ok).to_numpy().argmax())
        raise InputError(path, f"{text.iloc[i]!r} is not an academic year like 2023/24",
                         row=i + 2, column=col)
    return text


def _counts(df, col, path) -> pd.Series:
    """Optional whole numbers: a blank cell is 'not recorded' (NULL)."""
    text = df[col].astype(str).str.strip()
    filled = text != ""
    values = pd.Series(pd.NA, index=df.index, dtype="Int16")
    if filled.any():
        # rows keep their spreadsheet numbers in messages: validate the whole column
        checked = whole_numbers(df.assign(**{col: text.where(filled, "0")}), col, path,
                                largest=np.iinfo(np.int16).max)
        values[filled] = checked[filled].astype("int16")
    return values


def _numbers(df, col, path) -> pd.Series:
    text = df[col].astype(str).str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    bad = (values.isna() | ~np.isfinite(values.fillna(0))) & (text != "")
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(path, f"{text.iloc[i]!r} is not a number", row=i + 2, column=col)
    return values.astype("Float64")


def parse_records(raw: pd.DataFrame, path) -> tuple[dict[str, pd.DataFrame], list[str], str]:
    """Validated tables (children, child_year, schools, ethnicity) from a record-level file."""
    spec = record_columns()
    known = set(spec["column"])
    unknown = [c for c in raw.columns if c not in known]
    if unknown:
        raise InputError(path, f"unknown column {unknown[0]!r}; record-level columns are "
                               f"{', '.join(spec['column'])}", column=unknown[0])
    for col in spec.loc[spec["required"] == "yes", "column"]:
        if col not in raw.columns:
            raise InputError(path, f"missing required column {col!r}", column=col)
    cy = pd.DataFrame(index=raw.index)
    cy["period"] = _periods(raw, "period", path)
    cy["period_start"] = cy["period"].str[:4].astype("int16")
    age = whole_numbers(raw, "age", path)
    if (age > 17).any():
        i = int((age > 17).to_numpy().argmax())
        raise InputError(path, f"age {age.iloc[i]} is over 17", row=i + 2, column="age")
    cy["age"] = age.astype("int8")
    sex = _mapped(raw, "sex", path, SEXES, "sex (Female/Male)")
    codes, level = map_ethnicity(raw["ethnicity"], path, "ethnicity")
    if "child_id" in raw.columns:
        ids = raw["child_id"].astype(str).str.strip()
        blank = ids == ""
        if blank.any():
            i = int(blank.to_numpy().argmax())
            raise InputError(path, "empty child_id", row=i + 2, column="child_id")
    else:
        ids = pd.Series(np.arange(1, len(raw) + 1).astype(str), index=raw.index)
    dup = pd.DataFrame({"id": ids, "p": cy["period"]}).duplicated(keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError(path, f"child {ids.iloc[i]!r} appears twice in {cy['period'].iloc[i]}",
                         row=i + 2, column="child_id")
    child_key = pd.factorize(ids)[0] + 1
    cy.insert(0, "child_id", child_key.astype("int64"))
    for col, kind in zip(spec["column"], spec["type"]):
        if col not in raw.columns or col in ("child_id", "period", "sex", "ethnicity", "age", "school"):
            continue
        if kind == "bool":
            cy[col] = _bools(raw, col, path)
        elif kind == "sen":
            cy[col] = _mapped(raw, col, path, SEN, "SEN status (No SEN / SEN support / EHCP)",
                              blank_ok=True)
        elif kind == "count":
            cy[col] = _counts(raw, col, path)
        elif kind == "number":
            cy[col] = _numbers(raw, col, path)
    schools = pd.DataFrame({"school_id": pd.Series(dtype="int16"),
                            "school_name": pd.Series(dtype=str), "phase": pd.Series(dtype=str)})
    if "school" in raw.columns:
        name = raw["school"].astype(str).str.strip()
        ids_s, uniques = pd.factorize(name.where(name != "", None))
        cy["school_id"] = pd.array(np.where(ids_s >= 0, ids_s, None), dtype="Int16")
        schools = pd.DataFrame({"school_id": np.arange(len(uniques), dtype="int16"),
                                "school_name": list(uniques), "phase": "Not recorded"})
    children = pd.DataFrame({"child_id": child_key.astype("int64"), "sex": sex.to_numpy(),
                             "ethnicity_code": codes.to_numpy()}).drop_duplicates("child_id")
    clash = pd.DataFrame({"id": child_key, "sex": sex.to_numpy(), "eth": codes.to_numpy()})
    clash = clash.groupby("id").nunique()
    if (clash > 1).any().any():
        bad_id = clash[(clash > 1).any(axis=1)].index[0]
        i = int(np.argmax(child_key == bad_id))
        raise InputError(path, f"child {ids.iloc[i]!r} has different sex or ethnicity in different rows",
                         row=i + 2, column="child_id")
    children["birth_date"] = pd.NaT
    children["record_key"] = record_keys(len(children))
    # every child_year column of the schema, NULL where the file does not have it
    schema_cols = ["child_id", "period", "period_start", "age", "on_roll", "school_id", "fsm", "sen",
                   "cin", "cpp", "looked_after", "camhs", "absence_pct", "persistent_absence",
                   "suspensions", "permanent_exclusion", "excluded_ever", "ks4_attainment8",
                   "ks4_basics", "neet", "proven_offence", "first_time_entrant",
                   "offence_prev_year", "remand", "custody", "concern_gangs", "concern_cce",
                   "concern_syv", "concern_cse"]
    present = set(cy.columns) | ({"school_id"} if "school" in raw.columns else set())
    for col in schema_cols:
        if col not in cy.columns:
            cy[col] = pd.array([None] * len(cy), dtype="string" if col == "sen" else
                               "Int16" if col in ("school_id", "suspensions") else
                               "Float64" if col in ("absence_pct", "ks4_attainment8") else "boolean")
    tables = {"children": children, "child_year": cy[schema_cols], "schools": schools,
              "ethnicity": ethnicity_rows_for(codes)}
    return tables, available_outcomes(present), level


def available_outcomes(columns: set) -> list[str]:
    """Outcomes whose numerator and eligible population the file's columns support."""
    cat = outcome_catalogue()
    ok = [all(c in columns for c in FLAG_SOURCES[r.numerator] + FLAG_SOURCES[r.denominator])
          for r in cat.itertuples()]
    return cat.loc[ok, "key"].tolist()


def parse_aggregate(raw: pd.DataFrame, path) -> tuple[pd.DataFrame, list[str], str]:
    """A validated counts table; computed result columns (e.g. from an export) are dropped."""
    ignore = [c for c in RESULT_COLUMNS if c not in ("events", "population")]
    keys = [c for c in raw.columns if c not in ("events", "population") and c not in ignore]
    table, keys = validate_counts_frame(raw, path, keys)
    level = "none"
    for col in keys:
        if "ethnicity" in col.lower():
            table[col] = standard_labels(table[col], path, col)
            level = "label"
    if "period" in keys:
        _periods(table, "period", path)
    return table, keys, level


def is_aggregate(raw: pd.DataFrame) -> bool:
    """A counts table names events or population; record-level files name neither."""
    return bool({"events", "population"} & set(raw.columns))


def is_counts_only(raw: pd.DataFrame) -> bool:
    """Events without a population: rates need a population table."""
    return "events" in raw.columns and "population" not in raw.columns


# -- storing ------------------------------------------------------------------------------
#
# One DuckDB file per dataset, `workspaces/<owner>/<name>.<token>.duckdb` under the user
# data folder. A new dataset is written to a temporary file in the same folder (held under
# its own lock while it is written), checkpointed, closed and fsync'd, then renamed into
# place under the workspace's lock, which is also where the name is checked: a dataset
# appears whole or not at all, and imports never wait for each other except for the rename.
# The catalogue is the set of files (each holds its own catalogue row), so readers always see
# the current list. A delete unlinks the file. `recover()` removes what an interrupted write
# left: temporary files whose writer's lock is free (the writer died).

TMP = ".tmp."
SUFFIX = ".duckdb"
SHARE = ".share.json"
#: The one-file store of earlier versions (never read: it is reported until deleted).
LEGACY = "user.duckdb"
LOCK_TIMEOUT = 60


class StoreError(RuntimeError):
    """The store could not be read or written (disk full, unreadable folder, ...)."""


def workspace_folder(owner: str) -> str:
    """A safe folder name for a user id (emails contain '@' and '.')."""
    slug = re.sub(r"[^a-z0-9_]+", "_", owner.lower()).strip("_")[:40] or "user"
    if slug == owner:
        return slug
    return f"{slug}-{hashlib.sha256(owner.encode()).hexdigest()[:10]}"


def _workspace(root: Path, owner: str) -> Path:
    return Path(root) / "workspaces" / workspace_folder(owner)


def _lock(folder: Path) -> FileLock:
    return FileLock(str(folder / ".lock"), timeout=LOCK_TIMEOUT)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(folder: Path, name: str | None = None) -> list[Path]:
    """The dataset files of a workspace (of one name, if given)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith(SUFFIX) and not p.name.startswith(".")
                  and (name is None or p.name.split(".")[0] == name))


def glob_escape(text: str) -> str:
    """`text` as a literal in a glob pattern."""
    return re.sub(r"([*?[])", r"[\1]", text)


def recover(root: Path | None = None) -> list[Path]:
    """Remove what interrupted writes left behind (temporary files whose writer is gone,
    sharing files of deleted datasets); returns the paths removed."""
    root = Path(root or user_data_dir())
    removed = []
    spaces = root / "workspaces"
    if not spaces.is_dir():
        return removed
    for folder in spaces.iterdir():
        if not folder.is_dir():
            continue
        for lock_path in folder.glob(TMP + "*.lock"):
            lock = FileLock(str(lock_path), timeout=0)
            try:
                lock.acquire()
            except Timeout:
                continue                                   # a writer is still at work
            try:
                stem = lock_path.name[: -len(".lock")]
                for leftover in folder.glob(glob_escape(stem) + "*"):
                    if leftover != lock_path:
                        leftover.unlink(missing_ok=True)
                        removed.append(leftover)
            finally:
                lock.release()
            lock_path.unlink(missing_ok=True)
            removed.append(lock_path)
        for tmp in folder.glob(TMP + "*"):
            # a temporary file without its lock file: its writer died before the lock existed
            # or after it was removed; no live writer holds such a file
            if not (folder / (tmp.name.split(SUFFIX)[0] + ".lock")).exists() and tmp.suffix != ".lock":
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        live = {p.name[: -len(SUFFIX)] for p in _files(folder)}
        for share in folder.glob("*" + SHARE):
            if share.name[: -len(SHARE)] not in live:
                share.unlink(missing_ok=True)
                removed.append(share)
    return removed


def _write_dataset(folder: Path, name: str, fill, source_file) -> None:
    """Write a new dataset file with `fill(con)` and rename it into place; InputError if the
    name is taken (checked under the workspace lock, so two imports cannot both win)."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    stem = f"{TMP}{name}.{token}"
    tmp = folder / f"{stem}{SUFFIX}"
    writer = FileLock(str(folder / f"{stem}.lock"), timeout=0)
    writer.acquire()
    try:
        try:
            with duckdb.connect(str(tmp)) as con:
                fill(con)
                con.execute(queries.load("checkpoint"))
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            with _lock(folder):
                if _files(folder, name):
                    raise InputError(source_file, f"a dataset named {name!r} already exists; delete it "
                                           "first or choose another name")
                os.rename(tmp, folder / f"{name}.{token}{SUFFIX}")
                _fsync_dir(folder)
        except (duckdb.IOException, OSError) as e:
            raise StoreError(f"could not write dataset {name!r} ({_reason(e)}); nothing was "
                             "stored") from None
        finally:
            for leftover in folder.glob(glob_escape(stem) + "*"):
                if not leftover.name.endswith(".lock"):
                    leftover.unlink(missing_ok=True)
    finally:
        writer.release()
        (folder / f"{stem}.lock").unlink(missing_ok=True)


def _reason(e: Exception) -> str:
    text = str(e)
    if "No space left" in text or getattr(e, "errno", None) == 28:
        return "the disk is full"
    return text.splitlines()[0][:200] if text else type(e).__name__


def _catalogue(con, result: Imported, source_file: str, owner: User) -> None:
    con.execute(queries.load("user_datasets_table"))
    con.execute(queries.load("user_insert_dataset"), {
        "name": result.name, "kind": result.kind, "source_file": Path(str(source_file)).name,
        "n_rows": result.rows, "group_cols": result.group_cols, "outcomes": result.outcomes,
        "periods": result.periods, "ethnicity_level": result.ethnicity_level,
        "owner": owner.id, "owner_name": owner.name})


def record_keys(n: int) -> np.ndarray:
    """Each child's fixed random key 0-255 for the cell-key method, drawn from OS entropy."""
    return np.random.default_rng(secrets.randbits(128)).integers(0, RECORD_KEYS, n, dtype=np.int16)


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


# -- the catalogue: derived from the files ------------------------------------------------

CATALOGUE_COLUMNS = ["id", "name", "owner", "owner_name", "kind", "source_file", "imported_at",
                     "n_rows", "group_cols", "outcomes", "periods", "ethnicity_level",
                     "shared_with", "path"]
_INFO: dict[tuple, dict] = {}      # (path, inode, mtime) -> catalogue row: files never change


def _info(path: Path) -> dict:
    st = path.stat()
    key = (str(path), st.st_ino, st.st_mtime_ns)
    if key not in _INFO:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(queries.load("user_list_datasets")).df().iloc[0].to_dict()
        if len(_INFO) > 1000:
            _INFO.clear()
        _INFO[key] = row
    return dict(_INFO[key])


def _shared_with(path: Path) -> list[str]:
    share = path.with_name(path.name[: -len(SUFFIX)] + SHARE)
    try:
        return sorted(json.loads(share.read_text())["groups"])
    except FileNotFoundError:
        return []


def _visible(row: dict, user: User | None) -> bool:
    if user is None or row["owner"] == user.id:
        return True
    shared = set(row["shared_with"])
    return bool(shared) and (user.is_admin or bool(shared & set(user.groups)))


def list_datasets(root: Path | None = None, user: User | None = LOCAL) -> pd.DataFrame:
    """The datasets `user` may see (None: every dataset, for the operator's CLI), read from
    the files themselves. Files that cannot be read are left out and named in
    `.attrs["problems"]`; an unreadable store raises StoreError."""
    root = Path(root or user_data_dir())
    spaces = root / "workspaces"
    rows, problems = [], []
    try:
        folders = sorted(p for p in spaces.iterdir() if p.is_dir()) if spaces.exists() else []
    except OSError as e:
        raise StoreError(f"the user data folder {root} cannot be read ({_reason(e)})") from None
    if root.exists() and not root.is_dir():
        raise StoreError(f"the user data folder {root} is not a folder")
    if (root / LEGACY).exists():
        problems.append(f"the single-file store {LEGACY} of an earlier version is still in {root}: "
                        "its datasets are not offered; import them again, then delete the file "
                        "to remove its data")
    for folder in folders:
        try:
            paths = _files(folder)
        except OSError as e:
            problems.append(f"workspace {folder.name} cannot be read ({_reason(e)})")
            continue
        for path in paths:
            try:
                row = _info(path)
                row["shared_with"] = _shared_with(path)
            except FileNotFoundError:
                continue                                   # deleted while we looked
            except Exception as e:                         # noqa: BLE001 - a corrupt file
                problems.append(f"dataset file {folder.name}/{path.name} cannot be read "
                                f"({type(e).__name__}); it is not offered")
                continue
            if not _visible(row, user):
                continue
            mine = row["owner"] == (user or LOCAL).id      # ids are relative to the viewer
            row["id"] = row["name"] if mine else f"{row['owner']}/{row['name']}"
            row["path"] = str(path)
            rows.append(row)
    table = pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)
    if len(table):
        table = table.sort_values(["imported_at", "id"], ignore_index=True)
    table.attrs["problems"] = problems
    return table


def dataset_info(dataset_id: str, root: Path | None = None, user: User | None = LOCAL) -> pd.Series:
    table = list_datasets(root, user)
    match = table[table["id"] == dataset_id]
    if match.empty:
        raise KeyError(f"no dataset named {dataset_id!r}")
    return match.iloc[0]


def _check_id(dataset_id: str) -> str:
    """`name` or `owner/name`, with a valid name."""
    check_name(dataset_id.rpartition("/")[2])
    return dataset_id


def delete_dataset(dataset_id: str, root: Path | None = None, user: User = LOCAL) -> None:
    """Remove a dataset's file (and so its data) from disk. Owners delete their own; an
    admin may delete a dataset shared with a group."""
    root = Path(root or user_data_dir())
    _check_id(dataset_id)
    info = dataset_info(dataset_id, root, user)
    if info["owner"] != user.id and not (user.is_admin and len(info["shared_with"])):
        raise PermissionError(f"{dataset_id!r} belongs to {info['owner_name']}; only they or an "
                              "admin can delete it")
    path = Path(info["path"])
    with _lock(path.parent):
        path.unlink(missing_ok=True)
        path.with_name(path.name[: -len(SUFFIX)] + SHARE).unlink(missing_ok=True)
        for extra in path.parent.glob(glob_escape(path.name) + ".wal"):
            extra.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    audit.record(root, user, "delete", f"{info['kind']} dataset from {info['source_file']}",
                 dataset=f"{info['owner']}/{info['name']}")


def share_dataset(dataset_id: str, groups, root: Path | None = None, user: User = LOCAL) -> None:
    """Share a dataset with named groups (an empty list makes it private again). Owners share
    their own datasets with their own groups; an admin may unshare any."""
    root = Path(root or user_data_dir())
    _check_id(dataset_id)
    info = dataset_info(dataset_id, root, user)
    groups = sorted(set(groups))
    own = info["owner"] == user.id
    if not (own and user.can_import) and not (user.is_admin and not groups):
        raise PermissionError(f"only the owner of {dataset_id!r} can share it")
    foreign = set(groups) - set(user.groups) if not user.is_admin else set()
    if foreign:
        raise PermissionError(f"you are not a member of {', '.join(sorted(foreign))}")
    path = Path(info["path"])
    share = path.with_name(path.name[: -len(SUFFIX)] + SHARE)
    with _lock(path.parent):
        if not path.exists():
            raise KeyError(f"no dataset named {dataset_id!r}")
        if groups:
            tmp = share.with_name(TMP + share.name)
            tmp.write_text(json.dumps({"groups": groups, "by": user.id}))
            os.replace(tmp, share)
        else:
            share.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    audit.record(root, user, "share" if groups else "unshare",
                 f"shared with {', '.join(groups)}" if groups else "made private",
                 dataset=f"{info['owner']}/{info['name']}")


def connect_dataset(info) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a dataset's file (`info`: its catalogue row). Every file
    has a unique name, so a connection never sees another version of the dataset."""
    return duckdb.connect(str(info["path"]), read_only=True)


def aggregate_table(con) -> pd.DataFrame:
    """The counts table of an aggregate (or counts-only) dataset."""
    return con.execute(queries.render("user_read_table", table="counts")).df()


def population_table(con) -> pd.DataFrame:
    """The table of a population dataset (analytics.data.population layout)."""
    return con.execute(queries.render("user_read_table", table="population")).df()
