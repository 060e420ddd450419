"""Ratios before and after allowing for characteristics: for each group a hollow dot (the
crude ratio) and a filled dot (standardised or adjusted) with their intervals, on a log
scale with a line at 1, so the distance between them is what the characteristics account
for."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT

TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50)


def ratio_pairs(table: pd.DataFrame, measures, x_title: str) -> alt.LayerChart:
    """`table`: rows with a `group` label; `measures`: [(column, ci_low, ci_high, label),
    ...] drawn in that order within each group (the first hollow, the rest filled). Rows
    without a value (suppressed, not computable) are left out."""
    parts = []
    for i, (col, lo, hi, label) in enumerate(measures):
        part = pd.DataFrame({"group": table["group"].astype(str).to_numpy(),
                             "value": pd.to_numeric(table[col], errors="coerce").astype(float).to_numpy(),
                             "lo": pd.to_numeric(table[lo], errors="coerce").astype(float).to_numpy(),
                             "hi": pd.to_numeric(table[hi], errors="coerce").astype(float).to_numpy(),
                             "measure": label, "order": i})
        parts.append(part)
    df = pd.concat(parts, ignore_index=True)
    df = df[df["value"].notna() & (df["value"] > 0)]
    first = df[df["order"] == 0].sort_values("value", ascending=False)["group"].tolist()
    order = first + [g for g in dict.fromkeys(df["group"]) if g not in first]
    lo = max(min(df["lo"].where(df["lo"] > 0).min(skipna=True) if len(df) else 0.5, 0.5) * 0.8, 0.02)
    hi = min(max(df["hi"].max(skipna=True) if len(df) else 2, 2) * 1.2, 100)
    # No interval (e.g. a reference group's 1): no bar; a lower limit of 0: to the axis.
    df["lo"] = df["lo"].fillna(df["value"]).clip(lower=lo)
    df["hi"] = df["hi"].fillna(df["value"]).clip(upper=hi)
    labels = [m[3] for m in measures]
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    colour = alt.Color("measure:N", scale=alt.Scale(domain=labels,
                                                    range=["#777777", "#0072B2", "#D55E00"][:len(labels)]),
                       legend=alt.Legend(title=None, orient="top", direction="horizontal",
                                         labelFont=FONT, labelLimit=320))
    y = alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFont=FONT))
    offset = alt.YOffset("measure:N", sort=labels, scale=alt.Scale(domain=labels, paddingInner=0.3))
    tooltip = [alt.Tooltip("group:N", title="Group"), alt.Tooltip("measure:N", title="Measure"),
               alt.Tooltip("value:Q", title="Ratio", format=".2f"),
               alt.Tooltip("lo:Q", title="CI low", format=".2f"),
               alt.Tooltip("hi:Q", title="CI high", format=".2f")]
    base = alt.Chart(df).encode(y=y, yOffset=offset, color=colour, tooltip=tooltip)
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("lo:Q", scale=scale), x2="hi:Q")
    points = base.mark_point(size=70, strokeWidth=2).encode(
        x=alt.X("value:Q", scale=scale, title=x_title,
                axis=alt.Axis(values=[v for v in TICKS if lo <= v <= hi], format="~g")),
        fill=alt.condition(alt.datum.order == 0, alt.value("white"), "measure:N",
                           scale=alt.Scale(domain=labels,
                                           range=["#777777", "#0072B2", "#D55E00"][:len(labels)]),
                           legend=None))
    one = alt.Chart(pd.DataFrame({"x": [1]})).mark_rule(color="#000", strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(rules, points, one).properties(height=max(160, 34 * len(order)))
