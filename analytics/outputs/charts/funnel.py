"""Funnel plot: each unit's rate (a school's) against its size, with the borough rate and the
95% and 99.8% control limits; units beyond the limits coloured, shaped and labelled."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.outputs.charts import FONT as _FONT

#: Arial where installed; otherwise a metric-compatible fallback, so that server-side PNG/SVG
#: rendering (vl-convert draws no text in a font it cannot find) keeps every label.
FONT = _FONT if "," in _FONT else f"{_FONT}, Liberation Sans, Helvetica, sans-serif"

POSITIONS = ["above 99.8% limit", "above 95% limit", "within limits", "below 95% limit",
             "below 99.8% limit"]
#: Okabe-Ito: vermillion and orange above, grey within, sky blue and blue below.
COLOURS = ["#D55E00", "#E69F00", "#777777", "#56B4E9", "#0072B2"]
SHAPES = ["triangle-up", "triangle-up", "circle", "triangle-down", "triangle-down"]
LIMITS = ["95% limits", "99.8% limits"]


def _limit_lines(curve: pd.DataFrame, borough_rate: float, borough_key: str) -> pd.DataFrame:
    parts = [pd.DataFrame({"population": curve["population"].astype(float),
                           "value": float(borough_rate), "limit": borough_key,
                           "side": borough_key})]
    for label, key in (("95% limits", "95%"), ("99.8% limits", "99.8%")):
        for side in ("lower", "upper"):
            parts.append(pd.DataFrame({
                "population": curve["population"].astype(float),
                "value": curve[f"{side}_{key}"].astype(float),
                "limit": label, "side": f"{label} {side}"}))
    out = pd.concat(parts, ignore_index=True)
    return out[out["value"].notna()]


def _dodge_labels(df: pd.DataFrame, points: pd.DataFrame, x0: float, x1: float, top: float,
                  width: int, height: int, bottom: float = 0.0, log: bool = False,
                  y: str = "rate") -> pd.DataFrame:
    """Label positions that overlap neither each other nor the points: each label tries the
    right of its point, then the left, then steps further away vertically (pixel space;
    `log`: both axes are logarithmic, as the ratio funnel's)."""
    out = df.copy()
    if out.empty:
        return out.assign(label_rate=pd.Series(dtype=float), align=pd.Series(dtype=str))
    scale = np.log if log else np.asarray
    y0, y1, xa, xb = scale(bottom), scale(top), scale(x0), scale(x1)

    def to_px(pop, rate):
        return ((scale(pop) - xa) / (xb - xa) * width,
                (1 - (scale(rate) - y0) / (y1 - y0)) * height)

    def from_px(cy):
        v = y0 + (1 - cy / height) * (y1 - y0)
        return float(np.exp(v) if log else v)

    boxes = []   # (left, right, top, bottom) in pixels
    for pop, rate in zip(points["population"], points[y]):
        px, py = to_px(pop, rate)
        boxes.append((px - 6, px + 6, py - 6, py + 6))
    char, line = 6.2, 13
    placed = {}
    order = sorted(out.index, key=lambda i: to_px(out.at[i, "population"], out.at[i, y])[1])
    for i in order:
        x, yy = to_px(out.at[i, "population"], out.at[i, y])
        w = char * len(out.at[i, "label"])
        candidates = []
        for step in range(0, 8):
            for dy in ((0,) if step == 0 else (step * line, -step * line)):
                for align in ("left", "right"):
                    left = x + 8 if align == "left" else x - 8 - w
                    if left < 0 or left + w > width or not 0 <= yy + dy <= height:
                        continue
                    candidates.append((align, left, yy + dy))
        choice = candidates[0] if candidates else ("left", x + 8, yy)
        for align, left, cy in candidates:
            box = (left, left + w, cy - line / 2, cy + line / 2)
            if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3]
                       for b in boxes):
                choice = (align, left, cy)
                break
        align, left, cy = choice
        boxes.append((left, left + w, cy - line / 2, cy + line / 2))
        placed[i] = (align, from_px(cy))
    out["align"] = [placed[i][0] for i in out.index]
    out["label_rate"] = [placed[i][1] for i in out.index]
    return out


