"""What explains a gap: each group's crude ratio beside its standardised and model-adjusted
ratios, and how much of its excess the chosen characteristics (free school meals, SEN, age,
care, sex) account for.

Two comparisons, each with its own base:

* against the **borough average**: the crude ratio (the section 5.4 figure, "3.9 times the
  borough average") and the indirectly standardised ratio (ISR): observed events against
  those expected if the group's children had the borough's rates for children with the
  same characteristics (analytics.stats.standardise);
* against a **reference group** (default White British children, of the same sex when the
  breakdown splits by sex): the crude RRI and the adjusted RRI of a Poisson model with the
  groups and the characteristics (and the year, when years are pooled), with robust errors
  clustered by child (analytics.stats.poisson). Of the group's excess events over the
  reference rate, the share the characteristics account for is
  (a / adjusted RRI - n x reference rate) / (a - n x reference rate).

These are associations, not causes: the characteristics may themselves be consequences of
what drives the gap, and what the data do not hold is not allowed for. Every count passes
through disclosure control (analytics.protect); a figure derived from a hidden count is
hidden with it.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import protect
from analytics.protect import gate
from analytics.data.counts import counts
from analytics.data.model_counts import model_counts
from analytics.data.reference import outcome as get_outcome
from analytics.stats.poisson import fit_poisson
from analytics.stats.rates import to_float_na
from analytics.stats.comparisons import SQUARE_COLUMNS
from analytics.stats.intervals import design_effect
from analytics.stats.standardise import isr_table
from analytics.views.tables import Options, protected_rri
from analytics.views.wording import capitalise, format_number, possessive

#: Characteristics a gap can be examined against (breakdown column: phrase in a sentence).
CHARACTERISTICS = {
    "fsm_status": "free school meals",
    "sen_status": "special educational needs",
    "age_band": "age",
    "care_status": "care status",
    "sex": "sex",
}
#: The same, short (chart titles and legends).
SHORT = {"fsm_status": "FSM", "sen_status": "SEN", "age_band": "age", "care_status": "care",
         "sex": "sex"}
#: Outcomes that are a characteristic themselves (numerator flag -> its column): the
#: characteristic cannot explain the outcome it defines, so it is left out.
DEFINED_BY = {"fsm": "fsm_status", "sen_any": "sen_status", "sen_support": "sen_status",
              "ehcp": "sen_status", "looked_after": "care_status"}
#: The reference group at each ethnicity level when none is chosen.
DEFAULT_REFERENCE = {"ethnicity_major": "White", "ethnicity_minor": "White British",
                     "ethnicity_code": "WBRI"}

#: Result columns after the breakdown columns, in order.
COLUMNS = [
    "events", "population", "rate",
    "borough_ratio", "borough_ratio_ci_low", "borough_ratio_ci_high",
    "expected", "isr", "isr_ci_low", "isr_ci_high",
    "reference_rate", "crude_rri", "crude_rri_ci_low", "crude_rri_ci_high",
    "adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high", "adjusted_p_value",
    "share_explained", "share_explained_ci_low", "share_explained_ci_high",
    "status", "isr_status", "adjusted_status",
]
_ISR = ["expected", "isr", "isr_ci_low", "isr_ci_high"]
_MODEL = ["adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high", "adjusted_p_value",
          "share_explained", "share_explained_ci_low", "share_explained_ci_high"]

#: Columns as a reader sees them (display_table), in order.
COLUMN_LABELS = {
    "group": "Group", "population": "Children", "events": "Children with outcome",
    "rate": "Rate", "borough_ratio": "Crude vs borough", "isr": "Standardised vs borough",
    "crude_rri": "Crude RRI", "adjusted_rri": "Adjusted RRI",
    "share_explained": "Share of excess explained", "status": "Status",
}


def protected_isr(counts_table: pd.DataFrame, group_cols, strata, *,
                  standard: pd.DataFrame | None = None, ci: str = "byar",
                  options: Options = Options()) -> pd.DataFrame:
    """`isr_table` of a counts table, then disclosure control of the observed counts as of
    any count (the group's population is used for it, then dropped): the group columns,
    then observed, expected, isr, isr_ci_low, isr_ci_high, status."""
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    # Published counts first (the cell-key method, or true counts in the secure setting):
    # the observed and the standard's rates come from them.
    counts_table = protect.published(counts_table, threshold=options.suppress)
    counts_table = counts_table.drop(columns=[c for c in counts_table.columns
                                              if c.startswith("total_")])
    result = isr_table(counts_table, group_cols, strata, standard=standard, ci=ci,
                       level=options.level, min_population=options.min_population,
                       min_events=options.min_events, with_population=True)
    attrs = dict(result.attrs)
    shown = protect.suppress(result.rename(columns={"observed": "events"}), group_cols,
                             threshold=options.suppress)
    out = shown.rename(columns={"events": "observed"}).drop(columns="population")
    out.attrs = {**attrs, "protection": counts_table.attrs.get("protection", "none")}
    return gate.publish(out, "isr", threshold=options.suppress, keys=group_cols)


def isr_for_outcome(con, outcome: str, by, strata, periods, *, filters: dict | None = None,
                    ci: str = "byar", options: Options = Options()) -> pd.DataFrame:
    """Standardised ratio of each group of `by` against all children, by `strata`, from the
    database (counts by group and stratum through the usual counts query)."""
    by, strata = list(by), list(strata)
    table = counts(con, outcome, by=by + strata, periods=list(periods), filters=filters)
    out = protected_isr(table, by, strata, ci=ci, options=options)
    out.attrs.update(outcome=outcome, periods=list(periods), filters=dict(filters or {}))
    return out


#: The outcome (catalogue key) a dataset must support for a characteristic to be recorded.
SOURCES = {"fsm_status": "fsm", "sen_status": "sen_any", "care_status": "looked_after"}


def characteristics_for(breakdown, outcome: str | None = None, available=None) -> list[str]:
    """The characteristics on offer: those not in the breakdown nor defined by the outcome,
    and recorded in the data (`available`: the dataset's outcomes; None: all)."""
    defined = DEFINED_BY.get(str(get_outcome(outcome)["numerator"])) if outcome else None
    recorded = (lambda c: True) if available is None else (
        lambda c: c not in SOURCES or SOURCES[c] in set(available))
    return [c for c in CHARACTERISTICS if c not in set(breakdown) and c != defined and recorded(c)]


def reference_for(breakdown, options: Options) -> dict:
    """The reference group: the view's named reference, else the default of the level."""
    ethnicity = next((c for c in breakdown if c.startswith("ethnicity_")), breakdown[0])
    if options.comparison == "reference" and options.reference:
        return {k: v for k, v in dict(options.reference).items() if k in breakdown}
    return {ethnicity: DEFAULT_REFERENCE.get(ethnicity, "White British")}


def characteristics_phrase(characteristics, short: bool = False) -> str:
    """"free school meals, special educational needs and age" (short: "FSM, SEN and age")."""
    words = [(SHORT if short else CHARACTERISTICS)[c] for c in characteristics]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _key(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    """One label per combination of the columns (vectorised)."""
    out = frame[cols[0]].astype(str)
    for c in cols[1:]:
        out = out + " | " + frame[c].astype(str)
    return out


def _cells(con, outcome, breakdown, characteristics, periods, filters, threshold):
    """The model's cells and what makes its errors robust.

    Secure setting: the true cells and, with years pooled, each child's counts (errors
    clustered by child). Protected: the cells' published counts (the cell-key method, as any
    table's), the perturbation's variance, and each group's design effect from its published
    per-child sums of squares (the pooled RRI's), by which its contrasts' variance is
    multiplied; a Poisson model on grouped counts gives the same estimates as on children,
    so nothing is fitted on a count that is not published."""
    pooled = len(periods) > 1
    terms = list(breakdown) + list(characteristics) + (["period"] if pooled else [])
    if threshold <= 0:
        cells, children = model_counts(con, outcome, terms, periods, filters, per_child=pooled)
        return cells, children, 0.0, {}
    cells = protect.published(counts(con, outcome, by=terms, periods=periods, filters=filters),
                              threshold=threshold)
    cells = cells[terms + ["events", "population"]]
    deff = {}
    if pooled:
        groups = protect.published(counts(con, outcome, by=list(breakdown), periods=periods,
                                          filters=filters), threshold=threshold)
        if set(SQUARE_COLUMNS) <= set(groups.columns):
            effect = design_effect(groups["events"], groups["population"],
                                   *(groups[c] for c in SQUARE_COLUMNS))
            deff = dict(zip(_key(groups, list(breakdown)), effect))
    return cells, None, protect.noise_variance(), deff


def _model(con, outcome, breakdown, characteristics, periods, filters, reference, level,
           threshold: int = 0):
    """Adjusted RRI of each group against its reference (same strata), as a frame keyed by
    the breakdown columns, and a note about the model (`_cells` says what it is fitted on)."""
    pooled = len(periods) > 1
    cells, children, noise, deff = _cells(con, outcome, breakdown, characteristics, periods,
                                          filters, threshold)
    cells["group"] = _key(cells, list(breakdown))
    base_row = {**{c: None for c in breakdown}, **reference}
    rows = cells.drop_duplicates("group")[list(breakdown) + ["group"]]
    out = rows[list(breakdown)].reset_index(drop=True)
    results, statuses = [], []
    try:
        fit = fit_poisson(cells.drop(columns=list(breakdown)),
                          ["group"] + list(characteristics) + (["period"] if pooled else []),
                          children=children, count_noise=noise)
    except ValueError as e:
        fit, reason = None, str(e)
    for _, r in rows.iterrows():
        ref = {**{c: r[c] for c in breakdown}, **{k: v for k, v in base_row.items() if v is not None}}
        ref_key = " | ".join(str(ref[c]) for c in breakdown)
        if fit is None:
            results.append(None)
            statuses.append(f"not computable: {reason}")
        elif not fit.converged:
            results.append(None)
            statuses.append("not computable: the model did not converge")
        elif r["group"] == ref_key:
            results.append({"ratio": 1.0, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan})
            statuses.append("reference")
        else:
            got = fit.ratio("group", r["group"], ref_key, level,
                            inflate=max(deff.get(r["group"], 1.0), deff.get(ref_key, 1.0)))
            if got is None:
                missing = ref_key if r["group"] in fit.levels["group"] else r["group"]
                who = "the reference group" if missing == ref_key else "the group"
                results.append(None)
                statuses.append(f"not computable: {who} has no children with the outcome")
            else:
                results.append(got)
                statuses.append("ok")
    for col, key in (("adjusted_rri", "ratio"), ("adjusted_rri_ci_low", "ci_low"),
                     ("adjusted_rri_ci_high", "ci_high"), ("adjusted_p_value", "p_value")):
        out[col] = [np.nan if r is None else r[key] for r in results]
    out["adjusted_status"] = statuses
    if threshold > 0:
        note = ("fitted on the published (perturbed) counts of its cells, robust errors "
                "allowing for the perturbation"
                + (", and for children counted in several years by each group's design effect"
                   if pooled else ""))
    else:
        note = ("robust errors clustered by child (years pooled)" if pooled else
                "robust errors (each child counted once)")
        if fit is not None:
            note += f"; {fit.clusters:,} children"
    if fit is not None:
        # Levels of the characteristics with no events (groups are not named: a group's
        # zero may be hidden by secondary suppression).
        note += "".join(f"; {n}" for n in fit.notes if not n.startswith("group:"))
    return out, note


def explain_table(con, outcome: str, breakdown, periods, characteristics, *,
                  filters: dict | None = None, options: Options = Options(),
                  reference: dict | None = None) -> pd.DataFrame:
    """One row per group: crude and standardised ratios against the borough average, crude
    and adjusted RRIs against the reference group, and the share of the group's excess the
    characteristics account for (columns: the breakdown, then `COLUMNS`).

    Disclosure control as everywhere: counts of 1 to `options.suppress - 1` and every
    figure that would reveal them are hidden (NA, status "suppressed: ..."); the adjusted
    ratio and share are hidden with the crude RRI when the reference group is hidden.
    """
    breakdown, periods = list(breakdown), list(periods)
    characteristics = [c for c in characteristics if c in characteristics_for(breakdown, outcome)]
    if not characteristics:
        raise ValueError("choose at least one characteristic that is not part of the breakdown")
    reference = dict(reference or reference_for(breakdown, options))
    unit = int(get_outcome(outcome)["unit"])
    strata = counts(con, outcome, by=breakdown + characteristics, periods=periods,
                    filters=filters)
    # The groups' own counts (not the strata's sum): the same table the RRI explorer shows.
    groups = counts(con, outcome, by=breakdown, periods=periods, filters=filters)

    overall = protected_rri(groups, breakdown, [], unit, replace(options, comparison="overall",
                                                                 reference=()))
    ref_opts = replace(options, comparison="reference", reference=tuple(reference.items()))
    vs_ref = protected_rri(groups, breakdown, [], unit, ref_opts)
    # The standardised ratio from published counts only: the strata's published counts give
    # the expected events, and the observed is the group's own published count (the one the
    # crude ratio uses), so expected x ratio gives back only what is published.
    published_strata = protect.published(strata, threshold=options.suppress)
    isr = isr_table(published_strata[breakdown + characteristics + ["events", "population"]],
                    breakdown, characteristics, ci="byar", level=options.level,
                    min_population=options.min_population, min_events=options.min_events,
                    observed=overall[breakdown + ["events"]].rename(columns={"events": "observed"}))
    model, note = _model(con, outcome, breakdown, characteristics, periods, filters,
                         reference, options.level, options.suppress)

    out = overall[breakdown + ["events", "population", "rate"]].copy()
    out["borough_ratio"] = overall["rri"]
    out["borough_ratio_ci_low"] = overall["rri_ci_low"]
    out["borough_ratio_ci_high"] = overall["rri_ci_high"]
    out = out.merge(isr[breakdown + _ISR + ["status"]].rename(columns={"status": "isr_status"}),
                    on=breakdown, how="left")
    ref_cols = vs_ref[breakdown + ["reference_rate", "rri", "rri_ci_low", "rri_ci_high",
                                   "excess_events", "status"]].rename(columns={
        "rri": "crude_rri", "rri_ci_low": "crude_rri_ci_low", "rri_ci_high": "crude_rri_ci_high",
        "status": "_ref_status"})
    out = out.merge(ref_cols, on=breakdown, how="left").merge(model, on=breakdown, how="left")

    # The share of the excess over the reference rate that the characteristics account for,
    # given only where the crude excess is significant (otherwise it is noise over noise).
    a = out["events"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    excess = out["excess_events"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    crude_lo = out["crude_rri_ci_low"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    gap = (excess > 0) & (crude_lo > 1)

    def share(r):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap, 1 - (a - a / r) / excess, np.nan)
    out["share_explained"] = share(out["adjusted_rri"].astype(float).to_numpy())
    out["share_explained_ci_low"] = share(out["adjusted_rri_ci_high"].astype(float).to_numpy())
    out["share_explained_ci_high"] = share(out["adjusted_rri_ci_low"].astype(float).to_numpy())

    # Status: the crude comparisons' (suppression first), then the measures' own reasons.
    own = overall["status"].astype(str).to_numpy()
    ref_status = out["_ref_status"].astype(str).to_numpy()
    # A group with no published children has no figure of its own, whatever its strata's
    # published counts add up to (one figure everywhere: the crude row decides).
    hidden_own = (np.char.startswith(own.astype(str), "suppressed")
                  | np.char.startswith(own.astype(str), "not computable: no children"))
    hidden_ref = np.char.startswith(ref_status.astype(str), "suppressed") & ~hidden_own
    out["status"] = np.where(hidden_own, own, np.where(hidden_ref, ref_status,
                             np.where(ref_status == "reference", "reference", own)))
    adjusted_status = out["adjusted_status"].astype(str).to_numpy()
    adjusted_status = np.where((adjusted_status == "ok") & ~gap,
                               "ok; no significant excess over the reference rate to explain",
                               adjusted_status)
    adjusted_status = np.where(hidden_own | hidden_ref, "suppressed", adjusted_status)
    out["adjusted_status"] = adjusted_status
    out["isr_status"] = np.where(hidden_own, "suppressed", out["isr_status"].astype(str))
    for col in COLUMNS:
        if col in ("status", "isr_status", "adjusted_status"):
            out[col] = pd.array(out[col].astype(object).where(out[col].notna(), ""), dtype="string")
        elif col not in ("events", "population"):
            out[col] = to_float_na(out[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    out.loc[hidden_own, _ISR + _MODEL] = pd.NA
    out.loc[hidden_ref, _MODEL] = pd.NA
    out = out[breakdown + COLUMNS]
    out.attrs = {"outcome": outcome, "periods": periods, "breakdown": breakdown,
                 "characteristics": characteristics, "reference": reference,
                 "level": options.level, "unit": unit, "model_note": note,
                 "min_population": options.min_population, "min_events": options.min_events,
                 "protection": overall.attrs.get("protection", "none"),
                 "filters": dict(filters or {})}
    return gate.publish(out, "explain", threshold=options.suppress)


def reference_label(reference: dict, breakdown) -> str:
    """"White British children" or, split by sex, "White British children of the same sex"."""
    text = " and ".join(str(v) for v in reference.values()) + " children"
    return text + (" of the same sex" if "sex" in breakdown and "sex" not in reference else "")


def _pct(x: float) -> str:
    return f"{int(round(x * 100))}%"


def explain_sentence(row: dict, subject: str, noun: str, characteristics, ref_label: str,
                     level: float = 0.95) -> str:
    """The three ratios of one group in words, saying association, not cause."""
    status = str(row.get("status") or "")
    if status.startswith("suppressed"):
        return f"Figures for {subject} are suppressed to protect children's identities."
    if status == "reference":
        return (f"{capitalise(subject)} are the reference group: other groups are compared with "
                "them.")
    parts = []
    phrase = characteristics_phrase(characteristics)
    pct = f"{level * 100:g}%"

    def ok(*cols):
        return all(not pd.isna(row.get(c)) for c in cols)
    if ok("borough_ratio"):
        parts.append(f"{possessive(capitalise(subject))} {noun} rate is "
                     f"{format_number(row['borough_ratio'])} times the borough average")
    else:
        return f"No comparison is possible for {subject}: {status.partition(':')[2].strip() or status}."
    if ok("isr", "isr_ci_low", "isr_ci_high") and float(row["isr"]) > 0:
        parts.append(f"allowing for {phrase}, {format_number(row['isr'])} times what the "
                     f"borough's rates would give children like them ({pct} CI "
                     f"{format_number(row['isr_ci_low'])} to {format_number(row['isr_ci_high'])})")
    text = "; ".join(parts) + "."
    if ok("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high", "crude_rri"):
        text += (f" Against {ref_label} it is {format_number(row['crude_rri'])} times before and "
                 f"{format_number(row['adjusted_rri'])} times after allowing for {phrase} "
                 f"({pct} CI {format_number(row['adjusted_rri_ci_low'])} to "
                 f"{format_number(row['adjusted_rri_ci_high'])})")
        if ok("share_explained", "share_explained_ci_low", "share_explained_ci_high"):
            s = float(row["share_explained"])
            if s < 0:
                what = (f"given their {phrase} they would be expected to have fewer "
                        f"{noun}s than {ref_label}, so these characteristics account for none of the gap")
            elif s > 1:
                what = "these characteristics are associated with more than all of the gap"
            else:
                what = f"these characteristics are associated with about {_pct(s)} of the excess"
            text += (f"; {what} ({pct} CI {_pct(float(row['share_explained_ci_low']))} to "
                     f"{_pct(float(row['share_explained_ci_high']))})")
        text += "."
    elif str(row.get("adjusted_status") or "").startswith("not computable"):
        text += (" The adjusted comparison is not possible: "
                 f"{str(row['adjusted_status']).partition(':')[2].strip()}.")
    return text


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """Screen strings: each ratio with its interval ("3.92 (3.60 to 4.27)"), the share as a
    percentage; suppressed cells "[c]", undefined "[z]", never nan/None."""
    shown = protect.display_frame(table.drop(columns=["isr_status", "adjusted_status"]))
    symbols = (protect.SUPPRESSED, protect.NOT_APPLICABLE)
    for col, lo, hi in (("borough_ratio", "borough_ratio_ci_low", "borough_ratio_ci_high"),
                        ("isr", "isr_ci_low", "isr_ci_high"),
                        ("crude_rri", "crude_rri_ci_low", "crude_rri_ci_high"),
                        ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high"),
                        ("share_explained", "share_explained_ci_low", "share_explained_ci_high")):
        value, l, h = shown[col].copy(), shown[lo], shown[hi]
        if col == "share_explained":
            share = table[[col, lo, hi]].astype("Float64")
            for c, target in ((col, value), (lo, l), (hi, h)):
                ok = share[c].notna().to_numpy()
                target[ok] = [_pct(float(v)) for v in share.loc[ok, c]]
        interval = ~(l.isin(symbols) | h.isin(symbols)) & ~value.isin(symbols)
        shown[col] = value.where(~interval, value + " (" + l + " to " + h + ")")
    # Against the reference: hidden (not "not applicable") when the reference is suppressed.
    suppressed = table["status"].astype(str).str.startswith("suppressed").to_numpy()
    for col in ("crude_rri", "adjusted_rri", "share_explained"):
        hide = suppressed & table[col].isna().to_numpy(dtype=bool)
        shown.loc[hide, col] = protect.SUPPRESSED
    if "group" in table.columns:
        shown["group"] = table["group"].astype(str).to_numpy()
    cols = [c for c in COLUMN_LABELS if c in shown.columns]
    return shown[cols].rename(columns=COLUMN_LABELS)


def command(outcome: str, breakdown, periods, characteristics, reference: dict,
            options: Options, population: dict | None = None) -> str:
    """The `python -m analytics explain` command that reproduces the table."""
    parts = ["python -m analytics explain --db data/synthetic/borough.duckdb",
             f"--outcome {outcome}", f"--by {','.join(breakdown)}",
             f"--characteristics {','.join(characteristics)}",
             f"--period {','.join(periods)}",
             "--reference '" + ",".join(f"{k}={v}" for k, v in reference.items()) + "'",
             f"--level {options.level:g}", f"--suppress {options.suppress}"]
    if population:
        parts.append("--filter '" + ",".join(f"{k}={v}" for k, v in population.items()) + "'")
    return " ".join(parts + ["--out gap.csv"])


def model_caption(table: pd.DataFrame) -> str:
    """How the adjusted ratio was estimated, for the page and the export."""
    a = table.attrs
    level = a.get("level", 0.95)
    return (f"Adjusted RRI: Poisson regression of {get_outcome(a['outcome'])['noun']} on the "
            f"groups and {characteristics_phrase(a['characteristics'])}"
            + (" and the year" if len(a["periods"]) > 1 else "")
            + f", {a['model_note']}; {level:.0%} intervals. Standardised ratio: indirect "
            "standardisation to the borough's rates by the same characteristics, Byar's "
            "interval (exact below 10 events). Associations, not causes.")


def _largest(table: pd.DataFrame, col: str, lo_col: str) -> pd.Series | None:
    """The row with the largest ratio in `col` whose interval lies above 1 (None if none)."""
    value = table[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    low = table[lo_col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(value) & (low > 1)
    value = pd.Series(value, index=table.index)
    return table.loc[value[ok].idxmax()] if ok.any() else None


def standardised_finding(table: pd.DataFrame, noun: str) -> str:
    """Chart title: the largest significant crude ratio to the borough, before and after
    standardisation."""
    top = _largest(table, "borough_ratio", "borough_ratio_ci_low")
    phrase = characteristics_phrase(table.attrs["characteristics"], short=True)
    if top is None or pd.isna(top["isr"]):
        return f"No group's {noun} rate is significantly above the borough average"
    return (f"{possessive(top['group'])} {noun} rate: {format_number(top['borough_ratio'])} "
            f"times the borough average, {format_number(top['isr'])} times after allowing for "
            f"{phrase}")


def adjusted_finding(table: pd.DataFrame, noun: str) -> str:
    """Chart title: the largest significant crude RRI against the reference, and adjusted."""
    top = _largest(table, "crude_rri", "crude_rri_ci_low")
    ref = reference_label(table.attrs["reference"], table.attrs["breakdown"])
    if top is None or pd.isna(top["adjusted_rri"]):
        return f"No group's {noun} rate is significantly above that of {ref}"
    return (f"{capitalise(top['group'])}: {format_number(top['crude_rri'])} times the {noun} rate "
            f"of {ref}, {format_number(top['adjusted_rri'])} times with the same characteristics")
