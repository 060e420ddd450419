"""A user's aggregate table (counts by group) on the pages that can use one: the choices
(outcome, rate unit, reference group) drawn once, bound to the URL and shared by the RRI
explorer and Data and export, and the chart drawn from the result."""
from __future__ import annotations

from dataclasses import dataclass, replace

import altair as alt
import pandas as pd
import streamlit as st

from analytics.outputs import charts
from analytics.outputs.charts.forest import forest, top_groups
from analytics.views import tables
from analytics.views.wording import finding, group_labels
from ui import data


@dataclass(frozen=True)
class AggregateView:
    result: pd.DataFrame        # the protected RRI table with a `group` label column
    name: str                   # the outcome (or the dataset's name when it has none)
    keys: tuple                 # the table's group columns
    unit: int
    period: str | None
    options: tables.Options
    compared: str               # what each group is compared with, in words


def choose(f) -> AggregateView:
    """Draw the outcome, unit and (for a named reference) reference choices in one row and
    compute the chosen table's RRIs."""
    table = data.aggregate()
    keys = tables.aggregate_keys(table)
    left, mid, right = st.columns([3, 2, 2])
    outcomes = sorted(table["outcome"].unique()) if "outcome" in table.columns else [None]
    outcome = left.selectbox("Outcome", outcomes, key="agg_outcome", bind="query-params",
                             format_func=lambda o: o or data.source())
    unit = mid.selectbox("Rate per", [100, 1000, 10000], key="agg_unit", bind="query-params",
                         format_func=lambda u: f"{u:,} children")
    options = f.options
    compared = f.comparison_label
    if options.comparison == "reference":
        first = keys[0]
        values = sorted(table[first].astype(str).unique())
        ref = right.selectbox(f"Reference ({first})", values, key="agg_ref", bind="query-params")
        options = replace(options, reference=((first, ref),))
        compared = f"{ref} children"
    period = f.period if "period" in table.columns else None
    result = tables.rri_for_aggregate(table, outcome=outcome, period=period, options=options,
                                      unit=unit)
    result = result.assign(group=group_labels(result, keys))
    return AggregateView(result, outcome or data.source(), tuple(keys), int(unit), period,
                         options, compared)


def chart(view: AggregateView) -> tuple[alt.TopLevelMixin, str]:
    """The forest plot of an aggregate view, titled with its finding, and a note when it
    draws only the top groups of a large table ("" otherwise)."""
    drawn, note = top_groups(view.result)
    return charts.board_chart(
        forest(drawn), title=finding(view.result, view.name, view.compared),
        subtitle=f"{view.name}, rate per {view.unit:,}; {view.period or 'all rows'}; your data",
        caveat="Bars are confidence intervals; grey: low numbers. Suppressed groups are not drawn.",
        source=f"Source: {data.source_info()['source_file']} (your data).", width=560), note
