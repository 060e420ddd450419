"""Bringing data in: every bad-input case is refused with file, row and column, and the
user store is byte-for-byte unchanged; good files are stored, listed, used and deleted."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import Workbook

from analytics.data import store
from analytics.data.counts import counts
from analytics.data.readers import InputError

GOOD = "ethnicity,sex,events,population\nWBRI,Male,40,1000\nBCRB,Male,30,250\nBAFR,Male,12,300\n"


def digest(path):
    """A fingerprint of a file, or of every dataset file under a store folder."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    files = sorted(p for p in (path / "workspaces").rglob("*") if p.is_file() and p.name != ".lock")
    return [(str(p.relative_to(path)), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


@pytest.fixture()
def stored_db(tmp_path):
    """A user store that already holds one dataset."""
    db = tmp_path / "store"
    src = tmp_path / "first.csv"
    src.write_text(GOOD)
    store.import_file(src, "first", db)
    return db


def _xlsx_with_formula(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["ethnicity", "events", "population"])
    ws.append(["WBRI", 4, 100])
    ws.append(["BCRB", "=B2*2", 100])
    wb.save(path)


BAD = [
    ("empty.csv", b"", None, None, "empty"),
    ("latin1.csv", "ethnicity,events,population\nCaf\u00e9,1,10\n".encode("latin-1"), None, None, "UTF-8"),
    ("semicolon.csv", b"ethnicity;events;population\nWBRI;1;10\n", None, None, "';'"),
    ("nopop.csv", b"ethnicity,events\nWBRI,1\n", None, "population", "missing"),
    ("negative.csv", b"ethnicity,events,population\nWBRI,5,100\nBCRB,-3,100\n", 3, "events", "negative"),
    ("text.csv", b"ethnicity,events,population\nWBRI,5,lots\n", 2, "population", "not a whole number"),
    ("over.csv", b"ethnicity,events,population\nWBRI,500,100\n", 2, "events", "greater than population"),
    ("dup.csv", b"ethnicity,events,population\nWBRI,5,100\nBCRB,5,100\nWBRI,6,90\n", 4, "ethnicity", "duplicate"),
    ("unknown_eth.csv", b"ethnicity,events,population\nWBRI,5,100\nMartian,5,100\n", 3, "ethnicity", "unrecognised ethnicity"),
    ("records_bad_sex.csv", b"period,sex,ethnicity,age\n2023/24,Male,WBRI,12\n2023/24,X,WBRI,12\n", 3, "sex", "not a recognised sex"),
    ("records_no_age.csv", b"period,sex,ethnicity\n2023/24,Male,WBRI\n", None, "age", "missing required column"),
    ("records_bad_period.csv", b"period,sex,ethnicity,age\n2023,Male,WBRI,12\n", 2, "period", "academic year"),
    ("notes.txt", b"hello", None, None, "unsupported file type"),
]


@pytest.mark.parametrize("name, content, row, column, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_changes(stored_db, tmp_path, name, content, row, column, message):
    before = digest(stored_db)
    src = tmp_path / name
    src.write_bytes(content)
    with pytest.raises(InputError) as err:
        store.import_file(src, "second", stored_db)
    text = str(err.value)
    assert name in text and message in text
    if row is not None:
        assert f"row {row}" in text
    if column is not None:
        assert f"column '{column}'" in text
    assert digest(stored_db) == before
    assert list(store.list_datasets(stored_db)["name"]) == ["first"]


def test_formula_in_spreadsheet_is_refused(stored_db, tmp_path):
    before = digest(stored_db)
    src = tmp_path / "formulas.xlsx"
    _xlsx_with_formula(src)
    with pytest.raises(InputError, match=r"formulas.xlsx, row 3, column 'events': cell B3 holds a formula"):
        store.import_file(src, "second", stored_db)
    assert digest(stored_db) == before


def test_file_over_the_size_limit_is_refused(stored_db, tmp_path):
    before = digest(stored_db)
    src = tmp_path / "big.csv"
    src.write_text(GOOD + "WBRI,1,2\n" * 2000)
    with pytest.raises(InputError, match=r"big.csv: the file is 18 kB, over the 10 kB limit"):
        store.import_file(src, "second", stored_db, max_bytes=10_000)
    assert digest(stored_db) == before


def test_existing_name_is_refused(stored_db, tmp_path):
    before = digest(stored_db)
    src = tmp_path / "again.csv"
    src.write_text(GOOD)
    with pytest.raises(InputError, match="already exists"):
        store.import_file(src, "first", stored_db)
    assert digest(stored_db) == before


def test_aggregate_recognises_ons_and_major_labels(tmp_path):
    db = tmp_path / "store"
    src = tmp_path / "ons.csv"
    src.write_text("ethnicity,events,population\n"
                   "\"Black, Black British, Black Welsh, Caribbean or African: Caribbean\",5,100\n"
                   "\"White: English, Welsh, Scottish, Northern Irish or British\",7,300\n")
    store.import_file(src, "ons", db)
    with store.connect_dataset(store.dataset_info("ons", db)) as ucon:
        table = store.aggregate_table(ucon)
    assert set(table["ethnicity"]) == {"Black Caribbean", "White British"}


def test_records_reproduce_the_synthetic_counts(con, tmp_path):
    """Child-years exported from the synthetic borough and imported back give the same counts."""
    rows = con.execute("""
        SELECT cy.child_id, cy.period, c.sex, c.ethnicity_code AS ethnicity, cy.age, cy.on_roll,
               cy.fsm, cy.sen, cy.suspensions, cy.proven_offence, cy.custody
        FROM child_year cy JOIN children c USING (child_id) WHERE cy.period = '2024/25'""").df()
    src = tmp_path / "records.parquet"
    rows.to_parquet(src)
    db = tmp_path / "store"
    result = store.import_file(src, "mine", db)
    assert result.kind == "records" and "suspension" in result.outcomes and "cin" not in result.outcomes
    with store.connect_dataset(store.dataset_info("mine", db)) as ucon:
        got = counts(ucon, "suspension", by=["ethnicity_major", "sex"], periods=["2024/25"])
        keys = ucon.execute("SELECT min(record_key), max(record_key), count(DISTINCT record_key), "
                            "count(*) FROM children").fetchone()
    want = counts(con, "suspension", by=["ethnicity_major", "sex"], periods=["2024/25"])
    # the same counts; the cell keys differ (an import gives every child a fresh record key)
    plain = [c for c in want.columns if not c.endswith("_ckey")]
    pd.testing.assert_frame_equal(got[plain], want[plain])
    assert not (got["population_ckey"] == want["population_ckey"]).all()
    # every child has a record key 0-255, and the keys are spread over the whole range
    assert keys[0] >= 0 and keys[1] <= 255 and keys[2] > 250 and keys[3] > 10_000


def test_delete_and_synthetic_untouched(stored_db, borough_db):
    before = digest(borough_db)
    store.delete_dataset("first", stored_db)
    assert store.list_datasets(stored_db).empty
    assert digest(borough_db) == before


def test_import_command(tmp_path):
    src, db = tmp_path / "c.csv", tmp_path / "store"
    src.write_text(GOOD)
    r = subprocess.run([sys.executable, "-m", "analytics", "import", str(src), "--name", "mine",
                        "--store", str(db)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "aggregate dataset 'mine'" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("ethnicity,events,population\nWBRI,9,5\n")
    before = digest(db)
    r = subprocess.run([sys.executable, "-m", "analytics", "import", str(bad), "--store", str(db)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "bad.csv, row 2, column 'events'" in r.stderr
    assert digest(db) == before


def test_import_frame_takes_an_already_read_table(tmp_path):
    """Other readers (e.g. statutory returns) hand over a parsed frame: typed values and
    missing cells are validated exactly as a file's text would be."""
    raw = pd.DataFrame({"child_id": ["a", "b", "c"], "period": ["2023/24"] * 3,
                        "sex": ["Male", "Female", "Male"], "ethnicity": ["WBRI", "BCRB", "BAFR"],
                        "age": [12, 13, 14], "on_roll": [True, True, False],
                        "suspensions": [1, None, 0]})
    result = store.import_frame(raw, "return.xml", "returns", tmp_path / "store")
    assert result.kind == "records" and result.rows == 3
    with store.connect_dataset(store.dataset_info("returns", tmp_path / "store")) as con:
        got = con.execute("SELECT suspensions FROM child_year ORDER BY child_id").fetchall()
    assert got == [(1,), (None,), (0,)]
    with pytest.raises(InputError, match=r"file return.xml, row 3, column 'age'"):
        store.import_frame(raw.assign(age=[12, 99, 14]), "return.xml", "bad", tmp_path / "store")
