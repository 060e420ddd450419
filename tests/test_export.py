"""Taking data out: every format carries the metadata, holds no count the screen hides, and
round-trips back through import to the same RRIs."""
from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics.data import store
from analytics.outputs import export
from analytics.protect import gate
from analytics.stats.rri import rri_table
from analytics.views.tables import Options, rri_for_outcome

META = dict(source="test", comparison="overall", suppression_threshold=5)


@pytest.fixture(scope="module")
def custody(con):
    """Custody by ethnicity and sex in one year (many small counts), with a tiny group added
    by restricting to looked-after children so that suppression bites too."""
    return rri_for_outcome(con, "custody", ["ethnicity_minor", "sex"], ["2023/24"],
                           options=Options(comparison="overall"),
                           filters={"care_status": ["Looked after"]})


def _read(fmt, data):
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), comment="#", dtype=str, keep_default_na=False)
    if fmt == "xlsx":
        return pd.read_excel(io.BytesIO(data), sheet_name="data", dtype=str).fillna("")
    return pd.read_parquet(io.BytesIO(data)).astype("string").fillna("").astype(str)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_no_export_format_leaks_a_suppressed_count(custody, fmt):
    assert custody["status"].astype(str).str.startswith("suppressed").any()   # the test bites
    table = _read(fmt, export.export_bytes(custody, fmt, export.metadata(**META)))
    events = pd.to_numeric(table["events"], errors="coerce")
    assert not events.isin([1, 2]).any()
    hidden = table["status"].str.startswith("suppressed")
    for col in ("events", "rate", "rri", "excess_events", "representation_index"):
        assert set(table.loc[hidden, col]) <= {"[c]", "", "nan", "<NA>"}
    # the file holds exactly the published counts the screen shows
    shown = custody["events"].astype("Float64")
    assert (events.fillna(-1).to_numpy() == shown.fillna(-1).to_numpy()).all()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_metadata_is_written_into_the_file(custody, fmt):
    meta = export.metadata(**META, url="http://localhost:8501/explorer?outcome=custody",
                           command="python -m analytics rri --db x --outcome custody --out y.csv")
    data = export.export_bytes(custody, fmt, meta)
    if fmt == "csv":
        text = data.decode()
        assert "# command: python -m analytics rri" in text and "# url: http://localhost" in text
    elif fmt == "xlsx":
        sheet = pd.read_excel(io.BytesIO(data), sheet_name="metadata")
        items = dict(zip(sheet["item"], sheet["value"]))
        assert items["comparison"] == "overall" and items["url"].startswith("http")
        assert "product_version" in items and "generated" in items
    else:
        kv = pq.read_schema(io.BytesIO(data)).metadata
        assert kv[b"disproportionality.comparison"] == b"overall"
        assert b"disproportionality.command" in kv


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_round_trips_through_import(con, tmp_path, fmt):
    """An unsuppressed export imported as aggregate data gives back the same RRIs."""
    table = rri_for_outcome(con, "suspension", ["ethnicity_major", "sex"], ["2024/25"],
                            options=Options(comparison="rest", suppress=0, adjust="none"))
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(export.export_bytes(table, fmt, export.metadata(**META)))
    db = tmp_path / "store"
    store.import_file(path, "back", db)
    with store.connect_dataset(store.dataset_info("back", db)) as ucon:
        back = store.aggregate_table(ucon)
    again = rri_table(back, ["ethnicity_major", "sex"], comparison="rest", unit=100, adjust="none")
    merged = table.merge(again, on=["ethnicity_major", "sex"], suffixes=("", "_back"))
    assert len(merged) == len(table)
    for col in ("rri", "rri_ci_low", "rri_ci_high", "p_value"):
        pd.testing.assert_series_equal(merged[col].astype(float), merged[f"{col}_back"].astype(float),
                                       check_names=False)


