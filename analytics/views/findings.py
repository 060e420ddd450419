"""The findings the landing page and the high-risk profiles lead with: the largest
disparities of an RRI matrix, headline numbers, the strategy's statements for a cohort and
readable figures for their verdicts. No Streamlit here.
"""
from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from analytics import protect
from analytics.data.cohorts import Cohort
from analytics.data.reference import outcome_catalogue
from analytics.protect import gate
from analytics.views.claims import load_claims
from analytics.views.followup import YJ_PHRASES
from analytics.views.wording import (
    capitalise,
    format_number,
    group_labels,
    rate_subject,
    sentence,
)


@lru_cache(maxsize=None)
def _short_labels() -> dict[str, str]:
    cat = outcome_catalogue()
    return dict(zip(cat["key"], cat["short_label"]))


def short_label(key: str, fallback: str | None = None) -> str:
    """An outcome's label short enough for a heatmap column or a profile row (catalogue)."""
    return _short_labels().get(key, fallback or key.replace("_", " ").capitalize())


def domain_order() -> list[str]:
    """Domains in catalogue order (Education, Social care, Health, Youth justice)."""
    return list(dict.fromkeys(outcome_catalogue()["domain"]))


def matrix_outcomes() -> list[str]:
    """The outcomes of the overview heatmap: every catalogue outcome that is not a stage of a
    pathway (those have their own denominators), grouped by domain in catalogue order."""
    cat = outcome_catalogue()
    cat = cat[cat["kind"] != "stage"]
    order = {d: i for i, d in enumerate(domain_order())}
    cat = cat.assign(_d=cat["domain"].map(order), _i=range(len(cat))).sort_values(["_d", "_i"])
    return cat["key"].tolist()


def _status(table: pd.DataFrame) -> pd.Series:
    return table["status"].astype("string").fillna("")


def significant_results(matrix: pd.DataFrame) -> pd.DataFrame:
    """Rows with a reliable (status ok), significant, finite RRI."""
    rri = pd.to_numeric(matrix["rri"], errors="coerce").astype(float)
    keep = (_status(matrix).eq("ok") & matrix["significant"].fillna(False).astype(bool)
            & rri.notna() & rri.map(lambda v: math.isfinite(v) if pd.notna(v) else False))
    return matrix[keep.to_numpy(dtype=bool)]


def _with_labels(matrix: pd.DataFrame, breakdown=None) -> pd.DataFrame:
    breakdown = list(breakdown if breakdown is not None else matrix.attrs.get("breakdown", []))
    cat = outcome_catalogue().set_index("key")
    out = matrix.copy()
    if "group" not in out.columns:
        out["group"] = group_labels(out, breakdown) if len(out) else pd.Series(dtype="string")
    out["label"] = out["outcome"].map(cat["label"])
    out["short_label"] = [short_label(k, cat["label"].get(k)) for k in out["outcome"]]
    out["noun"] = out["outcome"].map(cat["noun"])
    out["domain"] = out["outcome"].map(cat["domain"])
    return out


def top_disparities(matrix: pd.DataFrame, n: int = 5, breakdown=None,
                    comparison_label: str = "the borough average",
                    level: float = 0.95) -> pd.DataFrame:
    """The `n` largest significant disparities of an RRI matrix (long format, as returned by
    `views.rri_matrix`): over-representations first, largest RRI first, ties broken by the
    excess number of children; then, if fewer than `n`, under-representations, smallest RRI
    first. Adds `group`, `label`, `short_label`, `noun`, `domain` and a `sentence`."""
    sig = _with_labels(significant_results(matrix), breakdown)
    if sig.empty:
        return sig.assign(sentence=pd.Series(dtype="string"))
    rri = sig["rri"].astype(float)
    excess = pd.to_numeric(sig["excess_events"], errors="coerce").astype(float).fillna(0)
    over = sig.assign(_r=rri, _e=excess)[rri > 1].sort_values(["_r", "_e"], ascending=False,
                                                                kind="stable")
    under = sig.assign(_r=rri, _e=-excess)[rri < 1].sort_values(["_r", "_e"],
                                                                  ascending=[True, False],
                                                                  kind="stable")
    top = pd.concat([over, under]).head(n).drop(columns=["_r", "_e"]).reset_index(drop=True)
    top["sentence"] = [sentence(r, r["group"], r["noun"], comparison_label, level)
                       for r in top.to_dict("records")]
    return top


