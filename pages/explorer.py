"""RRI explorer: one outcome, any breakdown; a forest plot and the full table."""
import streamlit as st

from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts
from analytics.outputs.charts.forest import forest, top_groups
from analytics.views.wording import COLUMN_LABELS, finding, group_labels
from ui import aggregate, data, state, widgets

f = state.current(allow_aggregate=True)
catalogue = outcome_catalogue().set_index("key")

st.title("RRI explorer")
if data.source_kind() == "aggregate":
    st.caption(f"Data source: your aggregate table **{data.source()}**.")
    view = aggregate.choose(f)
    figure, note = aggregate.chart(view)
    widgets.chart(figure, f"rri-{view.name}", widgets.rri_chart_table(view.result, view.options.level))
    if note:
        st.caption(note)
    widgets.result_table(view.result, {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items()
                                                            if k not in view.keys}})
    st.page_link("pages/data_export.py", label="Download this table (CSV, Excel, Parquet)",
                 icon=":material/download:")
    st.stop()
available = data.available_outcomes()      # a record-level dataset may lack some outcomes
outcome = st.selectbox("Outcome", [k for k in catalogue.index if available is None or k in available],
                       index=0,
                       format_func=lambda k: f"{catalogue.loc[k, 'label']} ({catalogue.loc[k, 'domain']})",
                       key="outcome", bind="query-params")
# Two controls a row: a break-down chip is never cut short in a narrow window.
mid, right = st.columns([3, 2])
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
by_volume = sort == "volume"
if by_volume:   # the table follows the chart's order, its excess column up front
    excess = table["excess_events"].astype("Float64")
    table = table.assign(_e=excess).sort_values("_e", ascending=False, na_position="last",
                                                kind="stable").drop(columns="_e")
# At the DfE code level the code itself is secondary detail: a column beside the name.
lead = ("group", "ethnicity_code") if "ethnicity_code" in breakdown else ("group",)
drawn, note = top_groups(table, sort)
widgets.chart(lambda: charts.board_chart(
    forest(drawn, sort=sort),
    title=title,
    subtitle=f"{spec['label']}, rate {unit}; {f.describe()}",
    caveat="Bars are confidence intervals; grey: fewer than "
           f"{f.options.min_population} children or {f.options.min_events} events. "
           "Suppressed groups are not drawn."
           + (" Numbers at the right: excess children, how many fewer would have the outcome "
              "at the comparison rate." if by_volume else ""),
    width=560,
), f"rri-{outcome}-{f.period}", widgets.rri_chart_table(table, f.options.level, lead),
    key=("explorer", data.source_key(), f, outcome, breakdown, sort))

if note:
    st.caption(note)
missing = table[table["rri"].isna()]
if len(missing):
    listed = "; ".join(f"{g} ({s.split(':')[0]})" for g, s in
                       zip(missing["group"][:20], missing["status"].astype(str)[:20]))
    st.caption("Not drawn: " + listed + (f"; and {len(missing) - 20:,} more (see the table)"
                                         if len(missing) > 20 else ""))

st.subheader("Full table")
labels = {"group": "Group", **({"excess_events": COLUMN_LABELS["excess_events"]} if by_volume else {}),
          **{k: v for k, v in COLUMN_LABELS.items() if k not in breakdown or k in lead}}
widgets.result_table(table, labels)
