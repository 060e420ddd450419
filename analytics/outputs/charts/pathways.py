"""Pathway chart: the RRI of each chosen group at each stage of a pathway, stages in order
along x, RRI on a log scale with a line at 1, intervals as vertical bars, a colour per group.
Groups are nudged sideways so their intervals do not overlap. Points are not joined: later
stages can branch from the same earlier one (remand and custody are both measured among
offenders), so a line between them would suggest a sequence that is not there. Nothing is
drawn for suppressed or undefined values."""
from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from analytics.outputs.charts.trends import LEGEND, TICKS, group_scale
from analytics.views.pathways import Pathway
from analytics.views.trends import drawable


def stage_rri_chart(table: pd.DataFrame, pathway: Pathway, groups, comparison_label: str,
                    height: int = 340) -> alt.LayerChart:
    """`table`: analytics.views.pathways.pathway_table output."""
    groups = list(groups)
    labels = [s.label for s in pathway.stages]
    n, k = len(labels), max(len(groups), 1)
    step = min(0.09, 0.5 / k)
    offsets = {g: (i - (k - 1) / 2) * step for i, g in enumerate(groups)}

    grid = pd.MultiIndex.from_product([range(n), groups], names=["stage", "group"]).to_frame(
        index=False)
    t = table.copy()
    ok = drawable(t)
    for c in ("rri", "rri_ci_low", "rri_ci_high"):
        t[c] = t[c].astype("Float64").where(ok, pd.NA)
    cols = ["rri", "rri_ci_low", "rri_ci_high", "significant", "status", "events",
            "population"]
    df = grid.merge(t[t["group"].isin(groups)][["stage", "group"] + cols],
                    on=["stage", "group"], how="left")
    df["x"] = df["stage"] + df["group"].map(offsets)
    df["stage_label"] = df["stage"].map(dict(enumerate(labels)))
    vals = df[["rri", "rri_ci_low", "rri_ci_high"]].astype("Float64").astype(float)
    shown = vals[vals["rri"].notna()]
    if len(shown):
        lo = max(np.nanmin([shown["rri_ci_low"].min(), shown["rri"].min()]),
                 shown["rri"].min() / 4, 0.02)
        hi = min(np.nanmax([shown["rri_ci_high"].max(), shown["rri"].max()]),
                 shown["rri"].max() * 4, 100)
        lo, hi = min(lo, 0.5) * 0.9, max(hi, 2) * 1.1
    else:
        lo, hi = 0.25, 4
    sig = df["significant"].astype("boolean").fillna(False).astype(bool)
    df["significant"] = sig
    df["result"] = np.where(sig & (vals["rri"] > 1), "Significantly higher",
                            np.where(sig & (vals["rri"] < 1), "Significantly lower",
                                     "Not significant"))
    low = df["status"].astype("string").fillna("").str.startswith("low numbers")
    df["result"] = np.where(low, df["result"] + " (low numbers)", df["result"])
    df["band_low"] = vals["rri_ci_low"].clip(lower=lo, upper=hi)
    df["band_high"] = vals["rri_ci_high"].clip(lower=lo, upper=hi)
    df = df.drop(columns=["status", "events", "population"])
    for c in ("rri", "rri_ci_low", "rri_ci_high"):
        df[c] = vals[c]
    df["x"] = df["x"].astype(float)

    label_expr = f"{json.dumps(labels)}[round(datum.value)]"
    x = alt.X("x:Q", title=None, scale=alt.Scale(domain=[-0.45, n - 0.55], nice=False),
              axis=alt.Axis(values=list(range(n)), labelExpr=label_expr, grid=False,
                            labelFontSize=12, labelLimit=0, ticks=False, domain=False,
                            labelPadding=8))
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    y = alt.Y("rri:Q", scale=scale, title=f"RRI, log scale (1 = same rate as {comparison_label})",
              axis=alt.Axis(values=[v for v in TICKS if lo <= v <= hi], titleLimit=400))
    colour = alt.Color("group:N", scale=group_scale(groups), title=None,
                       legend=LEGEND)
    tooltip = [alt.Tooltip("group:N", title="Group"), alt.Tooltip("stage_label:N", title="Stage"),
               alt.Tooltip("rri:Q", title="RRI", format=".2f"),
               alt.Tooltip("rri_ci_low:Q", title="Interval low", format=".2f"),
               alt.Tooltip("rri_ci_high:Q", title="Interval high", format=".2f"),
               alt.Tooltip("result:N", title="Result")]
    base = alt.Chart(df).encode(x=x, color=colour)
    valid = base.transform_filter("isValid(datum.rri)")
    bars = valid.mark_rule(strokeWidth=2.5).encode(y=alt.Y("band_low:Q", scale=scale),
                                                   y2="band_high:Q", tooltip=tooltip)
    filled = valid.transform_filter(alt.datum.significant).mark_point(
        filled=True, size=90, opacity=1).encode(y=y, tooltip=tooltip)
    hollow = valid.transform_filter(~alt.datum.significant).mark_point(
        filled=False, fill="white", size=90, strokeWidth=2, opacity=1).encode(
        y=y, tooltip=tooltip)
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(
        color="#000", strokeDash=[4, 3]).encode(y=alt.Y("y:Q", scale=scale))
    dividers = alt.Chart(pd.DataFrame({"x": [i + 0.5 for i in range(n - 1)]})).mark_rule(
        color="#ddd").encode(x=alt.X("x:Q", scale=alt.Scale(domain=[-0.45, n - 0.55])))
    return alt.layer(dividers, one, bars, filled, hollow).properties(height=height)


__all__ = ["stage_rri_chart"]
