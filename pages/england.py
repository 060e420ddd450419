"""England beside the borough: each group's rate against England's (or Inner London's) rate for
the same group, and England's own RRI beside the borough's, with each figure's source, year and
caveats; shares where England publishes counts without a population."""
import streamlit as st

from analytics import protect
from analytics.data import benchmarks
from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts, export
from analytics.outputs.charts.benchmark import side_by_side
from analytics.outputs.charts.forest import forest
from analytics.views.benchmark import sentences
from analytics.views.wording import format_number
from ui import data, state, widgets

f = state.current()
catalogue = outcome_catalogue().set_index("key")
available = data.available_outcomes()
choices = [k for k in benchmarks.outcomes("england") if k in catalogue.index
           and (available is None or k in available)]

st.title("England beside the borough")
st.markdown(
    "Is a disparity local or national? For each outcome with published national figures by "
    "ethnicity, two comparisons: **the alternate ratio** (the borough group's rate over "
    "England's rate for the same group) and **England's own RRI** for the group beside the "
    "borough's. National figures come only by the five broad groups (Asian includes Chinese, "
    "Other includes Arab), so the borough's children are grouped the same way here.")
if data.source() == data.SYNTHETIC:
    st.caption("The borough's figures are synthetic (not real children); the England figures "
               "are real published statistics.")
if not choices:
    st.info("This data source has no outcome with national figures by ethnicity (permanent "
            "exclusions, suspensions, Children in Need, custody and remand after an offence, "
            "NEET).", icon=":material/info:")
    st.stop()
left, right = st.columns([3, 2])
outcome = left.selectbox("Outcome", choices, format_func=lambda k: catalogue.loc[k, "label"],
                         key="bm_outcome", bind="query-params")
places = [b for b in benchmarks.names() if outcome in benchmarks.outcomes(b)]
place = right.radio("Compare with", places, format_func=benchmarks.LABELS.get, horizontal=True,
                    key="bm_area", bind="query-params")
spec = catalogue.loc[outcome]
table = data.benchmark(outcome, f.periods, f.by_sex, f.query_filters, f.options, place)
area = table.attrs["benchmark"]
key = next(c for c in ("ethnicity_5", "ethnicity_major") if c in table.columns)
labels = table[key] + (" " + table["sex"].str.lower() if "sex" in table else "")
table = table.assign(group=labels)
unit = f"per {int(spec['unit']):,} {spec['population_label']}"
totals = table.attrs["totals"]
if totals.get("rate") is not None and totals.get("benchmark_rate") is not None:
    same = "" if totals["comparable"] else f" ({area}'s figure measures {totals['measure']})"
    st.metric(f"{spec['label']}, all children, {unit}", format_number(totals["rate"]))
    st.caption(f"{area}: {format_number(totals['benchmark_rate'])} {unit}{same}, "
               f"{table['benchmark_period'].iloc[0]}.")

subtitle = (f"{spec['label']}, {f.period_label}; {area}: {table['benchmark_area'].iloc[0]}, "
            f"{table['benchmark_period'].iloc[0]}")
source = f"Source: {data.source_note()} {area}: see the notes below."
percent = {c: table[c] * 100 for c in ("share", "benchmark_share")}
screen = protect.display_frame(table.assign(**percent))


def drawn(columns: dict[str, str]):
    """A chart's text alternative: the columns it draws, as on screen, with readable names."""
    return screen[list(columns)].rename(columns=columns)


if table["rri"].notna().any():
    widgets.chart(lambda: charts.board_chart(
        forest(table, x_title=f"Borough rate / {area}'s rate for the same group (log scale)"),
        title=f"The borough's rate against {area}'s, group by group",
        subtitle=subtitle, caveat=f"1 = the same rate as {area}. Bars: confidence intervals "
                                  f"({area}'s rate taken as known). Grey: low numbers.",
        source=source, width=520), f"{place}-ratio-{outcome}",
        drawn({"group": "Group", "rate": f"Borough rate {unit}", "benchmark_rate": f"{area} rate",
               "rri": f"Borough / {area}", "rri_ci_low": "CI low", "rri_ci_high": "CI high",
               "status": "Status"}),
        key=("bm-ratio", data.source_key(), f, outcome, place))
