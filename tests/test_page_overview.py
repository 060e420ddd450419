"""The overview page under AppTest: headline numbers, the five largest disparities in words
and the heatmap, with default and non-default filters."""
from __future__ import annotations

import json
import re

from tests.apptest import open_page

BAD = re.compile(r"\bnan\b|\binf\b|\bNone\b|<NA>", re.IGNORECASE)


def _overview():
    return open_page("pages/overview.py")


def _disparities(at) -> list[str]:
    """The numbered list of the five largest disparities, one item per line."""
    texts = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert len(texts) == 1
    return texts[0].splitlines()


def _shown_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def test_overview_default(app_env):
    at = _overview()
    assert not at.exception
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Significant over-representations"]) > 0
    assert metrics["Largest over-representation"].endswith("times")
    # three years pooled by default: child-years
    assert 114_000 <= int(metrics["Child-years in the data"].replace(",", "")) <= 126_000
    assert metrics["Period"] == "3 years"
    items = _disparities(at)
    assert len(items) == 5
    assert all("the borough average" in i for i in items)
    suspension = [i for i in items if "suspension rate" in i]
    assert suspension and re.search(r"The suspension rate of (Black|Mixed) boys is \d", suspension[0])
    assert not BAD.search(_shown_text(at))
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert '"scheme": "blueorange"' in spec and '"domainMid": 1' in spec
    title = " ".join(json.loads(spec)["title"]["text"])
    assert re.search(r"The [\w -]+ rate of (Black|Mixed) boys is [\d.]+ times the borough "
                     "average: the largest", title)


def test_overview_single_year_is_one_click_away(app_env):
    at = _overview()
    at.segmented_control(key="years").set_value(1).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Period"] == "2024/25"
    assert 38_000 <= int(metrics["Children in the data"].replace(",", "")) <= 42_000


def test_overview_minor_groups_three_years_reference(app_env):
    at = _overview()
    at.radio(key="eth").set_value("ethnicity_minor").run()
    at.radio(key="cmp").set_value("reference").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Period"] == "3 years"
    assert "Child-years in the data" in metrics
    items = _disparities(at)
    assert all("the rate for White British children of the same sex" in i for i in items)
    assert any(re.search(r"rate of (Black Caribbean|Black African|White and Black \w+) boys", i)
               for i in items)
    assert not BAD.search(_shown_text(at))


def test_overview_without_sex_split_reads_children(app_env):
    at = _overview()
    at.toggle(key="by_sex").set_value(False).run()
    assert not at.exception
    items = _disparities(at)
    assert all(re.search(r"\*\* – The [\w -]+ rate of [\w ]*children is ", i) for i in items)
    assert not BAD.search(_shown_text(at))
