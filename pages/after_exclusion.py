"""After exclusion: what happens to children first suspended or permanently excluded, against
pupils not excluded of the same ethnicity and sex (Disproportionality Action Plan,
recommendation 10), school by school, and the youth-justice cohort's history."""
import streamlit as st

from analytics.data.cohorts import get as get_cohort
from analytics.data.followup import FOLLOWUP_OUTCOMES, WINDOWS
from analytics.outputs import charts, export
from analytics.outputs.charts.explain import ratio_pairs
from analytics.outputs.charts.followup import cohort_shares, history_shares
from analytics.protect import legend
from analytics.views import followup as fu
from ui import data, state, widgets

WIDTH = 560

f = state.current()
labels, nouns = fu.outcome_labels(), fu.outcome_nouns()
available = data.available_outcomes()
outcomes = tuple(o for o in FOLLOWUP_OUTCOMES if available is None or o in available)

st.title("After exclusion")
st.markdown(
    "What happens to children after a first suspension or permanent exclusion? Recommendation "
    "10 of the Disproportionality Action Plan asks for *\"longer-term outcomes for excluded "
    "BAME young people ... on a school-by-school basis\"*. Children first excluded in a year "
    "are followed for the years after it and compared with pupils not excluded by then "
    "(crude: of the same ethnicity and sex; adjusted: also with the same free school meals, "
    "SEN, care status, age and year). These are **associations, not causes**: children who are "
    "excluded differ from others in ways the data do not record.")
if not outcomes or (available is not None and "suspension" not in available):
    st.info(f"The data source **{data.source()}** has no exclusions or no later outcomes to "
            "follow.", icon=":material/info:")
    st.stop()
left, right = st.columns(2)
years = left.segmented_control("Follow-up", list(WINDOWS), default=2, key="fu_years",
                               format_func=lambda n: f"{n} year" + ("s" if n > 1 else ""),
                               bind="query-params") or 2
outcome = right.selectbox("Later outcome (by ethnicity and by school)", outcomes,
                          format_func=labels.get, key="fu_outcome", bind="query-params")
st.caption(f"Index years: every year with a year on record before it and {years} "
           f"year{'s' if years > 1 else ''} of follow-up after it, pooled (the sidebar's "
           "period and pooling do not apply here); its ethnicity detail, sex split, population "
           "restrictions and statistics do.")

restricted = "".join(f"; {c.replace('_', ' ')}: {v}" for c, v in f.population)

# 1. All children -----------------------------------------------------------------------
overall = data.followup_table((), years, outcomes, f.query_filters, f.options)
st.subheader(f"Later outcomes within {years} year{'s' if years > 1 else ''}")
first = overall[overall["outcome"] == outcome]
widgets.chart(lambda: charts.board_chart(
    cohort_shares(overall, {k: labels[k] for k in outcomes}),
    title=fu.followup_finding(first, nouns[outcome], years),
    subtitle=f"Children first suspended or permanently excluded, and pupils not excluded; "
             f"outcomes within {years} year{'s' if years > 1 else ''}",
    caveat="Bars: share of children with the outcome; lines: intervals. Suppressed shares are "
           "not drawn. Associations, not causes.",
    width=WIDTH), f"after-exclusion-{years}y", fu.display_table(overall),
    key=("fu-overall", data.source_key(), f, years, outcomes, outcome))
for row in overall.to_dict("records"):
    st.markdown("- " + fu.followup_sentence(row, nouns[row["outcome"]], years, f.options.level)
                .replace(fu.ALL_CHILDREN + ": ", f"**{labels[row['outcome']]}**: ", 1))

# 2. By ethnicity ------------------------------------------------------------------------
st.subheader(f"{labels[outcome]}: by ethnicity")
by_group = data.followup_table(f.breakdown, years, (outcome,), f.query_filters, f.options)
drawn = by_group[by_group["rri"].notna().to_numpy(dtype=bool)]
if drawn.empty:
    st.info("Every group's figures are suppressed to protect children's identities or too "
            "small to compare. Turning off the sex split in the sidebar, choosing the major "
            "ethnic groups or a longer follow-up gives larger numbers.",
            icon=":material/visibility_off:")
