"""DfE's exclusions open-data CSV as an import (analytics.data.ees): recognised by its columns,
read into exactly the published counts, a new year appearing beside the shipped ones, DfE's
symbols kept, and bad files refused naming the row and column with nothing stored."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.data import areas, ees, imports, store
from analytics.data.readers import InputError
from analytics.views import areas as va
from tests.ees_files import legacy_csv, standard_csv


def _shipped(period):
    s = areas.shipped()
    return s[s["period"] == period]


def _same_counts(table, period):
    councils = table[table["la_code"].isin(set(areas.councils()["la_code"]))]
    merged = councils.merge(_shipped(period), on=["la_code", "indicator", "period", "ethnicity"],
                            suffixes=("", "_pub"))
    assert len(merged) == len(_shipped(period)) == len(councils)
    assert (merged["events"] == merged["events_pub"]).all()
    assert (merged["population"] == merged["population_pub"]).all()


def test_recognised_by_its_columns_only():
    assert ees.looks_like("exc_la.csv", standard_csv())
    assert ees.looks_like("anything.csv", legacy_csv())
    assert not ees.looks_like("exc.xlsx", standard_csv())
    assert not ees.looks_like("counts.csv", b"ethnicity,events,population\nWhite,1,2\n")
    samples = Path(__file__).resolve().parent.parent / "data" / "samples"
    for sample in samples.glob("*.csv"):
        assert not ees.looks_like(sample.name, sample.read_bytes()[:4096]), sample.name


@pytest.mark.parametrize("make,period", [(standard_csv, "2024/25"), (legacy_csv, "2023/24")])
def test_read_gives_exactly_the_published_counts(make, period):
    table, notes = ees.read(Path("exc.csv"), make(period))
    assert list(table.columns) == areas.COLUMNS
    _same_counts(table, period)
    england = table[table["la_code"] == areas.ENGLAND_CODE]
    sums = _shipped(period).groupby(["indicator", "ethnicity"])[["events", "population"]].sum()
    got = england.set_index(["indicator", "ethnicity"])[["events", "population"]]
    assert (got.loc[sums.index] == sums).all().all()
    assert "153 councils" in notes[0] and "shown as published" in notes[0]
    assert (table["events_symbol"] == "").all()


def test_import_adds_a_new_year_to_the_comparison(tmp_path, user_data):
    """The 2024/25 figures relabelled 2025/26 (a test fixture, not a real year): after the
    import the year is offered and its table has exactly the file's counts."""
    path = tmp_path / "exclusions_la_202526.csv"
    path.write_bytes(standard_csv("2024/25", time_period="202526"))
    result = imports.import_files([path], name="exclusions_next")
    assert result.kind == "areas" and result.periods == ["2025/26"]
    info = store.dataset_info("exclusions_next")
    with store.connect_dataset(info) as con:
        stored = imports.areas_table(con)
    figures = areas.figures([stored])
    assert areas.periods(figures, "suspension") == ["2023/24", "2024/25", "2025/26"]
    new = va.area_table(figures, "Islington", "suspension", "2025/26")
    old = va.area_table(figures, "Islington", "suspension", "2024/25")
    cols = ["la_code", "ethnicity", "events", "population", "rri", "rank"]
    assert new[cols].equals(old[cols])
    assert store.list_datasets()["kind"].tolist() == ["areas"]


def test_an_imported_year_replaces_the_shipped_one():
    table, _ = ees.read(Path("exc.csv"), standard_csv("2024/25"))
    table = table.copy()
    table.loc[(table["la_code"] == "E09000019") & (table["ethnicity"] == "Black"), "events"] += 1
    figures = areas.figures([table])
    isl = figures[(figures["la_code"] == "E09000019") & (figures["period"] == "2024/25")
                  & (figures["ethnicity"] == "Black")]
    assert len(isl) == 2 and isl["source"].str.startswith("DfE open data CSV").all()


