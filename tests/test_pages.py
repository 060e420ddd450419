"""Pages under Streamlit's AppTest, with assertions on what they show."""
from __future__ import annotations

from tests.apptest import new_app, open_page


def _app():
    return new_app()


def _borough():
    return open_page("pages/borough.py")


def test_borough_page_shows_the_borough(app_env):
    at = _borough()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert 38_000 <= int(metrics["Children aged 0-17"].replace(",", "")) <= 42_000
    assert 21_000 <= int(metrics["Pupils on roll"].replace(",", "")) <= 25_000
    assert any("Synthetic data" in i.value for i in at.info)
    assert at.selectbox(key="period").value == "2024/25"


def test_borough_page_follows_the_period_filter(app_env):
    at = _borough()
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="period").set_value("2016/17").run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    assert at.subheader[0].value.endswith("2016/17")
    assert before["Custodial sentences"] != after["Custodial sentences"] or \
        before["First-time entrants"] != after["First-time entrants"]


def test_explorer_shows_the_forest_and_table(app_env):
    at = _app()
    at.switch_page("pages/explorer.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "RRI explorer"
    table = at.dataframe[0].value
    boys = table[table["Group"] == "Black boys"].iloc[0]
    assert float(boys["RRI"].split()[0]) > 1.5          # Black boys' suspensions, section 5.4
    assert not table.astype(str).apply(lambda c: c.str.contains("nan|inf", case=False)).any().any()


def test_explorer_follows_outcome_and_comparison(app_env):
    at = _app()
    at.switch_page("pages/explorer.py")
    at.run()
    at.selectbox(key="outcome").set_value("cin").run()
    at.radio(key="cmp").set_value("reference").run()
    assert not at.exception
    table = at.dataframe[0].value
    ref = table[table["Group"].isin(["White boys", "White girls"])]
    assert set(ref["Status"]) == {"reference"} and set(ref["RRI"]) == {"1.00"}


def test_explorer_protects_small_custody_counts(app_env):
    at = _app()
    at.switch_page("pages/explorer.py")
    at.run()
    at.selectbox(key="outcome").set_value("custody").run()
    at.segmented_control(key="years").set_value(1).run()     # a single year: small counts
    assert not at.exception
    table = at.dataframe[0].value
    shown = table["Children with outcome"]
    numbers = shown[shown != "[c]"].str.replace(",", "").astype(int)
    assert not numbers.isin([1, 2]).any()                     # never a 1 or 2
    assert any("cell-key method" in c.value for c in at.caption)


