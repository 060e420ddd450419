"""The global filters: drawn once in the sidebar by app.py, bound to the URL's query
parameters (so a copied link reproduces the view), read by every page."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui import data

ETHNICITY_LEVELS = {
    "ethnicity_major": "Major group",
    "ethnicity_minor": "Minor group",
    "ethnicity_code": "DfE code",
}


@dataclass(frozen=True)
class Filters:
    period: str
    ethnicity: str          # a key of ETHNICITY_LEVELS

    @property
    def periods(self) -> tuple[str, ...]:
        return (self.period,)

    def describe(self) -> str:
        return f"{self.period}; ethnicity by {ETHNICITY_LEVELS[self.ethnicity].lower()}"


def sidebar() -> Filters:
    """Draw the global filters in the sidebar and return the current choice."""
    periods = data.periods()
    with st.sidebar:
        st.header("Filters")
        period = st.selectbox("Period (academic year)", periods, index=len(periods) - 1,
                              key="period", bind="query-params")
        ethnicity = st.radio("Ethnicity detail", list(ETHNICITY_LEVELS),
                             format_func=ETHNICITY_LEVELS.get, key="eth", bind="query-params")
    return Filters(period=period, ethnicity=ethnicity)


def current() -> Filters:
    """The filters drawn by app.py in this run (pages call this, never draw them again)."""
    return st.session_state["filters"]
