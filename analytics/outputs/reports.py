"""Self-contained HTML reports: the board pack and the court scrutiny report.

Charts are inlined as SVG (rendered server-side), styles are inline, so a file opens
anywhere with no network. Text is autoescaped (group names can come from user files). Every
figure passes through the same disclosure control as the screen.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analytics import protect
from analytics.data import areas
from analytics.data.cohorts import profile_cohorts
from analytics.data.counts import counts as population_counts
from analytics.data.db import periods as all_periods
from analytics.data.queries import DIMENSIONS
from analytics.data.reference import outcome_catalogue
from analytics.outputs import areas_report, charts
from analytics.outputs.charts.explain import ratio_pairs
from analytics.outputs.charts.followup import cohort_shares, history_shares
from analytics.outputs.charts.heatmap import STEP, heatmap
from analytics.outputs.charts.profile import profile_chart
from analytics.outputs.charts.trends import rri_lines
from analytics.protect import gate
from analytics.stats import trends
from analytics.views import claims, findings, followup, profiles
from analytics.views.tables import Options, rri_for_outcome, rri_matrix
from analytics.views.trends import default_groups, trend_table
from analytics.views.wording import format_number, group_labels, rate_phrase, sentence

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

METHOD = [
    "Rates are children with the outcome per eligible children (each child counted once a "
    "year), with Wilson score intervals.",
    "The relative rate index (RRI) divides a group's rate by the comparison rate. Against the "
    "borough average the group is part of the average, so the interval allows for the "
    "covariance (delta method); against a named group or all other children the Katz log "
    "interval is used, or the exact conditional interval where counts are below 20.",
    "A group is 'significantly' different when the p-value, adjusted for the number of groups "
    "compared (Holm by default), is below 1 minus the interval level.",
    "Groups with fewer than the minimum children or events are marked low numbers [u]; the "
    "protection line above says how counts were protected.",
]
CAVEATS = [
    "The synthetic borough is generated data calibrated to the Islington Youth Safety Strategy "
    "and real DfE counts: it is not real children and must not be reported as such.",
    "Section 5.4 of the strategy describes the borough around 2020; the checks pool all years.",
    "Ratios grow as an outcome gets rarer: read the rate difference and the number of children "
    "affected (excess) beside each ratio.",
    "A difference in rates shows where to look, not why it arises: need, exposure and decisions "
    "all contribute.",
]


def _svg(chart) -> str:
    return charts.to_svg(chart)


def _checked(table: pd.DataFrame) -> pd.DataFrame:
    """A table a report prints, checked to have passed the publishing gate."""
    gate.require(table)
    return table


def board_pack(con, *, breakdown, periods, options: Options = Options(), filters=None,
               describe: str = "", comparison_label: str = "the borough average",
               meta: dict | None = None, source_note: str = "Synthetic data - not real children.",
               outcomes=None, progress=None, area_figures=None) -> str:
    """The board pack as one HTML document: overview heatmap, the five largest disparities,
    one profile per section 5.4 group with its sentences and the strategy's statements
    checked, the borough beside England and beside its statistical neighbours (DfE's
    published council figures; `area_figures` with imported years, default the shipped
    ones), method, caveats, and how to reproduce it.

    `outcomes`: the outcomes the data hold (None: the whole catalogue); a record-level
    dataset with only some outcomes gets a pack of those, its other statements listed as not
    checked. `progress(share, text)`, if given, is told each step (the pack takes a while)."""
    step = progress or (lambda share, text: None)
    breakdown, periods = list(breakdown), list(periods)
    held = None if outcomes is None else set(outcomes)
    period_text = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]} pooled"
    outcomes = [o for o in findings.matrix_outcomes() if held is None or o in held]
    step(0.05, "Comparing every group on every outcome")
    matrix = rri_matrix(con, breakdown, periods, filters=filters, options=options,
                        outcomes=outcomes)
    matrix = _checked(matrix).assign(group=group_labels(matrix, breakdown))
    head = findings.headline(matrix, breakdown)
    head["hidden"] = head["suppressed"] + head["low"]
    top = findings.top_disparities(matrix, n=5, breakdown=breakdown,
                                   comparison_label=comparison_label, level=options.level)
    cells = findings.heatmap_cells(matrix, breakdown, options.level)
    than = rate_phrase(comparison_label)
    title = (f"{head['largest']['subject']} is {head['largest']['text']} times {than}"
             if head["largest"] else f"No group's rate differs significantly from {than}")
    heat = charts.board_chart(heatmap(cells, columns=outcomes), title=title,
                              subtitle=f"RRI by group and outcome; {describe or period_text}",
                              caveat="Orange: above the comparison, blue: below. Faded: not "
                                     "significant. [u] low numbers, [c] suppressed.",
                              source=f"Source: {source_note}", width=STEP * len(outcomes))
    cohort_profiles = []
    cohorts = profile_cohorts()
    for i, cohort in enumerate(cohorts):
        step(0.15 + 0.8 * i / len(cohorts), f"Profile of {cohort.label}")
        own = None if held is None else sorted(held - set(cohort.defined_by))
        prof = pd.DataFrame() if own == [] else profiles.profile(con, cohort, periods, level=options.level, ci=options.ci,
                                adjust=options.adjust, min_population=options.min_population,
                                min_events=options.min_events, suppress=options.suppress,
                                outcomes=own)
        if prof.empty:
            # The data do not hold this group (a file without the columns defining it).
            cohort_profiles.append({
                "label": cohort.label, "chart": "", "rows": [], "claims": [],
                "note": f"Not in this report: the data hold no {cohort.in_sentence} "
                        "(the columns that define the group, or its outcomes, are missing)."})
            continue
        rows = findings.profile_rows(_checked(prof), options.level)
        chart = charts.board_chart(profile_chart(rows),
                                   title=findings.profile_title(rows, cohort.label, width=70),
                                   subtitle=f"Every indicator against the borough average; {period_text}",
                                   caveat="Lines: confidence intervals. [c] suppressed; [u] low numbers.",
                                   source=f"Source: {source_note}", width=360)
        checked = findings.cohort_claims(cohort)
        checked = checked[checked["cohort"].astype("string").eq(cohort.key).fillna(False).to_numpy(bool)]
        verdicts = []
        missing = checked[~checked["outcome"].isin(list(held))] if held is not None else checked.iloc[0:0]
        for claim in missing.to_dict("records"):
            verdicts.append({"quote": claim["quote"], "holds": None, "figure": (
                "Not checked: the data hold no "
                f"{outcome_catalogue().set_index('key').loc[claim['outcome'], 'label'].lower()}.")})
        checked = checked.drop(index=missing.index)
        for claim in checked.to_dict("records"):
            if not _has_children(con, cohort, claim):
                verdicts.append({"quote": claim["quote"], "holds": None, "figure": (
                    f"Not checked: the data hold no {cohort.in_sentence} in the years the "
                    "statement is checked on.")})
                continue
            result = claims.evaluate(con, pd.Series(claim), periods=periods, options=options)
            verdicts.append({"quote": claim["quote"], "holds": result.holds,
                             "verdict": result.verdict[:1].upper() + result.verdict[1:],
                             "figure": findings.claim_figure(claim, result)})
        cohort_profiles.append({
            "label": cohort.label, "chart": _svg(chart), "claims": verdicts, "note": "",
            "rows": [{"indicator": r["short_label"], "sentence": r["sentence"]}
                     for r in rows.to_dict("records")]})
    # The follow-up needs exclusions and the later outcomes on record.
    after = (after_exclusion_section(con, breakdown, options, filters,
                                     source=f"Source: {source_note}")
             if held is None or {"suspension", "proven_offence"} <= held else None)
    step(0.95, "England beside the borough")
    england = england_section(con, periods, options, filters, held=held)
    step(0.97, "How we compare: the council beside its statistical neighbours")
    compare = areas_report.board_sections(area_figures if area_figures is not None
                                          else areas.figures(), level=options.level)
    step(1.0, "Writing the pack")
    return _env.get_template("board_pack.html").render(
        england=england, compare=compare,
        title=f"Disproportionality board pack, {period_text}",
        subtitle=describe or period_text, source_note=source_note, css=_css(),
        headline=head, top=list(top["sentence"]), heatmap=_svg(heat), profiles=cohort_profiles,
        after=after, synthetic=source_note.lower().startswith("synthetic"),
        claims_periods=period_text, method=METHOD, caveats=CAVEATS,
        legend=protect.legend(options.suppress, options.min_population, options.min_events),
        meta=meta or {})


def after_exclusion_section(con, breakdown, options: Options, filters=None,
                            years: int = 2, outcome: str = "proven_offence",
                            source: str = charts.SOURCE) -> dict:
    """The board pack's "After exclusion" section: later outcomes of children first excluded
    against pupils not excluded (all children, then by the breakdown's ethnicity for one
    outcome) and the youth-justice cohort's history, with charts and sentences. All index
    years with complete follow-up are pooled; every figure is disclosure-controlled."""
    labels, nouns = followup.outcome_labels(), followup.outcome_nouns()
    ethnicity = [c for c in breakdown if c.startswith("ethnicity_")][:1] or ["ethnicity_major"]
    overall = _checked(followup.followup_table(con, [], years=years, filters=filters,
                                               options=options))
    within = f"within {years} year{'s' if years > 1 else ''}"
    shares = charts.board_chart(
        cohort_shares(overall, labels),
        title=followup.followup_finding(overall[overall["outcome"] == outcome], nouns[outcome], years),
        subtitle=f"Children first suspended or permanently excluded, and pupils not excluded; "
                 f"outcomes {within}; all index years pooled",
        caveat="Bars: share with the outcome; lines: intervals. Suppressed shares are not drawn. "
               "Associations, not causes.", width=520, source=source)
    groups = followup.followup_table(con, ethnicity, years=years, outcomes=[outcome],
                                     filters=filters, options=options)
    drawn = _checked(groups)[groups["rri"].notna().to_numpy(dtype=bool)]
    by_group = None
    if len(drawn):
        by_group = _svg(charts.board_chart(
            ratio_pairs(drawn, [("rri", "rri_ci_low", "rri_ci_high", "Crude"),
                                ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high",
                                 "Adjusted for FSM, SEN, care, age and year")],
                        "Excluded against not excluded (ratio, log scale)"),
            title=f"{labels[outcome]} {within}: excluded against not-excluded children",
            subtitle=f"By {DIMENSIONS[ethnicity[0]].lower()}; all index years pooled",
            caveat="Hollow: crude ratio; filled: adjusted. Suppressed groups are not drawn.",
            width=520, source=source))
    shown = followup.display_table(groups)
    history = _checked(followup.yj_history(con, filters=filters, options=options))
    history_chart = charts.board_chart(
        history_shares(history, followup.STRATEGY_MARKS),
        title="Children with a proven offence: their exclusions and needs",
        subtitle="Each child once, at the first year with a proven offence; all years pooled",
        caveat="Black ticks: the strategy's figures (section 5.4).", width=520, source=source)
    return {
        "title": f"After exclusion: outcomes {within}",
        "chart": _svg(shares),
        "sentences": [followup.followup_sentence(r, nouns[r["outcome"]], years, options.level)
                      .replace(followup.ALL_CHILDREN + ": ", f"{labels[r['outcome']]}: ", 1)
                      for r in overall.to_dict("records")],
        "group_title": f"{labels[outcome]} {within}, by ethnicity",
        "group_chart": by_group,
        "header": list(shown.columns), "rows": shown.values.tolist(),
        "history_sentence": followup.yj_sentence(history),
        "history_chart": _svg(history_chart),
    }


def england_section(con, periods, options: Options, filters=None,
                    benchmark: str = "england", held=None) -> list[dict]:
    """One entry per outcome with national figures: both areas' rates and RRIs by the five
    groups, the alternate ratio where the measures match, and every note (years, measures,
    sources). `held`: the outcomes the data hold (None: every outcome)."""
    from analytics.data import benchmarks
    from analytics.data.counts import counts
    from analytics.views.benchmark import compare, sentences
    catalogue = outcome_catalogue().set_index("key")
    out = []
    for key in [k for k in benchmarks.outcomes(benchmark)
                if k in catalogue.index and (held is None or k in held)]:
        local = counts(con, key, by=["ethnicity_code"], periods=periods, filters=filters)
        if local["population"].sum() == 0:
            continue
        spec = catalogue.loc[key]
        table = compare(local, key, list(periods), benchmark=benchmark, options=options,
                        unit=int(spec["unit"]))
        shown = protect.display_frame(_checked(table).assign(share=table["share"] * 100,
                                                   benchmark_share=table["benchmark_share"] * 100))
        col = next(c for c in ("ethnicity_5", "ethnicity_major") if c in table.columns)
        area = table.attrs["benchmark"]
        header = ["Group", f"Borough rate per {int(spec['unit']):,}", f"{area} rate",
                  f"Borough / {area}", "RRI (borough)", f"RRI ({area})", "Share % (borough)",
                  f"Share % ({area})"]
        rows = shown[[col, "rate", "benchmark_rate", "rri", "local_rri", "benchmark_rri",
                      "share", "benchmark_share"]].values.tolist()
        totals = table.attrs["totals"]
        headline = None
        if totals.get("rate") is not None and totals.get("benchmark_rate") is not None:
            headline = (f"All children: {format_number(totals['rate'])} in the borough, "
                        f"{format_number(totals['benchmark_rate'])} in {area}"
                        + ("" if totals["comparable"] else f" ({area} counts {totals['measure']})")
                        + f", per {int(spec['unit']):,}.")
        out.append({"title": f"{spec['label']}: the borough and {area} ({table['benchmark_period'].iloc[0]})",
                    "headline": headline, "sentences": sentences(table, spec["noun"], options.level),
                    "header": header, "rows": rows, "notes": table.attrs["notes"],
                    "against": table.attrs["benchmark_comparison"]})
    return out


def court_report(con, *, ethnicity: str = "ethnicity_major", options: Options = Options(),
                 meta: dict | None = None, pool: int = 3,
                 source_note: str = "Synthetic data - not real children.", progress=None) -> str:
    """Remand and custodial outcomes by ethnicity: rates, RRIs with intervals, and trends of
    the `pool`-year pooled RRI, for the whole 10-17 population and among children with a
    proven offence (the decision point the court controls)."""
    every = all_periods(con)
    latest = every[-pool:]
    window = f"{latest[0]} to {latest[-1]} pooled"
    catalogue = outcome_catalogue().set_index("key")
    sections = []
    keys = ("remand", "custody", "remand_given_offence", "custody_given_offence")
    for i, key in enumerate(keys):
        spec = catalogue.loc[key]
        if progress:
            progress(i / len(keys), spec["label"])
        table = rri_for_outcome(con, key, [ethnicity], latest, options=options)
        table = table.assign(group=group_labels(table, [ethnicity]))
        lines = [sentence(r, r["group"], spec["noun"], _comparison(options), options.level)
                 for r in table.to_dict("records") if str(r["status"]) != "reference"]
        shown = protect.display_frame(_checked(table))
        header = ["Group", "Children with outcome", "Children", f"Rate per {int(spec['unit']):,}",
                  "RRI", "CI low", "CI high", "Significant", "Excess children", "Status"]
        rows = shown[["group", "events", "population", "rate", "rri", "rri_ci_low",
                      "rri_ci_high", "significant", "excess_events", "status"]].values.tolist()
        trend = trend_table(con, key, [ethnicity], options=options, pool=pool)
        trend = _checked(trend).assign(group=group_labels(trend, [ethnicity]))
        trend = trends.persistence(trend, n=3, group_cols=["group"])
        groups = default_groups(trend, [ethnicity])
        chart = None
        if groups:
            chart = _svg(charts.board_chart(
                rri_lines(trend, groups, _comparison(options), 3),
                title=f"{spec['label']}: RRI over time, {pool}-year pooled",
                subtitle=f"By {ethnicity.replace('_', ' ')}; compared with {_comparison(options)}",
                caveat="Bands: confidence intervals. Rings: significant three windows running.",
                source=f"Source: {source_note}", width=560))
        sections.append({"title": f"{spec['label']}", "about": f"Rate per {int(spec['unit']):,} "
                         f"{spec['population_label']}, {window}.", "sentences": lines,
                         "header": header, "rows": rows, "trend": chart})
    return _env.get_template("court_report.html").render(
        title=f"Remand and custody by ethnicity: court scrutiny report, {window}",
        subtitle=f"Compared with {_comparison(options)}; {options.level:.0%} intervals; "
                 f"{options.adjust} adjustment", source_note=source_note, css=_css(),
        sections=sections, method=METHOD, meta=meta or {},
        legend=protect.legend(options.suppress, options.min_population, options.min_events))


def pdf_support() -> str | None:
    """None when PDF output works here; otherwise why not (WeasyPrint needs Pango)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:
        return f"PDF needs WeasyPrint and the Pango library ({type(e).__name__}: {e})"
    return None


def to_pdf(html: str) -> bytes:
    """A report as PDF (WeasyPrint renders the same HTML, inline SVG charts included)."""
    problem = pdf_support()
    if problem:
        raise RuntimeError(problem)
    from weasyprint import HTML
    return HTML(string=html).write_pdf()


def _has_children(con, cohort, claim) -> bool:
    """Whether the data hold children of `cohort` eligible for the claim's outcome in the
    claim's years (a user's file may lack the columns that define a group, e.g. free school
    meals): a statement about nobody cannot be checked."""
    spec = claim.get("periods")
    periods = None if spec is None or pd.isna(spec) or str(spec) in ("all", "") else str(spec).split("|")
    table = population_counts(con, claim["outcome"], periods=periods, cohort=cohort)
    mine = table[table["cohort"] == cohort.label]
    return bool(len(mine)) and int(mine["population"].sum()) > 0


def _comparison(options: Options) -> str:
    if options.comparison == "overall":
        return "the borough average"
    if options.comparison == "rest":
        return "all other children"
    return " and ".join(str(v) for _, v in options.reference) + " children"


def _css() -> str:
    return (TEMPLATES / "report.css").read_text()


__all__ = ["board_pack", "court_report", "format_number"]
