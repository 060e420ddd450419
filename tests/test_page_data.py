"""The Data and export and Your data pages, and a user dataset as the data source."""
from __future__ import annotations

import pytest

from analytics.data import store
from tests.apptest import new_app, open_page

AGG = "ethnicity,events,population\nWhite,877,9537\nBlack,603,5286\nAsian,46,2041\nMixed,488,4174\nOther,120,1768\n"


@pytest.fixture()
def user_db(user_data):
    """The test's user data folder (conftest points the app at it)."""
    return user_data


def _page(path):
    at = new_app()
    at.switch_page(path)
    return at.run()


def _import_agg(user_db, tmp_path) -> None:
    """The aggregate table AGG as dataset "agg"."""
    src = tmp_path / "agg.csv"
    src.write_text(AGG)
    store.import_file(src, "agg", user_db)


def _import_pupils(con, user_db, tmp_path) -> None:
    """A record-level file holding only suspensions (2024/25) as dataset "pupils"."""
    rows = con.execute("""
        SELECT cy.child_id, cy.period, c.sex, c.ethnicity_code AS ethnicity, cy.age, cy.on_roll,
               cy.suspensions
        FROM child_year cy JOIN children c USING (child_id) WHERE cy.period = '2024/25'""").df()
    src = tmp_path / "pupils.parquet"
    rows.to_parquet(src)
    store.import_file(src, "pupils", user_db)

def test_export_page_offers_three_formats_and_the_command(app_env, user_db):
    at = _page("pages/data_export.py")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert {"Download CSV", "Download Excel", "Download Parquet", "Download PNG", "Download SVG"} <= set(labels)
    code = [c.value for c in at.code]
    assert any(c.startswith("python -m analytics rri --db") and "--outcome suspension" in c for c in code)
    shown = at.dataframe[0].value["Children with outcome"]
    numbers = shown[shown != "[c]"].str.replace(",", "").astype(int)
    assert not numbers.isin([1, 2]).any()


def test_export_page_every_outcome(app_env, user_db):
    at = _page("pages/data_export.py")
    at.radio(key="scope").set_value("all").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Outcome"].nunique() >= 20


def test_your_data_lists_and_uses_an_aggregate(app_env, user_db, tmp_path):
    src = tmp_path / "islington.csv"
    src.write_text(AGG)
    store.import_file(src, "islington", user_db)
    at = _page("pages/your_data.py")
    assert not at.exception
    assert any("islington" in m.value for m in at.markdown)
    at.selectbox(key="source").set_value("islington").run()
    at.switch_page("pages/explorer.py")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Group"]) == {"White children", "Black children", "Asian children",
                                   "Mixed children", "Children of any other ethnic group"}
    black = table[table["Group"] == "Black children"].iloc[0]
    # the file's 603, published through the cell-key method: within 4 of it
    assert abs(int(black["Children with outcome"].replace(",", "")) - 603) <= 4


def test_pages_needing_records_explain_an_aggregate_source(app_env, user_db, tmp_path):
    _import_agg(user_db, tmp_path)
    at = _page("pages/borough.py")
    at.selectbox(key="source").set_value("agg").run()
    assert not at.exception
    assert any("aggregate table" in i.value for i in at.info)


def test_records_dataset_offers_only_its_outcomes(app_env, user_db, tmp_path, con):
    _import_pupils(con, user_db, tmp_path)
    at = open_page("pages/explorer.py")
    at.selectbox(key="source").set_value("pupils").run()
    assert not at.exception
    assert at.selectbox(key="outcome").options == ["Suspensions (fixed-term exclusions) (Education)"]
    boys = at.dataframe[0].value
    assert float(boys[boys["Group"] == "Black boys"]["RRI"].iloc[0].split()[0]) > 1.5


def test_aggregate_source_can_be_downloaded_and_says_why_no_reports(app_env, user_db, tmp_path):
    _import_agg(user_db, tmp_path)
    at = _page("pages/data_export.py")
    at.selectbox(key="source").set_value("agg").run()
    assert not at.exception
    labels = {b.label for b in at.get("download_button")}
    assert {"Download CSV", "Download Excel", "Download Parquet", "Download PNG",
            "Download SVG"} <= labels
    table = at.dataframe[0].value
    shown = table.loc[table["Group"] == "Black children", "Children with outcome"].iloc[0]
    assert abs(int(shown.replace(",", "")) - 603) <= 4          # published: within 4 of 603
    assert any("record-level data" in i.value for i in at.info)       # why no reports
    links = [p.proto.page for p in at.get("page_link")]
    assert any(link.endswith("your_data") for link in links)          # where to go


def test_pages_needing_records_link_to_what_an_aggregate_can_do(app_env, user_db, tmp_path):
    _import_agg(user_db, tmp_path)
    for path in ("pages/overview.py", "pages/trends.py", "pages/schools.py"):
        at = _page(path)
        at.selectbox(key="source").set_value("agg").run()
        assert not at.exception
        links = {p.proto.page.rsplit("/", 1)[-1] for p in at.get("page_link")}
        assert {"explorer", "data_export", "your_data"} <= links, path


def test_board_pack_for_a_partial_records_dataset_arrives(app_env, user_db, tmp_path, con):
    """A record-level file with only suspensions: the board pack is built (with its progress
    and a clear result), its other statements listed as not checked; the court report, which
    needs remand and custody, says why it cannot be built."""
    _import_pupils(con, user_db, tmp_path)
    at = _page("pages/data_export.py")
    at.selectbox(key="source").set_value("pupils").run()
    assert not at.exception
    assert any("cannot be built" in i.value for i in at.info)          # the court report
    at.button(key="build-board").click().run(timeout=180)
    assert not at.exception and not at.error
    assert any("is ready" in s.value for s in at.success)
    labels = {b.label for b in at.get("download_button")}
    assert "Download HTML" in labels
