"""The trends page under AppTest: values shown with default and non-default filters."""
from __future__ import annotations

import json

from tests.apptest import open_page

PERIODS = ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22",
           "2022/23", "2023/24", "2024/25"]


def _trends():
    return open_page("pages/trends.py")


def _titles(at) -> list[str]:
    return [" ".join(json.loads(c.proto.spec)["title"]["text"])
            for c in at.get("vega_lite_chart")]


def _clean(table) -> bool:
    text = table.astype(str)
    return not text.apply(lambda c: c.str.contains("nan|inf|None|<NA>", case=False)).any().any()


def _tables(at) -> dict:
    """Dataframes by their column names: the persistence table has 'Periods running'."""
    out = {}
    for df in at.dataframe:
        v = df.value
        out["persistent" if "Periods running" in v.columns else "full"] = v
    return out


def test_default_view_lists_black_boys_as_persistent(app_env):
    at = _trends()
    assert not at.exception
    assert at.title[0].value == "Trends"
    assert at.selectbox(key="trend_outcome").value == "suspension"
    assert at.multiselect(key="trend_groups").value[:2] == ["Black boys", "Mixed boys"]
    tables = _tables(at)
    persistent = tables["persistent"]
    black = persistent[persistent["Group"] == "Black boys"].iloc[0]
    assert black["Rate vs comparison"] == "Higher"
    assert int(black["Periods running"]) >= 3 and float(black["RRI 2024/25"]) > 1.5
    assert "RRI in the latest 3 periods" in persistent.columns
    full = tables["full"]
    assert sorted(full["Period"].unique()) == PERIODS
    assert _clean(full) and _clean(persistent)
    titles = _titles(at)
    assert titles[0].startswith("The suspension rate of Black boys has been significantly above "
                                "the borough average")
    assert titles[1].startswith("Of the groups shown, Black boys had the highest suspension "
                                "rate in 2024/25")


def test_custody_and_first_time_entrants_show_all_ten_periods(app_env):
    at = _trends()
    for outcome in ("custody", "first_time_entrant"):
        at.selectbox(key="trend_outcome").set_value(outcome).run()
        assert not at.exception
        full = _tables(at)["full"]
        assert sorted(full["Period"].unique()) == PERIODS
        shown = full["Children with outcome"]
        numbers = shown[shown != "[c]"].str.replace(",", "").astype(int)
        assert not numbers.isin([1, 2]).any()
        assert _clean(full)


def test_pooled_windows_and_persistence_over_windows_that_do_not_overlap(app_env):
    at = _trends()
    at.button_group(key="trend_pool").set_value(3).run()
    assert not at.exception
    # ten years hold three 3-year windows that do not overlap: at most 3
    assert at.select_slider(key="trend_n").options == ["2 separate 3-year periods",
                                                       "3 separate 3-year periods"]
    tables = _tables(at)
    windows = sorted(tables["full"]["Period"].unique())
    assert len(windows) == 8 and windows[0] == "2015/16 to 2017/18"
    persistent = tables["persistent"]
    assert "Black boys" in set(persistent["Group"])
    assert (persistent["Periods running"].astype(int) >= 3).all()
    assert "3-year rolling windows" in json.loads(
        at.get("vega_lite_chart")[0].proto.spec)["title"]["subtitle"][0]
    assert any("only windows 3 years apart count" in c.value for c in at.caption)


def test_minor_groups_against_a_reference_group(app_env):
    at = _trends()
    at.radio(key="eth").set_value("ethnicity_minor").run()
    at.radio(key="cmp").set_value("reference").run()
    assert not at.exception
    # the major-group choice no longer exists: the section 5.4 groups at this level instead
    assert at.multiselect(key="trend_groups").value == [
        "Black Caribbean boys", "Black African boys", "White and Black Caribbean boys",
        "White and Black African boys"]
    tables = _tables(at)
    full = tables["full"]
    ref = full[full["Group"].isin(["White British boys", "White British girls"])]
    assert set(ref["Status"]) == {"reference"} and set(ref["RRI"]) == {"1.00"}
    persistent = tables["persistent"]
    assert not persistent["Group"].isin(["White British boys", "White British girls"]).any()
    bc = persistent[persistent["Group"] == "Black Caribbean boys"].iloc[0]
    assert bc["Rate vs comparison"] == "Higher" and float(bc["RRI 2024/25"]) > 2
    assert "White British children of the same sex" in _titles(at)[0]
    at.multiselect(key="trend_groups").set_value(["Black Caribbean boys"]).run()
    assert not at.exception
    assert _titles(at)[0].startswith("The suspension rate of Black Caribbean boys has been "
                                     "significantly above the rate for White British children")
    assert _clean(full) and _clean(persistent)