def test_withheld_figures_keep_dfe_symbols_and_england_falls_back_to_its_published_row():
    text = standard_csv("2024/25").decode().splitlines()
    header = text[0].split(",")
    col = header.index("suspension")
    for i, line in enumerate(text):
        cells = line.split(",")
        if (cells[header.index("new_la_code")] == "E09000019" and "Black / African" in line
                and cells[header.index("education_phase")] == "Total"):
            cells[col], cells[col + 1] = "c", "c"
            text[i] = ",".join(cells)
    table, _ = ees.read(Path("exc.csv"), ("\n".join(text) + "\n").encode())
    row = table[(table["la_code"] == "E09000019") & (table["ethnicity"] == "Black")
                & (table["indicator"] == "suspension")].iloc[0]
    assert pd.isna(row["events"]) and row["events_symbol"] == "c"
    every = va.every_area(areas.figures([table]), "suspension", "2024/25")
    isl = every[(every["la_code"] == "E09000019") & (every["ethnicity"] == "Black")].iloc[0]
    assert isl["status"] == "not published: DfE symbol c (confidential (suppressed by DfE))"
    eng = every[(every["la_code"] == areas.ENGLAND_CODE) & (every["ethnicity"] == "Black")].iloc[0]
    assert eng["events"] == _shipped("2024/25").query(
        "indicator == 'suspension' and ethnicity == 'Black'")["events"].sum()
    london = every[(every["la_code"] == "E12000007") & (every["ethnicity"] == "Black")].iloc[0]
    assert pd.notna(london["events"])                  # the file's published regional row
    inner = every[(every["la_code"] == "E13000001") & (every["ethnicity"] == "Black")].iloc[0]
    assert pd.isna(inner["events"]) and inner["status"].startswith("not published: DfE symbol x")


def _edit(data: bytes, la: str, group: str, column: str, value: str) -> bytes:
    text = data.decode().splitlines()
    header = text[0].split(",")
    for i, line in enumerate(text):
        cells = line.split(",")
        if (cells[header.index("new_la_code")] == la and cells[header.index("ethnicity_major")]
                == group and cells[header.index("education_phase")] == "Total"):
            cells[header.index(column)] = value
            text[i] = ",".join(cells)
            return ("\n".join(text) + "\n").encode(), i + 1
    raise AssertionError("row not found")


@pytest.mark.parametrize("column,value,message", [
    ("suspension", "604", "the counts and the rates disagree"),
    ("headcount", "5286.5", "not a whole number"),
    ("perm_excl", "three", "not a whole number"),
    ("time_identifier", "Financial year", "by academic year"),
    ("time_period", "2024/25", "six digits"),
])
def test_bad_files_name_the_row_and_column_and_store_nothing(tmp_path, user_data, column,
                                                             value, message):
    data, row = _edit(standard_csv("2024/25"), "E09000019", "White", column, value)
    path = tmp_path / "exc.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as e:
        imports.import_files([path], name="bad_release")
    text = str(e.value)
    assert message in text and f"row {row}" in text and "file exc.csv" in text
    column_named = "susp_rate" if message.startswith("the counts") else column
    assert f"column {column_named!r}" in text
    assert store.list_datasets().empty


def test_a_repeated_row_and_former_councils(tmp_path):
    data = standard_csv("2024/25")
    lines = data.decode().splitlines()
    twice = [x for x in lines if ",E09000019," in x and ",Total,White," in x][0]
    with pytest.raises(InputError, match="appears twice"):
        ees.read(Path("exc.csv"), ("\n".join(lines + [twice]) + "\n").encode())
    cumbria = twice.replace("E09000019", "E10000006").replace("Islington", "Cumbria")
    table, notes = ees.read(Path("exc.csv"), ("\n".join(lines + [cumbria]) + "\n").encode())
    assert "E10000006" not in set(table["la_code"])
    assert any("not among the 153 councils" in n for n in notes)