if table["benchmark_rri"].notna().any():
    widgets.chart(lambda: charts.board_chart(
        side_by_side(table, "group", {"local_rri": "Borough", "benchmark_rri": area},
                     x_title=f"RRI against {table.attrs['benchmark_comparison']} (log scale)"),
        title=f"Each group's RRI in the borough and in {area}",
        subtitle=subtitle, caveat=f"Each area's groups against {table.attrs['benchmark_comparison']}.",
        source=source, width=520), f"{place}-rri-{outcome}",
        drawn({"group": "Group", "local_rri": "RRI (borough)", "benchmark_rri": f"RRI ({area})"}),
        key=("bm-rri", data.source_key(), f, outcome, place))
if table["benchmark_share"].notna().any() and table["benchmark_rate"].isna().all():
    widgets.chart(lambda: charts.board_chart(
        side_by_side(table, "group", {"share": "Borough", "benchmark_share": area},
                     x_title="Share of the children with the outcome", ratio=False),
        title=f"Who the children are: the borough's shares and {area}'s",
        subtitle=subtitle, caveat="Shares reflect who lives in each area as much as any "
                                  "disparity: compare them with care.",
        source=source, width=520), f"{place}-shares-{outcome}",
        drawn({"group": "Group", "share": "Share % (borough)", "benchmark_share": f"Share % ({area})"}),
        key=("bm-share", data.source_key(), f, outcome, place))

for line in sentences(table, spec["noun"], f.options.level):
    st.markdown(f"- {line}")
with st.expander("Notes: years, measures and sources", expanded=True):
    for note in table.attrs["notes"]:
        st.markdown(f"- {note}")

st.subheader("Table")
columns = {"group": "Group", "events": "Children (borough)", "population": "Population (borough)",
           "rate": f"Rate {unit}", "benchmark_rate": f"{area} rate", "rri": f"Borough / {area}",
           "rri_ci_low": "CI low", "rri_ci_high": "CI high", "local_rri": "RRI (borough)",
           "benchmark_rri": f"RRI ({area})", "share": "Share (borough)",
           "benchmark_share": f"Share ({area})", "status": "Status"}
widgets.result_table(table.assign(**percent), {**columns, "share": "Share % (borough)",
                                               "benchmark_share": f"Share % ({area})"},
                     key=f"bm-table-{place}")
widgets.downloads(table.drop(columns="group"), export.metadata(
    data_source=data.source(), outcome=spec["label"], periods=", ".join(f.periods),
    comparison=f"{area} (alternate ratio); own RRIs against {table.attrs['benchmark_comparison']}",
    benchmark_period=table["benchmark_period"].iloc[0], notes=" | ".join(table.attrs["notes"]),
    interval_level=f.options.level, suppression_threshold=f.options.suppress,
    protection=protect.protection_note(f.options.suppress), url=widgets.view_url(),
    command=f"python -m analytics rri --db <db> --outcome {outcome} --period {','.join(f.periods)} "
            f"--comparison benchmark --benchmark {place}" + (" --by sex" if f.by_sex else "")),
    f"{place}-{outcome}-{f.period}")

st.subheader("National figures with no borough counterpart")
st.caption("Published figures by ethnicity for England and Wales that this product's data do "
           "not measure: shown for context, as published.")
for national in ("arrest", "stop_and_search", "custody_population"):
    figs = data.national(national, f.options)
    with st.expander(f"{figs.attrs['measure'].capitalize()}, {figs.attrs['area']}, {figs.attrs['period']}"):
        shown = protect.display_frame(figs.assign(share=figs["share"] * 100).rename(columns={
            "benchmark_rri": "rri", "benchmark_rri_ci_low": "rri_ci_low",
            "benchmark_rri_ci_high": "rri_ci_high", "benchmark_status": "status"}), mark_low=False)
        st.dataframe(shown.rename(columns={
            "ethnicity_5": "Group", "events": "Number", "population": "Population",
            "rate": f"Rate per {figs.attrs['unit']:,}", "rri": "RRI", "rri_ci_low": "CI low",
            "rri_ci_high": "CI high", "share": "Share %", "status": "Status"}),
            hide_index=True, width="stretch")
        for note in figs.attrs["notes"]:
            st.caption(note)
