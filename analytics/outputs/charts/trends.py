"""Trend charts: rates over periods with interval bands, and RRIs over periods on a log scale
with a line at 1 and persistence markers. One line per group, colour-blind-safe colours shared
by both charts; suppressed and undrawable values leave a gap (nothing is drawn from them)."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.outputs.charts import OKABE_ITO
from analytics.views.trends import drawable, periods_in_order, short_period, spans

#: Line colours for groups (Okabe-Ito without yellow, which is hard to read on white, and
#: black, kept for the comparison line).
GROUP_COLOURS = [c for c in OKABE_ITO if c not in ("#F0E442", "#000000")]
AVERAGE = "Borough average"
LEGEND = alt.Legend(orient="top", direction="horizontal", columns=4, labelLimit=0,
                    symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1, labelFontSize=12)
TICKS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 5, 7, 10, 20, 50, 100)


def group_scale(groups, average: bool = False) -> alt.Scale:
    domain = list(groups)[: len(GROUP_COLOURS)]
    colours = GROUP_COLOURS[: len(domain)]
    if average:
        domain, colours = domain + [AVERAGE], colours + ["#000000"]
    return alt.Scale(domain=domain, range=colours)


def _band_opacity(groups) -> float:
    """Fainter interval bands when more of them overlap."""
    k = len(list(groups))
    return 0.16 if k <= 2 else 0.11 if k <= 4 else 0.08


def _period_axis(order: list[str]) -> alt.X:
    labels = [short_period(p) for p in order]
    angle = 0 if max((len(x) for x in labels), default=0) * len(labels) < 80 else -40
    return alt.X("period_short:O", sort=labels, scale=alt.Scale(domain=labels),
                 title="Academic year" if all(" to " not in p for p in order)
                 else "Academic years (pooled window)",
                 axis=alt.Axis(labelAngle=angle, labelLimit=0, labelFlush=False))


def _frame(table: pd.DataFrame, groups, cols) -> pd.DataFrame:
    """One row per period x chosen group (missing ones added), in time order."""
    order = periods_in_order(table)
    groups = list(groups)
    grid = pd.MultiIndex.from_product([order, groups], names=["period", "group"]).to_frame(
        index=False)
    keep = table[table["group"].isin(groups)][["period", "group"] + cols]
    df = grid.merge(keep, on=["period", "group"], how="left")
    df["period_short"] = df["period"].map(short_period)
    return df


def _isolated(df: pd.DataFrame, col: str) -> pd.Series:
    """Values with no value in the period before or after (a band cannot show their interval:
    they get an error bar instead). `df` from `_frame`: grouped rows in time order."""
    valid = pd.to_numeric(df[col].astype("Float64"), errors="coerce").notna()
    by = valid.groupby(df["group"])
    before = by.shift(1, fill_value=False).astype(bool)
    after = by.shift(-1, fill_value=False).astype(bool)
    return valid & ~before & ~after


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Numbers as float64 with NaN (Altair writes NaN as JSON null; object columns holding
    NaN would be written as NaN, which is not JSON and breaks PNG/SVG export); missing text
    as ""."""
    for c in df.columns:
        if c in cols or c in ("events", "population"):
            df[c] = pd.to_numeric(df[c].astype("Float64"), errors="coerce").to_numpy(
                dtype=float, na_value=np.nan)
        elif df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype):
            df[c] = [v if isinstance(v, str) else "" for v in df[c].astype(object)]
    return df


