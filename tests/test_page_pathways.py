"""The pathways page under AppTest: values shown with default and non-default filters."""
from __future__ import annotations

import json

from tests.apptest import open_page

YJ_STAGES = ["Proven offence", "Remand (of offenders)", "Custody (of offenders)"]


def _pathways():
    return open_page("pages/pathways.py")


def _summary(at):
    return next(d.value for d in at.dataframe if "Largest at" in d.value.columns)


def _sentences(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def _clean(table) -> bool:
    text = table.astype(str)
    return not text.apply(lambda c: c.str.contains("nan|inf|None|<NA>", case=False)).any().any()


def test_youth_justice_lists_three_stages_and_offers_pooling(app_env):
    at = _pathways()
    assert not at.exception
    assert at.title[0].value == "Pathways"
    assert at.button_group(key="pathway").value == "youth_justice"
    summary = _summary(at)
    assert list(summary.columns) == ["Group"] + YJ_STAGES + ["Largest at"]
    assert _clean(summary)
    # three years pooled by default: every stage of the chosen groups is drawn
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert "2022/23 to 2024/25 pooled" in spec["title"]["subtitle"][0]
    title = " ".join(spec["title"]["text"])
    assert title.startswith(("Black boys", "Mixed boys"))
    assert "at proven offence" in title
    sentences = _sentences(at)
    assert sentences[0].startswith("- For Black boys the largest step is at proven offence (RRI")
    at.segmented_control(key="years").set_value(5).run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "2020/21 to 2024/25 pooled" in spec["title"]["subtitle"][0]
    summary = _summary(at).set_index("Group")
    assert summary.at["Black boys", "Largest at"] == "Proven offence"
    assert float(summary.at["Black boys", "Proven offence"].split()[0]) > 1.5


def test_social_care_locates_black_boys_at_child_in_need(app_env):
    at = _pathways()
    at.button_group(key="pathway").set_value("social_care").run()
    assert not at.exception
    summary = _summary(at).set_index("Group")
    assert list(summary.columns) == ["Child in Need", "Protection plan (of CIN)",
                                     "Looked after (of CIN)", "Largest at"]
    assert summary.at["Black boys", "Largest at"] == "Child in Need"
    assert any(s.startswith("- For Black boys the largest step is at Child in Need")
               for s in _sentences(at))
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert " ".join(spec["title"]["text"]).startswith(
        "Black boys: the largest disproportionality in the social care pathway is at Child in Need")
    assert _clean(_summary(at))


def test_exclusion_by_minor_group_compared_with_the_rest(app_env):
    at = _pathways()
    at.button_group(key="pathway").set_value("exclusion").run()
    at.radio(key="eth").set_value("ethnicity_minor").run()
    at.radio(key="cmp").set_value("rest").run()
    at.button_group(key="years").set_value(3).run()
    assert not at.exception
    summary = _summary(at)
    assert list(summary.columns) == ["Group", "Suspension", "Permanent (of suspended)",
                                     "Largest at"]
    assert "Black Caribbean boys" in set(summary["Group"])
    assert "Black Caribbean boys" in at.multiselect(key="path_groups").value
    bc = summary.set_index("Group").loc["Black Caribbean boys"]
    assert float(bc["Suspension"].split()[0]) > 1.5
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "compared with all other children" in spec["title"]["subtitle"][0]
    assert _clean(summary)
