"""The "How we compare" page under Streamlit's AppTest: DfE's published figures for any
council beside its neighbours, region and England, with no import and whatever the data
source; a URL that reproduces the view; a new year from an import; the board summary."""
from __future__ import annotations

import pytest

from analytics.data import areas, imports, store
from analytics.views import areas as views
from tests.apptest import new_app, open_page
from tests.ees_files import standard_csv

PAGE = "pages/areas.py"


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _frame(at, column: str):
    """The table holding `column` (AppTest's dataframes carry no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _no_raw_values(frame) -> bool:
    return not frame.astype(str).apply(
        lambda c: c.str.contains(r"\bnan\b|None|\binf\b|<NA>", case=False, regex=True)).any().any()


def test_opens_on_islington_with_its_neighbours_and_published_figures(app_env):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "How we compare"
    assert at.selectbox(key="area_la").value == "Islington"
    assert at.radio(key="area_ind").value == "suspension"
    assert at.selectbox(key="area_year").value == "2024/25"
    assert at.selectbox(key="area_group").value == "Black"
    text = _text(at)
    assert "suspensions per 100 pupils" in text and "not perturbed" in text
    assert "In Islington, 2024/25, the suspension rate of Black pupils" in text
    assert "rank interval" in text and "99.8% limit" in text
    table = _frame(at, "Closeness (DfE)")
    names = list(areas.neighbours_of("E09000019")["neighbour_name"])
    assert list(table["Area"]) == (["Islington (this council)"] + names
                                   + ["Inner London (region)", "London (region)", "England"])
    assert _no_raw_values(table)
    ranks = _frame(at, "Council")
    assert len(ranks) == 11 and ranks.iloc[0]["Council"] == "Islington (this council)"


def test_the_page_shows_exactly_the_published_figures(app_env):
    at = open_page(PAGE)
    at.selectbox(key="area_la").set_value("Camden").run()
    at.radio(key="area_ind").set_value("permanent_exclusion").run()
    at.selectbox(key="area_year").set_value("2023/24").run()
    assert not at.exception
    expected = views.area_table(areas.figures(), "Camden", "permanent_exclusion", "2023/24")
    shown = views.neighbour_display(expected)
    assert _frame(at, "Closeness (DfE)").equals(shown)
    black = expected[(expected["role"] == "area") & (expected["ethnicity"] == "Black")].iloc[0]
    assert f"{black['rate']:.2g} permanent exclusions per 100 pupils" in _text(at)


def test_the_url_reproduces_the_view(app_env):
    at = new_app()
    for key, value in {"area_la": "Manchester", "area_ind": "Permanent exclusions",
                       "area_year": "2023/24", "area_group": "Mixed"}.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.selectbox(key="area_la").value == "Manchester"
    assert at.radio(key="area_ind").value == "permanent_exclusion"
    assert at.selectbox(key="area_year").value == "2023/24"
    assert at.selectbox(key="area_group").value == "Mixed"
    assert "In Manchester, 2023/24, the permanent exclusion rate of Mixed pupils" in _text(at)


def test_a_link_with_unknown_values_falls_back_without_a_traceback(app_env):
    at = new_app()
    at.query_params["area_la"] = "Nowhere<script>"
    at.query_params["area_year"] = "1999/00"
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.selectbox(key="area_la").value == "Islington"
    assert at.selectbox(key="area_year").value == "2024/25"


def test_own_figures_are_labelled_synthetic_and_protected(app_env):
    at = open_page(PAGE)
    warning = " ".join(w.value for w in at.warning)
    assert "Synthetic borough (made-up data, not real children)" in warning
    assert "pupils with at least one suspension" in warning and "cell-key method" in warning
    own = _frame(at, "Your data: events")
    assert list(own["Group"]) == ["All pupils", "Asian", "Black", "Mixed", "Other", "White"]
    events = own["Your data: events"]
    numbers = events[~events.isin(["[c]", "[z]"])].str.replace(",", "").astype(int)
    assert not numbers.isin([1, 2]).any()                 # published through the cell-key method


def test_works_with_an_aggregate_source_and_no_synthetic_figures(app_env, user_data, tmp_path):
    src = tmp_path / "agg.csv"
    src.write_text("ethnicity,events,population\nWhite,877,9537\nBlack,603,5286\n")
    store.import_file(src, "agg", user_data)
    at = new_app()
    at.switch_page(PAGE)
    at.run()
    at.selectbox(key="source").set_value("agg").run()
    assert not at.exception
    assert _frame(at, "Closeness (DfE)").shape[0] == 14
    assert any("aggregate table" in i.value for i in at.info)


def test_an_imported_release_adds_its_year(app_env, user_data, tmp_path):
    """DfE's open-data CSV (the 2024/25 figures relabelled 2025/26: a test fixture) imported
    on the command line's path: the page offers the year, and it is not a data source."""
    path = tmp_path / "exclusions.csv"
    path.write_bytes(standard_csv("2024/25", time_period="202526"))
    imports.import_files([path], name="next_release", root=user_data)
    at = open_page(PAGE)
    assert not at.exception
    assert at.selectbox(key="area_year").options == ["2023/24", "2024/25", "2025/26"]
    assert at.selectbox(key="area_year").value == "2025/26"
    assert "next_release" not in at.selectbox(key="source").options
    notes = " ".join(m.value for m in next(e for e in at.expander
                                           if e.label.startswith("Notes")).markdown)
    assert "Figures: DfE open data CSV exclusions.csv" in notes


@pytest.mark.parametrize("indicator", ["suspension", "permanent_exclusion"])
def test_the_board_summary_builds(app_env, indicator):
    at = open_page(PAGE)
    at.radio(key="area_ind").set_value(indicator).run()
    at.button(key="area_build").click().run()
    assert not at.exception
    assert any("One-page summary is ready" in s.value or "one-page summary is ready" in s.value
               for s in at.success)
    labels = [b.label for b in at.get("download_button")]
    assert "Download the summary (HTML)" in labels
    assert {"Download PNG", "Download SVG", "Download CSV", "Download Excel",
            "Download Parquet"} <= set(labels)
