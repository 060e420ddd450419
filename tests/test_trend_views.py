"""The trends page's computations: counts -> pooling -> RRI -> suppression, persistence,
default groups and the chart titles."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analytics.data.counts import counts
from analytics.data.db import periods
from analytics.views import trends as tv
from analytics.views.tables import Options

YEARS = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
MAJOR_SEX = ["ethnicity_major", "sex"]


def toy_counts(high=(40, 40, 40, 40, 40), small_a=None):
    """Three groups over five years; A's events as given (of 200), B and C steady at 10/200."""
    rows = []
    for i, p in enumerate(YEARS):
        rows.append({"ethnicity_major": "A", "period": p, "events": high[i], "population": 200})
        rows.append({"ethnicity_major": "B", "period": p,
                     "events": 10 if small_a is None else small_a[i], "population": 200})
        rows.append({"ethnicity_major": "C", "period": p, "events": 10, "population": 200})
    return pd.DataFrame(rows)


def no_missing_text(values) -> bool:
    text = " ".join(map(str, values)).lower()
    return not any(w in text for w in ("nan", "inf", "none", "<na>"))


def test_trend_from_counts_rri_per_period_in_time_order():
    shuffled = toy_counts().sample(frac=1, random_state=1)
    out = tv.trend_from_counts(shuffled, ["ethnicity_major"], unit=100,
                               options=Options(adjust="none", suppress=0))
    assert out["period"].unique().tolist() == YEARS
    a = out[(out["ethnicity_major"] == "A") & (out["period"] == "2020/21")].iloc[0]
    # overall comparison: 60 of 600 -> rate 10%; A: 20% -> RRI 2
    assert a["rate"] == pytest.approx(20.0) and a["rri"] == pytest.approx(2.0)
    assert bool(a["significant"]) and a["status"] == "ok"
    assert [g.split()[0] for g in out["group"].tolist()[:3]] == ["A", "B", "C"]
    assert out.attrs["pooled_periods"] == 1 and out.attrs["period_order"] == YEARS


def test_trend_from_counts_protects_counts():
    """Protected (the default): counts are perturbed, never 1 or 2; a tiny group shows its
    population only and is not drawn."""
    toy = toy_counts(small_a=[10, 1, 10, 10, 10])
    toy.loc[(toy["ethnicity_major"] == "B") & (toy["period"] == "2019/20"), "population"] = 3
    out = tv.trend_from_counts(toy, ["ethnicity_major"], unit=100, options=Options(suppress=5))
    shown = out["events"].dropna().astype(int)
    assert not shown.isin([1, 2]).any()
    assert out.attrs["protection"] == "cell key"
    b = out[(out["period"] == "2019/20") & (out["ethnicity_major"] == "B")].iloc[0]
    if 0 < b["population"] < 5:
        assert pd.isna(b["events"]) and pd.isna(b["rri"]) and b["status"].startswith("suppressed")
        assert not tv.drawable(out)[b.name]
    # the same table twice gives the same published numbers
    again = tv.trend_from_counts(toy, ["ethnicity_major"], unit=100, options=Options(suppress=5))
    pd.testing.assert_frame_equal(out, again)


def test_pooling_sums_three_years_before_the_rri():
    out = tv.trend_from_counts(toy_counts(high=(10, 20, 30, 40, 50)), ["ethnicity_major"],
                               unit=100, options=Options(adjust="none", suppress=0), pool=3)
    assert out["period"].unique().tolist() == ["2018/19 to 2020/21", "2019/20 to 2021/22",
                                               "2020/21 to 2022/23"]
    first = out[(out["ethnicity_major"] == "A") & (out["period"] == "2018/19 to 2020/21")].iloc[0]
    assert first["events"] == 60 and first["population"] == 600
    assert first["rri"] == pytest.approx((60 / 600) / (120 / 1800))
    assert out.attrs["pooled_periods"] == 3