def rate_lines(table: pd.DataFrame, groups, unit_text: str,
               average: pd.DataFrame | None = None, height: int = 300) -> alt.LayerChart:
    """Rates per period, one line per group with its interval as a band; `average` (period,
    rate) adds the borough average as a dashed black line."""
    cols = ["rate", "rate_ci_low", "rate_ci_high", "events", "population", "status"]
    df = _frame(table, groups, cols)
    df["isolated"] = _isolated(df, "rate")
    has_avg = average is not None and len(average) > 0
    if has_avg:
        avg = average.assign(group=AVERAGE, period_short=average["period"].map(short_period))
        df = pd.concat([df, avg], ignore_index=True)
    df["isolated"] = df["isolated"].astype("boolean").fillna(False).astype(bool)
    df = _floats(df, ["rate", "rate_ci_low", "rate_ci_high"])
    order = periods_in_order(table)
    colour = alt.Color("group:N", scale=group_scale(groups, has_avg), title=None,
                       legend=LEGEND)
    x = _period_axis(order)
    tooltip = [alt.Tooltip("group:N", title="Group"), alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("rate:Q", title=f"Rate {unit_text}", format=",.1f"),
               alt.Tooltip("rate_ci_low:Q", title="Interval low", format=",.1f"),
               alt.Tooltip("rate_ci_high:Q", title="Interval high", format=",.1f")]
    base = alt.Chart(df).encode(x=x, color=colour)
    band = base.transform_filter(alt.datum.group != AVERAGE).mark_area(
        opacity=_band_opacity(groups), invalid="break-paths-filter-domains").encode(
        y=alt.Y("rate_ci_low:Q"), y2="rate_ci_high:Q")
    line = base.mark_line(strokeWidth=2.5, invalid="break-paths-filter-domains").encode(
        y=alt.Y("rate:Q", title=f"Rate {unit_text}", scale=alt.Scale(zero=True)),
        strokeDash=alt.StrokeDash("is_avg:N", scale=alt.Scale(domain=[False, True],
                                                              range=[[1, 0], [6, 4]]),
                                  legend=None))
    line = line.transform_calculate(is_avg=alt.datum.group == AVERAGE)
    bars = base.transform_filter(alt.datum.isolated == True).mark_rule(  # noqa: E712
        strokeWidth=2, opacity=0.6).encode(y="rate_ci_low:Q", y2="rate_ci_high:Q")
    points = base.transform_filter("isValid(datum.rate)").mark_point(
        filled=True, size=45).encode(y="rate:Q", tooltip=tooltip)
    return alt.layer(band, bars, line, points).properties(height=height)


