"""Small drawing helpers shared by pages."""
from __future__ import annotations

import hashlib
import pickle
import re
from functools import lru_cache

import altair as alt
import pandas as pd
import streamlit as st

from analytics import protect
from analytics.outputs import charts
from analytics.protect import gate


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@st.cache_resource(show_spinner=False, max_entries=256)
def _built(key: tuple, _build) -> alt.TopLevelMixin:
    """A chart built once per view (shared, never modified): building an Altair chart costs
    more than a warm rerun's (cached) statistics."""
    return _build()


@st.cache_resource(show_spinner=False, max_entries=256)
def _spec(key: tuple, _figure: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, converted once per view: Altair's conversion (with its
    schema validation) was the largest cost of a warm rerun (docs/serving.md)."""
    return _figure.to_dict()


def _frame_key(frame: pd.DataFrame) -> str:
    """A cache key for a result table: a digest of its pickle, which holds its content and
    its attrs (the interval level is one); several times quicker than Streamlit's hash of
    the content alone."""
    return hashlib.sha1(pickle.dumps(frame, protocol=5)).hexdigest()


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_key})
def _display(table: pd.DataFrame) -> pd.DataFrame:
    """`protect.display_frame` once per table (formatting every cell of a result table was
    the next largest cost of a warm rerun)."""
    return protect.display_frame(table)


@lru_cache(maxsize=32)
def _rendered(spec: str, fmt: str) -> bytes | str:
    """A chart file rendered once per chart (a repeated click is instant). Plain lru_cache:
    downloads run on a server thread outside the script run."""
    return charts.to_png(spec) if fmt == "png" else charts.to_svg(spec)


def chart(figure, name: str, table: pd.DataFrame, key: tuple | None = None) -> None:
    """Draw a board-ready chart, its text alternative (the chart's data as a table, under
    the chart) and PNG and SVG downloads rendered on the server when clicked.

    `figure` is an Altair chart, or, with `key` (everything the chart depends on, including
    the data source), a function building one, which is then built once per key. `table`
    holds what the chart draws, with readable column names. Downloads do not rerun the
    page (`on_click="ignore"`), so the file a button offers stays valid however quickly it
    is clicked again.
    """
    gate.require(table, display=True)      # what the chart draws passed the gate
    if key is not None:
        figure = _built(key, figure)
        st.vega_lite_chart(spec=_spec(key, figure), width="content", theme=None)
    else:
        st.altair_chart(figure, width="content", theme=None)
    with st.expander("The chart as a table"):
        # A plain HTML table: screen readers and keyboards navigate it like any table.
        st.table(table, hide_index=True, border="horizontal")
    from ui import data
    suppress = _suppress()
    with st.container(horizontal=True):
        st.download_button("Download PNG", data=data.audited(
                               "export", f"chart {slug(name)}.png",
                               lambda: _rendered(figure.to_json(), "png"), suppress),
                           file_name=f"{slug(name)}.png", mime="image/png", on_click="ignore",
                           key=f"png-{slug(name)}", icon=":material/image:", width="content")
        st.download_button("Download SVG", data=data.audited(
                               "export", f"chart {slug(name)}.svg",
                               lambda: _rendered(figure.to_json(), "svg"), suppress),
                           file_name=f"{slug(name)}.svg", mime="image/svg+xml",
                           on_click="ignore", key=f"svg-{slug(name)}",
                           icon=":material/draw:", width="content")


def _suppress() -> int | None:
    """The suppression threshold of this run's filters (for the audit log)."""
    filters = st.session_state.get("filters")
    return None if filters is None else filters.options.suppress


def result_table(table: pd.DataFrame, labels: dict[str, str], key: str | None = None) -> None:
    """A result table formatted for screen: suppressed cells [c], undefined [z], low [u],
    readable column names, and the legend."""
    shown = _display(table)
    cols = [c for c in labels if c in shown.columns]
    st.dataframe(shown[cols].rename(columns=labels), hide_index=True, width="stretch", key=key)
    st.caption(protect.legend(table.attrs.get("suppression_threshold", 5),
                              table.attrs.get("min_population", 30),
                              table.attrs.get("min_events", 5)))


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
    gate.require(table)                    # refused before any button is offered
    suppress = int(meta.get("suppression_threshold") or 0)
    with st.container(horizontal=True):     # buttons as wide as their labels, wrapping
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")):
            st.download_button(f"Download {label}", key=f"dl-{fmt}-{slug(name)}",
                               data=data.audited(
                                   "export", f"{fmt} table {slug(name)} ({len(table)} rows)",
                                   lambda fmt=fmt: export.export_bytes(table, fmt, meta), suppress),
                               file_name=f"{slug(name)}.{fmt}", mime=export.FORMATS[fmt],
                               on_click="ignore", icon=":material/download:", width="content")


def rri_chart_table(table: pd.DataFrame, level: float, lead: tuple = ("group",)) -> pd.DataFrame:
    """What a forest plot draws, as screen strings with readable names: the text alternative
    of the chart (rows in the table's order; symbols as in every table)."""
    from analytics.views.wording import COLUMN_LABELS
    shown = _display(table)
    cols = [c for c in (*lead, "rri", "rri_ci_low", "rri_ci_high", "rate", "reference_rate",
                        "excess_events", "status") if c in shown.columns]
    names = {**COLUMN_LABELS, "rri_ci_low": f"RRI {level:.0%} CI low",
             "rri_ci_high": f"RRI {level:.0%} CI high"}
    return shown[cols].rename(columns=names)


def build_report(kind: str, title: str, view, build, pdf: bool) -> None:
    """Build a report where the user can see it: a progress bar naming each step, then a
    clear success or error message. The files are kept in the session (with the view they
    were built for) for the download buttons; nothing is built again on a click."""
    from analytics.outputs import reports
    bar = st.progress(0.0, text=f"Building the {title.lower()}...")
    share = 0.75 if pdf else 1.0
    try:
        html = build(lambda done, text: bar.progress(min(done, 1.0) * share, text=f"{text}..."))
        made = None
        if pdf:
            bar.progress(share, text="Turning it into a PDF (the longest step)...")
            made = reports.to_pdf(html)
    except Exception as e:          # shown, not swallowed: the user must know it failed
        bar.empty()
        st.error(f"The {title.lower()} could not be built: {e}", icon=":material/error:")
        st.exception(e)
        return
    bar.progress(1.0, text="Done.")
    st.session_state.setdefault("built_reports", {})[kind] = {"view": view, "html": html,
                                                             "pdf": made}
    st.success(f"The {title.lower()} is ready ({len(html) // 1000:,} kB HTML"
               + (f", {len(made) // 1000:,} kB PDF" if made else "") + "): download it below.",
               icon=":material/check_circle:")
