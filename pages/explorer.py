"""RRI explorer: one outcome, any breakdown; a forest plot and the full table."""
from dataclasses import replace

import streamlit as st

from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts
from analytics.outputs.charts.forest import forest, top_groups
from analytics.views import tables
from analytics.views.wording import COLUMN_LABELS, finding, group_labels
from ui import data, state, widgets

f = state.current(allow_aggregate=True)
catalogue = outcome_catalogue().set_index("key")

st.title("RRI explorer")
if data.source_kind() == "aggregate":
    st.caption(f"Data source: your aggregate table **{data.source()}**.")
    table = data.aggregate()
    keys = tables.aggregate_keys(table)
    left, mid, right = st.columns([3, 2, 2])
    outcomes = sorted(table["outcome"].unique()) if "outcome" in table.columns else [None]
    outcome = left.selectbox("Outcome", outcomes, key="agg_outcome", bind="query-params",
                             format_func=lambda o: o or data.source())
    unit = mid.selectbox("Rate per", [100, 1000, 10000], key="agg_unit", bind="query-params",
                         format_func=lambda u: f"{u:,} children")
    options = f.options
    if options.comparison == "reference":
        first = keys[0]
        values = sorted(table[first].astype(str).unique())
        ref = right.selectbox(f"Reference ({first})", values, key="agg_ref", bind="query-params")
        options = replace(options, reference=((first, ref),))
    period = f.period if "period" in table.columns else None
    result = tables.rri_for_aggregate(table, outcome=outcome, period=period, options=options, unit=unit)
    result = result.assign(group=group_labels(result, keys))
    name = outcome or data.source()
    drawn, note = top_groups(result)
    figure = charts.board_chart(
        forest(drawn), title=finding(result, name, f.comparison_label if options.comparison != "reference"
                                      else f"{dict(options.reference)[keys[0]]}"),
        subtitle=f"{name}, rate per {unit:,}; {period or 'all rows'}; your data",
        caveat="Bars are confidence intervals; grey: low numbers. Suppressed groups are not drawn.",
        source=f"Source: {data.source_info()['source_file']} (your data).", width=560)
    widgets.chart(figure, f"rri-{name}")
    if note:
        st.caption(note)
    widgets.result_table(result, {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items()
                                                       if k not in keys}})
    st.stop()
left, mid, right = st.columns([3, 2, 2])
available = data.available_outcomes()      # a record-level dataset may lack some outcomes
outcome = left.selectbox("Outcome", [k for k in catalogue.index if available is None or k in available],
                         index=0,
                         format_func=lambda k: f"{catalogue.loc[k, 'label']} ({catalogue.loc[k, 'domain']})",
                         key="outcome", bind="query-params")
extra = mid.multiselect("Also break down by", ["fsm_status", "sen_status", "care_status", "age_band"],
                        format_func=COLUMN_LABELS.get, key="also", bind="query-params")
sort = right.radio("Sort by", ["magnitude", "volume"], horizontal=True, key="sort",
                   format_func={"magnitude": "Size of ratio", "volume": "Excess children"}.get,
                   bind="query-params")
spec = catalogue.loc[outcome]
breakdown = f.breakdown + tuple(extra)
table = data.rri_for_outcome(outcome, breakdown, f.periods, f.query_filters, f.options)
table = table.assign(group=group_labels(table, breakdown))

unit = f"per {int(spec['unit']):,} {spec['population_label']}"
title = finding(table, spec["noun"], f.comparison_label)
drawn, note = top_groups(table, sort)
widgets.chart(lambda: charts.board_chart(
    forest(drawn, sort=sort),
    title=title,
    subtitle=f"{spec['label']}, rate {unit}; {f.describe()}",
    caveat="Bars are confidence intervals; grey: fewer than "
           f"{f.options.min_population} children or {f.options.min_events} events. "
           "Suppressed groups are not drawn.",
    width=560,
), f"rri-{outcome}-{f.period}", key=("explorer", data.source_key(), f, outcome, breakdown, sort))

if note:
    st.caption(note)
missing = table[table["rri"].isna()]
if len(missing):
    listed = "; ".join(f"{g} ({s.split(':')[0]})" for g, s in
                       zip(missing["group"][:20], missing["status"].astype(str)[:20]))
    st.caption("Not drawn: " + listed + (f"; and {len(missing) - 20:,} more (see the table)"
                                         if len(missing) > 20 else ""))

st.subheader("Full table")
labels = {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items() if k not in breakdown}}
widgets.result_table(table, labels)
