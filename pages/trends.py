"""Trends: one outcome over every period, by the global breakdown and comparison: rates with
interval bands, RRIs with intervals and persistence markers, and the groups whose
disproportion has lasted."""
import pandas as pd
import streamlit as st

from analytics import protect
from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts
from analytics.outputs.charts.trends import AVERAGE, rate_lines, rri_lines
from analytics.protect import gate
from analytics.stats.trends import persistence
from analytics.views import trends as tv
from analytics.views.wording import COLUMN_LABELS, rate_phrase
from ui import data, state, widgets

f = state.current()
catalogue = outcome_catalogue().set_index("key")
q = dict(bind="query-params")

st.title("Trends")
st.caption("One outcome in every period. The sidebar's breakdown, comparison and population "
           "filters apply; its period and years-pooled choices do not (pool windows here).")
left, mid, right = st.columns([3, 1.4, 2])
available = data.available_outcomes()
outcomes = [k for k in catalogue.index if available is None or k in available]
outcome = left.selectbox(
    "Outcome", outcomes, key="trend_outcome", **q,
    format_func=lambda k: f"{catalogue.loc[k, 'label']} ({catalogue.loc[k, 'domain']})")
pool = mid.segmented_control("Pool years", [1, 3], default=1,
                             format_func=lambda n: "1 year" if n == 1 else f"{n} years",
                             help="Rolling windows of three consecutive years: steadier figures "
                                  "for small groups. Rates are average yearly rates; intervals "
                                  "allow for the same child counted in several years.",
                             key="trend_pool", **q) or 1
# Persistence counts windows that do not overlap, so pooled windows allow fewer of them.
most = max(len(f.all_periods) // pool, 2)
choices = [v for v in (2, 3, 4, 5) if v <= most]
if st.session_state.get("trend_n", 3) not in choices:
    st.session_state["trend_n"] = choices[-1] if st.session_state.get("trend_n", 3) > choices[-1] \
        else choices[0]
n = right.select_slider("Persistent when significant in", choices, value=min(3, choices[-1]),
                        format_func=lambda v: tv.spans(v, pool), key="trend_n", **q)

spec = catalogue.loc[outcome]
table = data.trend_table(outcome, f.breakdown, f.query_filters, f.options, pool)
if table.empty:
    st.info(f"The data hold fewer than {pool} consecutive periods: nothing to pool.")
    st.stop()
table = persistence(table, n=n)
default = tv.default_groups(table, f.breakdown)
options = list(dict.fromkeys(table["group"]))
if not set(st.session_state.get("trend_groups") or ()) & set(options):
    st.session_state["trend_groups"] = default     # new breakdown: none of the chosen groups exist
chosen = st.multiselect("Groups to draw (up to 6)", options,
                        max_selections=6, key="trend_groups", **q)
groups = chosen or default

order = tv.periods_in_order(table)
if pool == 1 and tv.drawable(table[table["group"].isin(groups)]).mean() < 0.5:
    st.caption("Most single-year figures for these groups are suppressed or not computable: "
               "3-year windows give steadier, publishable figures.")
unit = f"per {int(spec['unit']):,} {spec['population_label']}"
span = f"{f.all_periods[0]} to {f.all_periods[-1]}"
windows = f"; {pool}-year rolling windows" if pool > 1 else ""
subtitle = f"{spec['label']}; {span}{windows}; {f.describe().split('; ', 1)[1]}"
persistent = tv.persistent_groups(table, n)

figure = charts.board_chart(
    rri_lines(table, groups, f.comparison_label, n),
    title=tv.rri_trend_finding(persistent, groups, spec["noun"], f.comparison_label, n, pool),
    subtitle=subtitle,
    caveat="Bands are confidence intervals; filled points significant, hollow not; rings: "
           f"significant on the same side of 1 in each of the last {tv.spans(n, pool)}. "
           "Gaps: suppressed or not computable.",
    width=720,
)
drawn = protect.display_frame(table[table["group"].isin(groups)])
lvl = f"{f.options.level:.0%} CI"
widgets.chart(figure, f"trend-rri-{outcome}", drawn[["group", "period", "rri", "rri_ci_low",
                                                    "rri_ci_high", "significant"]].rename(columns={
    "group": "Group", "period": "Period", "rri": "RRI", "rri_ci_low": f"RRI {lvl} low",
    "rri_ci_high": f"RRI {lvl} high", "significant": "Significant"}))

st.subheader("Persistent disproportionality")
latest = order[-1] if order else ""
st.caption(f"Groups whose rate differed significantly from {rate_phrase(f.comparison_label)}, on the same "
           f"side, in each of the last {tv.spans(n, pool)} (to {latest})"
           + (": pooled windows that overlap share most of their children, so only windows "
              f"{pool} years apart count." if pool > 1 else "."))
if persistent.empty:
    st.info(f"No group's rate has differed significantly from {rate_phrase(f.comparison_label)} in each of "
            f"the last {tv.spans(n, pool)}.")
else:
    shown = persistent.assign(
        direction=persistent["direction"].map({"higher": "Higher", "lower": "Lower"}),
        rri=persistent["rri"].map("{:.2f}".format),
        interval=[f"{a:.2f} to {b:.2f}" for a, b in zip(persistent["rri_ci_low"],
                                                        persistent["rri_ci_high"])])
    st.dataframe(shown[["group", "direction", "periods", "since", "rri", "interval",
                        "run_rris"]].rename(columns={
                            "group": "Group", "direction": "Rate vs comparison",
                            "periods": "Periods running", "since": "Since",
                            "rri": f"RRI {latest}", "interval": "RRI interval",
                            "run_rris": f"RRI in the latest {n} periods"}),
                 hide_index=True, width="stretch", key="trend_persistent_table")

average = tv.comparison_rates(table)
figure = charts.board_chart(
    rate_lines(table, groups, unit, average),
    title=tv.rate_finding(table, groups, spec["noun"], f"per {int(spec['unit']):,}"),
    subtitle=subtitle,
    caveat="Bands are confidence intervals for each rate"
           + ("; dashed black line: the borough average" if len(average) else "")
           + ". Gaps: suppressed to protect children's identities.",
    width=720,
)
rate_table = drawn[["group", "period", "rate", "rate_ci_low", "rate_ci_high"]].rename(columns={
    "group": "Group", "period": "Period", "rate": f"Rate {unit}", "rate_ci_low": f"Rate {lvl} low",
    "rate_ci_high": f"Rate {lvl} high"})
if len(average):
    rate_table = pd.concat([rate_table, pd.DataFrame({
        "Group": AVERAGE, "Period": average["period"],
        f"Rate {unit}": average["rate"].map(lambda v: f"{v:,.2f}")})], ignore_index=True).fillna("")
widgets.chart(figure, f"trend-rate-{outcome}", gate.shown(rate_table, table))

with st.expander("Full table: every group and period"):
    labels = {"group": "Group", "period": "Period",
              **{k: v for k, v in COLUMN_LABELS.items() if k not in f.breakdown + ("period",)},
              "persistent": f"Significant in each of the last {tv.spans(n, pool)}"}
    widgets.result_table(table, labels, key="trend_full_table")
