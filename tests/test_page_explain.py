"""The 'What explains a gap' page under Streamlit's AppTest."""
from __future__ import annotations

from tests.apptest import open_page


def _no_raw_values(table) -> bool:
    return not table.astype(str).apply(
        lambda c: c.str.contains("nan|None|inf|<NA>", case=False)).any().any()


def test_explain_page_shows_crude_standardised_and_adjusted_side_by_side(app_env):
    at = open_page("pages/explain.py")
    assert not at.exception
    assert at.title[0].value == "What explains a gap"
    assert at.selectbox(key="gap_outcome").value == "suspension"
    assert set(at.multiselect(key="gap_chars").value) == {"fsm_status", "sen_status", "age_band",
                                                           "care_status"}
    table = at.dataframe[0].value
    assert list(table.columns[4:9]) == ["Crude vs borough", "Standardised vs borough", "Crude RRI",
                                        "Adjusted RRI", "Share of excess explained"]
    assert _no_raw_values(table)
    boys = table[table["Group"] == "Black boys"].iloc[0]
    crude, adjusted = (float(boys[c].split()[0]) for c in ("Crude RRI", "Adjusted RRI"))
    assert crude > adjusted > 1
    text = " ".join(m.value for m in at.markdown)
    assert "associations, not causes" in text
    assert any("published (perturbed) counts of its cells" in c.value for c in at.caption)


def test_explain_page_follows_its_choices(app_env):
    at = open_page("pages/explain.py")
    before = at.dataframe[0].value
    at.multiselect(key="gap_chars").set_value(["fsm_status"]).run()
    assert not at.exception
    assert not before.equals(at.dataframe[0].value)
    at.selectbox(key="gap_outcome").set_value("custody").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert _no_raw_values(table)
    shown = table["Children with outcome"]
    assert not shown[shown != "[c]"].str.replace(",", "").astype(int).isin([1, 2]).any()
    at.multiselect(key="gap_chars").set_value([]).run()
    assert not at.exception
    assert any("at least one characteristic" in i.value for i in at.info)


def test_explain_page_without_sex_split_offers_sex(app_env):
    at = open_page("pages/explain.py")
    at.toggle(key="by_sex").set_value(False).run()
    assert not at.exception
    assert "sex" in at.multiselect(key="gap_chars").options or \
        "Sex" in at.multiselect(key="gap_chars").options
