"""Chart rendering: server-side PNG/SVG carry their text (a missing font draws none)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs import charts

DATA = pd.DataFrame({"group": ["a", "b"], "value": [1, 2]})


def _chart(title):
    bars = alt.Chart(DATA).mark_bar().encode(x="group:N", y="value:Q")
    return charts.board_chart(bars, title=title, subtitle="subtitle", caveat="caveat", width=200)


def test_png_draws_the_title():
    one, other = charts.to_png(_chart("First title")), charts.to_png(_chart("A different title"))
    assert one[:8] == b"\x89PNG\r\n\x1a\n"
    assert one != other


def test_svg_holds_title_source_and_caveat():
    svg = charts.to_svg(_chart("Black boys' rate is 3.3 times the borough average"))
    for text in ("Black boys", "Source: synthetic data", "caveat", "subtitle"):
        assert text in svg.replace("&apos;", "'")
