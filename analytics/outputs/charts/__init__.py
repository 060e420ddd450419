"""Board-ready Altair charts: a title that states the finding, a subtitle with the filters,
a source line and a caveat line printed on the chart, and colour-blind-safe palettes.

No Streamlit here: pages, the board pack and the benchmark draw the same charts.
"""
from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

SOURCE = "Source: synthetic data - not real children. Disproportionality dashboard."
#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEX_COLOURS = alt.Scale(domain=["Female", "Male"], range=["#E69F00", "#0072B2"])
#: A stack ending in a generic family: the server-side renderer draws no text at all for a
#: family it cannot find (Liberation Sans is metric-compatible with Arial).
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


#: Average glyph widths of the font stack, in ems (Arial / Liberation Sans, mixed text),
#: used to wrap titles and footers into lines that fit the chart: a little generous, so a
#: line never runs past the chart's edge.
EM_BOLD, EM_REGULAR = 0.60, 0.56
TEXT = "#222222"        # axis, legend and footer text: contrast 15:1 on white


def wrap(text: str, width_px: float, font_size: float, bold: bool = False) -> list[str]:
    """`text` broken at spaces into lines no wider than `width_px` (estimated from the font
    size): chart titles and footers wrap instead of being cut off with an ellipsis."""
    chars = max(int(width_px / (font_size * (EM_BOLD if bold else EM_REGULAR))), 20)
    return textwrap.wrap(str(text), width=chars, break_long_words=False) or [""]


def inline_data(chart):
    """Replace every DataFrame in `chart` (and its layers and concatenated parts) by inline
    values, so that serialising the chart never goes through Altair's global data
    transformer. That setting is process-wide: the dashboard swaps it while drawing a chart
    on one thread, and a chart serialised on another thread at that moment (a PNG download)
    would lose its data and come out empty. Returns `chart`, changed in place."""
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        chart.data = alt.InlineData(values=alt.to_values(data)["values"])
    for attr in ("layer", "vconcat", "hconcat", "concat"):
        parts = getattr(chart, attr, alt.Undefined)
        if isinstance(parts, list):
            for part in parts:
                inline_data(part)
    return chart


def board_chart(chart: alt.Chart, title, subtitle: str, caveat: str = "",
                source: str = SOURCE, width: int = 640,
                description: str | None = None) -> alt.VConcatChart:
    """Wrap a chart with its title, subtitle, and a footer holding the source and caveat.

    A fixed `width` (pixels of the plotting area): the footer is a second view, and a
    concatenation cannot stretch to its container; a fixed size also renders identically
    on screen, in PNG/SVG downloads and in the board pack (the page scales it down to fit
    a narrow window). Title, subtitle and footer are wrapped to the width, never cut off.
    `description` (default: the title and subtitle) is the chart's text alternative,
    read out by screen readers; the marks themselves are hidden from them (the page shows
    the chart's data as a table).
    """
    chart = chart.properties(width=width)
    room = max(width, 420)
    title_text = " ".join(title) if isinstance(title, (list, tuple)) else str(title)
    title_lines = wrap(title_text, room, 16, bold=True)
    subtitle_lines = wrap(subtitle, room, 12)
    lines = [line for text in [source] + ([caveat] if caveat else [])
             for line in wrap(text, room, 11)]
    footer = alt.Chart(pd.DataFrame({"line": lines, "i": range(len(lines))})).mark_text(
        align="left", baseline="top", fontSize=11, color="#333333", font=FONT, x=0, limit=0,
    ).encode(y=alt.Y("i:O", axis=None), text="line:N").properties(height=16 * len(lines),
                                                                    width=width)
    described = description or f"{title_text}. {subtitle}"
    out = alt.vconcat(chart, footer, spacing=6).properties(
        title=alt.TitleParams(text=title_lines, subtitle=subtitle_lines, anchor="start",
                              fontSize=16, subtitleFontSize=12, color="#000000",
                              subtitleColor="#333333", font=FONT, subtitleFont=FONT, limit=0,
                              subtitlePadding=4),
        description=described,
    ).configure(aria=False, background="#ffffff").configure_mark(aria=False).configure_view(
        stroke=None).configure_axis(
        labelFont=FONT, titleFont=FONT, labelLimit=0, titleLimit=0, labelColor=TEXT,
        titleColor=TEXT,
    ).configure_legend(labelFont=FONT, titleFont=FONT, labelColor=TEXT, titleColor=TEXT,
                       labelLimit=0)
    return inline_data(out)


def population_bars(table: pd.DataFrame, group_col: str, group_title: str) -> alt.Chart:
    """Horizontal bars of children per group, split by sex."""
    order = (table.groupby(group_col)["population"].sum().sort_values(ascending=False).index.tolist())
    return alt.Chart(table).mark_bar().encode(
        y=alt.Y(f"{group_col}:N", sort=order, title=group_title),
        x=alt.X("population:Q", title="Children", stack=True),
        color=alt.Color("sex:N", scale=SEX_COLOURS, title="Sex",
                        legend=alt.Legend(orient="top", direction="horizontal")),
        tooltip=[alt.Tooltip(f"{group_col}:N", title=group_title), alt.Tooltip("sex:N", title="Sex"),
                 alt.Tooltip("population:Q", title="Children", format=",")],
    ).properties(height=max(180, 22 * len(order)))


def totals_lines(table: pd.DataFrame) -> alt.Chart:
    """Counts of children with each outcome by period, one line per outcome."""
    return alt.Chart(table).mark_line(point=True).encode(
        x=alt.X("period:O", title="Academic year"),
        y=alt.Y("events:Q", title="Children"),
        color=alt.Color("label:N", title="Outcome", scale=alt.Scale(range=OKABE_ITO)),
        tooltip=[alt.Tooltip("label:N", title="Outcome"), alt.Tooltip("period:O", title="Year"),
                 alt.Tooltip("events:Q", title="Children", format=",")],
    ).properties(height=280)


def _json(chart) -> str:
    """Vega-Lite JSON of an Altair chart, of an already built spec (a dict) or the JSON."""
    import json
    if isinstance(chart, str):
        return chart
    return json.dumps(chart) if isinstance(chart, dict) else chart.to_json()


def to_png(chart, scale: float = 2.0) -> bytes:
    """PNG bytes rendered server-side by vl-convert (no browser needed)."""
    import vl_convert as vlc
    return vlc.vegalite_to_png(_json(chart), scale=scale)


def to_svg(chart) -> str:
    """SVG text rendered server-side by vl-convert."""
    import vl_convert as vlc
    return vlc.vegalite_to_svg(_json(chart))