def funnel(points: pd.DataFrame, curve: pd.DataFrame, borough_rate: float, *, unit_label: str,
           x_title: str, y_title: str, borough_label: str = "Borough rate",
           width: int = 600, height: int = 380) -> alt.LayerChart:
    """`points`: one row per unit with `school`, `population`, `rate`, `position` (nothing
    suppressed: see analytics.views.schools.funnel_points); `curve`: analytics.stats.funnel.funnel_curve.
    Units outside the 95% limits are labelled with their name, as in the table. `width` and
    `height` must match the drawn plot (labels are placed in pixels)."""
    df = points[["school", "population", "rate", "position"]].copy()
    df["population"] = df["population"].astype(float)
    df["rate"] = df["rate"].astype(float)
    df["position"] = df["position"].astype(str)
    df["label"] = df["school"].astype(str)     # the name the table shows, never shortened
    lo, hi = (df["population"].min(), df["population"].max()) if len(df) else (10.0, 100.0)
    pad = max((hi - lo) * 0.08, hi * 0.05, 5)
    x0, end = max(0.0, lo - pad), hi + pad
    room = 104   # pixels right of the lines for their labels
    x1 = end + (end - x0) * room / (width - room)
    borough_key = f"{borough_label} {borough_rate:.1f}"
    lines = _limit_lines(curve[(curve["population"] >= x0) & (curve["population"] <= end)],
                         borough_rate, borough_key)
    top = max([df["rate"].max() if len(df) else 0, lines["value"].max() if len(lines) else 0,
               borough_rate]) * 1.1 or 1.0
    x_scale = alt.Scale(domain=[x0, x1], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0, top], nice=False)
    x = alt.X("population:Q", title=x_title, scale=x_scale, axis=alt.Axis(format=",.0f"))
    y = alt.Y("rate:Q", title=y_title, scale=y_scale)

    dash = alt.StrokeDash("limit:N", scale=alt.Scale(domain=[borough_key, "95% limits", "99.8% limits"],
                                                     range=[[1, 0], [2, 3], [8, 4]]),
                          legend=None)
    line_enc = dict(x=alt.X("population:Q", scale=x_scale), y=alt.Y("value:Q", scale=y_scale),
                    detail="side:N", strokeDash=dash)
    is_borough = lines["limit"] == borough_key
    borough_layer = alt.Chart(lines[is_borough]).mark_line(
        clip=True, color="#000", strokeWidth=2).encode(**line_enc)
    limit_layer = alt.Chart(lines[~is_borough]).mark_line(
        clip=True, color="#444", strokeWidth=1.3).encode(**line_enc)
    # Direct labels at the right end of the borough line and of the upper limits.
    ends = lines[lines["side"].isin([borough_key, "95% limits upper", "99.8% limits upper"])]
    ends = ends.loc[ends.groupby("side")["population"].idxmax()].copy()
    ends["text"] = ends["side"].map({borough_key: borough_key, "95% limits upper": "95% limits",
                                     "99.8% limits upper": "99.8% limits"})
    ends = ends.sort_values("value")
    gap = top * 13 / height   # keep the labels 13 px apart
    for k in range(1, len(ends)):
        prev = ends["value"].iloc[k - 1]
        if ends["value"].iloc[k] < prev + gap:
            ends.iloc[k, ends.columns.get_loc("value")] = prev + gap
    line_labels = alt.Chart(ends).mark_text(align="left", baseline="middle", dx=5, fontSize=11,
                                            font=FONT, color="#222").encode(
        x=alt.X("population:Q", scale=x_scale), y=alt.Y("value:Q", scale=y_scale), text="text:N")
    position_legend = alt.Legend(title=None, orient="top", direction="horizontal",
                                 labelFont=FONT, symbolSize=90, symbolStrokeWidth=0)
    colour = alt.Color("position:N", scale=alt.Scale(domain=POSITIONS, range=COLOURS),
                       legend=position_legend)
    tooltip = [alt.Tooltip("school:N", title="School"),
               alt.Tooltip("population:Q", title="Pupils", format=","),
               alt.Tooltip("rate:Q", title=f"Rate {unit_label}", format=".1f"),
               alt.Tooltip("position:N", title="Against the borough")]
    dots = alt.Chart(df).mark_point(filled=True, size=80, opacity=0.9, strokeWidth=0).encode(
        x=x, y=y, color=colour,
        shape=alt.Shape("position:N", scale=alt.Scale(domain=POSITIONS, range=SHAPES),
                        legend=position_legend),
        tooltip=tooltip)
    outside = _dodge_labels(df[df["position"] != "within limits"], df, x0, x1, top, width, height)
    layers = [limit_layer, borough_layer, line_labels, dots]
    for align, dx in (("left", 8), ("right", -8)):
        part = outside[outside["align"] == align] if len(outside) else outside
        if len(part):
            layers.append(alt.Chart(part).mark_text(
                align=align, baseline="middle", dx=dx, fontSize=11, font=FONT, color="#222",
            ).encode(x=alt.X("population:Q", scale=x_scale),
                     y=alt.Y("label_rate:Q", scale=y_scale), text="label:N"))
    return alt.layer(*layers).properties(
        width=width, height=height)


