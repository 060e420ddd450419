"""High-risk groups: one profile per section 5.4 group (every indicator against the borough
average) next to what the strategy says about the group, with a verdict per statement."""
import streamlit as st

from analytics import protect
from analytics.data.cohorts import profile_cohorts
from analytics.outputs import charts
from analytics.outputs.charts.profile import profile_chart
from analytics.views import findings
from ui import claims_data, data, state, widgets

VERDICT_BADGES = {
    "Borne out": ":blue-badge[:material/check: Borne out]",
    "Consistent but not significant": ":gray-badge[:material/remove: Consistent but not "
                                      "significant]",
    "Not borne out": ":orange-badge[:material/close: Not borne out]",
    "Cannot be checked": ":gray-badge[:material/help: Cannot be checked]",
}

f = state.current()
cohorts = {c.key: c for c in profile_cohorts()}

st.title("High-risk groups")
st.caption("The seven groups of section 5.4 of the Youth Safety Strategy: every indicator "
           "compared with the borough average (all children), and the strategy's own words.")
key = st.segmented_control("Group", list(cohorts), default=next(iter(cohorts)),
                           format_func=lambda k: cohorts[k].label, required=True,
                           key="cohort", bind="query-params") or next(iter(cohorts))
cohort = cohorts[key]

profile = data.profile(key, f.periods, f.options)
rows = findings.profile_rows(profile, level=f.options.level)
summary = findings.profile_summary(rows)
adjust = state.ADJUSTMENTS[f.options.adjust].split(" (")[0]
subtitle = (f"{f.period_label}; vs the borough average; "
            f"{f.options.level:.0%} intervals"
            + (f"; {adjust} adjustment" if f.options.adjust != "none" else ""))

hidden = summary["suppressed"] + summary["low"]
if f.years < 3 and hidden:
    st.info(f"{hidden} of {len(rows)} indicators for {cohort.in_sentence} "
            "are suppressed or based on low numbers in a single year. Small groups need 3 to 5 "
            "years pooled (\"Years pooled\" in the sidebar) for steady figures.",
            icon=":material/info:")

left, right = st.columns([13, 7], gap="small")
with left:
    figure = charts.board_chart(
        profile_chart(rows),
        title=findings.profile_title(rows, cohort.label, width=70),
        subtitle=subtitle,
        caveat="Lines: confidence intervals. [c] suppressed; [u] low numbers (grey).",
        width=360,
    )
    shown = protect.display_frame(rows)
    as_table = shown[["domain", "short_label", "rri", "rri_ci"]].assign(
        result=rows["category"].to_numpy()).rename(columns={
            "domain": "Domain", "short_label": "Indicator", "rri": "RRI",
            "rri_ci": f"{f.options.level:.0%} CI", "result": "Result"})
    widgets.chart(figure, f"profile-{key}-{f.period}", as_table)

with right:
    st.subheader("What the strategy says")
    verdicts = claims_data.cohort_verdicts(key, f.periods, f.options)
    st.caption(f"Each statement checked over {f.period_label}, the same years as the chart "
               "(unless the statement names its own years). A statement is borne out only "
               "when the interval supports its direction.")
    if data.source() == data.SYNTHETIC:
        st.caption("The synthetic borough was calibrated to these statements, so agreement "
                   "here is by construction; the check means something on your own data.")
    held = int(verdicts["holds"].sum())
    st.markdown(f"**{held} of {len(verdicts)}** checks borne out by the data.")
    # No fixed-height scrolling panel: a region that scrolls must be reachable by keyboard,
    # and Streamlit's scrolling containers are not.
    for quote, part in verdicts.groupby("quote", sort=False):
        with st.container(border=True):
            st.markdown(f"*“{quote.strip()}”*")
            for r in part.to_dict("records"):
                badge = VERDICT_BADGES.get(r["verdict"], ":gray-badge[" + r["verdict"] + "]")
                about = f" ({r['about']})" if r["about"] else ""
                when = f" In {r['periods']}." if r["periods"] else ""
                st.markdown(f"{badge} **{r['outcome']}**{about}: {r['figure']}{when}")

st.subheader(f"Every indicator for {cohort.in_sentence}")
shown = protect.display_frame(rows)
columns = {"short_label": "Indicator", "rri": "RRI", "rri_ci": f"{f.options.level:.0%} CI",
           "significant": "Significant", "rate": "Rate", "reference_rate": "Borough rate",
           "per": "Rate per", "sentence": "Finding"}
st.table(shown[list(columns)].rename(columns=columns), hide_index=True, border="horizontal")
st.caption(protect.legend(f.options.suppress, f.options.min_population,
                             f.options.min_events))
