"""The Schools page under Streamlit's AppTest."""
from __future__ import annotations

from tests.apptest import open_page


def _schools():
    return open_page("pages/schools.py")


def _no_raw_values(table) -> bool:
    return not table.astype(str).apply(
        lambda c: c.str.contains("nan|None|inf|<NA>", case=False)).any().any()


def test_schools_page_shows_funnel_sentence_and_table(app_env):
    at = _schools()
    assert not at.exception
    assert at.title[0].value == "Schools"
    assert at.radio(key="school_outcome").value == "suspension"
    assert at.radio(key="school_phase").value == "Secondary"
    table = at.dataframe[0].value
    assert len(table) == 10
    assert list(table.columns[:4]) == ["School", "Rate, Black and minority ethnic pupils",
                                       "Rate, White British pupils", "RRI"]
    assert _no_raw_values(table)
    text = " ".join(m.value for m in at.markdown)
    assert "99.8% limit" in text and "borough rate" in text
    # The sentence names exactly the schools the table places above the 99.8% limit.
    above = table.loc[table["Against borough rate"] == "above 99.8% limit", "School"]
    assert all(name in text for name in above)


def test_schools_page_primary_and_permanent_exclusions(app_env):
    at = _schools()
    at.radio(key="school_phase").set_value("Primary").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 45
    at.radio(key="school_outcome").set_value("permanent_exclusion").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert _no_raw_values(table)
    shown = table["Black and minority ethnic pupils permanently excluded"]
    numbers = shown[~shown.isin(["[c]"])].str.replace(",", "").astype(int)
    assert not numbers.isin([1, 2]).any()                       # small counts never shown
    assert "per 10,000 pupils" in " ".join(c.value for c in at.caption)


def test_schools_page_draws_rare_exclusions_from_published_counts(app_env):
    at = _schools()
    at.radio(key="school_outcome").set_value("permanent_exclusion").run()   # a handful a year
    at.segmented_control(key="years").set_value(1).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 10
    shown = at.dataframe[0].value["Black and minority ethnic pupils permanently excluded"]
    numbers = shown[shown != "[c]"].str.replace(",", "").astype(int)
    assert not numbers.isin([1, 2]).any()
    assert any("cell-key method" in c.value for c in at.caption)


def test_schools_page_follows_period_and_pooling(app_env):
    at = _schools()
    first = at.dataframe[0].value
    at.selectbox(key="period").set_value("2016/17").run()
    assert not at.exception
    assert not first.equals(at.dataframe[0].value)
    at.segmented_control(key="years").set_value(5).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["Black and minority ethnic pupils"].str.replace(",", "").astype(int).min() > 1000   # pupil-years


def test_schools_page_with_no_pupils_says_so(app_env):
    at = _schools()
    at.selectbox(key="age").set_value("0-4").run()                  # nobody under 5 is in a secondary
    assert not at.exception
    assert any("No secondary pupils" in i.value for i in at.info)
    assert not at.dataframe
