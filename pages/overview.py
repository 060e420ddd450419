"""Overview: every outcome for every group at a glance (RRI heatmap), headline numbers and
the five largest significant disparities in words."""
import streamlit as st

from analytics.outputs import charts
from analytics.outputs.charts.heatmap import STEP, heatmap
from analytics.views import findings
from analytics.views.wording import group_labels, rate_phrase
from ui import data, state, widgets

f = state.current()
outcomes = findings.matrix_outcomes()

st.title("Overview")
st.caption(f"Relative rate index (RRI) of each group for each outcome: {f.describe()}.")

matrix = data.rri_matrix(f.breakdown, f.periods, f.query_filters, f.options,
                         outcomes=tuple(outcomes))
matrix = matrix.assign(group=group_labels(matrix, f.breakdown))
head = findings.headline(matrix, f.breakdown)
top = findings.top_disparities(matrix, n=5, breakdown=f.breakdown,
                               comparison_label=f.comparison_label, level=f.options.level)
pooled = len(f.periods) > 1

# -- headline numbers ---------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
c1.metric("Significant over-representations", f"{head['over']:,}",
          help=f"Group and outcome pairs whose rate is significantly above "
               f"{rate_phrase(f.comparison_label)}, out of {head['compared']:,} reliable comparisons "
               f"({head['under']:,} significantly below).")
if head["largest"]:
    big = head["largest"]
    c2.metric("Largest over-representation", f"{big['text']} times",
              help=f"{big['group']}, {big['label'].lower()}, against {f.comparison_label}.")
    c2.caption(big["subject"])
else:
    c2.metric("Largest over-representation", "None significant")
population = data.population((), f.periods, f.query_filters)
c3.metric("Child-years in the data" if pooled else "Children in the data",
          findings.children_total(population, f.options.suppress),
          help="Children aged 0-17 resident in the borough"
               + (", counted once per year pooled." if pooled else "."))
c4.metric("Period", f"{len(f.periods)} years" if pooled else f.periods[0])
if pooled:
    c4.caption(f.period_label)

# -- the five largest disparities ---------------------------------------------------------
st.subheader("The largest significant disparities")
if head["compared"] == 0:
    st.write("Nothing could be computed with these filters: every comparison is suppressed, "
             "not computable or based on low numbers.")
elif top.empty:
    st.write(f"No group's rate differs significantly from {rate_phrase(f.comparison_label)} for any "
             "outcome with these filters.")
else:
    st.markdown("\n".join(f"{i}. **{r['short_label']}** – {r['sentence']}"
                          for i, r in enumerate(top.to_dict("records"), start=1)))

# -- heatmap --------------------------------------------------------------------------------
st.subheader("Every outcome, every group")
cells = findings.heatmap_cells(matrix, f.breakdown, level=f.options.level)
groups = list(dict.fromkeys(matrix["group"]))
if head["largest"]:
    big = head["largest"]
    title = (f"{big['subject']} is {big['text']} times {rate_phrase(f.comparison_label)}: "
             "the largest over-representation")
elif head["compared"] == 0:
    title = "Nothing could be computed with these filters"
else:
    title = f"No group is significantly over-represented against {f.comparison_label}"
as_table = cells.assign(result=cells["category"])[["group", "label", "rri_text", "result"]].rename(
    columns={"group": "Group", "label": "Outcome", "rri_text": f"RRI ({f.options.level:.0%} CI)",
             "result": "Result"})
widgets.chart(lambda: charts.board_chart(
    heatmap(cells, groups=groups, columns=outcomes),
    title=title,
    subtitle=f"Relative rate index by group and outcome; {f.describe()}",
    caveat="Orange: above the comparison, blue: below. Faded: not significant. "
           "[u] low numbers, [c] suppressed, blank: not computable.",
    width=STEP * len(outcomes),
), f"rri-heatmap-{f.period}", as_table, key=("overview", data.source_key(), f))
hidden = head["suppressed"] + head["low"]
if f.years < 5 and hidden > head["cells"] / 4:
    st.info(f"{hidden:,} of {head['cells']:,} cells are suppressed or too small to compare. "
            "Pooling years (\"Years pooled\" in the sidebar) gives steadier figures for small "
            "groups and rare outcomes such as custody and remand.", icon=":material/info:")
st.caption("Hover over a cell for the group's rate, the comparison rate, the RRI with its "
           "interval and the status. Open the RRI explorer for any outcome in detail.")
