"""Forest plot of RRIs: log scale, intervals, a line at 1, significance marked by colour and
shape, low numbers greyed and labelled."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.outputs.charts import FONT

#: Most groups one forest plot draws: beyond this a chart is unreadable (and a browser's and
#: Altair's limits are reached long before 10,000 groups); the table lists every group.
MAX_GROUPS = 60
CATEGORIES = ["Significantly higher", "Significantly lower", "Not significant", "Low numbers"]
#: Okabe-Ito vermillion and blue, dark grey; low numbers a mid grey that still has 3:1
#: contrast on white (WCAG 1.4.11), told apart by shape and label as well.
COLOURS = ["#D55E00", "#0072B2", "#555555", "#8C8C8C"]
SHAPES = ["circle", "square", "diamond", "triangle-down"]


def categorise(table: pd.DataFrame) -> pd.Series:
    status = table["status"].astype(str)
    sig = table["significant"].fillna(False).astype(bool)
    rri = table["rri"].astype(float)
    return pd.Series(
        [("Low numbers" if s.startswith("low numbers") else
          "Significantly higher" if g and r > 1 else
          "Significantly lower" if g and r < 1 else "Not significant")
         for s, g, r in zip(status, sig, rri.fillna(1))], index=table.index)


def drawable(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a forest plot can draw: those with a positive RRI."""
    return table[table["rri"].notna() & (table["rri"].astype(float) > 0)]


def top_groups(table: pd.DataFrame, sort: str = "magnitude",
               n: int = MAX_GROUPS) -> tuple[pd.DataFrame, str]:
    """The `n` groups to draw when there are more (the largest ratios either side of 1, or
    the most excess children), and a note saying so ("" when every group is drawn)."""
    rows = drawable(table)
    if len(rows) <= n:
        return table, ""
    if sort == "volume":
        key = rows["excess_events"].astype(float).abs()
        what = "the most excess children"
    else:
        key = np.log(rows["rri"].astype(float)).abs()
        what = "the ratios furthest from 1"
    shown = rows.loc[key.sort_values(ascending=False, kind="stable").index[:n]]
    return shown, (f"The chart draws the {n} groups with {what}, of {len(rows):,} groups with a "
                   "ratio; the table lists every group.")


def forest(table: pd.DataFrame, sort: str = "magnitude", x_title: str = "Relative rate index (log scale)") -> alt.LayerChart:
    """`table`: rri_table output with a `group` label column. Rows without an RRI (suppressed,
    not computable, the reference) are left out; the page lists them. At most MAX_GROUPS
    groups are drawn (see top_groups)."""
    df = top_groups(drawable(table), sort)[0].copy()
    df["category"] = categorise(df)
    for col in ("rri", "rri_ci_low", "rri_ci_high", "excess_events", "rate", "reference_rate"):
        df[col] = df[col].astype(float)
    df["rri_ci_low"] = df["rri_ci_low"].clip(lower=df["rri"].min() / 4 if len(df) else 0.01)
    df["excess_text"] = [f"{v:+,.0f} children" if pd.notna(v) else "" for v in df["excess_events"]]
    key = "excess_events" if sort == "volume" else "rri"
    order = df.sort_values(key, ascending=False)["group"].tolist()
    lo = max(min(df["rri_ci_low"].min(), 0.5) * 0.8, 0.01) if len(df) else 0.1
    hi = max(df["rri_ci_high"].max(), 2) * 1.2 if len(df) else 10
    df["edge"] = hi
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    x = alt.X("rri:Q", scale=scale, title=x_title,
              axis=alt.Axis(values=[v for v in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50, 100) if lo <= v <= hi]))
    y = alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelFont=FONT))
    colour = alt.Color("category:N", scale=alt.Scale(domain=CATEGORIES, range=COLOURS),
                       legend=alt.Legend(title=None, orient="top", direction="horizontal"))
    tooltip = [alt.Tooltip("group:N", title="Group"),
               alt.Tooltip("rri:Q", title="RRI", format=".2f"),
               alt.Tooltip("rri_ci_low:Q", title="CI low", format=".2f"),
               alt.Tooltip("rri_ci_high:Q", title="CI high", format=".2f"),
               alt.Tooltip("rate:Q", title="Rate", format=".2f"),
               alt.Tooltip("reference_rate:Q", title="Comparison rate", format=".2f"),
               alt.Tooltip("excess_events:Q", title="Excess children", format=",.0f"),
               alt.Tooltip("category:N", title="Result")]
    base = alt.Chart(df).encode(y=y)
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("rri_ci_low:Q", scale=scale), x2="rri_ci_high:Q",
                                                color=colour, tooltip=tooltip)
    points = base.mark_point(filled=True, size=70).encode(
        x=x, color=colour, shape=alt.Shape("category:N", scale=alt.Scale(domain=CATEGORIES, range=SHAPES),
                                           legend=None), tooltip=tooltip)
    low = base.transform_filter(alt.datum.category == "Low numbers").mark_text(
        align="left", dx=8, fontSize=10, color="#595959", font=FONT).encode(
        x="rri_ci_high:Q", text=alt.value("low numbers"))
    one = alt.Chart(pd.DataFrame({"x": [1]})).mark_rule(color="#000", strokeDash=[4, 3]).encode(x="x:Q")
    layers = [bars, points, low, one]
    if sort == "volume":
        # Sorted by volume: print each group's excess at the right edge, so the order shows.
        layers.append(base.mark_text(align="left", dx=8, fontSize=11, font=FONT,
                                     color="#222222").encode(
            x=alt.X("edge:Q", scale=scale), text="excess_text:N"))
    return alt.layer(*layers).properties(height=max(160, 24 * len(order)))
