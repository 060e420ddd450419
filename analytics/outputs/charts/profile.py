"""A cohort's profile: every indicator's RRI against the borough average as a dot with its
interval on a log scale, rows grouped under domain headings, significance by colour and
shape; rows without a ratio say why ([c] suppressed, [u] low numbers, no ratio)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT
from analytics.outputs.charts.forest import CATEGORIES, COLOURS, SHAPES

ROW = 20
TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)


def _heading(domain: str) -> str:
    return domain.upper()


def profile_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """`rows`: output of `analytics.views.findings.profile_rows` (ordered by domain)."""
    df = rows.copy()
    order: list[str] = []
    for domain, part in df.groupby("domain", sort=False):
        order.append(_heading(domain))
        order += part["short_label"].tolist()
    headings = [_heading(d) for d in dict.fromkeys(df["domain"])]

    plotted = df[df["rri_plot"].notna()].copy()
    for col in ("rri_plot", "rri_ci_low", "rri_ci_high"):
        plotted[col] = pd.to_numeric(plotted[col], errors="coerce").astype(float)
    lo_data = plotted["rri_ci_low"].where(plotted["rri_ci_low"] > 0).min() if len(plotted) else None
    hi_data = plotted["rri_ci_high"].max() if len(plotted) else None
    lo = max(min(lo_data if pd.notna(lo_data) else 0.5, 0.5) * 0.8, 0.02)
    hi = min(max(hi_data if pd.notna(hi_data) else 2, 2) * 1.2, 100)
    plotted["ci_lo"] = plotted["rri_ci_low"].clip(lower=lo).fillna(lo)
    plotted["ci_hi"] = plotted["rri_ci_high"].clip(upper=hi).fillna(hi)
    plotted["rri_plot"] = plotted["rri_plot"].clip(lower=lo, upper=hi)
    plotted["category"] = plotted["category"].replace({"Reference group": "Not significant"})

    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    x = alt.X("rri_plot:Q", scale=scale, title="Relative rate index vs borough average (log scale)",
              axis=alt.Axis(values=[v for v in TICKS if lo <= v <= hi], format="~g",
                            grid=True, gridColor="#eeeeee"))
    y = alt.Y("short_label:N", sort=order, title=None,
              scale=alt.Scale(domain=order),
              axis=alt.Axis(labelLimit=0, labelFont=FONT, labelFontSize=11, ticks=False,
                            domain=False,
                            labelFontWeight=alt.expr(
                                f"indexof({headings!r}, datum.value) >= 0 ? 'bold' : 'normal'"),
                            labelColor=alt.expr(
                                f"indexof({headings!r}, datum.value) >= 0 ? '#000' : '#333'")))
    colour = alt.Color("category:N", scale=alt.Scale(domain=CATEGORIES, range=COLOURS),
                       legend=alt.Legend(title=None, orient="top", direction="horizontal",
                                         columns=2, labelFont=FONT))
    shape = alt.Shape("category:N", scale=alt.Scale(domain=CATEGORIES, range=SHAPES), legend=None)
    tooltip = [alt.Tooltip("label:N", title="Indicator"),
               alt.Tooltip("rate_text:N", title="Rate"),
               alt.Tooltip("comparison_text:N", title="Borough rate"),
               alt.Tooltip("rri_text:N", title="RRI"),
               alt.Tooltip("status_text:N", title="Status")]

    base = alt.Chart(plotted).encode(y=y, tooltip=tooltip)
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_lo:Q", scale=scale), x2="ci_hi:Q",
                                                color=colour)
    points = base.mark_point(filled=True, size=60).encode(x=x, color=colour, shape=shape)
    values = base.mark_text(align="left", dx=6, fontSize=10, font=FONT, color="#333").encode(
        x=alt.X("ci_hi:Q", scale=scale), text="text:N")
    missing = df[df["rri_plot"].isna()].assign(
        note=lambda d: d["text"].replace({"": "no ratio"}).where(
            d["text"] != "[c]", "[c] suppressed"))
    notes = alt.Chart(missing).mark_text(align="left", fontSize=10, font=FONT,
                                         color="#666").encode(
        y=y, x=alt.value(4), text="note:N", tooltip=tooltip[:1] + tooltip[-1:])
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color="#000",
                                                          strokeDash=[4, 3]).encode(
        x=alt.X("x:Q", scale=scale))
    return alt.layer(one, bars, points, values, notes).properties(
        height=ROW * len(order))
