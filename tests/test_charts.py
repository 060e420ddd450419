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


def test_chart_files_keep_their_data_whatever_altair_global_transformer_says():
    """Streamlit swaps Altair's process-wide data transformer while it draws a chart; a PNG
    rendered on another thread at that moment used to lose layers (an empty plot, no source
    line). Board charts carry their data inline, so the swap cannot touch them."""
    import json

    import altair as alt
    import pandas as pd

    from analytics.outputs import charts

    def drop_data(data, **kwargs):          # what a foreign transformer might do
        return {"name": "somewhere-else"}

    alt.data_transformers.register("drop_data", drop_data)
    plot = alt.Chart(pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})).mark_point().encode(
        x="x:Q", y="y:N")
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule().encode(x="x:Q")
    board = charts.board_chart(alt.layer(plot, one), "A title", "A subtitle", "A caveat")
    with alt.data_transformers.enable("drop_data"):
        spec = json.loads(board.to_json())
    text = json.dumps(spec)
    assert "somewhere-else" not in text
    assert "Source: synthetic data" in text and "A caveat" in text
    svg = charts.to_svg(spec)
    assert "A caveat" in svg and svg.count("<path") >= 3      # the points and the rule


def test_board_chart_wraps_long_titles_instead_of_cutting_them():
    import altair as alt
    import pandas as pd

    from analytics.outputs import charts

    plot = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_point().encode(x="x:Q")
    title = ("The permanent exclusion rate of girls of any other White background eligible "
             "for free school meals is 3.3 times the rate for White British children")
    spec = charts.board_chart(plot, title, "Holm adjustment; " * 12, width=300).to_dict()
    lines = spec["title"]["text"]
    assert isinstance(lines, list) and len(lines) > 1 and " ".join(lines) == title
    assert spec["title"]["limit"] == 0 and len(spec["title"]["subtitle"]) > 1
    svg = charts.to_svg(charts.board_chart(plot, title, "s", width=300))
    assert "\u2026" not in svg                                  # nothing cut with an ellipsis
