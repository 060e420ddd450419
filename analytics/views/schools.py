"""Exclusion disproportionality school by school (Disproportionality Action Plan,
recommendation 10: "disseminating this information on a school-by-school basis").

For each school of a phase: the exclusion rate of its Black and minority ethnic pupils (the
`bme_pupils` cohort) against the borough rate for those pupils (a funnel plot with 95% and
99.8% limits), and the within-school relative rate index against its White British pupils.
Counts come from the database; RRI, adjustment across schools and disclosure control are the
same functions as everywhere else. No Streamlit here.
"""
from __future__ import annotations

import pandas as pd

from analytics import protect
from analytics.data.cohorts import get as get_cohort
from analytics.data.counts import count_columns, counts
from analytics.data.reference import outcome as get_outcome
from analytics.protect import gate
from analytics.stats.funnel import funnel_table
from analytics.stats.rri import rri_table
from analytics.views.tables import Options
from analytics.views.wording import event_phrase

#: The outcomes and phases the schools page offers.
SCHOOL_OUTCOMES = ("suspension", "permanent_exclusion")
PHASES = ("Secondary", "Primary")

BME_COHORT = "bme_pupils"
WB_COHORT = "white_british"
BME_LABEL = "Black and minority ethnic pupils"
WB_LABEL = "White British pupils"

#: Funnel positions in display order (worst first).
POSITIONS = ["above 99.8% limit", "above 95% limit", "within limits", "below 95% limit",
             "below 99.8% limit", "no pupils"]

#: Columns of `display_table` as a reader sees them, in table order ("{event}": what the
#: pupils counted did, from the catalogue: "suspended", "permanently excluded").
COLUMN_LABELS = {
    "school": "School",
    "rate": "Rate, Black and minority ethnic pupils",
    "wb_rate": "Rate, White British pupils",
    "rri": "RRI",
    "rri_interval": "RRI interval",
    "significant": "Significant",
    "position": "Against borough rate",
    "population": "Black and minority ethnic pupils",
    "events": "Black and minority ethnic pupils {event}",
    "wb_population": "White British pupils",
    "wb_events": "White British pupils {event}",
    "status": "Status",
}

SYMBOLS = (protect.SUPPRESSED, protect.NOT_APPLICABLE)

_WB_COLUMNS = {"events": "wb_events", "population": "wb_population", "rate": "wb_rate",
               "status": "wb_status"}


