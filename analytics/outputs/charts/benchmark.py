"""The borough beside England on one chart: each group's value in both areas (two markers a
row), on a log scale with a line at 1 for ratios, or on a percentage scale for shares."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT

AREA_COLOURS = ["#D55E00", "#0072B2"]


def side_by_side(table: pd.DataFrame, group: str, series: dict[str, str], x_title: str,
                 ratio: bool = True) -> alt.LayerChart:
    """`series`: column -> legend label (e.g. {"local_rri": "Borough", "benchmark_rri":
    "England"}). Rows without a value (hidden, not computable) are left out; ratios on a
    log scale with a reference line at 1, shares as percentages."""
    long = table.melt(id_vars=[group], value_vars=list(series), var_name="series",
                      value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long = long[long["value"].notna() & ((long["value"] > 0) if ratio else True)]
    long["area"] = long["series"].map(series)
    order = table[group].tolist()
    if ratio:
        lo = min(long["value"].min(), 0.5) * 0.8 if len(long) else 0.1
        hi = max(long["value"].max(), 2) * 1.25 if len(long) else 10
        scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
        axis = alt.Axis(values=[v for v in (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20)
                                if lo <= v <= hi])
        fmt = ".2f"
    else:
        scale, axis, fmt = alt.Scale(zero=True), alt.Axis(format="%"), ".1%"
    colour = alt.Color("area:N", scale=alt.Scale(domain=list(series.values()), range=AREA_COLOURS),
                       legend=alt.Legend(title=None, orient="top", direction="horizontal"))
    base = alt.Chart(long).encode(y=alt.Y(f"{group}:N", sort=order, title=None,
                                          axis=alt.Axis(labelLimit=260, labelFont=FONT)))
    line = base.mark_line(color="#999", strokeWidth=1).encode(
        x=alt.X("value:Q", scale=scale, axis=axis, title=x_title), detail=f"{group}:N")
    points = base.mark_point(filled=True, size=90).encode(
        x=alt.X("value:Q", scale=scale, axis=axis, title=x_title), color=colour,
        shape=alt.Shape("area:N", scale=alt.Scale(domain=list(series.values()),
                                                  range=["circle", "diamond"]), legend=None),
        tooltip=[alt.Tooltip(f"{group}:N", title="Group"), alt.Tooltip("area:N", title="Area"),
                 alt.Tooltip("value:Q", title=x_title, format=fmt)])
    layers = [line, points]
    if ratio:
        layers.insert(0, alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(
            color="#333", strokeDash=[4, 3]).encode(x=alt.X("x:Q", scale=scale)))
    return alt.layer(*layers).properties(height=max(160, 34 * len(order)))
