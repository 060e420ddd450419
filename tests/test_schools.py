"""School-by-school exclusion disproportionality (analytics/views/schools.py) and its funnel chart."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.data.counts import counts
from analytics.outputs import charts
from analytics.outputs.charts.funnel import _dodge_labels, funnel
from analytics.stats.funnel import funnel_curve, funnel_table
from analytics.stats.significance import adjust_pvalues
from analytics.views import schools
from analytics.views.tables import Options

BME, WB = schools.BME_LABEL, schools.WB_LABEL
NO_SUPPRESSION = Options(suppress=0)


def long_table(rows) -> pd.DataFrame:
    """rows: (school, bme events, bme pupils, wb events, wb pupils)."""
    out = []
    for school, a, n, c, m in rows:
        out.append({"group": BME, "school": school, "events": a, "population": n})
        out.append({"group": WB, "school": school, "events": c, "population": m})
    return pd.DataFrame(out)


SCHOOLS = [("School A", 60, 500, 20, 200), ("School B", 30, 500, 10, 200),
           ("School C", 90, 500, 12, 200), ("School D", 40, 600, 15, 250)]


def row(table, school):
    return table.set_index("school").loc[school]


# --------------------------------------------------------------------------- counts

def _cohort_counts(label, rows):
    return pd.DataFrame([{"cohort": label, "school": s, "events": a, "population": n}
                         for s, a, n in rows] +
                        [{"cohort": "All other children", "school": s, "events": 99, "population": 999}
                         for s, _, _ in rows])


def test_combine_counts_gives_every_school_both_groups():
    bme = _cohort_counts("Black and minority ethnic pupils", [("A", 5, 50), ("B", 7, 60)])
    wb = _cohort_counts("White British children", [("A", 2, 20)])
    long = schools.combine_counts(bme, wb)
    assert len(long) == 4
    assert set(long["group"]) == {BME, WB}
    b = long.set_index(["group", "school"])
    assert tuple(b.loc[(WB, "B")]) == (0, 0)                      # absent group: zeros
    assert tuple(b.loc[(BME, "B")]) == (7, 60)
    assert long["events"].dtype == "int64" and long["population"].dtype == "int64"


def test_phase_filters_add_the_phase_and_keep_restrictions():
    assert schools.phase_filters("Primary") == {"school_phase": ["Primary"]}
    assert schools.phase_filters("Secondary", (("sex", ("Male",)),)) == {
        "sex": ("Male",), "school_phase": ["Secondary"]}
    with pytest.raises(ValueError):
        schools.phase_filters("Nursery")


# --------------------------------------------------------------------------- the table

def test_rates_rri_and_funnel_from_counts():
    table = schools.school_table_from_counts(long_table(SCHOOLS), "suspension", NO_SUPPRESSION)
    assert list(table["school"]) == ["School A", "School B", "School C", "School D"]
    c = row(table, "School C")
    assert float(c["rate"]) == pytest.approx(18.0)                 # 90 / 500 per 100
    assert float(c["wb_rate"]) == pytest.approx(6.0)               # 12 / 200
    assert float(c["rri"]) == pytest.approx(3.0)
    assert float(c["rri_ci_low"]) < 3.0 < float(c["rri_ci_high"])
    # The funnel's borough rate is all the phase's BME pupils, not the average of rates.
    assert float(c["borough_rate"]) == pytest.approx(100 * 220 / 2100)
    expected = funnel_table(long_table(SCHOOLS).query("group == @BME"), "school")
    assert list(table["position"]) == list(expected["position"])
    assert c["position"] == "above 99.8% limit"


def test_p_values_are_adjusted_across_the_schools():
    table = schools.school_table_from_counts(long_table(SCHOOLS), "suspension", NO_SUPPRESSION)
    holm = adjust_pvalues(table["p_value"], "holm").to_numpy(dtype=float)
    assert np.allclose(table["p_adjusted"].to_numpy(dtype=float), holm)
    none = schools.school_table_from_counts(long_table(SCHOOLS), "suspension",
                                            Options(suppress=0, adjust="none"))
    assert np.allclose(none["p_adjusted"].to_numpy(dtype=float), none["p_value"].to_numpy(dtype=float))


def test_unit_follows_the_outcome():
    table = schools.school_table_from_counts(long_table(SCHOOLS), "permanent_exclusion", NO_SUPPRESSION)
    assert float(row(table, "School C")["rate"]) == pytest.approx(1800.0)   # per 10,000
    assert table.attrs["unit"] == 10000


def test_tiny_bme_group_is_suppressed_with_its_rate_and_position():
    rows = SCHOOLS + [("School E", 3, 4, 10, 150), ("School F", 0, 300, 0, 100)]
    table = schools.school_table_from_counts(long_table(rows), "suspension", Options())
    e = row(table, "School E")
    if 0 < int(e["population"]) < 5:        # published count of 4 pupils: 3 to 8, or 0
        assert e["events"] is pd.NA and e["rate"] is pd.NA and e["position"] is pd.NA
        assert e["rri"] is pd.NA and str(e["status"]).startswith("suppressed")
        assert "School E" not in set(schools.funnel_points(table)["school"])
    assert int(e["wb_population"]) > 100 and e["wb_events"] is not pd.NA   # nothing else hidden
    assert int(row(table, "School F")["events"]) == 0                      # zero stays zero
    shown = pd.concat([table["events"], table["wb_events"]]).dropna().astype(int)
    assert not shown.isin([1, 2]).any()


def test_tiny_white_british_group_hides_the_ratio_not_the_bme_rate():
    rows = SCHOOLS + [("School E", 30, 400, 0, 3)]
    table = schools.school_table_from_counts(long_table(rows), "suspension", Options())
    e = row(table, "School E")
    wb_pupils = int(e["wb_population"])
    if 0 < wb_pupils < 5:
        assert e["wb_rate"] is pd.NA
        assert e["rri"] is pd.NA and e["rri_ci_low"] is pd.NA and e["p_adjusted"] is pd.NA
        assert e["status"] == "suppressed: fewer than 5 children in the comparison group"
    assert e["rate"] is not pd.NA and e["position"] is not pd.NA          # BME figures stay


def test_funnel_uses_the_published_phase_total():
    table = schools.school_table_from_counts(long_table(SCHOOLS), "suspension", Options())
    secure = schools.school_table_from_counts(long_table(SCHOOLS), "suspension", NO_SUPPRESSION)
    assert float(secure["borough_rate"].iloc[0]) == pytest.approx(100 * 220 / 2100)
    # the published total is within the perturbation (at most 4 either way) of the true one
    assert abs(float(table["borough_rate"].iloc[0]) * 2100 / 100 - 220) < 6
    assert table["borough_rate"].nunique() == 1


def test_suppression_off_hides_nothing():
    rows = SCHOOLS + [("School E", 3, 400, 1, 150)]
    table = schools.school_table_from_counts(long_table(rows), "suspension", Options(suppress=0))
    assert table["events"].notna().all() and table["wb_events"].notna().all()


def test_no_pupils_gives_an_empty_table_with_the_columns():
    empty = pd.DataFrame({"cohort": pd.Series([], dtype=str), "school": pd.Series([], dtype=str),
                          "events": pd.Series([], dtype="int64"),
                          "population": pd.Series([], dtype="int64")})
    table = schools.school_table_from_counts(schools.combine_counts(empty, empty), "suspension")
    assert table.empty and {"rate", "wb_rate", "rri", "position"} <= set(table.columns)
    assert len(schools.display_table(table).columns) == len(schools.COLUMN_LABELS)


# --------------------------------------------------------------------------- words

def test_finding_and_sentence_name_the_schools_above_the_limit():
    table = schools.school_table_from_counts(long_table(SCHOOLS), "suspension", NO_SUPPRESSION)
    title = schools.funnel_finding(table, "suspension", "Secondary")
    assert title.startswith("1 of 4 secondary schools has a suspension rate for Black and minority ethnic "
                            "pupils above")
    sentence = schools.above_limit_sentence(table, "per 100 pupils")
    assert "School C (18.0 per 100 pupils)" in sentence
    assert "borough rate of 10.5 per 100 pupils" in sentence


def test_finding_when_no_school_is_above_the_limits():
    rows = [(f"School {i}", 50, 500, 20, 200) for i in "ABCD"]
    table = schools.school_table_from_counts(long_table(rows), "suspension", NO_SUPPRESSION)
    assert schools.funnel_finding(table, "suspension", "Primary") == (
        "No primary school's suspension rate for Black and minority ethnic pupils is above "
        "the 95% limit")
    assert schools.above_limit_sentence(table, "per 100 pupils").startswith("No school's rate")


def test_sentence_counts_suppressed_schools():
    rows = SCHOOLS + [("School E", 3, 4, 10, 150), ("School H", 1, 3, 10, 150)]
    table = schools.school_table_from_counts(long_table(rows), "suspension", Options())
    hidden = int(table["position"].isna().sum())
    sentence = schools.above_limit_sentence(table, "per 100 pupils")
    if hidden:
        assert f"{hidden} school" in sentence and "suppressed" in sentence


def test_chart_context_keeps_period_and_restrictions_only():
    text = ("2019/20; sex: Male; compared with the borough average; 95% intervals; "
            "Holm adjustment")
    assert schools.chart_context(text) == "2019/20; sex: Male"


def test_display_table_is_readable_and_never_shows_nan():
    rows = SCHOOLS + [("School E", 3, 4, 10, 150), ("School F", 0, 300, 0, 100),
                      ("School G", 25, 380, 0, 4)]
    table = schools.school_table_from_counts(long_table(rows), "suspension", NO_SUPPRESSION)
    shown = schools.display_table(table)
    # Every column named in words: no "BME", and the count columns say what was counted.
    assert list(shown.columns) == [v.format(event="suspended") for v in schools.COLUMN_LABELS.values()]
    assert not any("BME" in c for c in shown.columns)
    text = shown.astype(str)
    assert not text.apply(lambda c: c.str.contains("nan|None|inf|<NA>", case=False)).any().any()
    c = shown.set_index("School").loc["School C"]
    assert c["RRI"] == "3.00" and " to " in c["RRI interval"]
    assert shown.set_index("School").loc["School F", "RRI"] == "[z]"     # 0 against 0
    protected = schools.display_table(
        schools.school_table_from_counts(long_table(rows), "suspension", Options()))
    own, rate = "Black and minority ethnic pupils suspended", "Rate, Black and minority ethnic pupils"
    e = protected.set_index("School").loc["School E"]
    if e["Black and minority ethnic pupils"] not in ("0", "5", "6", "7", "8"):
        assert e[own] == "[c]" and e[rate] == "[c]"
    g = protected.set_index("School").loc["School G"]
    if g["White British pupils"] in ("3", "4"):
        assert g["RRI"] == "[c]" and g[rate] != "[c]"


# --------------------------------------------------------------------------- the database

def test_school_table_from_the_borough(con):
    table = schools.school_table(con, "suspension", "Secondary", ["2024/25"], NO_SUPPRESSION)
    assert len(table) == 10 and table["school"].str.startswith("Secondary school").all()
    raw = counts(con, "suspension", by=["school"], periods=["2024/25"], cohort="bme_pupils",
                 filters={"school_phase": ["Secondary"]})
    raw = raw[raw["cohort"] == "Black and minority ethnic pupils"]
    assert table["population"].astype(int).sum() == raw["population"].sum()
    assert float(table["borough_rate"].iloc[0]) == pytest.approx(
        100 * raw["events"].sum() / raw["population"].sum())
    # White British pupils are their own group, not "everyone else".
    wb = counts(con, "suspension", by=["school"], periods=["2024/25"], cohort="white_british",
                filters={"school_phase": ["Secondary"]})
    wb = wb[wb["cohort"] == "White British children"].set_index("school")
    assert (table.set_index("school")["wb_population"].astype(int) == wb["population"]).all()
    assert set(table["position"].dropna()) <= set(schools.POSITIONS)


def test_primary_permanent_exclusions_are_mostly_hidden_or_zero(con):
    table = schools.school_table(con, "permanent_exclusion", "Primary", ["2024/25"])
    shown = table["events"].dropna().astype(int)
    assert len(table) == 45 and not shown.isin([1, 2]).any()


# --------------------------------------------------------------------------- the chart

def _chart_inputs():
    table = schools.school_table_from_counts(long_table(SCHOOLS + [("School E", 3, 3, 10, 150)]),
                                             "suspension", Options())
    assert not row(table, "School E")["population"] in (1, 2)
    points = schools.funnel_points(table)
    borough = float(points["borough_rate"].iloc[0])
    return table, points, funnel_curve(borough / 100, int(points["population"].max()), points=200), borough


def test_funnel_chart_draws_unsuppressed_schools_and_labels_outliers():
    table, points, curve, borough = _chart_inputs()
    chart = funnel(points, curve, borough, unit_label="per 100 pupils", x_title="BME pupils",
                   y_title="Suspensions per 100 pupils")
    spec = chart.to_dict()
    data = json.dumps(spec)
    if row(table, "School E")["position"] is pd.NA:
        assert "School E" not in data                              # suppressed: not drawn
    assert '"School C"' in data                                     # the outlier is labelled
    assert "99.8% limits" in data and "95% limits" in data
    board = charts.board_chart(chart, title="1 of 4 schools", subtitle="2024/25", caveat="c")
    svg = charts.to_svg(board)
    assert svg.lstrip().startswith("<svg") and "School C" in svg


def test_funnel_labels_are_the_names_the_table_shows():
    pts = pd.DataFrame({"school": ["Secondary school E", "St Mary Magdalene Church of England Academy"],
                        "population": [400.0, 600.0], "rate": [30.0, 2.0],
                        "position": ["above 99.8% limit", "below 99.8% limit"]})
    curve = funnel_curve(0.1, 700, unit=100, points=50)
    chart = funnel(pts, curve, 10.0, unit_label="per 100 pupils", x_title="pupils", y_title="rate")
    texts = [v["label"] for layer in chart.to_dict()["layer"] if "data" in layer
             for v in chart.to_dict()["datasets"][layer["data"]["name"]] if "label" in v]
    assert set(texts) == set(pts["school"])


def test_labels_do_not_overlap():
    pts = pd.DataFrame({"school": ["A", "B", "C"], "population": [500.0, 505.0, 510.0],
                        "rate": [10.0, 10.0, 10.1], "position": "above 95% limit"})
    pts["label"] = ["School A", "School B", "School C"]
    placed = _dodge_labels(pts, pts, 400, 700, 20, 600, 380)
    boxes = []
    for r in placed.itertuples():
        x = (r.population - 400) / 300 * 600
        y = (1 - r.label_rate / 20) * 380
        w = 6.2 * len(r.label)
        left = x + 8 if r.align == "left" else x - 8 - w
        boxes.append((left, left + w, y - 6.5, y + 6.5))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3])