def headline(matrix: pd.DataFrame, breakdown=None) -> dict:
    """Headline numbers of an RRI matrix: comparisons made, significant over- and
    under-representations, and the largest over-representation (None if there is none)."""
    sig = significant_results(matrix)
    rri = sig["rri"].astype(float)
    compared = int(_status(matrix).eq("ok").sum())
    largest = None
    if (rri > 1).any():
        top = top_disparities(matrix, n=1, breakdown=breakdown).iloc[0]
        largest = {"group": top["group"], "outcome": top["outcome"], "label": top["label"],
                   "short_label": top["short_label"], "noun": top["noun"],
                   "rri": float(top["rri"]), "text": format_number(top["rri"]),
                   "subject": capitalise(rate_subject(top["noun"], top["group"]))}
    status = _status(matrix)
    return {"compared": compared, "over": int((rri > 1).sum()),
            "under": int((rri < 1).sum()), "largest": largest, "cells": len(matrix),
            "suppressed": int(status.str.startswith("suppressed").sum()),
            "low": int(status.str.startswith("low numbers").sum())}


def children_total(population: pd.DataFrame, suppress: int = 5) -> str:
    """Children in a population table (its published total), formatted; "[c]" when fewer
    than `suppress` are published."""
    if not len(population):
        return "0"
    published = protect.published(population, threshold=suppress)
    total = int(published["total_population"].iloc[0] if "total_population" in published.columns
                else published["population"].sum())
    if suppress > 1 and 1 <= total < suppress:
        return "[c]"
    return f"{total:,}"


# --------------------------------------------------------------------------
# heatmap cells
# --------------------------------------------------------------------------

def _fmt(v, digits: int = 2) -> str | None:
    if v is None or v is pd.NA:
        return None
    v = float(v)
    if not math.isfinite(v):
        return None
    return f"{v:,.{digits}f}"


def cell_category(row) -> str:
    """What a heatmap cell shows: Significantly higher / Significantly lower / Not
    significant / Low numbers / Reference group / Suppressed / Not computable."""
    status = "" if row.get("status") is None or row.get("status") is pd.NA else str(row["status"])
    rri = row.get("rri")
    has_rri = rri is not None and rri is not pd.NA and not (isinstance(rri, float) and math.isnan(rri))
    if status.startswith("suppressed"):
        return "Suppressed"
    if status.startswith("reference"):
        return "Reference group"
    if status.startswith("low numbers"):
        return "Low numbers"
    if status != "ok" or not has_rri:
        return "Not computable"
    sig = row.get("significant")
    sig = bool(sig) if sig is not None and sig is not pd.NA else False
    if sig and float(rri) > 1:
        return "Significantly higher"
    if sig and float(rri) < 1:
        return "Significantly lower"
    return "Not significant"


_STATUS_TEXT = {
    "Suppressed": "Suppressed to protect children's identities",
}


def _cell_texts(r: dict, category: str, unit: int, population_label: str,
                level: float) -> dict:
    """Cell label, colour value and tooltip strings of one result row (never NA)."""
    rri = None if category in ("Suppressed", "Not computable") else r.get("rri")
    rri_f = None if rri is None or rri is pd.NA else float(rri)
    if rri_f is not None and not math.isfinite(rri_f):
        rri_f = None
    per = f" per {unit:,} {population_label}"
    rate = _fmt(r.get("rate"), 1) if category != "Suppressed" else None
    comp = _fmt(r.get("reference_rate"), 1)
    lo, hi = _fmt(r.get("rri_ci_low")), _fmt(r.get("rri_ci_high"))
    if category == "Suppressed":
        text, rri_text = "[c]", "[c]"
    elif rri_f is None:
        text = "[u]" if category == "Low numbers" else ""
        rri_text = "[z] not applicable"
    else:
        rri_text = f"{rri_f:.2f}" + (f" ({level:.0%} CI {lo} to {hi})" if lo and hi else "")
        text = ("ref" if category == "Reference group" else
                "[u]" if category == "Low numbers" else f"{rri_f:.1f}")
    status = "" if r.get("status") is None or r.get("status") is pd.NA else str(r["status"])
    status_text = (_STATUS_TEXT[category] if category in _STATUS_TEXT else
                   status[:1].upper() + status[1:] if status and status != "ok" else category)
    missing = "[c]" if category == "Suppressed" else "[z]"
    return {
        "category": category,
        # colour only where it means something: a positive RRI that is not low numbers
        "rri": rri_f if (rri_f and rri_f > 0 and category != "Low numbers") else None,
        "rri_any": rri_f,
        "text": text,
        "rate_text": (rate + per) if rate else missing,
        "comparison_text": (comp + per) if comp else missing,
        "rri_text": rri_text,
        "status_text": status_text,
    }


