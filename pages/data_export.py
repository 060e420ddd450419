"""Data and export: the current filtered result table in CSV, Excel and Parquet, each with
the filters, method, suppression rule, source, time, version, the view's URL and the
equivalent command line; the chart as PNG/SVG; the board pack and the court report, built
on request with their progress shown."""
import streamlit as st

from analytics.data.reference import outcome_catalogue
from analytics.outputs import charts, export, reports
from analytics.outputs.charts.forest import forest
from analytics.views.wording import COLUMN_LABELS, finding, group_labels
from ui import aggregate, data, state, widgets

f = state.current(allow_aggregate=True)
catalogue = outcome_catalogue().set_index("key")
available = data.available_outcomes() or list(catalogue.index)
o = f.options

st.title("Data and export")
st.markdown("Download exactly what the dashboard shows: the same suppression applies to every "
            "file, so no file holds a count the screen hides. Each file records the filters, "
            "method, suppression rule and data source, with a link to this view and the "
            "command line that reproduces it.")


def common_meta(**extra) -> dict:
    fields = dict(
        data_source=data.source(), population_filters="; ".join(
            f"{c}={v}" for c, v in f.population) or "none",
        comparison=f.comparison_label, interval_level=o.level, interval_method=o.ci,
        adjustment=o.adjust, minimum_population=o.min_population, minimum_events=o.min_events,
        suppression_threshold=o.suppress, url=widgets.view_url())
    return export.metadata(**{**fields, **extra})


def reproduce(meta: dict) -> None:
    with st.expander("Reproduce this view"):
        st.markdown("Link to this view:")
        st.code(meta["url"], language=None, wrap_lines=True)
        if meta.get("command"):
            st.markdown("Command line:")
            st.code(meta["command"], language="bash", wrap_lines=True)


if data.source_kind() == "counts":
    # Children with an outcome and no population: rates exist only once paired with a
    # population table, which the RRI explorer does (its chart downloads from there).
    st.info(f"The data source **{data.source()}** is a counts-only table (children with an "
            "outcome, no population), so it has no rates of its own. Pair it with a Census "
            "population table on the RRI explorer to see and download its rates and RRIs. The "
            "reports need record-level data (one row per child and year).",
            icon=":material/info:")
    st.page_link("pages/explorer.py", label="Pair the counts with a population in the RRI explorer",
                 icon=":material/query_stats:")
    st.page_link("pages/your_data.py", label="Your data: import a record-level file",
                 icon=":material/upload_file:")
    st.stop()

if data.source_kind() == "aggregate":
    # A table of counts by group: its RRI table and chart can be downloaded; the reports
    # need one row per child.
    st.caption(f"Data source: your aggregate table **{data.source()}**.")
    view = aggregate.choose(f)
    meta = common_meta(periods=view.period or "all rows", breakdown=", ".join(view.keys),
                       outcome=view.name, comparison=view.compared,
                       command=f"python -m analytics rri --counts <your file> --comparison "
                               f"{o.comparison} --level {o.level:g} --ci {o.ci} --adjust "
                               f"{o.adjust} --suppress {o.suppress} --out table.csv")
    st.subheader("Download the table")
    widgets.downloads(view.result, meta, f"rri-{view.name}")
    widgets.result_table(view.result, {"group": "Group", **{k: v for k, v in COLUMN_LABELS.items()
                                                            if k not in view.keys}})
    reproduce(meta)
    st.subheader("Download the chart")
    widgets.chart(aggregate.chart(view)[0], f"rri-{view.name}",
                  widgets.rri_chart_table(view.result, view.options.level))
    st.subheader("Reports")
    st.info("The board pack and the court scrutiny report profile groups of children across "
            "many outcomes, so they need record-level data (one row per child and year). An "
            "aggregate table holds counts only: import a record-level file on Your data, or "
            "choose the synthetic borough in the sidebar to see what the reports contain.",
            icon=":material/info:")
    st.page_link("pages/your_data.py", label="Your data: import a record-level file",
                 icon=":material/upload_file:")
    st.stop()

left, right = st.columns([3, 2])
scope = right.radio("Table", ["one", "all"], horizontal=True, key="scope", bind="query-params",
                    format_func={"one": "One outcome", "all": "Every outcome"}.get)
outcome = left.selectbox("Outcome", available, key="outcome", bind="query-params",
                         format_func=lambda k: catalogue.loc[k, "label"], disabled=scope == "all")