def test_trend_table_on_the_borough(con):
    ps = periods(con)
    out = tv.trend_table(con, "suspension", MAJOR_SEX)
    assert out["period"].unique().tolist() == ps and len(ps) == 10
    black = out[out["group"] == "Black boys"]
    assert len(black) == 10 and (black["rri"].astype(float) > 1.5).all()
    shown = out["events"].dropna().astype(int)
    assert not shown.isin([1, 2]).any()
    pooled = tv.trend_table(con, "suspension", MAJOR_SEX, pool=3,
                            options=Options(suppress=0))
    assert pooled["period"].nunique() == 8
    raw = counts(con, "suspension", by=MAJOR_SEX + ["period"], periods=ps[:3])
    raw = raw[(raw["ethnicity_major"] == "Black") & (raw["sex"] == "Male")]
    first = pooled[(pooled["group"] == "Black boys") & (pooled["period"] == f"{ps[0]} to {ps[2]}")]
    assert int(first["events"].iloc[0]) == int(raw["events"].sum())


def test_persistent_groups_by_hand():
    out = tv.trend_from_counts(toy_counts(high=(12, 40, 40, 40, 40)), ["ethnicity_major"],
                               unit=100, options=Options(adjust="none", suppress=0))
    p = tv.persistent_groups(out, n=3)
    label = dict(zip(out["ethnicity_major"], out["group"]))
    a = p[p["group"] == label["A"]].iloc[0]
    assert a["direction"] == "higher" and a["periods"] == 4 and a["since"] == "2019/20"
    assert a["run_rris"].count(",") == 2
    assert label["B"] not in set(p.loc[p["direction"] == "higher", "group"])
    assert label["A"] not in set(tv.persistent_groups(out, n=5)["group"])
    assert p.attrs["latest"] == "2022/23"


def test_persistent_groups_on_the_borough(con):
    out = tv.trend_table(con, "suspension", MAJOR_SEX)
    p = tv.persistent_groups(out, n=3)
    black = p[p["group"] == "Black boys"].iloc[0]
    assert black["direction"] == "higher" and black["periods"] >= 3
    assert p.iloc[0]["direction"] == "higher"          # higher first
    assert no_missing_text(p.astype(str).to_numpy().ravel())


def test_section_groups_follow_the_breakdown():
    assert tv.section_groups(["ethnicity_minor", "sex"])[:2] == ["Black Caribbean boys",
                                                                 "Black African boys"]
    assert tv.section_groups(MAJOR_SEX) == ["Black boys", "Mixed boys"]
    assert [g.split()[0] for g in tv.section_groups(["ethnicity_major"])] == ["Black", "Mixed"]
    assert "Black Caribbean boys" in tv.section_groups(["ethnicity_code", "sex"])
    assert tv.section_groups(["sex"]) == []
    assert tv.section_groups(["ethnicity_major", "fsm_status"]) == []


def test_default_groups(con):
    out = tv.trend_table(con, "suspension", MAJOR_SEX)
    groups = tv.default_groups(out, MAJOR_SEX)
    assert groups[:2] == ["Black boys", "Mixed boys"] and 2 <= len(groups) <= 4
    assert not any(g.startswith("Unclassified") for g in groups)
    assert len(tv.default_groups(out, MAJOR_SEX, k=10, limit=5)) <= 5
    # nothing drawable: still the section 5.4 groups, so the page can say why
    hidden = out.assign(status="suppressed: fewer than 5 events", rri=pd.NA)
    assert tv.default_groups(hidden, MAJOR_SEX) == ["Black boys", "Mixed boys"]