def test_importing_a_suppressed_export_names_the_symbol(custody, tmp_path):
    path = tmp_path / "published.csv"
    path.write_bytes(export.export_bytes(custody, "csv", export.metadata(**META)))
    with pytest.raises(Exception, match=r"\[c\].*suppressed figure"):
        store.import_file(path, "published", tmp_path / "store")


FORMULAS = ["=1+2", "+44 20 7527", "-x", "@SUM(A1)", "=HYPERLINK(\"http://x\")", "plain"]


@pytest.fixture()
def hostile():
    """A result table whose group names would be formulas in a spreadsheet, with negative
    numbers in numeric columns (rate differences, excess events)."""
    counts = pd.DataFrame({"area": FORMULAS, "events": [5, 6, 7, 8, 9, 40],
                           "population": [100] * 6})
    table = rri_table(counts, ["area"], comparison="overall", unit=100)
    assert (table["excess_events"] < 0).any()
    return gate.publish(table, "rri", threshold=0, keys=["area"])     # true counts: secure


def test_a_table_that_skipped_the_gate_is_not_exported(hostile):
    raw = hostile.copy()
    raw.attrs = {}
    with pytest.raises(gate.GateError, match="did not pass the publishing gate"):
        export.export_bytes(raw, "csv", export.metadata(**META))
    with pytest.raises(gate.GateError, match=r"\['extra'\] are not declared"):
        export.export_bytes(hostile.assign(extra=1), "csv", export.metadata(**META))


def test_the_file_says_how_its_figures_were_protected(custody, hostile):
    protected = export.export_bytes(custody, "csv", export.metadata(**META)).decode()
    assert "# protection: Protected: every count is perturbed by the cell-key method" in protected
    assert "# output: rri: RRI table" in protected
    secure = export.export_bytes(hostile, "csv", export.metadata(**META)).decode()
    assert "# protection: Secure setting: true counts, not protected" in secure
    assert "1 to 4" not in protected + secure


def test_csv_cells_that_would_start_a_formula_are_neutralised(hostile):
    import csv as csvmod
    text = export.export_bytes(hostile, "csv", export.metadata(**META)).decode()
    rows = list(csvmod.reader(line for line in text.splitlines() if not line.startswith("#")))
    header, body = rows[0], rows[1:]
    areas = [r[header.index("area")] for r in body]
    assert areas == ["'" + a if a[0] in "=+-@" else a for a in FORMULAS]
    # OWASP: text fields quoted; numbers stay bare numbers, negative ones included
    line = next(l for l in text.splitlines() if l.startswith('"\'-x"'))
    assert ",-" in line
    excess = [float(r[header.index("excess_events")]) for r in body]
    assert min(excess) < 0


def test_excel_cells_are_strings_never_formulas(hostile):
    from openpyxl import load_workbook
    data = export.export_bytes(hostile, "xlsx", export.metadata(**META))
    sheet = load_workbook(io.BytesIO(data))["data"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    areas = [c.value for c in next(sheet.iter_cols(min_col=1, max_col=1))][1:]
    assert areas == FORMULAS
    numbers = [c.value for c in next(sheet.iter_cols(min_col=hostile.columns.get_loc("excess_events") + 1,
                                                     max_col=hostile.columns.get_loc("excess_events") + 1))][1:]
    assert all(isinstance(v, (int, float)) for v in numbers) and min(numbers) < 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_hostile_names_import_back_unchanged(hostile, tmp_path, fmt):
    path = tmp_path / f"hostile.{fmt}"
    path.write_bytes(export.export_bytes(hostile, fmt, export.metadata(**META)))
    store.import_file(path, "back", tmp_path / "store")
    with store.connect_dataset(store.dataset_info("back", tmp_path / "store")) as ucon:
        back = store.aggregate_table(ucon)
    assert back["area"].tolist() == FORMULAS
    assert back["events"].tolist() == [5, 6, 7, 8, 9, 40]