meta = common_meta(
    periods=", ".join(f.periods), breakdown=", ".join(f.breakdown),
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
reproduce(meta)

if scope == "one":
    st.subheader("Download the chart")
    shown = table.assign(group=group_labels(table, f.breakdown))
    spec = catalogue.loc[outcome]
    widgets.chart(charts.board_chart(
        forest(shown), title=finding(shown, spec["noun"], f.comparison_label),
        subtitle=f"{spec['label']}, rate per {int(spec['unit']):,} {spec['population_label']}; {f.describe()}",
        caveat="Bars are confidence intervals; grey: low numbers. Suppressed groups are not drawn.",
        width=560), name, widgets.rri_chart_table(shown, o.level))

# -- reports ------------------------------------------------------------------------------
st.subheader("Reports")
st.markdown("Self-contained files (charts embedded, nothing to download when opening them), "
            "with the same filters, comparison and suppression as this view. A report takes a "
            "few seconds to build: build it, then download it as HTML or PDF.")
comparison = o.comparison if o.comparison != "reference" else "overall"
report_meta = {**meta, "command": (
    f"python -m analytics report board --period {','.join(f.periods)} --by {','.join(f.breakdown)} "
    f"--comparison {comparison} --level {o.level:g} --ci {o.ci} --adjust {o.adjust} "
    f"--suppress {o.suppress} --out board-pack.html")}
court_meta = {**meta, "command": (
    f"python -m analytics report court --by {f.ethnicity} --comparison {comparison} "
    f"--level {o.level:g} --ci {o.ci} --adjust {o.adjust} --suppress {o.suppress} "
    "--out court-report.html")}
key, note = data.source_key(), data.source_note()
held = data.available_outcomes()
pdf_problem = reports.pdf_support()
COURT_OUTCOMES = ("remand", "custody", "remand_given_offence", "custody_given_offence")
court_missing = [k for k in COURT_OUTCOMES if held is not None and k not in held]



def audited_build(what: str, build):
    """A report build that first writes its audit entry (who, what, which data, protection)."""
    return lambda progress: data.audited("report", what, lambda: build(progress), o.suppress)()


REPORTS = {
    "board": dict(
        title="Board pack", icon=":material/summarize:",
        file=f"board-pack-{widgets.slug(f.period_label)}",
        about="Overview heatmap, the five largest disparities, the seven section 5.4 profiles "
              "with their sentences, method and caveats.",
        build=audited_build("board pack", lambda progress: data.board_pack(
            key, note, f.breakdown, f.periods, f.query_filters, o, f.describe(),
            f.comparison_label, report_meta, held, progress))),
    "court": dict(
        title="Court scrutiny report", icon=":material/gavel:", file="court-scrutiny-report",
        about="Remand and custody by ethnicity: rates, RRIs, intervals and three-year pooled "
              "trends (Disproportionality Action Plan, recommendation 7).",
        build=audited_build("court scrutiny report", lambda progress: data.court_report(
            key, note, f.ethnicity, o, court_meta, progress)),
        missing=court_missing),
}
view = (key, f)            # a report built for another view or source is not offered
built = st.session_state.setdefault("built_reports", {})
for kind, spec in REPORTS.items():
    with st.container(border=True):
        st.markdown(f"**{spec['title']}**: {spec['about']}")
        if spec.get("missing"):
            st.info(f"The data source **{data.source()}** has no "
                    + ", ".join(catalogue.loc[k, "label"].lower() for k in spec["missing"])
                    + ": this report cannot be built from it.", icon=":material/info:")
            continue
        if st.button(f"Build the {spec['title'].lower()}", key=f"build-{kind}",
                     icon=spec["icon"], type="primary"):
            widgets.build_report(kind, spec["title"], view, spec["build"], pdf_problem is None)
        ready = built.get(kind)
        if ready and ready["view"] == view:
            with st.container(horizontal=True):
                st.download_button("Download HTML", data=ready["html"], key=f"{kind}-html",
                                   file_name=f"{spec['file']}.html", mime="text/html",
                                   on_click="ignore", icon=":material/download:")
                if ready["pdf"] is not None:
                    st.download_button("Download PDF", data=ready["pdf"], key=f"{kind}-pdf",
                                       file_name=f"{spec['file']}.pdf", mime="application/pdf",
                                       on_click="ignore", icon=":material/picture_as_pdf:")
        elif ready:
            st.caption("The filters have changed since the last build: build it again for "
                       "this view.")
if pdf_problem:
    st.caption(f"PDF versions are not available on this machine: {pdf_problem}.")