def rri_lines(table: pd.DataFrame, groups, comparison_label: str, persistence_n: int,
              height: int = 320) -> alt.LayerChart:
    """RRIs per period on a log scale with intervals (bands), a dashed line at 1, filled
    points where significant, hollow where not, and rings where the group has been
    significantly on the same side of 1 for `persistence_n` periods running.

    `table`: a trend table with `persistent` (analytics.stats.trends.persistence)."""
    cols = ["rri", "rri_ci_low", "rri_ci_high", "significant", "persistent", "status",
            "rate", "reference_rate"]
    t = table.copy()
    ok = drawable(t)
    for c in ("rri", "rri_ci_low", "rri_ci_high"):
        t[c] = t[c].astype("Float64").where(ok, pd.NA)
    if "persistent" not in t.columns:
        t["persistent"] = False
    df = _frame(t, groups, cols)
    df["isolated"] = _isolated(df, "rri")
    df["significant"] = df["significant"].astype("boolean").fillna(False).astype(bool)
    df["persistent"] = df["persistent"].astype("boolean").fillna(False).astype(bool)
    df["status"] = df["status"].astype("string").fillna("").str.replace(
        r"^suppressed.*", "suppressed", regex=True)
    vals = df[["rri", "rri_ci_low", "rri_ci_high"]].astype("Float64").astype(float)
    shown = vals[vals["rri"].notna()]
    if len(shown):
        lo_data = np.nanmin([shown["rri_ci_low"].min(), shown["rri"].min()])
        hi_data = np.nanmax([shown["rri_ci_high"].max(), shown["rri"].max()])
        lo = max(lo_data, shown["rri"].min() / 4, 0.02)
        hi = min(hi_data, shown["rri"].max() * 4, 100)
        lo, hi = min(lo, 0.5) * 0.9, max(hi, 2) * 1.1
    else:
        lo, hi = 0.25, 4
    df["band_low"] = vals["rri_ci_low"].clip(lower=lo, upper=hi)
    df["band_high"] = vals["rri_ci_high"].clip(lower=lo, upper=hi)
    df["result"] = np.where(df["significant"] & (vals["rri"] > 1), "Significantly higher",
                            np.where(df["significant"] & (vals["rri"] < 1),
                                     "Significantly lower", "Not significant"))
    df = _floats(df, ["rri", "rri_ci_low", "rri_ci_high", "band_low", "band_high", "rate",
                      "reference_rate"])
    order = periods_in_order(table)
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    colour = alt.Color("group:N", scale=group_scale(groups), title=None,
                       legend=LEGEND)
    x = _period_axis(order)
    y_title = f"RRI, log scale (1 = same rate as {comparison_label})"
    tooltip = [alt.Tooltip("group:N", title="Group"), alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("rri:Q", title="RRI", format=".2f"),
               alt.Tooltip("rri_ci_low:Q", title="Interval low", format=".2f"),
               alt.Tooltip("rri_ci_high:Q", title="Interval high", format=".2f"),
               alt.Tooltip("result:N", title="Result"),
               alt.Tooltip("persistent:N", title=f"Persistent ({persistence_n} periods)")]
    base = alt.Chart(df).encode(x=x, color=colour)
    band = base.mark_area(opacity=_band_opacity(groups),
                          invalid="break-paths-filter-domains").encode(
        y=alt.Y("band_low:Q", scale=scale), y2="band_high:Q")
    line = base.mark_line(strokeWidth=2.5, invalid="break-paths-filter-domains").encode(
        y=alt.Y("rri:Q", scale=scale, title=y_title,
                axis=alt.Axis(values=[v for v in TICKS if lo <= v <= hi], titleLimit=400)))
    valid = base.transform_filter("isValid(datum.rri)")
    bars = valid.transform_filter(alt.datum.isolated == True).mark_rule(  # noqa: E712
        strokeWidth=2, opacity=0.6).encode(y=alt.Y("band_low:Q", scale=scale), y2="band_high:Q")
    sig = valid.transform_filter(alt.datum.significant).mark_point(
        filled=True, size=60, opacity=1).encode(y=alt.Y("rri:Q", scale=scale), tooltip=tooltip)
    nonsig = valid.transform_filter(~alt.datum.significant).mark_point(
        filled=False, fill="white", size=60, strokeWidth=2, opacity=1).encode(
        y=alt.Y("rri:Q", scale=scale), tooltip=tooltip)
    pool = int(table.attrs.get("pooled_periods", 1) or 1)
    ring_label = f"Ringed: significant in each of the last {spans(persistence_n, pool)}"
    rings = valid.transform_filter(alt.datum.persistent).transform_calculate(
        marker=f"'{ring_label}'").mark_point(size=260, strokeWidth=1.8, filled=False).encode(
        y=alt.Y("rri:Q", scale=scale), tooltip=tooltip,
        shape=alt.Shape("marker:N", scale=alt.Scale(domain=[ring_label], range=["circle"]),
                        legend=alt.Legend(title=None, orient="top", symbolSize=160, labelLimit=0,
                                          labelFontSize=12,
                                          symbolStrokeColor="#000", symbolFillColor="white")),
        color=alt.value("#000"))
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(
        color="#000", strokeDash=[4, 3]).encode(y=alt.Y("y:Q", scale=scale))
    return alt.layer(band, one, bars, line, sig, nonsig, rings).resolve_scale(
        color="shared").properties(height=height)


__all__ = ["GROUP_COLOURS", "AVERAGE", "short_period", "group_scale", "rate_lines",
           "rri_lines", "LEGEND", "TICKS"]
