"""RRI explorer: one outcome, any breakdown; a forest plot and the full table."""
import streamlit as st

from analytics import charts
from analytics.charts.forest import forest
from analytics.labels import COLUMN_LABELS, finding, group_labels
from analytics.reference import outcome_catalogue
from ui import data, state, widgets

f = state.current()
catalogue = outcome_catalogue().set_index("key")

st.title("RRI explorer")
left, mid, right = st.columns([3, 2, 2])
outcome = left.selectbox("Outcome", list(catalogue.index), index=0,
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
figure = charts.board_chart(
    forest(table, sort=sort),
    title=title,
    subtitle=f"{spec['label']}, rate {unit}; {f.describe()}",
    caveat="Bars are confidence intervals; grey: fewer than "
           f"{f.options.min_population} children or {f.options.min_events} events. "
           "Suppressed groups are not drawn.",
    width=560,
)
widgets.chart(figure, f"rri-{outcome}-{f.period}")

missing = table[table["rri"].isna()]
if len(missing):
    st.caption("Not drawn: " + "; ".join(f"{g} ({s.split(':')[0]})"
                                         for g, s in zip(missing["group"], missing["status"].astype(str))))

st.subheader("Full table")
labels = {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items() if k not in breakdown}}
widgets.result_table(table, labels)