def heatmap_cells(matrix: pd.DataFrame, breakdown=None, level: float = 0.95) -> pd.DataFrame:
    """One row per group x outcome cell, with everything the heatmap draws as plain values or
    ready-made strings (no NA reaches a tooltip): group, outcome, short_label, label, domain,
    category, rri (float, only where a colour is meaningful), text (the cell's label), and
    the tooltip strings rate_text, comparison_text, rri_text, status_text."""
    cat = outcome_catalogue().set_index("key")
    df = _with_labels(matrix, breakdown).reset_index(drop=True)
    rows = []
    for r in df.to_dict("records"):
        spec = cat.loc[r["outcome"]]
        texts = _cell_texts(r, cell_category(r), int(spec["unit"]), spec["population_label"],
                            level)
        texts.pop("rri_any")
        rows.append({"group": r["group"], "outcome": r["outcome"],
                     "short_label": r["short_label"], "label": r["label"],
                     "domain": r["domain"], **texts})
    return gate.shown(pd.DataFrame(rows), matrix)


# --------------------------------------------------------------------------
# high-risk profiles
# --------------------------------------------------------------------------

def profile_rows(profile: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """A cohort profile (analytics.views.profiles.profile) ordered by domain then catalogue order,
    with `short_label`, `per` (the rate's unit in words), `rri_ci` ("lo to hi" or NA) and
    `category` (see `cell_category`)."""
    cat = outcome_catalogue().set_index("key")
    order = {k: i for i, k in enumerate(cat.index)}
    dorder = {d: i for i, d in enumerate(domain_order())}
    out = profile.copy()
    out = out.assign(_d=out["domain"].map(dorder), _i=out["outcome"].map(order)).sort_values(
        ["_d", "_i"]).drop(columns=["_d", "_i"]).reset_index(drop=True)
    out["short_label"] = [short_label(k, cat["label"].get(k)) for k in out["outcome"]]
    out["per"] = [f"per {int(cat.loc[k, 'unit']):,} {cat.loc[k, 'population_label']}"
                  for k in out["outcome"]]
    cis = []
    for lo, hi in zip(out["rri_ci_low"], out["rri_ci_high"]):
        a, b = _fmt(lo), _fmt(hi)
        cis.append(f"{a} to {b}" if a and b else pd.NA)
    out["rri_ci"] = pd.array(cis, dtype="string")
    texts = [_cell_texts(r, cell_category(r), int(cat.loc[r["outcome"], "unit"]),
                         cat.loc[r["outcome"], "population_label"], level)
             for r in out.to_dict("records")]
    out["category"] = [t["category"] for t in texts]
    out["rri_plot"] = [t["rri_any"] if t["rri_any"] and t["rri_any"] > 0 else None
                       for t in texts]
    for col in ("text", "rate_text", "comparison_text", "rri_text", "status_text"):
        out[col] = [t[col] for t in texts]
    return out


def profile_title(rows: pd.DataFrame, label: str, width: int | None = None):
    """A chart title stating a profile's finding; wrapped into lines of at most `width`
    characters (a list of lines) when `width` is given."""
    higher = rows[rows["category"] == "Significantly higher"]
    lower = rows[rows["category"] == "Significantly lower"]
    compared = int(rows["category"].isin(["Significantly higher", "Significantly lower",
                                          "Not significant"]).sum())
    if higher.empty and lower.empty:
        text = f"No indicator for {label} differs significantly from the borough average"
    elif higher.empty:
        text = (f"{label}: {len(lower)} of {compared} indicators significantly below the "
                "borough average, none above")
    else:
        top = higher.loc[higher["rri"].astype(float).idxmax()]
        text = (f"{label}: {len(higher)} of {compared} indicators significantly above the "
                f"borough average, up to {format_number(top['rri'])} times ({top['noun']})")
    if width is None:
        return text
    import textwrap
    return textwrap.wrap(text, width=width)


def profile_summary(rows: pd.DataFrame) -> dict:
    """Counts for a profile: significantly higher, lower, low numbers, suppressed."""
    c = rows["category"].value_counts()
    return {k: int(c.get(v, 0)) for k, v in (("higher", "Significantly higher"),
                                             ("lower", "Significantly lower"),
                                             ("low", "Low numbers"),
                                             ("suppressed", "Suppressed"))}


# --------------------------------------------------------------------------
# the strategy's statements
# --------------------------------------------------------------------------

def cohort_claims(cohort: Cohort) -> pd.DataFrame:
    """Section 5.4 statements about a cohort: claims on the cohort itself, then the other
    claims under the cohort's section heading, in the file's order."""
    claims = load_claims()
    mine = claims["cohort"].astype("string").eq(cohort.key).fillna(False)
    section = claims["section"].astype("string").eq(cohort.section).fillna(False)
    if not cohort.section:
        section[:] = False
    return claims[(mine | section).to_numpy(dtype=bool)].reset_index(drop=True)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def claim_figure(claim, result) -> str:
    """The figure behind a verdict, readable: "RRI 4.1 (95% CI 3.9 to 4.3); the statement
    implies 3 to 4.5". Never contains nan/None; falls back to the result's detail."""
    kind = claim["comparison"]
    low, high = float(claim["low"]), float(claim["high"])
    span = f"{low:g} to {high:g}"
    value = result.value
    missing = value is None or (isinstance(value, float) and not math.isfinite(value))
    if missing and kind != "borough_average":
        return "Not computable on these data (no children of the group, or none with the outcome)."
    if kind == "borough_average":
        if missing:
            return "No ratio can be shown (numbers too low or suppressed)."
        text = f"{format_number(value)} times the borough average"
        if result.ci_low is not None and result.ci_high is not None:
            text += f" (95% CI {format_number(result.ci_low)} to {format_number(result.ci_high)})"
        return text + f"; the statement implies {span} times."
    if kind in ("highest", "top_n"):
        import re
        m = re.search(r"of (\d+) groups", result.detail or "")
        of = f" of {m.group(1)} groups" if m else ""
        want = "the highest" if int(low) == 1 else f"in the top {int(low)}"
        return f"Ranked {_ordinal(int(value))}{of} by rate; the statement says {want}."
    if kind == "share_of_events":
        return (f"{value:.0%} of the children with this outcome; the statement implies "
                f"{low:.0%} to {high:.0%}.")
    if kind == "largest_share":
        import re
        m = re.search(r"vs largest other group (\d+)", result.detail or "")
        other = f" against {int(m.group(1)):,} in the next largest group" if m else ""
        return f"{int(value):,} children{other}."
    if kind == "count":
        return f"{int(value):,} children; the statement implies {low:,.0f} to {high:,.0f}."
    if kind == "yj_share":
        if missing:
            return "No share can be shown (numbers too low or suppressed)."
        what = YJ_PHRASES.get(str(claim.get("measure")), "had it")
        return (f"{value:.0%} of the children with a proven offence {what}; the statement "
                f"implies {low:.0%} to {high:.0%}.")
    if kind == "after_exclusion":
        if missing:
            return "No ratio can be shown (numbers too low or suppressed)."
        text = (f"{format_number(value)} times as likely within {int(claim['years'])} years "
                "as pupils not excluded, with the same characteristics")
        if result.ci_low is not None and result.ci_high is not None:
            text += f" (95% CI {format_number(result.ci_low)} to {format_number(result.ci_high)})"
        return text + f"; the statement implies {span}."
    if kind == "schools_beyond_chance":
        return (f"{int(value)} secondary schools outside the 99.8% limits of chance; the "
                f"statement implies {low:g} to {high:g}.")
    return str(result.detail or "")


def claim_verdicts(claims: pd.DataFrame, results: list, cohort: Cohort | None = None) -> pd.DataFrame:
    """One row per claim with its verdict, ready to show: claim_id, quote, about (the group
    the claim is about when it is not `cohort`, else ""), outcome (short label), holds,
    verdict ("Borne out", "Consistent but not significant", "Not borne out" or "Cannot be
    checked"), figure, periods (words)."""
    from analytics.data.cohorts import get as get_cohort
    cat = outcome_catalogue().set_index("key")
    rows = []
    for claim, result in zip(claims.to_dict("records"), results):
        key = claim.get("cohort")
        key = None if key is None or key is pd.NA or (isinstance(key, float) and math.isnan(key)) else str(key)
        if key is None:
            about = "the borough"
        elif cohort is not None and key == cohort.key:
            about = ""
        else:
            about = get_cohort(key).label
        spec = claim.get("periods")
        periods = ("" if spec is None or spec is pd.NA or str(spec) in ("all", "", "nan")
                   else str(spec).replace("|", ", "))
        rows.append({"claim_id": claim["claim_id"], "quote": claim["quote"], "about": about,
                     "outcome": short_label(claim["outcome"], cat["label"].get(claim["outcome"])),
                     "holds": bool(result.holds),
                     "verdict": result.verdict[:1].upper() + result.verdict[1:],
                     "figure": claim_figure(claim, result), "periods": periods})
    return pd.DataFrame(rows, columns=["claim_id", "quote", "about", "outcome", "holds",
                                       "verdict", "figure", "periods"])
