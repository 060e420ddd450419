"""Heatmap of RRIs, groups by outcomes: a diverging colour centred on 1 on a log scale,
faded cells where the difference is not significant, grey cells labelled where numbers are
low ([u]), suppressed ([c]) or the ratio cannot be computed (blank)."""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT

#: Colour scale limits: ratios beyond 1/8 and 8 get the end colours.
CLAMP = 8.0
STEP = 34          # pixels per outcome column
ROW = 22           # pixels per group row
GREYS = {"Suppressed": "#d4d4d4", "Not computable": "#efefef", "Low numbers": "#e3e3e3"}
LEGEND_VALUES = [0.125, 0.25, 0.5, 1, 2, 4, 8]


def _legend_label() -> str:
    return ("datum.value < 1 ? '1/' + format(1 / datum.value, '.0f') : "
            "format(datum.value, '.0f')")


def heatmap(cells: pd.DataFrame, groups: list[str] | None = None,
            columns: list[str] | None = None, step: int = STEP,
            row: int = ROW) -> alt.LayerChart:
    """`cells`: output of `analytics.views.findings.heatmap_cells`. `groups` and `columns` (outcome
    keys) fix the row and column order (default: order of appearance). Returns a layered
    chart `len(columns) * step` pixels wide, with domain headings above the columns."""
    df = cells.copy()
    groups = groups or list(dict.fromkeys(df["group"]))
    columns = columns or list(dict.fromkeys(df["outcome"]))
    labels = (df.drop_duplicates("outcome").set_index("outcome")["short_label"]
              .reindex(columns).tolist())
    height = max(row * len(groups), 120)

    df["significant"] = df["category"].isin(["Significantly higher", "Significantly lower",
                                             "Reference group"])
    df["strong"] = [bool(s) and r is not None and not pd.isna(r) and abs(math.log(r)) > math.log(3)
                    for s, r in zip(df["significant"], df["rri"])]
    df["grey"] = df["category"].map(GREYS).fillna("#ffffff")

    x = alt.X("short_label:N", sort=labels, title=None,
              scale=alt.Scale(domain=labels, paddingInner=0, paddingOuter=0),
              axis=alt.Axis(orient="bottom", labelAngle=-45, labelLimit=0, labelFontSize=11,
                            labelFont=FONT, ticks=False, domain=False, labelOverlap=False,
                            labelPadding=4))
    y = alt.Y("group:N", sort=groups, title=None,
              scale=alt.Scale(domain=groups, paddingInner=0, paddingOuter=0),
              axis=alt.Axis(labelLimit=0, labelFontSize=11, labelFont=FONT, ticks=False,
                            domain=False))
    tooltip = [alt.Tooltip("group:N", title="Group"),
               alt.Tooltip("label:N", title="Outcome"),
               alt.Tooltip("rate_text:N", title="Rate"),
               alt.Tooltip("comparison_text:N", title="Comparison rate"),
               alt.Tooltip("rri_text:N", title="RRI"),
               alt.Tooltip("status_text:N", title="Status")]
    base = alt.Chart(df).encode(x=x, y=y, tooltip=tooltip)

    background = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        fill=alt.Fill("grey:N", scale=None, legend=None))
    colour = alt.Color(
        "rri:Q",
        scale=alt.Scale(type="log", scheme="blueorange", domain=[1 / CLAMP, CLAMP],
                        domainMid=1, clamp=True),
        legend=alt.Legend(title="RRI (log scale)", orient="top", direction="horizontal",
                          values=LEGEND_VALUES, labelExpr=_legend_label(),
                          gradientLength=220, titleFont=FONT, labelFont=FONT,
                          titleOrient="left", titleAnchor="middle", offset=28))
    coloured = base.transform_filter("isValid(datum.rri) && datum.rri > 0").mark_rect(
        stroke="#ffffff", strokeWidth=1).encode(
        color=colour,
        opacity=alt.condition("datum.significant", alt.value(1.0), alt.value(0.35)))
    text_colour = alt.condition("datum.strong", alt.value("#ffffff"), alt.value("#222222"))
    bold = base.transform_filter("datum.significant").mark_text(
        fontSize=10, font=FONT, fontWeight="bold").encode(text="text:N", color=text_colour)
    plain = base.transform_filter("!datum.significant").mark_text(
        fontSize=10, font=FONT, color="#555555").encode(text="text:N")

    # Domain headings and separators, in pixels (band scale without padding: column i spans
    # [i * step, (i + 1) * step]).
    order = list(dict.fromkeys(df.drop_duplicates("outcome").set_index("outcome")["domain"]
                               .reindex(columns)))
    doms = df.drop_duplicates("outcome").set_index("outcome")["domain"].reindex(columns).tolist()
    heads = []
    for d in order:
        idx = [i for i, v in enumerate(doms) if v == d]
        heads.append({"domain": d, "start": idx[0] * step, "end": (idx[-1] + 1) * step,
                      "mid": (idx[0] + idx[-1] + 1) * step / 2})
    heads = pd.DataFrame(heads)
    head_text = alt.Chart(heads).mark_text(fontSize=11, fontWeight="bold", font=FONT,
                                           baseline="bottom", color="#222").encode(
        x=alt.X("mid:Q", scale=None), y=alt.value(-6), text="domain:N")
    head_rule = alt.Chart(heads).mark_rule(color="#222", strokeWidth=1).encode(
        x=alt.X("start:Q", scale=None), x2="end:Q", y=alt.value(-3))
    seps = alt.Chart(heads.iloc[1:]).mark_rule(color="#222", strokeWidth=1.5).encode(
        x=alt.X("start:Q", scale=None), y=alt.value(-3), y2=alt.value(height))

    return alt.layer(background, coloured, bold, plain, head_rule, head_text, seps).properties(
        height=height, width=step * len(columns))
