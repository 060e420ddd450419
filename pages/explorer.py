"""RRI explorer: one outcome, any breakdown; a forest plot and the full table."""
import pandas as pd
import streamlit as st

from analytics.data import benchmarks
from analytics.data.coverage import AGE_POPULATIONS
from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts
from analytics.outputs.charts.forest import forest, top_groups
from analytics.views.benchmark import sentences
from analytics.views.denominators import AGE_BANDS
from analytics.views.wording import COLUMN_LABELS, finding, group_labels
from ui import aggregate, data, state, widgets

f = state.current(allow_aggregate=True)
catalogue = outcome_catalogue().set_index("key")

st.title("RRI explorer")


def paired_view(result, label: str, unit: str, name: str) -> None:
    """Forest, table and the pairing's notes (ages, years) for events over a population."""
    result = result.assign(group=group_labels(result, [c for c in ("ethnicity_5", "sex") if c in result]))
    widgets.chart(charts.board_chart(
        forest(result), title=finding(result, label.lower(), f.comparison_label),
        subtitle=f"{label}, rate {unit}; population: Census 2021, {result.attrs['population_label']}",
        caveat="Events from your data over a Census population: see the notes for the years.",
        source=f"Source: {data.source_note()} Population: ONS Census 2021.", width=560), name,
        widgets.rri_chart_table(result, f.options.level))
    for note in result.attrs["notes"]:
        st.markdown(f"- {note}")
    widgets.result_table(result, {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items()
                                                       if k not in ("ethnicity_5", "sex")}})


if data.source_kind() == "counts":
    table = data.aggregate()
    st.caption(f"Data source: your counts-only table **{data.source()}** (children with the "
               "outcome, no population): rates come from pairing it with a population table.")
    left, mid, right = st.columns([3, 2, 2])
    pairable = [k for k in catalogue.index if catalogue.loc[k, "denominator"] in AGE_POPULATIONS
                and catalogue.loc[k, "kind"] != "stage"]
    named = [o for o in table.get("outcome", pd.Series(dtype=str)).unique() if o in pairable]
    outcome = left.selectbox("The counts are of", pairable, key="cnt_outcome", bind="query-params",
                             index=pairable.index(named[0]) if named else 0,
                             format_func=lambda k: catalogue.loc[k, "label"])
    choices = data.population_choices()
    population = mid.selectbox("Population table", list(choices), format_func=choices.get,
                               key="cnt_pop", bind="query-params")
    fits = data.population_ages(population, list(AGE_BANDS))
    own = AGE_POPULATIONS[catalogue.loc[outcome, "denominator"]]
    ages = right.selectbox("Ages the counts cover", fits, key=f"cnt_ages_{outcome}_{population}",
                           index=fits.index(own) if own in fits else 0,
                           format_func=lambda a: f"{a[0]}-{a[1]}",
                           help="The ages of the children the counts are about; only the ages "
                                "the population table gives exactly are offered.")
    spec = catalogue.loc[outcome]
    try:
        result = data.paired_counts(outcome, f.period if "period" in table else None, population,
                                    ages, f.options)
    except ValueError as e:
        st.error(f"Cannot pair these counts with that population table: {e}.", icon=":material/error:")
        st.stop()
    paired_view(result, spec["label"], f"per {int(spec['unit']):,} children aged {ages[0]}-{ages[1]}",
                f"rri-{outcome}-census")
    st.stop()
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

paired = data.paired_outcomes()
if paired:
    st.subheader("Rates against the Census population")
    st.caption("Your returns hold only the children they count (children in need, looked after, "
               "in the youth justice system), so rates of these outcomes among all children need "
               "a population table: the Census 2021 population by ethnic group.")
    left, right = st.columns([3, 2])
    which = left.selectbox("Outcome", paired, key="paired_outcome", bind="query-params",
                           format_func=lambda k: catalogue.loc[k, "label"])
    choices = data.population_choices()
    population = right.selectbox("Population table", list(choices), format_func=choices.get,
                                 key="paired_pop", bind="query-params")
    spec_p = catalogue.loc[which]
    try:
        result = data.paired(which, f.periods, population, f.by_sex, f.options)
    except ValueError as e:
        st.error(f"Cannot pair {spec_p['label'].lower()} with that population table: {e}.",
                 icon=":material/error:")
    else:
        low, high = result.attrs["ages"]
        paired_view(result, spec_p["label"], f"per {int(spec_p['unit']):,} children aged {low}-{high}",
                    f"rri-{which}-census-{f.period}")

if outcome in benchmarks.outcomes("england"):
    with st.expander("England beside the borough", icon=":material/public:"):
        england = data.benchmark(outcome, f.periods, f.by_sex, f.query_filters, f.options)
        for line in sentences(england, spec["noun"], f.options.level) or [
                "No figure to set side by side for these groups (see the notes)."]:
            st.markdown(f"- {line}")
        for note in england.attrs["notes"]:
            st.caption(note)
        st.page_link("pages/england.py", label="More on the England page", icon=":material/arrow_forward:")