def test_titles_state_the_finding(con):
    out = tv.trend_table(con, "suspension", MAJOR_SEX)
    p = tv.persistent_groups(out, n=3)
    title = tv.rri_trend_finding(p, ["Black boys", "White girls"], "suspension",
                                 "the borough average", 3)
    assert title.startswith("The suspension rate of Black boys has been significantly above the "
                            "borough average in each of the last") and title.endswith("years")
    none = tv.rri_trend_finding(p.iloc[0:0], ["Black boys"], "custody", "the borough average", 3)
    assert none.startswith("No group shown")
    rate = tv.rate_finding(out, ["Black boys", "White boys"], "suspension", "per 100")
    assert rate.startswith("Of the groups shown, Black boys had the highest suspension rate "
                           "in 2024/25: ")
    assert re.search(r", (up|down) from their own rate of [0-9.]+ in 2015/16$", rate), rate
    assert no_missing_text([title, none, rate])
    pooled = tv.trend_table(con, "suspension", MAJOR_SEX, pool=3)
    assert "2022/23-24/25" in tv.rate_finding(pooled, ["Black boys"], "suspension", "per 100")
    empty = out.assign(rate=pd.NA)
    assert tv.rate_finding(empty, ["Black boys"], "custody", "per 10,000").startswith("No custody")


def test_comparison_rates_only_against_the_borough_average(con):
    out = tv.trend_table(con, "suspension", MAJOR_SEX)
    avg = tv.comparison_rates(out)
    assert avg["period"].tolist() == periods(con)
    raw = counts(con, "suspension", by=["period"])
    first = raw[raw["period"] == "2015/16"].iloc[0]
    # the borough average is the published total: within the perturbation of the true one
    true_rate = 100 * first["events"] / first["population"]
    assert avg["rate"].iloc[0] == pytest.approx(true_rate, rel=0.01)
    secure = tv.comparison_rates(tv.trend_table(con, "suspension", MAJOR_SEX,
                                                options=Options(suppress=0)))
    assert secure["rate"].iloc[0] == pytest.approx(true_rate)
    rest = tv.trend_table(con, "suspension", MAJOR_SEX, options=Options(comparison="rest"))
    assert tv.comparison_rates(rest).empty


def test_short_period():
    assert tv.short_period("2015/16 to 2017/18") == "2015/16-17/18"
    assert tv.short_period("2015/16") == "2015/16"


def _records(chart):
    """The chart's data as the browser receives it (JSON: missing values are null)."""
    return [r for rows in json.loads(chart.to_json())["datasets"].values() for r in rows]


def test_charts_draw_nothing_from_suppressed_counts():
    from analytics.outputs.charts.trends import rate_lines, rri_lines
    from analytics.stats.trends import persistence

    toy = toy_counts()
    tiny = toy["ethnicity_major"] == "B"
    toy.loc[tiny, "population"] = 4      # B: too few children to describe in every year
    toy.loc[tiny, "events"] = 2
    out = persistence(tv.trend_from_counts(toy, ["ethnicity_major"], unit=100,
                                           options=Options(suppress=5)), n=3)
    groups = list(dict.fromkeys(out["group"]))
    rri_rows = [r for r in _records(rri_lines(out, groups, "the borough average", 3))
                if "group" in r and "period" in r]
    hidden = [r for r in rri_rows if str(r.get("status", "")).startswith("suppressed")]
    assert hidden and all(r["rri"] is None and r["band_low"] is None for r in hidden)
    assert any(r["rri"] is not None for r in rri_rows)
    rate_rows = [r for r in _records(rate_lines(out, groups, "per 100",
                                                tv.comparison_rates(out)))
                 if str(r.get("status", "")).startswith("suppressed")
                 and "comparison" not in r["status"]]
    assert rate_rows and all(r["rate"] is None and r["rate_ci_low"] is None for r in rate_rows)


def test_trend_charts_export_as_svg(con):
    from analytics.outputs import charts
    from analytics.outputs.charts.trends import rate_lines, rri_lines
    from analytics.stats.trends import persistence

    out = persistence(tv.trend_table(con, "custody", MAJOR_SEX, pool=3), n=3)
    groups = ["Black boys", "Mixed boys"]
    for chart in (rri_lines(out, groups, "the borough average", 3),
                  rate_lines(out, groups, "per 10,000", tv.comparison_rates(out))):
        svg = charts.to_svg(charts.board_chart(chart, "Title", "Subtitle", "Caveat", width=720))
        assert svg.startswith("<svg") and "2015/16-17/18" in svg and "NaN" not in svg
