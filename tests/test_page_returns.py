"""Pages on a council's own returns and beside England: every page runs on a dataset imported
from statutory returns; the explorer pairs counts with the Census; the England page shows both
comparisons with its notes, and never an undefined number."""
from __future__ import annotations

import pytest

from analytics import ROOT
from analytics.data import imports
from tests.apptest import new_app, open_page

PAGES = ["overview", "high_risk", "england", "explorer", "explain", "trends", "pathways",
         "schools", "after_exclusion", "data_export", "your_data", "borough", "methodology"]


@pytest.fixture()
def user_db(tmp_path, monkeypatch):
    db = tmp_path / "user-data"
    monkeypatch.setenv("DISPROP_USER_DATA", str(db))
    return db


@pytest.fixture()
def returns_db(user_db):
    imports.import_files([ROOT / "data" / "samples" / "fake_returns_2024.zip"], "returns", user_db,
                         link="UPN")
    return user_db


def no_undefined(table) -> bool:
    return not table.astype(str).apply(lambda c: c.str.contains(r"\bnan\b|\binf\b|None", case=False)).any().any()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_imported_returns(app_env, returns_db, page):
    at = new_app()
    at.switch_page("pages/overview.py")
    at.run()
    at.selectbox(key="source").set_value("returns").run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    for frame in at.dataframe:
        assert no_undefined(frame.value)


def test_explorer_pairs_returns_with_the_census(app_env, returns_db):
    at = open_page("pages/explorer.py")
    at.selectbox(key="source").set_value("returns").run()
    assert not at.exception
    assert "Rates against the Census population" in [s.value for s in at.subheader]
    at.selectbox(key="paired_outcome").set_value("cin").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert set(table["Group"].str.split().str[0]) <= {"Asian", "Black", "Mixed", "Other", "White"}
    notes = [m.value for m in at.markdown]
    assert any("Children aged 10-17 only" in n for n in notes)
    assert any("3 years after the Census day" in n for n in notes)


def test_counts_only_table_is_paired(app_env, user_db, tmp_path):
    src = tmp_path / "yj_counts.csv"
    src.write_text("ethnicity,sex,events\nWhite,Female,12\nWhite,Male,30\nBlack,Female,9\n"
                   "Black,Male,41\nMixed,Female,5\nMixed,Male,14\nAsian,Female,3\nAsian,Male,6\n"
                   "Other,Female,1\nOther,Male,7\n")
    imports.import_files([src], "yj_counts", user_db)
    at = open_page("pages/explorer.py")
    at.selectbox(key="source").set_value("yj_counts").run()
    at.selectbox(key="cnt_outcome").set_value("proven_offence").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 10 and no_undefined(table)
    black = table[table["Group"] == "Black boys"].iloc[0]
    assert black["Children with outcome"] == "41"
    assert any("cannot be stated" in m.value for m in at.markdown)


def test_england_page_shows_both_forms(app_env, user_db):
    at = open_page("pages/england.py")
    assert not at.exception
    at.selectbox(key="bm_outcome").set_value("permanent_exclusion").run()
    at.selectbox(key="period").set_value("2023/24").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"Borough / England", "RRI (borough)", "RRI (England)"} <= set(table.columns)
    assert no_undefined(table)
    assert (table.loc[table["Group"] != "Unknown", "RRI (England)"] != "[z]").all()
    notes = " ".join(m.value for m in at.markdown)
    assert "Department for Education" in notes and "Asian includes Chinese" in notes
    at.selectbox(key="bm_outcome").set_value("suspension").run()
    assert not at.exception
    status = at.dataframe[0].value["Status"]
    assert status.str.startswith("not comparable: England counts suspensions").all()
    assert any("Arrests of children" in e.label for e in at.expander)
    at.selectbox(key="bm_outcome").set_value("cin").run()
    table = at.dataframe[0].value
    known = ~table["Group"].str.startswith("Unknown")
    assert table.loc[known, "Share % (England)"].ne("[z]").all() and no_undefined(table)
