"""Pathways: the RRI at each decision point of a pathway (stage-to-stage rates), so that
disproportionality can be located at the stage where it arises."""
import streamlit as st

from analytics.outputs import charts
from analytics.outputs.charts.pathways import stage_rri_chart
from analytics.protect import legend
from analytics.views import pathways as pw
from analytics.views.trends import default_groups, drawable
from analytics.views.wording import COLUMN_LABELS
from ui import data, state, widgets

f = state.current()
available = data.available_outcomes()
pathways = {k: p for k, p in pw.load_pathways().items()
            if available is None or set(p.outcomes) <= set(available)}
if not pathways:
    st.title("Pathways")
    st.info(f"The data source **{data.source()}** does not hold the stages of any pathway.")
    st.stop()
first = next(iter(pathways))
q = dict(bind="query-params")

st.title("Pathways")
st.caption("Each stage after the first is measured among the children who reached the "
           "previous one, so its RRI is the disproportion added at that decision alone.")
key = st.segmented_control("Pathway", list(pathways), default=first,
                           format_func=lambda k: pathways[k].label, key="pathway", **q) or first
pathway = pathways[key]
matrix = data.rri_matrix(f.breakdown, f.periods, f.query_filters, f.options,
                         outcomes=pathway.outcomes)
table = pw.pathway_table(matrix, pathway, f.breakdown)
default = default_groups(table, f.breakdown)
options = list(dict.fromkeys(table["group"]))
if not set(st.session_state.get("path_groups") or ()) & set(options):
    st.session_state["path_groups"] = default     # new breakdown: none of the chosen groups exist
chosen = st.multiselect("Groups to draw (up to 6)", options, max_selections=6,
                        key="path_groups", **q)
groups = chosen or default
st.caption("Stages: " + "; ".join(pw.stage_descriptions(pathway)) + ".")

drawn = drawable(table) & table["group"].isin(groups)
if not drawn.any():
    st.warning(f"Nothing can be drawn for the groups chosen in {f.period_label}: the numbers "
               "are suppressed to protect children's identities or too small to compare. "
               "Pooling several years gives enough children.", icon=":material/visibility_off:")
    if f.years < 5:
        st.button("Pool 5 years", key="path_pool5", icon=":material/date_range:",
                  on_click=lambda: st.session_state.update(years=5))
else:
    figure = charts.board_chart(
        stage_rri_chart(table, pathway, groups, f.comparison_label),
        title=pw.pathway_finding(table, pathway, groups, f.comparison_label),
        subtitle=f"{pathway.label} pathway; {f.describe()}",
        caveat="Bars are confidence intervals; filled points significant, hollow not. Each "
               "stage compares children at that stage only. Suppressed figures are not drawn.",
        width=720,
    )
    widgets.chart(figure, f"pathway-{key}", pw.stage_summary(table, pathway, groups))

st.subheader("Where does it arise?")
for sentence in pw.step_sentences(table, pathway, groups):
    st.markdown(f"- {sentence}")

st.subheader("RRI at each stage")
st.caption(f"RRI ({f.options.level:.0%} interval) of every group at each stage, compared with "
           f"{f.comparison_label}.")
summary = pw.stage_summary(table, pathway)
st.dataframe(summary, hide_index=True, width="stretch", key="path_summary",
             height=min(35 * (len(summary) + 1) + 3, 600))
st.caption(legend(f.options.suppress, f.options.min_population, f.options.min_events))

with st.expander("Full table: counts, rates and tests at each stage"):
    labels = {"group": "Group", "stage_label": "Stage",
              **{k: v for k, v in COLUMN_LABELS.items() if k not in f.breakdown},
              "population": "Children at the stage's start"}
    widgets.result_table(table, labels, key="path_full_table")
