"""How we compare: any English council beside its ten statistical neighbours, its region and
England, on DfE's published figures (no import, no synthetic data needed): RRIs by ethnic
group, every council on a funnel against England, ranks with rank intervals, and the
council's own figures beside the published ones where the data source has them."""
import streamlit as st

from analytics import protect
from analytics.data import areas
from analytics.outputs import areas_report, export, reports
from analytics.views import areas as views
from analytics.views import areas_own, areas_text
from ui import data, state, widgets

DEFAULT_COUNCIL, DEFAULT_GROUP = "Islington", "Black"

f = state.current(allow_aggregate=True)
st.title("How we compare")
st.markdown(
    "Any English council beside its **ten statistical neighbours** (DfE's benchmarking "
    "tool), its **region** and **England**: each ethnic group's rate against White pupils' "
    "in the same area (the RRI), every council on a funnel against England, and each "
    "council's rank **with a rank interval**, so places that chance cannot tell apart are "
    "not read as different.")
st.caption(protect.published_note("DfE") + " State-funded primary, secondary and special "
           "schools; DfE's five major groups. The sidebar's filters apply to your own "
           "figures (at the foot of the page) only.")

figures = data.area_figures()
names = sorted(areas.councils()["la_name"])
spec = areas.INDICATORS
top = st.columns([3, 3])
la = top[0].selectbox("Council", names, index=names.index(DEFAULT_COUNCIL), key="area_la",
                      bind="query-params")
indicator = top[1].radio("Indicator", list(spec), format_func=lambda k: spec[k]["label"],
                         horizontal=True, key="area_ind", bind="query-params")
years = areas.periods(figures, indicator)
groups = [g for g in areas.GROUPS if g != "White"]
low = st.columns([3, 3])
period = low[0].selectbox("Academic year", years, index=len(years) - 1, key="area_year",
                          bind="query-params")
group = low[1].selectbox("Group (funnel and ranks)", groups, index=groups.index(DEFAULT_GROUP),
                         key="area_group", bind="query-params")

level = f.options.level
every = data.every_area(indicator, period, level)
table = views.for_council(every, la)
points = views.funnel_points(table, group)
area = table.attrs["area_name"]
unit = spec[indicator]["unit"]

for line in areas_text.findings(table, group, points):
    st.markdown(f"- {line}")
if spec[indicator]["model"] == "poisson":
    st.caption("Suspensions are counted as events: a pupil suspended three times counts three "
               "times, so rates are suspensions per 100 pupils, and intervals allow for repeat "
               f"suspensions (variance {areas.DISPERSION:.2f} times a Poisson count's).")

st.subheader(f"Each group's RRI: {area} beside its neighbours, region and England")
drawn = table[table["role"].isin(["area", "neighbour", "region", "england"])
              & (table["ethnicity"] != "") & (table["ethnicity"] != "White")]
screen = protect.display_frame(drawn[["la_name", "ethnicity", "rate", "rri", "rri_ci_low",
                                      "rri_ci_high", "status"]])
name = f"{area}-{indicator}-{period}"
widgets.chart(lambda: areas_report.ratio_chart(table, group), f"compare-{name}",
              screen.rename(columns={"la_name": "Area", "ethnicity": "Group",
                                     "rate": f"Rate, {unit}", "rri": "RRI",
                                     "rri_ci_low": "CI low", "rri_ci_high": "CI high",
                                     "status": "Status"}),
              key=("areas-ratio", data.area_datasets(), la, indicator, period, group, level))

st.subheader(f"Every council against England: {areas_text.pupils(group)}")
funnel_table = protect.display_frame(points[["la_name", "role", "ratio", "precision",
                                             "position"]].rename(columns={"ratio": "rri"}))
widgets.chart(lambda: areas_report.funnel_chart(points, table), f"funnel-{name}-{group}",
              funnel_table.rename(columns={"la_name": "Council", "role": "Role", "rri": "RRI",
                                           "precision": "Precision",
                                           "position": "Against England"}),
              key=("areas-funnel", data.area_datasets(), la, indicator, period, group, level))

st.subheader("Ranks with rank intervals")
st.caption(f"1st = highest of the councils with a figure. {level:.0%} rank interval: the range "
           "the council's place takes when every council's rates are drawn 2,000 times from "
           "their counts; places inside it cannot be told apart by chance alone.")
ranks = table[table["role"].isin(["area", "neighbour"]) & table["ethnicity"].isin(["", group])]
rank_view = ranks.pivot_table(index="la_name", columns="ethnicity", aggfunc="first",
                              values=["rank", "rank_ci_low", "rank_ci_high"], sort=False)
order = list(dict.fromkeys(ranks["la_name"]))
rows = []
for council in order:
    row = {"Council": council + (" (this council)" if council == area else "")}
    for g, label in (("", "all pupils' rate"), (group, f"{areas_text.pupils(group)}' RRI")):
        r = rank_view.loc[council]
        ok = not (r[("rank", g)] is None or str(r[("rank", g)]) == "<NA>")
        row[f"Rank, {label}"] = views.ordinal(r[("rank", g)]) if ok else protect.NOT_APPLICABLE
        row[f"Interval, {label}"] = (f"{views.ordinal(r[('rank_ci_low', g)])} to "
                                     f"{views.ordinal(r[('rank_ci_high', g)])}") if ok else \
            protect.NOT_APPLICABLE
    rows.append(row)
