"""The record layout of a user's file (`data/reference/record_columns.csv`): reading and
validating record-level and aggregate tables into the synthetic borough's table layout. Every
error names the file, the row and the column; nothing is stored here (see `store.py`)."""
from __future__ import annotations

import re
import secrets

import numpy as np
import pandas as pd

from analytics.data.ethnicity import ethnicity_rows_for, map_ethnicity, standard_labels
from analytics.data.readers import (
    InputError,
    validate_counts_frame,
    whole_numbers,
)
from analytics.data.reference import REFERENCE, outcome_catalogue
from analytics.data.synthetic import RECORD_KEYS
from analytics.stats.rri import RESULT_COLUMNS

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



def record_columns() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "record_columns.csv")


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


def record_keys(n: int) -> np.ndarray:
    """Each child's fixed random key 0-255 for the cell-key method, drawn from OS entropy."""
    return np.random.default_rng(secrets.randbits(128)).integers(0, RECORD_KEYS, n, dtype=np.int16)
