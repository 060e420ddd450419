"""What explains a gap: each group's crude ratio beside the ratio after allowing for free
school meals, SEN, age and care: standardised against the borough's rates and adjusted by a
regression against a reference group, with the share of the excess they account for."""
import streamlit as st

from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts, export
from analytics.outputs.charts.explain import ratio_pairs
from analytics.protect import legend
from analytics.views import adjusted
from analytics.views.wording import group_labels
from ui import data, state, widgets

WIDTH = 560

f = state.current()
catalogue = outcome_catalogue().set_index("key")
available = data.available_outcomes()
outcomes = [k for k in catalogue.index if available is None or k in available]

st.title("What explains a gap")
st.markdown(
    "How much of a group's difference is associated with **free school meals, special "
    "educational needs, age or care**? Each group's crude ratio is shown beside the ratio "
    "after allowing for the characteristics you choose: *standardised* against the borough's "
    "rates for children with the same characteristics, and *adjusted* by a regression "
    "against a reference group. These are **associations, not causes**: the characteristics "
    "may themselves be part of what drives a gap, and anything the data do not hold is not "
    "allowed for.")
left, right = st.columns([2, 3])
outcome = left.selectbox("Outcome", outcomes,
                         index=outcomes.index("suspension") if "suspension" in outcomes else 0,
                         format_func=lambda k: f"{catalogue.loc[k, 'label']} ({catalogue.loc[k, 'domain']})",
                         key="gap_outcome", bind="query-params")
offered = adjusted.characteristics_for(f.breakdown, outcome, available)
chosen = right.multiselect("Allow for", offered, default=offered,
                           format_func=lambda c: adjusted.CHARACTERISTICS[c].capitalize(),
                           key="gap_chars", bind="query-params")
if not offered:
    st.info(f"The data source **{data.source()}** records none of the characteristics this "
            "page allows for (beyond the breakdown).", icon=":material/info:")
    st.stop()
if not chosen:
    st.info("Choose at least one characteristic to allow for.", icon=":material/info:")
    st.stop()

spec = catalogue.loc[outcome]
table = data.explain(outcome, f.breakdown, f.periods, tuple(chosen), f.query_filters, f.options)
table = table.assign(group=group_labels(table, f.breakdown))
phrase = adjusted.characteristics_phrase(chosen, short=True)
context = f"{spec['label']}; {f.period_label}" + "".join(
    f"; {c.replace('_', ' ')}: {v}" for c, v in f.population) + f"; {f.options.level:.0%} intervals"
ref_label = adjusted.reference_label(table.attrs["reference"], f.breakdown)

st.subheader("Against the borough average")
widgets.chart(lambda: charts.board_chart(
    ratio_pairs(table, [("borough_ratio", "borough_ratio_ci_low", "borough_ratio_ci_high", "Crude"),
                        ("isr", "isr_ci_low", "isr_ci_high", f"Standardised for {phrase}")],
                "Ratio to the borough average (log scale)"),
    title=adjusted.standardised_finding(table, spec["noun"]),
    subtitle=context,
    caveat="Hollow: crude ratio; filled: observed against expected at the borough's rates for "
           "children with the same characteristics. Bars: intervals. Suppressed groups are not drawn.",
    width=WIDTH), f"gap-borough-{outcome}-{f.period}", adjusted.display_table(table),
    key=("gap-borough", data.source_key(), f, outcome, tuple(chosen)))

st.subheader(f"Against {ref_label}")
compared = table[table["status"].astype(str) != "reference"]
widgets.chart(lambda: charts.board_chart(
    ratio_pairs(compared, [("crude_rri", "crude_rri_ci_low", "crude_rri_ci_high", "Crude"),
                           ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high",
                            f"Adjusted for {phrase}")],
                f"Rate ratio against {ref_label} (log scale)"),
    title=adjusted.adjusted_finding(table, spec["noun"]),
    subtitle=context,
    caveat="Hollow: crude ratio; filled: Poisson regression with robust errors"
           + (" clustered by child" if len(f.periods) > 1 else "")
           + ". Associations, not causes.",
    width=WIDTH), f"gap-adjusted-{outcome}-{f.period}", adjusted.display_table(compared),
    key=("gap-adjusted", data.source_key(), f, outcome, tuple(chosen)))

st.subheader("Crude, standardised and adjusted, side by side")
st.caption(f"Rates per {int(spec['unit']):,} {spec['population_label']}. Share of excess "
           f"explained: of the group's excess {spec['noun']}s over the rate of {ref_label}, the "
           f"share associated with {phrase} (shown where the crude excess is significant).")
shown = adjusted.display_table(table)
st.dataframe(shown, hide_index=True, width="stretch", key="gap_table",
             column_config={"Group": st.column_config.TextColumn(pinned=True)})
st.caption(adjusted.model_caption(table))
st.caption(legend(f.options.suppress, f.options.min_population, f.options.min_events))

with st.expander("In words"):
    for row in table.to_dict("records"):
        if row["status"] != "reference":
            st.markdown("- " + adjusted.explain_sentence(row, row["group"], spec["noun"], chosen,
                                                         ref_label, f.options.level))
st.subheader("Download the table")
o = f.options
widgets.downloads(table.drop(columns=["group"]), export.metadata(
    data_source=data.source(), view="What explains a gap", outcome=spec["label"],
    periods=", ".join(f.periods), breakdown=", ".join(f.breakdown),
    population_filters="; ".join(f"{c}={v}" for c, v in f.population) or "none",
    characteristics=", ".join(chosen), reference=ref_label,
    method=adjusted.model_caption(table), interval_level=o.level,
    minimum_population=o.min_population, minimum_events=o.min_events,
    suppression_threshold=o.suppress, url=widgets.view_url(),
    command=adjusted.command(outcome, f.breakdown, f.periods, chosen, table.attrs["reference"],
                             o, dict(f.population))), f"gap-{outcome}-{f.period}")