st.dataframe(rows, hide_index=True, width="stretch", key="area_ranks",
             height=36 * (len(rows) + 1) + 2)

st.subheader("The neighbours table")
neighbours = views.neighbour_display(table)
st.dataframe(neighbours, hide_index=True, width="stretch", key="area_neighbours",
             height=36 * (len(neighbours) + 1) + 2)
st.caption(f"RRIs against White pupils in the same area. {protect.LOW_RELIABILITY} low numbers "
           f"(fewer than {f.options.min_population} pupils or {f.options.min_events} events in "
           f"the group or White pupils); {protect.NOT_APPLICABLE} cannot be computed; a figure "
           "DfE withheld shows DfE's symbol.")
command = (f"python -m analytics areas --la '{area}' --indicator {indicator} --period {period} "
           f"--compare all --reference White --level {level:g} --out {indicator}.csv")
meta = export.metadata(
    data_source="DfE published council figures (not the dashboard's data source)",
    council=area, indicator=spec[indicator]["label"], unit=unit, period=period,
    comparison="each group against White pupils in the same area",
    interval_level=level, protection=protect.published_note("DfE"), symbols=views.SYMBOLS_NOTE,
    notes=" | ".join(table.attrs["notes"]), sources=" | ".join(table.attrs["sources"]),
    url=widgets.view_url(), command=command)
widgets.downloads(table, meta, f"how-we-compare-{name}")

own_label = own_block = None
st.subheader("Your data beside the published figures")
if data.source_kind() not in ("synthetic", "records"):
    st.info(f"The data source **{data.source()}** is an aggregate table: your own figures by "
            "ethnic group need record-level data (the synthetic borough or imported returns).",
            icon=":material/info:")
else:
    own = data.own_area_figures(indicator, period, f.options)
    synthetic = data.source() == data.SYNTHETIC
    own_label = ("Synthetic borough (made-up data, not real children)" if synthetic
                 else f"Your data: {data.source()}")
    if own is None:
        st.info(f"{own_label}: no records for {period}, so nothing to set beside DfE's figures.",
                icon=":material/info:")
    else:
        measure, published = areas_own.MEASURES[indicator]
        st.warning(f"**{own_label}**, beside DfE's published figures for **{area}**. Your "
                   f"figures count {measure}; DfE's count {published}: close, not the same. "
                   + protect.protection_note(f.options.suppress), icon=":material/science:")
        both = areas_own.beside(table, own, own_label)
        shown = protect.display_frame(both.drop(columns=["published_status"]))
        labels = {"group": "Group", "published_rate": f"Published rate, {area} (DfE)",
                  "published_rri": f"Published RRI, {area} (DfE)",
                  "own_events": "Your data: events", "own_population": "Your data: pupils",
                  "own_rate": "Your data: rate", "own_rri": "Your data: RRI",
                  "own_status": "Your data: status"}
        st.dataframe(shown[list(labels)].rename(columns=labels), hide_index=True,
                     width="stretch", key="area_own")
        own_block = {"label": own_label,
                     "note": f"{measure}, from the data source's own records, beside DfE's "
                             f"{published}; counts protected by the cell-key method"
                             + (f", groups under {f.options.suppress} pupils suppressed."
                                if f.options.suppress > 1 else "."),
                     "header": list(labels.values()),
                     "rows": shown[list(labels)].values.tolist()}

st.subheader("A one-page summary for a board")
st.caption("The findings, the funnel and the neighbours table of this view on one A4 page"
           + (", with your own figures beside the published ones." if own_block else "."))
summary_meta = {**meta, "url": widgets.view_url()}
view = ("areas", data.area_datasets(), la, indicator, period, group, level,
        data.source_key(), f.options)


def build_summary(progress):
    progress(0.2, "Drawing the funnel and the neighbours table")
    return data.audited("report", f"how-we-compare summary {name}", lambda: areas_report.summary(
        figures, la, indicator, period, group, summary_meta, own=own_block, level=level),
        f.options.suppress)()


if st.button("Build the one-page summary", key="area_build", icon=":material/summarize:",
             type="primary"):
    widgets.build_report("areas", "One-page summary", view, build_summary,
                         reports.pdf_support() is None)
ready = st.session_state.get("built_reports", {}).get("areas")
if ready and ready["view"] == view:
    with st.container(horizontal=True):
        file = f"how-we-compare-{widgets.slug(name)}-{widgets.slug(group)}"
        st.download_button("Download the summary (HTML)", data=ready["html"], key="area-html",
                           file_name=f"{file}.html", mime="text/html", on_click="ignore",
                           icon=":material/download:")
        if ready["pdf"] is not None:
            st.download_button("Download the summary (PDF)", data=ready["pdf"], key="area-pdf",
                               file_name=f"{file}.pdf", mime="application/pdf",
                               on_click="ignore", icon=":material/picture_as_pdf:")
elif ready:
    st.caption("The view has changed since the last build: build it again for this view.")

with st.expander("Notes: sources and method", expanded=False):
    for note in table.attrs["notes"] + [f"Figures: {s}" for s in table.attrs["sources"]]:
        st.markdown(f"- {note}")
    st.markdown("- Statistical neighbours: DfE's Children's services statistical neighbour "
                "benchmarking tool (May 2025); regions as DfE publishes them (Inner London is "
                "ONS's statistical Inner London, with Haringey and Newham). See docs/areas.md.")
