"""Schools: exclusion disproportionality school by school (Disproportionality Action Plan,
recommendation 10): a funnel plot of each school's rate for Black and minority ethnic pupils
against the borough's, and the within-school RRI against White British pupils."""
import streamlit as st

from analytics import protect
from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts
from analytics.outputs.charts.funnel import funnel
from analytics.stats.funnel import funnel_curve
from analytics.views import schools
from ui import data, state, widgets

WIDTH = 600   # pixels of the funnel's plotting area

f = state.current()
catalogue = outcome_catalogue().set_index("key")

st.title("Schools")
st.markdown(
    "Exclusions of Black and minority ethnic pupils **school by school**, as recommendation 10 "
    "of the Disproportionality Action Plan asks (\"disseminating this information on a "
    "school-by-school basis\"). Each school is compared with the borough rate for these pupils "
    "(the funnel plot) and with its own White British pupils (the table).")
available = data.available_outcomes()
offered = [o for o in schools.SCHOOL_OUTCOMES if available is None or o in available]
if not offered:
    st.info(f"The data source **{data.source()}** has no exclusion outcomes.",
            icon=":material/info:")
    st.stop()
left, right, _ = st.columns([4, 2, 2])
outcome = left.radio("Outcome", offered, horizontal=True,
                     format_func=lambda k: catalogue.loc[k, "label"],
                     key="school_outcome", bind="query-params")
phase = right.radio("Phase", list(schools.PHASES), horizontal=True, key="school_phase",
                    bind="query-params")

spec = catalogue.loc[outcome]
unit_label = f"per {int(spec['unit']):,} pupils"
filters = tuple((col, tuple(values))
                for col, values in schools.phase_filters(phase, f.query_filters).items())
bme, white_british = (data.counts(outcome, ("school",), f.periods, cohort, filters)
                      for cohort in (schools.BME_COHORT, schools.WB_COHORT))
table = schools.school_table_from_counts(schools.combine_counts(bme, white_british), outcome,
                                         f.options)
points = schools.funnel_points(table)

if table.empty:
    st.info(f"No {phase.lower()} pupils match the filters ({f.describe()}).")
else:
    if points.empty:
        st.info(schools.above_limit_sentence(table, unit_label) + " Pooling more years in "
                "the sidebar gives larger numbers.", icon=":material/info:")
    else:
        st.markdown(schools.above_limit_sentence(table, unit_label))
        borough = float(points["borough_rate"].iloc[0])
        pooled = len(f.periods) > 1
        figure = charts.board_chart(
            funnel(points, funnel_curve(borough / spec["unit"], int(points["population"].max()),
                                        unit=spec["unit"], points=400),
                   borough, unit_label=unit_label,
                   x_title="Black and minority ethnic pupils" + (" (pupil-years)" if pooled else ""),
                   y_title=f"{spec['label'].split(' (')[0]} {unit_label}",
                   borough_label="Borough rate", width=WIDTH),
            title=schools.funnel_finding(table, spec["noun"], phase),
            subtitle=f"{spec['label']}, Black and minority ethnic pupils in "
                     f"{phase.lower()} schools; {schools.chart_context(f.describe())}",
            caveat="Exact binomial limits around the borough rate. Schools with suppressed "
                   "counts are not drawn.",
            width=WIDTH,
        )
        drawn = schools.display_table(points)
        widgets.chart(figure, f"schools-{outcome}-{phase}-{f.period}",
                      drawn[[c for c in drawn.columns if c in (
                          "School", "Black and minority ethnic pupils",
                          "Rate, Black and minority ethnic pupils", "Against borough rate")]])

    st.subheader("School by school: Black and minority ethnic pupils against White British pupils")
    adjust = ("no adjustment for comparing many schools" if f.options.adjust == "none" else
              f"significance adjusted for comparing {len(table)} schools "
              f"({state.ADJUSTMENTS[f.options.adjust].split(' (')[0]})")
    st.caption(f"Rates {unit_label}. RRI: the school's rate for Black and minority ethnic "
               f"pupils divided by its rate for White British pupils, with its "
               f"{f.options.level:.0%} interval; {adjust}. The sidebar's comparison, ethnicity "
               "detail and sex split do not apply on this page.")
    shown = schools.display_table(table)
    st.dataframe(shown, hide_index=True, width="stretch", key="school_table",
                 height=min(36 * (len(shown) + 1) + 2, 36 * 16),
                 column_config={"School": st.column_config.TextColumn(pinned=True)})
    st.caption(protect.legend(f.options.suppress, f.options.min_population,
                                 f.options.min_events))
