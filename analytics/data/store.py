"""A user's own data: imported from CSV, Excel or Parquet into a user database kept apart
from the synthetic one, listed, deleted, and used as a data source.

Two kinds of file:
* **records**: one row per child and period with the columns of
  `data/reference/record_columns.csv` (period, sex, ethnicity and age required). Stored in
  schema `rec_<name>` with the synthetic borough's table layout and `facts` view, so every
  query and page runs on it unchanged.
* **aggregate**: a counts table (group columns, `events`, `population`, optional `outcome`
  and `period`). Stored as table `agg_<name>` and used directly by the RRI code.

Everything is validated in memory first; then the user database is copied, written and
swapped in with one rename, so a rejected or failed import leaves the stored file
byte-for-byte unchanged.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import ROOT
from analytics.data import queries
from analytics.data.ethnicity import ethnicity_rows_for, map_ethnicity, standard_labels
from analytics.data.readers import (
    MAX_BYTES,
    InputError,
    read_table,
    validate_counts_frame,
    validate_events_frame,
    whole_numbers,
)
from analytics.data.reference import REFERENCE, outcome_catalogue
from analytics.data.synthetic import RECORD_KEYS
from analytics.stats.rri import RESULT_COLUMNS

DEFAULT_USER_DB = ROOT / "data" / "user" / "user.duckdb"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
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


def user_db_path() -> Path:
    return Path(os.environ.get("DISPROP_USER_DB", DEFAULT_USER_DB))


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
    if not NAME_PATTERN.match(name or ""):
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
        values[filled] = whole_numbers(df.loc[filled], col, path).astype("int16")
    return values


def _numbers(df, col, path) -> pd.Series:
    text = df[col].astype(str).str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
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
    # A fixed random key per child for the cell-key method (analytics/protect/cellkey.py).
    children["record_key"] = np.random.default_rng(secrets.randbits(64)).integers(
        0, RECORD_KEYS, size=len(children), dtype=np.int16)
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

def _write(user_db: Path, work) -> None:
    """Run `work(con)` on a copy of the user database, then swap the copy in atomically."""
    user_db.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".duckdb", dir=user_db.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        if user_db.exists():
            shutil.copyfile(user_db, tmp)
        with duckdb.connect(tmp) as con:
            con.execute(queries.load("user_datasets_table"))
            work(con)
            con.execute(queries.load("checkpoint"))
        os.replace(tmp, user_db)
    finally:
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _exists(user_db: Path, name: str) -> bool:
    return name in set(list_datasets(user_db)["name"])


def import_file(path, name: str | None = None, user_db: Path | None = None,
                max_bytes: int = MAX_BYTES) -> Imported:
    """Validate and store a file; InputError (nothing written) on any problem."""
    user_db = Path(user_db or user_db_path())
    name = check_name(name) if name else default_name(path)
    raw = read_table(path, max_bytes)
    if _exists(user_db, name):
        raise InputError(path, f"a dataset named {name!r} already exists; delete it first or "
                               "choose another name")
    if is_counts_only(raw):
        table, keys = validate_events_frame(raw, path)
        eth = next(c for c in keys if "ethnic" in c.lower())
        table[eth] = standard_labels(table[eth], path, eth)
        outcomes = sorted(table["outcome"].unique()) if "outcome" in keys else []
        periods = sorted(_periods(table, "period", path).unique()) if "period" in keys else []
        result = Imported(name, "counts", len(table), outcomes, periods, keys, "label")
        return store_aggregate(result, table, path, user_db)
    if is_aggregate(raw):
        table, keys, level = parse_aggregate(raw, path)
        outcomes = sorted(table["outcome"].unique()) if "outcome" in keys else [name]
        periods = sorted(table["period"].unique()) if "period" in keys else []
        result = Imported(name, "aggregate", len(table), outcomes, periods, keys, level)
        return store_aggregate(result, table, path, user_db)
    else:
        tables, outcomes, level = parse_records(raw, path)
        periods = sorted(tables["child_year"]["period"].unique())
        result = Imported(name, "records", len(raw), outcomes, periods, [], level)
        return store_records(result, tables, path, user_db)


def store_aggregate(result: Imported, table: pd.DataFrame, source, user_db: Path,
                    prefix: str = "agg") -> Imported:
    """Write a validated table as dataset `result.name`: a counts table (prefix "agg") or a
    population table (prefix "pop")."""
    if _exists(user_db, result.name):
        raise InputError(source, f"a dataset named {result.name!r} already exists; delete it "
                                 "first or choose another name")

    def work(con):
        con.register("upload_df", table)
        con.execute(queries.render("user_create_table_as", table=f"{prefix}_{result.name}",
                                   frame="upload_df"))
        _catalogue(con, result, source)
    _write(user_db, work)
    return result


def store_records(result: Imported, tables: dict[str, pd.DataFrame], source, user_db: Path,
                  extra: dict[str, pd.DataFrame] | None = None) -> Imported:
    """Write validated record-level tables (and `extra` tables, e.g. a return's coverage) as
    dataset `result.name`, with the facts view every query runs on."""
    if _exists(user_db, result.name):
        raise InputError(source, f"a dataset named {result.name!r} already exists; delete it "
                                 "first or choose another name")

    def work(con):
        schema = f"rec_{result.name}"
        con.execute(queries.render("user_create_schema", schema=schema))
        for table, frame in {**tables, **(extra or {})}.items():
            con.register(f"{table}_df", frame)
            con.execute(queries.render("user_create_table_as", table=f"{schema}.{table}",
                                       frame=f"{table}_df"))
        con.execute(queries.render("user_set_schema", schema=schema))
        con.execute(queries.load("create_facts_view"))
        con.execute(queries.render("user_set_schema", schema="main"))
        _catalogue(con, result, source)
    _write(user_db, work)
    return result


def _catalogue(con, result: Imported, path) -> None:
    con.execute(queries.load("user_insert_dataset"), {
        "name": result.name, "kind": result.kind, "source_file": Path(str(path)).name,
        "n_rows": result.rows, "group_cols": result.group_cols, "outcomes": result.outcomes,
        "periods": result.periods, "ethnicity_level": result.ethnicity_level})


def list_datasets(user_db: Path | None = None) -> pd.DataFrame:
    user_db = Path(user_db or user_db_path())
    if not user_db.exists():
        return pd.DataFrame(columns=["name", "kind", "source_file", "imported_at", "n_rows",
                                     "group_cols", "outcomes", "periods", "ethnicity_level"])
    with duckdb.connect(str(user_db), read_only=True) as con:
        return con.execute(queries.load("user_list_datasets")).df()


def delete_dataset(name: str, user_db: Path | None = None) -> None:
    user_db = Path(user_db or user_db_path())
    check_name(name)
    if not _exists(user_db, name):
        raise KeyError(f"no dataset named {name!r}")

    def work(con):
        con.execute(queries.render("user_drop_schema", schema=f"rec_{name}"))
        con.execute(queries.render("user_drop_table", table=f"agg_{name}"))
        con.execute(queries.render("user_drop_table", table=f"pop_{name}"))
        con.execute(queries.load("user_delete_dataset"), {"name": name})
    _write(user_db, work)


def dataset_info(name: str, user_db: Path | None = None) -> pd.Series:
    table = list_datasets(user_db)
    match = table[table["name"] == name]
    if match.empty:
        raise KeyError(f"no dataset named {name!r}")
    return match.iloc[0]


def records_cursor(con, name: str):
    """A cursor on the user database whose unqualified names resolve in the dataset's schema,
    so the product's queries run on it unchanged."""
    cur = con.cursor()
    cur.execute(queries.render("user_set_schema", schema=f"rec_{check_name(name)}"))
    return cur


def aggregate_table(con, name: str) -> pd.DataFrame:
    return con.execute(queries.render("user_read_table", table=f"agg_{check_name(name)}")).df()


def population_table(con, name: str) -> pd.DataFrame:
    """An imported population table (analytics.data.population layout)."""
    return con.execute(queries.render("user_read_table", table=f"pop_{check_name(name)}")).df()
