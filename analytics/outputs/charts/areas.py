"""A council's RRIs by ethnic group beside its statistical neighbours, regions and England
on one chart: one band per area, one marker and interval per group (log scale, a line at
1), the council's own band shaded."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT

#: Okabe-Ito colours and distinct shapes, one per group (told apart without colour too).
GROUP_COLOURS = {"Asian": "#E69F00", "Black": "#0072B2", "Mixed": "#009E73", "Other": "#CC79A7",
                 "White": "#555555"}
GROUP_SHAPES = {"Asian": "circle", "Black": "square", "Mixed": "diamond",
                "Other": "triangle-up", "White": "cross"}
ROLE_SUFFIX = {"area": " (this council)", "region": " (region)", "england": ""}


def drawn_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows the chart draws: the council, its neighbours, regions and England, groups
    other than the reference with a positive RRI; `area` is the band's label."""
    keep = table[table["role"].isin(["area", "neighbour", "region", "england"])
                 & (table["ethnicity"] != table.attrs["reference"]) & (table["ethnicity"] != "")
                 & table["status"].str.startswith(("ok", "low numbers"))]
    keep = keep[keep["rri"].astype(float) > 0].copy()
    keep["area"] = keep["la_name"] + keep["role"].map(ROLE_SUFFIX).fillna("")
    keep["low"] = keep["status"].str.startswith("low numbers")
    return keep


def area_ratios(table: pd.DataFrame, x_title: str) -> alt.LayerChart:
    """`table`: an analytics.views.areas table (compare "all" or "neighbours")."""
    df = drawn_rows(table)
    order = list(dict.fromkeys(table.loc[table["role"].isin(
        ["area", "neighbour", "region", "england"]), "la_name"] + table.loc[table["role"].isin(
        ["area", "neighbour", "region", "england"]), "role"].map(ROLE_SUFFIX).fillna("")))
    groups = [g for g in GROUP_COLOURS if g in set(df["ethnicity"])]
    for col in ("rri", "rri_ci_low", "rri_ci_high"):
        df[col] = df[col].astype(float)
    lo = max(min(df["rri_ci_low"].replace(0, pd.NA).dropna().min() if len(df) else 0.5, 0.5) * 0.8,
             0.02)
    hi = max(df["rri_ci_high"].max() if len(df) else 2, 2) * 1.2
    df["rri_ci_low"] = df["rri_ci_low"].clip(lower=lo)
    df["rri_ci_high"] = df["rri_ci_high"].clip(upper=hi)
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    axis = alt.Axis(values=[v for v in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50)
                            if lo <= v <= hi])
    y = alt.Y("area:N", sort=order, title=None, scale=alt.Scale(paddingInner=0.25),
              axis=alt.Axis(labelLimit=0, labelFont=FONT))
    offset = alt.YOffset("ethnicity:N", sort=groups, scale=alt.Scale(domain=groups))
    colour = alt.Color("ethnicity:N", scale=alt.Scale(domain=groups,
                                                      range=[GROUP_COLOURS[g] for g in groups]),
                       legend=alt.Legend(title=None, orient="top", direction="horizontal",
                                         labelFont=FONT))
    shape = alt.Shape("ethnicity:N", scale=alt.Scale(domain=groups,
                                                     range=[GROUP_SHAPES[g] for g in groups]),
                      legend=None)
    tooltip = [alt.Tooltip("area:N", title="Area"), alt.Tooltip("ethnicity:N", title="Group"),
               alt.Tooltip("rri:Q", title="RRI", format=".2f"),
               alt.Tooltip("rri_ci_low:Q", title="CI low", format=".2f"),
               alt.Tooltip("rri_ci_high:Q", title="CI high", format=".2f"),
               alt.Tooltip("status:N", title="Status")]
    opacity = alt.condition(alt.datum.low, alt.value(0.45), alt.value(1.0))
    area_name = table.attrs.get("area_name", "")
    band = alt.Chart(pd.DataFrame({"area": [area_name + ROLE_SUFFIX["area"]], "x": [lo],
                                   "x2": [hi]})).mark_rect(color="#FFF3C4").encode(
        y=y, x=alt.X("x:Q", scale=scale), x2="x2:Q")
    base = alt.Chart(df).encode(y=y, yOffset=offset)
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("rri_ci_low:Q", scale=scale), x2="rri_ci_high:Q", color=colour,
        opacity=opacity, tooltip=tooltip)
    points = base.mark_point(filled=True, size=55).encode(
        x=alt.X("rri:Q", scale=scale, axis=axis, title=x_title), color=colour, shape=shape,
        opacity=opacity, tooltip=tooltip)
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#000", strokeDash=[4, 3]).encode(
        x=alt.X("x:Q", scale=scale))
    return alt.layer(band, one, rules, points).properties(
        height=max(200, 13 * len(groups) * len(order)))