def phase_filters(phase: str, filters=()) -> dict:
    """Counts-query filters for one phase's pupils, with any population restrictions
    (`filters`: a dict or ((column, values), ...))."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
    return {**dict(filters or {}), "school_phase": [phase]}


def combine_counts(bme: pd.DataFrame, white_british: pd.DataFrame) -> pd.DataFrame:
    """Long counts table from two `counts(..., by=["school"], cohort=...)` results (cohorts
    `bme_pupils` and `white_british`): one row per school and group (BME_LABEL, WB_LABEL)
    with `events` and `population`; a group absent from a school gets a row of zeros, so
    every school has both."""
    parts = []
    for table, cohort, label in ((bme, BME_COHORT, BME_LABEL),
                                 (white_british, WB_COHORT, WB_LABEL)):
        mine = table[table["cohort"] == get_cohort(cohort).label]
        parts.append(mine[["school", *count_columns(mine)]].assign(group=label))
    long = pd.concat(parts, ignore_index=True)
    names = sorted(long["school"].astype(str).unique())
    grid = pd.MultiIndex.from_product([[BME_LABEL, WB_LABEL], names], names=["group", "school"])
    cols = count_columns(long)
    long = (long.set_index(["group", "school"])[cols].reindex(grid, fill_value=0).reset_index())
    for col in cols:
        long[col] = long[col].astype("int64")
    return long


def school_counts(con, outcome: str, phase: str, periods, filters=None) -> pd.DataFrame:
    """The long counts table of `combine_counts` straight from the database."""
    if outcome not in SCHOOL_OUTCOMES:
        raise ValueError(f"outcome must be one of {SCHOOL_OUTCOMES}, got {outcome!r}")
    filt = phase_filters(phase, filters)
    bme, wb = (counts(con, outcome, by=["school"], periods=list(periods), cohort=c, filters=filt)
               for c in (BME_COHORT, WB_COHORT))
    return combine_counts(bme, wb)


def school_table(con, outcome: str, phase: str, periods, options: Options = Options(),
                 filters=None) -> pd.DataFrame:
    """One row per school of the phase (see `school_table_from_counts`), from the database."""
    long = school_counts(con, outcome, phase, periods, filters)
    out = school_table_from_counts(long, outcome, options)
    out.attrs.update(phase=phase, periods=list(periods), filters=dict(filters or {}))
    return out


def school_table_from_counts(long: pd.DataFrame, outcome: str,
                             options: Options = Options()) -> pd.DataFrame:
    """One row per school from the long counts table of `combine_counts`.

    Columns: `school`; the BME pupils' `events`, `population`, `rate` (per the outcome's
    unit) and its interval; the White British pupils' `wb_events`, `wb_population`,
    `wb_rate`, `wb_status`; the within-school RRI of BME against White British pupils with
    its interval, p-values adjusted across the phase's schools (`options.adjust`) and
    `significant`; `status` of the BME row; the funnel's `borough_rate` (all the phase's BME
    pupils), `lower_95%` ... `upper_99.8%` and `position`.

    Disclosure control (`options.suppress`) as everywhere: the counts are published first
    (each group's phase total is the funnel's borough rate), every figure is computed from
    them, and a school with fewer than `suppress` pupils of a group shows that group's
    population only (a BME row hides its rate and funnel position; a White British row hides
    its rate and the RRI against it).
    """
    if long.empty:   # no pupils of the phase: the columns, no rows
        dummy = pd.DataFrame({"group": [BME_LABEL, WB_LABEL], "school": "", "events": 0,
                              "population": 0})
        return school_table_from_counts(dummy, outcome, options).iloc[0:0]
    o = options
    unit = int(get_outcome(outcome)["unit"])
    published = protect.published(long, by=["group"], threshold=o.suppress)
    result = rri_table(published, ["group", "school"], comparison="reference",
                       reference={"group": WB_LABEL}, level=o.level, ci=o.ci, adjust=o.adjust,
                       unit=unit, min_population=o.min_population, min_events=o.min_events)
    result = protect.suppress(result, ["group", "school"], threshold=o.suppress,
                              counts=published)
    bme = result[result["group"] == BME_LABEL].drop(columns="group")
    wb = (result[result["group"] == WB_LABEL][["school", *_WB_COLUMNS]]
          .rename(columns=_WB_COLUMNS))
    bme_counts = published[published["group"] == BME_LABEL]
    p0 = None
    if "total_population" in bme_counts.columns and len(bme_counts):
        total = bme_counts.iloc[0]
        p0 = total["total_events"] / total["total_population"] if total["total_population"] else 0.0
    funnel = funnel_table(bme_counts, "school", unit=unit, p0=p0)
    funnel = funnel.drop(columns=["events", "population", "rate"])
    out = bme.merge(wb, on="school", how="left").merge(funnel, on="school", how="left")
    hidden = out["rate"].isna().to_numpy() & out["status"].astype(str).str.startswith("suppressed").to_numpy()
    out["position"] = pd.array(out["position"].astype(object).where(~hidden, pd.NA), dtype="string")
    out = out.sort_values("school", kind="stable").reset_index(drop=True)
    out.attrs = {**result.attrs, "outcome": outcome, "unit": unit,
                 "protection": published.attrs.get("protection", "none")}
    return gate.publish(out, "schools", threshold=options.suppress)


def funnel_points(table: pd.DataFrame) -> pd.DataFrame:
    """The schools a funnel plot may draw: a rate and a position, nothing suppressed."""
    ok = table["rate"].notna() & table["position"].notna() & (table["population"].fillna(0) > 0)
    return table[ok.to_numpy(dtype=bool)]


def _phase_schools(n: int, phase: str) -> str:
    return f"{n} {phase.lower()} school" + ("" if n == 1 else "s")


def funnel_finding(table: pd.DataFrame, noun: str, phase: str) -> str:
    """A chart title stating the finding: how many schools lie above the limits."""
    pos = table["position"].astype("string")
    n = int((table["population"].fillna(0) > 0).sum())
    above_outer = int((pos == "above 99.8% limit").sum())
    above_inner = int((pos == "above 95% limit").sum())
    subject = f"{noun} rate for {BME_LABEL}"
    if above_outer:
        return (f"{above_outer} of {_phase_schools(n, phase)} "
                f"{'has' if above_outer == 1 else 'have'} a {subject} above the 99.8% limit")
    if above_inner:
        return (f"No {phase.lower()} school's {subject} is above the 99.8% limit; "
                f"{above_inner} {'is' if above_inner == 1 else 'are'} above 95%")
    return f"No {phase.lower()} school's {subject} is above the 95% limit"


def above_limit_sentence(table: pd.DataFrame, unit_label: str) -> str:
    """The schools above the 99.8% limit, each with its rate and the borough's."""
    pos = table["position"].astype("string")
    above = table[(pos == "above 99.8% limit").fillna(False).to_numpy(dtype=bool)]
    hidden = int(table["position"].isna().sum())
    if len(table) and hidden == len(table):
        return ("No school can be compared with the borough rate without revealing small "
                "numbers: every school's figure is suppressed to protect pupils' identities.")
    note = ""
    if hidden:
        note = (f" {hidden} school" + (" has" if hidden == 1 else "s have")
                + " figures suppressed to protect pupils' identities and "
                + ("is" if hidden == 1 else "are") + " not assessed.")
    if above.empty:
        return ("No school's rate for Black and minority ethnic pupils is above the 99.8% "
                "limit: none differs from the borough rate by more than chance would "
                "explain." + note)
    borough = float(table["borough_rate"].dropna().iloc[0])
    items = [f"{row.school} ({float(row.rate):.1f} {unit_label})" for row in above.itertuples()]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    verb = "is" if len(items) == 1 else "are"
    return (f"Above the 99.8% limit, where chance is a very unlikely explanation, {verb} "
            f"{listed}, against a borough rate of {borough:.1f} {unit_label} for Black "
            "and minority ethnic pupils." + note)