else:
    widgets.chart(lambda: charts.board_chart(
        ratio_pairs(drawn, [("rri", "rri_ci_low", "rri_ci_high", "Crude"),
                            ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high",
                             "Adjusted for FSM, SEN, care, age and year")],
                    "Excluded against not excluded (ratio, log scale)"),
        title=f"{labels[outcome]} within {years} year{'s' if years > 1 else ''}: excluded "
              "against not-excluded children of the same group",
        subtitle="All index years pooled" + restricted,
        caveat="Hollow: crude ratio; filled: Poisson regression, robust errors clustered by "
               "child. Suppressed groups are not drawn.", width=WIDTH),
        f"after-exclusion-{outcome}-{years}y-groups", fu.display_table(by_group),
        key=("fu-groups", data.source_key(), f, years, outcome))
st.dataframe(fu.display_table(by_group), hide_index=True, width="stretch", key="fu_groups")
st.caption(legend(f.options.suppress, f.options.min_population, f.options.min_events))

# 3. School by school --------------------------------------------------------------------
st.subheader(f"{labels[outcome]}: school by school")
bme = st.toggle("Black and minority ethnic pupils only", value=True, key="fu_bme",
                bind="query-params")
filters = dict(f.query_filters)
filters["school_phase"] = ("Secondary",)
if bme:
    filters.update({k: tuple(v) for k, v in get_cohort("bme_pupils").where.items()})
schools = data.school_followup(years, (outcome,), tuple(filters.items()), f.options)
st.caption(f"Secondary schools, by the school the child attended in the index year: "
           f"{'Black and minority ethnic ' if bme else ''}pupils first excluded from the school "
           f"against the school's {'Black and minority ethnic ' if bme else ''}pupils not "
           "excluded. Most schools' figures are small and suppressed; pooling all index years "
           "is already applied.")
st.dataframe(fu.display_table(schools, "School"), hide_index=True, width="stretch",
             key="fu_schools", column_config={"School": st.column_config.TextColumn(pinned=True)})

# 4. The reverse view ---------------------------------------------------------------------
st.subheader("The youth-justice cohort: earlier exclusions and SEN")
history = fu.supported(data.yj_history((), f.query_filters, f.options), available)
st.markdown(fu.yj_sentence(history))
widgets.chart(lambda: charts.board_chart(
    history_shares(history, fu.STRATEGY_MARKS),
    title="Children with a proven offence: their exclusions and needs",
    subtitle="Each child once, at the first year with a proven offence; all years pooled",
    caveat="Black ticks: the strategy's figures (section 5.4). Lines: intervals.",
    width=WIDTH), "youth-justice-history", fu.history_table(history),
    key=("fu-history", data.source_key(), f))
by_history = fu.supported(data.yj_history(f.breakdown, f.query_filters, f.options), available)
st.dataframe(fu.history_table(by_history), hide_index=True, width="stretch", key="fu_history")
st.caption(legend(f.options.suppress, f.options.min_population, f.options.min_events))

st.subheader("Download the tables")
o = f.options
widgets.downloads(by_group.drop(columns=["group"]), export.metadata(
    data_source=data.source(), view="After exclusion", outcome=labels[outcome],
    follow_up_years=years, index_years="all with complete follow-up", breakdown=", ".join(f.breakdown),
    population_filters="; ".join(f"{c}={v}" for c, v in f.population) or "none",
    comparison="pupils not excluded by the index year, same group (ethnicity and sex as strata)",
    method="crude: RRI with the group as strata; adjusted: Poisson regression with FSM, SEN, "
           "care, age and index year, robust errors clustered by child",
    interval_level=o.level, suppression_threshold=o.suppress, url=widgets.view_url(),
    command=f"python -m analytics followup --view ethnicity --by {','.join(f.breakdown)} "
            f"--years {years} --outcome {outcome} --out followup.csv"),
    f"after-exclusion-{outcome}-{years}y")
