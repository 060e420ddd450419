"""What happens after exclusion (Disproportionality Action Plan, recommendation 10: "longer-term
outcomes for excluded BAME young people ... on a school-by-school basis"; its update: "whether
... there is a correlation between school exclusions and involvement in youth crime, gangs and
Serious Youth Violence").

* Follow-up: of the children first suspended or permanently excluded in a year, the share
  with each later outcome within 1, 2 or 3 years, against pupils not excluded by then of the
  same ethnicity and sex: crude (the RRI with ethnicity and sex as strata) and adjusted (a
  Poisson model with free school meals, SEN, care, single-year age and the index year,
  robust errors clustered by child), by ethnicity and school by school.
* The reverse view: of the children with a proven offence (the youth-justice cohort), the
  share excluded before or in the year of their offence, and the share with SEN (section
  5.4: "at least 50%", "more than half", "16% ... EHCPs", "40% ... SEN Support").

Associations, not causes: children excluded differ from others in ways the data do not
record. Every count passes through disclosure control as everywhere else; a figure derived
from a hidden count is hidden with it.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import protect
from analytics.data.counts import count_columns
from analytics.data.followup import (
    EXCLUDED,
    FOLLOWUP_OUTCOMES,
    NOT_EXCLUDED,
    followup_counts,
    yj_history_counts,
)
from analytics.data.reference import outcome_catalogue
from analytics.protect import gate
from analytics.stats.poisson import fit_poisson, split_units
from analytics.stats.rates import rate_table, to_float_na
from analytics.views.tables import Options, protected_rri
from analytics.views.wording import format_number, group_labels

#: Characteristics of the index year the adjusted ratio allows for (besides ethnicity, sex).
ADJUST_FOR = ("fsm_status", "sen_status", "care_status", "age", "period")
ALL_CHILDREN = "All children"
#: Section 5.4's figures for the youth-justice cohort (measure: (low, high, the words)).
STRATEGY_FIGURES = {
    "excluded_past_or_current": "at least 50%",
    "sen_any": "more than half",
    "ehcp": "16%",
    "sen_support": "40%",
    "looked_after": "between one fifth and a quarter",
}

#: The youth-justice cohort's history as shown: measure -> (label, the categories of
#: yj_history_counts it adds up).
YJ_MEASURES = {
    "excluded_past_or_current": ("Excluded before or in the year of the offence",
                                 ("excluded_earlier", "excluded_that_year_only")),
    "excluded_before": ("Excluded in an earlier year", ("excluded_earlier",)),
    "sen_any": ("Any SEN", ("sen_support", "ehcp")),
    "sen_support": ("SEN support", ("sen_support",)),
    "ehcp": ("Education, Health and Care Plan", ("ehcp",)),
    "looked_after": ("Looked after", ("looked_after",)),
}
#: The outcome (catalogue key) a dataset must support for a measure to mean anything.
YJ_SOURCES = {"excluded_past_or_current": "suspension", "excluded_before": "suspension",
              "sen_any": "sen_any", "sen_support": "sen_support", "ehcp": "ehcp",
              "looked_after": "looked_after"}


def supported(history: pd.DataFrame, available=None) -> pd.DataFrame:
    """The history rows a dataset can support (`available`: its outcomes; None: all): an
    imported file without a `sen` column says nothing about SEN, not that no child had it."""
    if available is None:
        return history
    keep = [m for m, source in YJ_SOURCES.items() if source in set(available)]
    return history[history["measure"].isin(keep)].reset_index(drop=True)


#: The measures in a sentence, in the strategy's order.
YJ_PHRASES = {"excluded_past_or_current": "had a past or current school exclusion",
              "sen_any": "had special educational needs", "ehcp": "had an EHCP",
              "sen_support": "had SEN support", "looked_after": "were looked after"}
#: The strategy's figures as numbers for charts (per 100; "more than half" and "at least
#: 50%" at 50, "between one fifth and a quarter" at its middle).
STRATEGY_MARKS = {"excluded_past_or_current": 50, "sen_any": 50, "ehcp": 16, "sen_support": 40,
                  "looked_after": 22.5}

#: Columns of `followup_table` after the group columns (`group` label included), in order.
COLUMNS = ["outcome", "years", "events", "population", "rate", "rate_ci_low", "rate_ci_high",
           "comparison_events", "comparison_population", "comparison_rate",
           "comparison_rate_ci_low", "comparison_rate_ci_high", "rri", "rri_ci_low", "rri_ci_high",
           "significant", "adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high",
           "adjusted_p_value", "status", "adjusted_status"]
_MODEL = ["adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high", "adjusted_p_value"]


def _options(options: Options) -> Options:
    """The view's options with the comparison fixed: not-excluded children of the same
    strata (every other group column)."""
    return replace(options, comparison="reference", reference=(("cohort", NOT_EXCLUDED),))


def _label(frame: pd.DataFrame, breakdown: list[str]) -> pd.Series:
    return (group_labels(frame, breakdown) if breakdown
            else pd.Series(ALL_CHILDREN, index=frame.index, name="group"))


def _ethnicity(breakdown) -> str:
    return next((c for c in breakdown if c.startswith("ethnicity_")), "ethnicity_major")


def _adjusted(units: pd.DataFrame, breakdown: list[str], level: float) -> pd.DataFrame:
    """Adjusted ratio (excluded against not excluded) per outcome and group: one Poisson
    model per outcome with a term for each group-and-cohort, ethnicity and sex where they
    are not the groups, and ADJUST_FOR; robust errors clustered by child."""
    strata = [c for c in (_ethnicity(breakdown), "sex") if c not in breakdown]
    keys = breakdown or []
    rows = []
    for outcome, part in units[units["population"] > 0].groupby("outcome", sort=False):
        part = part.copy()
        group = part[keys[0]].astype(str) if keys else pd.Series(ALL_CHILDREN, index=part.index)
        for c in keys[1:]:
            group = group + " | " + part[c].astype(str)
        part["_group"] = group
        part["term"] = group + " || " + part["cohort"]
        terms = ["term"] + strata + list(ADJUST_FOR)
        labels = part.drop_duplicates("_group").set_index("_group")[keys]
        try:
            cells, children = split_units(part, terms, "child_id")
            fit = fit_poisson(cells, terms, children=children)
            problem = None if fit.converged else "not computable: the model did not converge"
        except ValueError as e:
            fit, problem = None, f"not computable: {e}"
        for g in sorted(labels.index):
            got = None if fit is None or problem else fit.ratio(
                "term", f"{g} || {EXCLUDED}", f"{g} || {NOT_EXCLUDED}", level)
            status = problem or ("ok" if got is not None else
                                 "not computable: no children with the outcome in one of the "
                                 "two cohorts")
            rows.append({**labels.loc[g].to_dict(), "outcome": outcome,
                         "adjusted_rri": np.nan if got is None else got["ratio"],
                         "adjusted_rri_ci_low": np.nan if got is None else got["ci_low"],
                         "adjusted_rri_ci_high": np.nan if got is None else got["ci_high"],
                         "adjusted_p_value": np.nan if got is None else got["p_value"],
                         "adjusted_status": status})
    return pd.DataFrame(rows, columns=keys + ["outcome"] + _MODEL + ["adjusted_status"])


def followup_from_counts(table: pd.DataFrame, breakdown, options: Options = Options(),
                         adjusted: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per group, outcome and window from a follow-up counts table (group columns,
    `cohort`, `years`, `outcome`, `events`, `population`): the excluded children's count and
    rate (per 100), the not-excluded children's, the crude RRI of the excluded against them
    (ethnicity, sex and the other group columns as strata), and the adjusted ratio if given.
    Disclosure control: the comparison's figures are hidden with the excluded row's when
    either count is hidden."""
    breakdown = list(breakdown)
    opts = _options(options)
    result = protected_rri(table[breakdown + ["cohort", "outcome", "years", *count_columns(table)]],
                           breakdown + ["cohort"], ["outcome", "years"], 100, opts)
    keys = breakdown + ["outcome", "years"]
    mine = result[result["cohort"] == EXCLUDED].drop(columns="cohort")
    theirs = (result[result["cohort"] == NOT_EXCLUDED]
              [keys + ["events", "population", "rate", "rate_ci_low", "rate_ci_high"]]
              .rename(columns={"events": "comparison_events", "population": "comparison_population",
                               "rate": "comparison_rate", "rate_ci_low": "comparison_rate_ci_low",
                               "rate_ci_high": "comparison_rate_ci_high"}))
    out = mine.merge(theirs, on=keys, how="left")
    if adjusted is not None and len(adjusted):
        out = out.merge(adjusted, on=breakdown + ["outcome"], how="left")
    for col in _MODEL:
        if col not in out.columns:
            out[col] = np.nan
        out[col] = to_float_na(out[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    if "adjusted_status" not in out.columns:
        out["adjusted_status"] = "not computed"
    hidden = out["status"].astype(str).str.startswith("suppressed").to_numpy()
    out.loc[hidden, _MODEL] = pd.NA
    out["adjusted_status"] = pd.array(np.where(hidden, "suppressed",
                                               out["adjusted_status"].fillna("not computed").astype(str)),
                                      dtype="string")
    out["group"] = _label(out, breakdown)
    order = {k: i for i, k in enumerate(FOLLOWUP_OUTCOMES)}
    out = out.sort_values(["outcome", "years"] + breakdown, key=lambda s: s.map(order)
                          if s.name == "outcome" else s, kind="stable").reset_index(drop=True)
    out = out[breakdown + ["group"] + COLUMNS]
    out.attrs = {**result.attrs, "breakdown": breakdown}
    return gate.publish(out, "followup", threshold=options.suppress, keys=breakdown)


def followup_table(con, breakdown=(), periods=None, *, years: int = 2,
                   outcomes=FOLLOWUP_OUTCOMES, filters: dict | None = None,
                   options: Options = Options(), adjust: bool = True) -> pd.DataFrame:
    """`followup_from_counts` from the database for one window of `years`, with the
    adjusted ratios (one model per outcome over the children's per-child counts)."""
    breakdown = list(breakdown)
    table = followup_counts(con, by=breakdown, periods=periods, outcomes=outcomes,
                            windows=[years], filters=filters)
    model = None
    if adjust:
        extra = [c for c in (_ethnicity(breakdown), "sex") if c not in breakdown]
        units = followup_counts(con, by=["child_id"] + breakdown + extra + list(ADJUST_FOR),
                                periods=periods, outcomes=outcomes, windows=[years],
                                filters=filters)
        model = _adjusted(units, breakdown, options.level)
    out = followup_from_counts(table, breakdown, options, model)
    out.attrs.update(years=years, index_periods=list(periods) if periods else "all",
                     filters=dict(filters or {}))
    return out


def school_followup(con, periods=None, *, years: int = 2, outcomes=FOLLOWUP_OUTCOMES,
                    filters: dict | None = None, options: Options = Options()) -> pd.DataFrame:
    """School by school (the school of the index year): excluded children's later outcomes
    against the same school's pupils not excluded (crude; school as the stratum)."""
    table = followup_counts(con, by=["school"], periods=periods, outcomes=outcomes,
                            windows=[years], filters=filters)
    table = table[table["school"] != "Not on roll"]
    out = followup_from_counts(table, ["school"], options)
    out["group"] = out["school"].astype(str)
    out.attrs.update(years=years, filters=dict(filters or {}))
    return out


def yj_history(con, breakdown=(), periods=None, *, filters: dict | None = None,
               options: Options = Options()) -> pd.DataFrame:
    """The youth-justice cohort's history: per group and measure (YJ_MEASURES), children
    with it among children with a proven offence (`events`, `population`), the share (per
    100) with its Wilson interval, and the section 5.4 figure it compares with.

    Disclosure control runs on the categories each measure is made of (they add up to the
    group's children, a line for secondary suppression), and every measure is then added up
    from published categories only: a measure with a hidden part is hidden, so no measure
    can be subtracted from another to reveal a hidden count (any SEN = SEN support + EHCP).
    """
    breakdown = list(breakdown)
    table = yj_history_counts(con, by=breakdown, periods=periods, filters=filters)
    groups = breakdown or ["all_children"]
    if not breakdown:
        table["all_children"] = ALL_CHILDREN
    # Every category is a count of its own, published through the cell-key method; the
    # group's children (the same children for every measure) are one published count.
    published = protect.published(table, by=groups + ["measure"], threshold=options.suppress)
    shown = protect.suppress(published, groups + ["category"], by=["measure"],
                             threshold=options.suppress)
    hidden = shown["events"].isna()
    suppressed = shown["status"].astype(str).where(
        shown["status"].astype(str).str.startswith("suppressed"), "")
    parts = []
    for key, (label, categories) in YJ_MEASURES.items():
        part = shown[shown["category"].isin(categories)].assign(
            _hidden=hidden, _events=shown["events"].astype("Float64").fillna(0),
            _suppressed=suppressed)
        agg = part.groupby(groups, sort=False).agg(
            events=("_events", "sum"), hidden=("_hidden", "any"),
            population=("population", "first"), status=("_suppressed", "max"))
        agg = agg.reset_index()
        # a sum of published parts can exceed the published total: never more than it
        agg["events"] = np.minimum(agg["events"], agg["population"].astype(float))
        agg["events"] = agg["events"].astype("Float64").astype("Int64").where(~agg["hidden"], pd.NA)
        agg["status"] = agg["status"].where(agg["hidden"] | (agg["status"] != ""), "ok")
        agg["status"] = agg["status"].where(agg["status"] != "", "ok")
        parts.append(agg.assign(measure=key, label=label).drop(columns="hidden"))
    out = pd.concat(parts, ignore_index=True)
    out["population"] = out["population"].astype("Int64")
    out = rate_table(out, unit=100, level=options.level)
    if not breakdown:
        out = out.drop(columns="all_children")
    out["group"] = _label(out, breakdown)
    out["strategy"] = out["measure"].map(STRATEGY_FIGURES).fillna("")
    out["status"] = pd.array(out["status"].astype(str), dtype="string")
    out.attrs.update(breakdown=breakdown, periods=list(periods) if periods else "all",
                     protection=published.attrs.get("protection", "none"))
    out = out[breakdown + ["group", "measure", "label", "events", "population", "rate",
                           "rate_ci_low", "rate_ci_high", "strategy", "status"]]
    return gate.publish(out, "yj_history", threshold=options.suppress, keys=breakdown)


# --------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------

def _share(x) -> str:
    x = float(x)
    return f"{x:.1f}%" if x < 10 else f"{x:.0f}%"


def followup_sentence(row: dict, noun: str, years: int, level: float = 0.95) -> str:
    """One group's follow-up in words (association, not cause)."""
    who = row["group"]
    within = f"within {years} year{'s' if years > 1 else ''}"
    status = str(row.get("status") or "")
    if status.startswith("suppressed"):
        return f"{who}: figures suppressed to protect children's identities."
    if pd.isna(row.get("rate")) or pd.isna(row.get("comparison_rate")):
        return f"{who}: no comparison is possible ({status.partition(':')[2].strip() or status})."
    text = (f"{who}: {_share(row['rate'])} of those first excluded had {noun} {within}, "
            f"against {_share(row['comparison_rate'])} of those not excluded")
    if not pd.isna(row.get("rri")):
        text += f" ({format_number(row['rri'])} times as many"
        if not pd.isna(row.get("adjusted_rri")):
            text += (f"; {format_number(row['adjusted_rri'])} times with the same FSM, SEN, care, "
                     f"age and year, {level * 100:g}% CI "
                     f"{format_number(row['adjusted_rri_ci_low'])} to "
                     f"{format_number(row['adjusted_rri_ci_high'])}")
        text += ")"
    if status.startswith("low numbers"):
        text += "; low numbers, so uncertain"
    return text + "."


def followup_finding(table: pd.DataFrame, noun: str, years: int) -> str:
    """Chart title: the all-children comparison for the outcome, in words."""
    row = table.iloc[0]
    if pd.isna(row.get("rri")):
        return f"Later {noun}: no comparison can be shown (suppressed or too few children)"
    text = (f"Children first excluded were {format_number(row['rri'])} times as likely to have "
            f"{noun} within {years} year{'s' if years > 1 else ''}")
    if not pd.isna(row.get("adjusted_rri")):
        text += f" ({format_number(row['adjusted_rri'])} times with the same characteristics)"
    return text


def yj_sentence(rows: pd.DataFrame) -> str:
    """The reverse view in words, beside the strategy's figures."""
    got = {r["measure"]: r for r in rows.to_dict("records")}
    parts = []
    for measure, phrase in YJ_PHRASES.items():
        r = got.get(measure)
        if r is None or pd.isna(r.get("rate")):
            continue
        parts.append(f"{_share(r['rate'])} {phrase} (strategy: {STRATEGY_FIGURES[measure]})")
    if not parts:
        return "The youth-justice cohort's history cannot be shown (suppressed or no children)."
    n = next((r["population"] for r in got.values() if not pd.isna(r.get("population"))), None)
    who = f"Of the {int(n):,} children with a proven offence" if n is not None else \
        "Of the children with a proven offence"
    return f"{who}: " + "; ".join(parts) + "."


def outcome_labels() -> dict[str, str]:
    cat = outcome_catalogue().set_index("key")
    return {k: cat.loc[k, "label"] for k in FOLLOWUP_OUTCOMES}


def outcome_nouns() -> dict[str, str]:
    cat = outcome_catalogue().set_index("key")
    nouns = {"proven_offence": "a proven offence", "custody": "a custodial sentence",
             "neet": "been NEET at 16-17", "concern_gangs": "a gang-involvement concern",
             "concern_cce": "a criminal-exploitation concern",
             "concern_syv": "a serious-youth-violence concern"}
    return {k: nouns.get(k, cat.loc[k, "noun"]) for k in FOLLOWUP_OUTCOMES}


# --------------------------------------------------------------------------
# tables for the screen
# --------------------------------------------------------------------------

#: Columns of `display_table`, as a reader sees them, in order.
DISPLAY_LABELS = {
    "group": "Group", "population": "Excluded children followed",
    "events": "with the outcome", "rate": "Share excluded (%)",
    "comparison_population": "Not-excluded children followed",
    "comparison_rate": "Share not excluded (%)", "rri": "Crude ratio",
    "adjusted_rri": "Adjusted ratio", "status": "Status",
}


def display_table(table: pd.DataFrame, group_label: str = "Group") -> pd.DataFrame:
    """Screen strings for a follow-up table: ratios with their intervals in one cell,
    suppressed cells "[c]", undefined "[z]", never nan/None."""
    cols = [c for c in table.columns if c not in ("adjusted_status",)]
    shown = protect.display_frame(table[cols])
    symbols = (protect.SUPPRESSED, protect.NOT_APPLICABLE)
    for col, lo, hi in (("rri", "rri_ci_low", "rri_ci_high"),
                        ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high")):
        value, l, h = shown[col], shown[lo], shown[hi]
        interval = ~(l.isin(symbols) | h.isin(symbols) | value.isin(symbols))
        shown[col] = value.where(~interval, value + " (" + l + " to " + h + ")")
    rate = table["comparison_rate"].astype("Float64")
    ok = rate.notna().to_numpy()
    shown.loc[ok, "comparison_rate"] = [f"{float(v):.1f}" for v in rate[ok]]
    suppressed = table["status"].astype(str).str.startswith("suppressed").to_numpy()
    for col in ("comparison_population", "comparison_rate", "adjusted_rri"):
        hide = suppressed & table[col].isna().to_numpy(dtype=bool)
        shown.loc[hide, col] = protect.SUPPRESSED
    shown["group"] = table["group"].astype(str).to_numpy()
    labels = {**DISPLAY_LABELS, "group": group_label}
    keep = [c for c in labels if c in shown.columns]
    return shown[keep].rename(columns=labels)


def history_table(table: pd.DataFrame) -> pd.DataFrame:
    """The youth-justice cohort's history by group as screen strings: one row per group,
    children with a proven offence, then one column per measure ("72% (69 to 75)")."""
    shown = protect.display_frame(table)
    symbols = (protect.SUPPRESSED, protect.NOT_APPLICABLE)
    cell = shown["rate"].where(shown["rate"].isin(symbols),
                               shown["rate"] + "% (" + shown["rate_ci_low"] + " to "
                               + shown["rate_ci_high"] + ")")
    long = pd.DataFrame({"Group": table["group"].astype(str).to_numpy(),
                         "measure": table["label"].to_numpy(), "cell": cell.to_numpy(),
                         "children": shown["population"].to_numpy()})
    wide = long.pivot(index="Group", columns="measure", values="cell")
    wide = wide[[m for m, _ in YJ_MEASURES.values() if m in wide.columns]]
    children = long.drop_duplicates("Group").set_index("Group")["children"]
    wide.insert(0, "Children with a proven offence", children.reindex(wide.index))
    order = list(dict.fromkeys(table["group"].astype(str)))
    wide = wide.reindex(order).reset_index()
    wide.columns.name = None
    return gate.shown(wide, table)
