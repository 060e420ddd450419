"""Data and export: the current filtered result table in CSV, Excel and Parquet, each with
the filters, method, suppression rule, source, time, version, the view's URL and the
equivalent command line; the chart as PNG/SVG."""
import streamlit as st

from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts, export, reports
from analytics.outputs.charts.forest import forest
from analytics.views.wording import COLUMN_LABELS, finding, group_labels
from ui import data, state, widgets

f = state.current()
catalogue = outcome_catalogue().set_index("key")
available = data.available_outcomes() or list(catalogue.index)

st.title("Data and export")
st.markdown("Download exactly what the dashboard shows: the same suppression applies to every "
            "file, so no file holds a count the screen hides. Each file records the filters, "
            "method, suppression rule and data source, with a link to this view and the "
            "command line that reproduces it.")
left, right = st.columns([3, 2])
scope = right.radio("Table", ["one", "all"], horizontal=True, key="scope", bind="query-params",
                    format_func={"one": "One outcome", "all": "Every outcome"}.get)
outcome = left.selectbox("Outcome", available, key="outcome", bind="query-params",
                         format_func=lambda k: catalogue.loc[k, "label"], disabled=scope == "all")
o = f.options
meta = export.metadata(
    data_source=data.source(), periods=", ".join(f.periods), breakdown=", ".join(f.breakdown),
    population_filters="; ".join(f"{c}={v}" for c, v in f.population) or "none",
    comparison=f.comparison_label, interval_level=o.level, interval_method=o.ci,
    adjustment=o.adjust, minimum_population=o.min_population, minimum_events=o.min_events,
    suppression_threshold=o.suppress,
    suppression_rule=(f"counts of 1 to {o.suppress - 1} suppressed ([c]), with secondary "
                      "suppression and every figure derived from them" if o.suppress > 1 else "none"),
    url=widgets.view_url(),
    command=export.view_command(outcome if scope == "one" else "<each outcome>", f.breakdown,
                                f.periods, o, {c: (v,) for c, v in f.population}))
if scope == "one":
    table = data.rri_for_outcome(outcome, f.breakdown, f.periods, f.query_filters, o)
    meta = {**meta, "outcome": catalogue.loc[outcome, "label"]}
    name = f"rri-{outcome}-{f.period}"
else:
    table = data.rri_matrix(f.breakdown, f.periods, f.query_filters, o)
    meta = {**meta, "outcome": "every outcome in the catalogue (column 'outcome')"}
    name = f"rri-all-outcomes-{f.period}"

st.subheader("Download the table")
widgets.downloads(table, meta, name)
labels = {"outcome": "Outcome", **{c: COLUMN_LABELS.get(c, c) for c in f.breakdown}, **COLUMN_LABELS}
widgets.result_table(table, {k: v for k, v in labels.items() if k in table.columns})
with st.expander("Reproduce this view"):
    st.markdown("Link to this view:")
    st.code(meta["url"], language=None)
    st.markdown("Command line:")
    st.code(meta["command"], language="bash")

if scope == "one":
    st.subheader("Download the chart")
    shown = table.assign(group=group_labels(table, f.breakdown))
    spec = catalogue.loc[outcome]
    widgets.chart(charts.board_chart(
        forest(shown), title=finding(shown, spec["noun"], f.comparison_label),
        subtitle=f"{spec['label']}, rate per {int(spec['unit']):,} {spec['population_label']}; {f.describe()}",
        caveat="Bars are confidence intervals; grey: low numbers. Suppressed groups are not drawn.",
        width=560), name)

st.subheader("Reports")
st.markdown("One-click, self-contained HTML files (charts embedded, nothing to download when "
            "opening them), with the same filters, comparison and suppression as this view.")
report_meta = {**meta, "command": (
    f"python -m analytics report board --period {','.join(f.periods)} --by {','.join(f.breakdown)} "
    f"--comparison {o.comparison if o.comparison != 'reference' else 'overall'} --level {o.level:g} "
    f"--ci {o.ci} --adjust {o.adjust} --suppress {o.suppress} --out board-pack.html")}
court_meta = {**meta, "command": (
    f"python -m analytics report court --by {f.ethnicity} --comparison "
    f"{o.comparison if o.comparison != 'reference' else 'overall'} --level {o.level:g} --ci {o.ci} "
    f"--adjust {o.adjust} --suppress {o.suppress} --out court-report.html")}
key, note = data.source_key(), data.source_note()   # captured here: downloads run on a thread
left, right = st.columns(2)
left.download_button("Board pack (HTML)", key="board-pack", icon=":material/summarize:",
                     data=data.audited("report", "board pack (HTML)", lambda: data.board_pack(
                         key, note, f.breakdown, f.periods, f.query_filters, o, f.describe(),
                         f.comparison_label, report_meta), o.suppress),
                     file_name=f"board-pack-{widgets.slug(f.period_label)}.html", mime="text/html",
                     help="Overview heatmap, the five largest disparities, the seven section 5.4 "
                          "profiles with their sentences, method and caveats.", width="stretch")
right.download_button("Court scrutiny report (HTML)", key="court-report", icon=":material/gavel:",
                      data=data.audited("report", "court scrutiny report (HTML)", lambda: data.court_report(
                          key, note, f.ethnicity, o, court_meta), o.suppress),
                      file_name="court-scrutiny-report.html", mime="text/html",
                      help="Remand and custody by ethnicity: rates, RRIs, intervals and three-year "
                           "pooled trends (Disproportionality Action Plan, recommendation 7).",
                      width="stretch")
pdf_problem = reports.pdf_support()
if pdf_problem:
    st.caption(f"PDF versions are not available on this machine: {pdf_problem}.")
else:
    left, right = st.columns(2)
    left.download_button("Board pack (PDF)", key="board-pack-pdf", icon=":material/picture_as_pdf:",
                         data=data.audited("report", "board pack (PDF)", lambda: reports.to_pdf(
                             data.board_pack(key, note, f.breakdown, f.periods, f.query_filters, o,
                                             f.describe(), f.comparison_label, report_meta)),
                             o.suppress),
                         file_name=f"board-pack-{widgets.slug(f.period_label)}.pdf",
                         mime="application/pdf", width="stretch")
    right.download_button("Court scrutiny report (PDF)", key="court-report-pdf",
                          icon=":material/picture_as_pdf:",
                          data=data.audited("report", "court scrutiny report (PDF)", lambda: reports.to_pdf(
                              data.court_report(key, note, f.ethnicity, o, court_meta)), o.suppress),
                          file_name="court-scrutiny-report.pdf", mime="application/pdf", width="stretch")
