"""Board-ready Altair charts: a title that states the finding, a subtitle with the filters,
a source line and a caveat line printed on the chart, and colour-blind-safe palettes.

No Streamlit here: pages, the board pack and the benchmark draw the same charts.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

SOURCE = "Source: synthetic data - not real children. Disproportionality dashboard."
#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEX_COLOURS = alt.Scale(domain=["Female", "Male"], range=["#E69F00", "#0072B2"])
#: A stack ending in a generic family: the server-side renderer draws no text at all for a
#: family it cannot find (Liberation Sans is metric-compatible with Arial).
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


def board_chart(chart: alt.Chart, title: str, subtitle: str, caveat: str = "",
                source: str = SOURCE, width: int = 640) -> alt.VConcatChart:
    """Wrap a chart with its title, subtitle, and a footer holding the source and caveat.

    A fixed `width` (pixels of the plotting area): the footer is a second view, and a
    concatenation cannot stretch to its container; a fixed size also renders identically
    on screen, in PNG/SVG downloads and in the board pack.
    """
    chart = chart.properties(width=width)
    lines = [source] + ([caveat] if caveat else [])
    footer = alt.Chart(pd.DataFrame({"line": lines, "i": range(len(lines))})).mark_text(
        align="left", baseline="top", fontSize=11, color="#444", font=FONT, x=0,
    ).encode(y=alt.Y("i:O", axis=None), text="line:N").properties(height=16 * len(lines),
                                                                    width=width)
    return alt.vconcat(chart, footer, spacing=6).properties(
        title=alt.TitleParams(text=title, subtitle=[subtitle], anchor="start", fontSize=16,
                              subtitleFontSize=12, subtitleColor="#333", font=FONT,
                              subtitleFont=FONT),
    ).configure_view(stroke=None).configure_axis(labelFont=FONT, titleFont=FONT, labelLimit=260)


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
    """Vega-Lite JSON of an Altair chart or of an already built spec (a dict)."""
    import json
    return json.dumps(chart) if isinstance(chart, dict) else chart.to_json()


def to_png(chart, scale: float = 2.0) -> bytes:
    """PNG bytes rendered server-side by vl-convert (no browser needed)."""
    import vl_convert as vlc
    return vlc.vegalite_to_png(_json(chart), scale=scale)


def to_svg(chart) -> str:
    """SVG text rendered server-side by vl-convert."""
    import vl_convert as vlc
    return vlc.vegalite_to_svg(_json(chart))
