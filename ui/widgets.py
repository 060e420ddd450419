"""Small drawing helpers shared by pages."""
from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from analytics import protect
from analytics.outputs import charts


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@st.cache_resource(show_spinner=False, max_entries=256)
def _built(key: tuple, _build) -> alt.TopLevelMixin:
    """A chart built once per view (shared, never modified): building an Altair chart costs
    more than a warm rerun's (cached) statistics."""
    return _build()


def chart(figure, name: str, key: tuple | None = None) -> None:
    """Draw a board-ready chart with PNG and SVG downloads rendered server-side on click.

    `figure` is an Altair chart, or, with `key` (everything the chart depends on, including
    the data source), a function building one, which is then built once per key.
    """
    if key is not None:
        figure = _built(key, figure)
    st.altair_chart(figure, width="content")
    from ui import data
    suppress = _suppress()
    with st.container(horizontal=True):
        st.download_button("Download PNG", data=data.audited("export", f"chart {slug(name)}.png",
                                                             lambda: charts.to_png(figure), suppress),
                           file_name=f"{slug(name)}.png", mime="image/png",
                           key=f"png-{slug(name)}", icon=":material/image:", width="content")
        st.download_button("Download SVG", data=data.audited("export", f"chart {slug(name)}.svg",
                                                             lambda: charts.to_svg(figure), suppress),
                           file_name=f"{slug(name)}.svg", mime="image/svg+xml",
                           key=f"svg-{slug(name)}", icon=":material/draw:", width="content")


def _suppress() -> int | None:
    """The suppression threshold of this run's filters (for the audit log)."""
    filters = st.session_state.get("filters")
    return None if filters is None else filters.options.suppress


def result_table(table: pd.DataFrame, labels: dict[str, str], key: str | None = None) -> None:
    """A result table formatted for screen: suppressed cells [c], undefined [z], low [u],
    readable column names, and the legend."""
    shown = protect.display_frame(table)
    cols = [c for c in labels if c in shown.columns]
    st.dataframe(shown[cols].rename(columns=labels), hide_index=True, width="stretch", key=key)
    st.caption(protect.legend(table.attrs.get("suppression_threshold", 5) or 5))


def view_url() -> str:
    """The URL of the current view (page and every filter in the query string)."""
    from urllib.parse import urlencode
    base = (st.context.url or "").split("?")[0]
    query = urlencode(st.query_params.to_dict(), doseq=True)
    return f"{base}?{query}" if query else base


def downloads(table: pd.DataFrame, meta: dict, name: str) -> None:
    """CSV, Excel and Parquet downloads of a (suppressed) result table with its metadata."""
    from analytics.outputs import export
    from ui import data
    cols = st.columns(3)
    suppress = int(meta.get("suppression_threshold") or 0)
    for col, fmt, label in zip(cols, ("csv", "xlsx", "parquet"), ("CSV", "Excel", "Parquet")):
        col.download_button(f"Download {label}", key=f"dl-{fmt}-{slug(name)}",
                            data=data.audited("export", f"{fmt} table {slug(name)} ({len(table)} rows)",
                                              lambda fmt=fmt: export.export_bytes(table, fmt, meta),
                                              suppress),
                            file_name=f"{slug(name)}.{fmt}", mime=export.FORMATS[fmt],
                            icon=":material/download:", width="stretch")