#: How the ratio funnel marks the chosen council and its neighbours.
ROLE_SIZES = {"area": 170, "neighbour": 110, "other": 45}
ROLE_LABELS = {"area": "This council", "neighbour": "Statistical neighbour", "other": "Other council"}


def ratio_funnel(points: pd.DataFrame, curve: pd.DataFrame, target: float, *, x_title: str,
                 y_title: str, target_label: str, width: int = 600,
                 height: int = 400) -> alt.LayerChart:
    """Every council's RRI (log scale) against its precision (log scale), with the target
    ratio and its 95% / 99.8% limits (the same lines, colours and shapes as the rate funnel).
    `points`: la_name, role, precision, ratio, position (analytics.views.areas.funnel_points;
    only councils with a positive ratio are drawn). The council and its neighbours are drawn
    larger, ringed and labelled."""
    df = points[points["ratio"].astype(float) > 0][["la_name", "role", "precision", "ratio",
                                                    "position"]].copy()
    df = df.rename(columns={"precision": "population"})
    df["population"] = df["population"].astype(float)
    df["ratio"] = df["ratio"].astype(float)
    df["label"] = df["la_name"].astype(str)
    df["who"] = df["role"].map(ROLE_LABELS)
    x0, end = df["population"].min() * 0.7, df["population"].max() * 1.15
    x1 = end * (end / x0) ** (104 / (width - 104))      # room right of the lines for labels
    key = f"{target_label} {target:.2f}"
    lines = _limit_lines(curve[(curve["population"] >= x0) & (curve["population"] <= end)],
                         target, key)
    bottom = min(df["ratio"].min(), lines["value"].min(), target) * 0.8
    top = max(df["ratio"].max(), lines["value"].max(), target) * 1.25
    xs = alt.Scale(type="log", domain=[x0, x1], nice=False)
    ys = alt.Scale(type="log", domain=[bottom, top], nice=False)
    ticks = [v for v in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50)
             if bottom <= v <= top]
    x = alt.X("population:Q", title=x_title, scale=xs, axis=alt.Axis(format=",.0f"))
    y = alt.Y("ratio:Q", title=y_title, scale=ys, axis=alt.Axis(values=ticks))
    dash = alt.StrokeDash("limit:N", scale=alt.Scale(domain=[key, "95% limits", "99.8% limits"],
                                                     range=[[1, 0], [2, 3], [8, 4]]), legend=None)
    heavy = alt.datum.limit == key
    layers = [alt.Chart(lines).mark_line(clip=True).encode(
        x=alt.X("population:Q", scale=xs), y=alt.Y("value:Q", scale=ys), detail="side:N",
        strokeDash=dash, color=alt.condition(heavy, alt.value("#000"), alt.value("#444")),
        strokeWidth=alt.condition(heavy, alt.value(2.0), alt.value(1.3)))]
    ends = lines[lines["side"].isin([key, "95% limits upper", "99.8% limits upper"])]
    ends = ends.loc[ends.groupby("side")["population"].idxmax()].copy()
    ends["text"] = ends["side"].map({key: key, "95% limits upper": "95% limits",
                                     "99.8% limits upper": "99.8% limits"})
    ends = ends.sort_values("value")
    step = (top / bottom) ** (13 / height)           # keep the labels 13 px apart
    for k in range(1, len(ends)):
        prev = ends["value"].iloc[k - 1]
        if ends["value"].iloc[k] < prev * step:
            ends.iloc[k, ends.columns.get_loc("value")] = prev * step
    layers.append(alt.Chart(ends).mark_text(align="left", baseline="middle", dx=5, fontSize=11,
                                            font=FONT, color="#222").encode(
        x=alt.X("population:Q", scale=xs), y=alt.Y("value:Q", scale=ys), text="text:N"))
    legend = alt.Legend(title=None, orient="top", direction="horizontal", labelFont=FONT,
                        symbolSize=90, symbolStrokeWidth=0)
    tooltip = [alt.Tooltip("la_name:N", title="Council"), alt.Tooltip("who:N", title="Role"),
               alt.Tooltip("ratio:Q", title="RRI", format=".2f"),
               alt.Tooltip("population:Q", title="Precision", format=",.0f"),
               alt.Tooltip("position:N", title="Against England")]
    layers.append(alt.Chart(df).mark_point(filled=True, strokeWidth=0).encode(
        x=x, y=y, tooltip=tooltip,
        color=alt.Color("position:N", scale=alt.Scale(domain=POSITIONS, range=COLOURS),
                        legend=legend),
        shape=alt.Shape("position:N", scale=alt.Scale(domain=POSITIONS, range=SHAPES),
                        legend=legend),
        size=alt.Size("role:N", scale=alt.Scale(domain=list(ROLE_SIZES),
                                                range=list(ROLE_SIZES.values())), legend=None),
        opacity=alt.condition(alt.datum.role == "other", alt.value(0.55), alt.value(1.0))))
    marked = df[df["role"] != "other"]
    area = alt.datum.role == "area"
    # Labels beside their own points, clear of each other and of the marked points (the
    # others are small and faded: avoiding all 150 would push labels far from their points).
    placed = _dodge_labels(marked, marked, x0, x1, top, width, height, bottom=bottom,
                           log=True, y="ratio")
    layers.append(alt.Chart(placed).mark_point(filled=False, color="#000").encode(
        x=alt.X("population:Q", scale=xs), y=alt.Y("ratio:Q", scale=ys),
        size=alt.condition(area, alt.value(420), alt.value(260)),
        strokeWidth=alt.condition(area, alt.value(2.6), alt.value(1.4))))
    if len(placed):
        layers.append(alt.Chart(placed).mark_text(
            baseline="middle", fontSize=11, font=FONT, color="#000",
            align=alt.ExprRef("datum.align"),
            dx=alt.ExprRef("datum.align == 'left' ? 9 : -9"),
            fontWeight=alt.ExprRef("datum.role == 'area' ? 'bold' : 'normal'"),
        ).encode(x=alt.X("population:Q", scale=xs), y=alt.Y("label_rate:Q", scale=ys),
                 text="label:N"))
    return alt.layer(*layers).properties(width=width, height=height)
