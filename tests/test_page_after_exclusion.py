"""The After exclusion page under Streamlit's AppTest."""
from __future__ import annotations

from tests.apptest import open_page


def _no_raw_values(table) -> bool:
    return not table.astype(str).apply(
        lambda c: c.str.contains("nan|None|inf|<NA>", case=False)).any().any()


def _page():
    return open_page("pages/after_exclusion.py", timeout=180)


def test_after_exclusion_page_shows_follow_up_schools_and_history(app_env):
    at = _page()
    assert not at.exception
    assert at.title[0].value == "After exclusion"
    subheaders = [s.value for s in at.subheader]
    assert subheaders[:4] == ["Later outcomes within 2 years", "Proven offence: by ethnicity",
                              "Proven offence: school by school",
                              "The youth-justice cohort: earlier exclusions and SEN"]
    text = " ".join(m.value for m in at.markdown)
    assert "associations, not causes" in text
    assert "times with the same FSM, SEN, care, age and year" in text     # adjusted, in words
    assert "(strategy: at least 50%)" in text and "(strategy: 16%)" in text
    groups, schools, history = (d.value for d in at.dataframe)
    for table in (groups, schools, history):
        assert _no_raw_values(table)
    assert len(schools) == 10
    assert "Excluded before or in the year of the offence" in history.columns
    for table, col in ((groups, "with the outcome"), (schools, "with the outcome")):
        shown = table[col]
        assert not shown[shown != "[c]"].str.replace(",", "").astype(int).isin([1, 2]).any()


def test_after_exclusion_page_follows_window_and_outcome(app_env):
    at = _page()
    at.segmented_control(key="fu_years").set_value(3).run()
    assert not at.exception
    assert at.subheader[0].value == "Later outcomes within 3 years"
    at.selectbox(key="fu_outcome").set_value("concern_syv").run()
    assert not at.exception
    assert at.subheader[1].value == "Assessment concern: serious youth violence: by ethnicity"
    at.toggle(key="by_sex").set_value(False).run()
    at.radio(key="eth").set_value("ethnicity_major").run()
    assert not at.exception
    groups = at.dataframe[0].value
    black = groups[groups["Group"] == "Black children"].iloc[0]
    assert black["Crude ratio"] != "[c]"                  # large enough to show
    at.toggle(key="fu_bme").set_value(False).run()
    assert not at.exception