def chart_context(description: str) -> str:
    """The parts of a filter description (`Filters.describe()`: "; "-separated) that apply to
    the funnel plot: the period and population restrictions. The comparison, interval level
    and adjustment chosen in the sidebar do not apply to a funnel plot (its comparison is
    the borough rate, its limits are fixed at 95% and 99.8%)."""
    parts = [p for p in description.split("; ")
             if not p.startswith("compared with") and not p.endswith(("intervals", "adjustment"))]
    return "; ".join(parts)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The school table as screen strings with readable column names: suppressed cells
    "[c]", undefined "[z]", never nan/None."""
    shown = protect.display_frame(table)
    wb = table[["school", *_WB_COLUMNS.values()]].rename(columns={v: k for k, v in _WB_COLUMNS.items()})
    wb_shown = protect.display_frame(wb)
    for own, prefixed in _WB_COLUMNS.items():
        if own != "status":
            shown[prefixed] = wb_shown[own].to_numpy()
    # No funnel at all (a small phase total): positions are hidden, not "not applicable".
    no_funnel = (table["position"].isna() & table["borough_rate"].isna()
                 & (table["population"].fillna(0) > 0)).to_numpy(dtype=bool)
    shown.loc[no_funnel, "position"] = protect.SUPPRESSED
    # The interval in one column: "0.70 to 1.58", or the symbol when there is none.
    lo, hi = shown["rri_ci_low"], shown["rri_ci_high"]
    bare = lo.isin(SYMBOLS) | hi.isin(SYMBOLS)
    shown["rri_interval"] = (lo + " to " + hi).where(~bare, lo.where(lo.isin(SYMBOLS), hi))
    cols = [c for c in COLUMN_LABELS if c in shown.columns]
    outcome = table.attrs.get("outcome")
    event = event_phrase(outcome).removeprefix("were ") if outcome else "with the outcome"
    return shown[cols].rename(columns={k: v.format(event=event) for k, v in COLUMN_LABELS.items()})
