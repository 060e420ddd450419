"""Funnel plot: each unit's rate (a school's) against its size, with the borough rate and the
95% and 99.8% control limits; units beyond the limits coloured, shaped and labelled."""
from __future__ import annotations

import altair as alt
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
                  width: int, height: int) -> pd.DataFrame:
    """Label positions that overlap neither each other nor the points: each label tries the
    right of its point, then the left, then steps further away vertically (pixel space)."""
    out = df.copy()
    if out.empty:
        return out.assign(label_rate=pd.Series(dtype=float), align=pd.Series(dtype=str))
    to_px = lambda pop, rate: ((pop - x0) / (x1 - x0) * width, (1 - rate / top) * height)  # noqa: E731
    boxes = []   # (left, right, top, bottom) in pixels
    for pop, rate in zip(points["population"], points["rate"]):
        x, y = to_px(pop, rate)
        boxes.append((x - 6, x + 6, y - 6, y + 6))
    char, line = 6.2, 13
    placed = {}
    order = sorted(out.index, key=lambda i: to_px(out.at[i, "population"], out.at[i, "rate"])[1])
    for i in order:
        x, y = to_px(out.at[i, "population"], out.at[i, "rate"])
        w = char * len(out.at[i, "label"])
        candidates = []
        for step in range(0, 8):
            for dy in ((0,) if step == 0 else (step * line, -step * line)):
                for align in ("left", "right"):
                    left = x + 8 if align == "left" else x - 8 - w
                    if left < 0 or left + w > width or not 0 <= y + dy <= height:
                        continue
                    candidates.append((align, left, y + dy))
        choice = candidates[0] if candidates else ("left", x + 8, y)
        for align, left, cy in candidates:
            box = (left, left + w, cy - line / 2, cy + line / 2)
            if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3]
                       for b in boxes):
                choice = (align, left, cy)
                break
        align, left, cy = choice
        boxes.append((left, left + w, cy - line / 2, cy + line / 2))
        placed[i] = (align, top * (1 - cy / height))
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
