"""Pages under Streamlit's AppTest, with assertions on what they show."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _app():
    return AppTest.from_file(APP, default_timeout=60)


def test_borough_page_shows_the_borough(app_env):
    at = _app().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert 38_000 <= int(metrics["Children aged 0-17"].replace(",", "")) <= 42_000
    assert 21_000 <= int(metrics["Pupils on roll"].replace(",", "")) <= 25_000
    assert any("Synthetic data" in i.value for i in at.info)
    assert at.selectbox(key="period").value == "2024/25"


def test_borough_page_follows_the_period_filter(app_env):
    at = _app().run()
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="period").set_value("2016/17").run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    assert at.subheader[0].value.endswith("2016/17")
    assert before["Custodial sentences"] != after["Custodial sentences"] or \
        before["First-time entrants"] != after["First-time entrants"]
