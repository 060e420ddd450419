"""The product's words: readable labels for result rows, the finding a chart's title states,
and plain-English sentences for one row of an ``rri_table`` result.

One sentence per row, in the strategy's style: the ratio and its interval
first, then what it means. Every status has its own wording, and no
sentence ever contains "nan", "inf" or "None".
"""
from __future__ import annotations

import math

import pandas as pd

__all__ = ["capitalise", "format_number", "possessive", "sentence", "group_labels", "finding"]


def format_number(x) -> str:
    """1 decimal place; 2 significant figures below 0.1 ("0.05", "0.047")."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r}")
    if x == 0:
        return "0"
    if abs(x) >= 0.1:
        return f"{x:.1f}"
    decimals = -math.floor(math.log10(abs(x))) + 1
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return text


def possessive(subject: str) -> str:
    """"boys" -> "boys'", "Black African girl" -> "Black African girl's"."""
    return subject + ("'" if subject.endswith("s") else "'s")


def capitalise(text: str) -> str:
    """First letter upper-case, the rest as written ("looked-after children" -> "Looked-after children")."""
    return text[:1].upper() + text[1:]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v))


def _with_article(outcome: str) -> str:
    return ("an " if outcome[:1].lower() in "aeiou" else "a ") + outcome


def _interval(row, level: float) -> str | None:
    lo, hi = row.get("rri_ci_low"), row.get("rri_ci_high")
    if _missing(lo) or _missing(hi):
        return None
    return f"{level * 100:g}% CI {format_number(lo)} to {format_number(hi)}"


def sentence(row, subject: str, outcome_label: str, comparison_label: str,
             level: float = 0.95) -> str:
    """Describe one result row.

    ``subject`` names the group ("Black Caribbean boys"), ``outcome_label``
    the outcome as a noun ("suspension"), ``comparison_label`` what it is
    compared with ("the borough average", "White British boys").
    """
    status = "" if _missing(row.get("status")) else str(row.get("status"))
    label, _, reason = status.partition(":")
    label, reason = label.strip(), reason.strip()
    poss = capitalise(possessive(subject))
    rri = row.get("rri")
    ci = _interval(row, level)
    a, n = row.get("events"), row.get("population")

    if label == "suppressed":
        if "comparison" in reason or "reference group" in reason:
            return ("Figures suppressed to protect children's identities: the comparison of "
                    f"{subject} with {comparison_label} is not shown.")
        return ("Figures suppressed to protect children's identities: "
                f"no {outcome_label} figures are shown for {subject}.")
    if label == "reference":
        return (f"{capitalise(subject)} are the reference group: the {outcome_label} rates of "
                "other groups are compared with theirs.")
    if label == "not computable":
        why = f": {reason}" if reason else ""
        return f"No comparison with {comparison_label} is possible for {subject}{why}."
    if label == "low numbers":
        parts = []
        own = [r for r in reason.split("; ") if r and not r.startswith("comparison group")]
        cmp = [r for r in reason.split("; ") if r.startswith("comparison group")]
        if own and not (_missing(a) or _missing(n)):
            parts.append(f"{int(a)} of {int(n)} {subject} had {_with_article(outcome_label)}")
        for r in cmp:
            parts.append(r.replace("comparison group", f"the comparison group "
                                   f"({comparison_label})", 1))
        text = "Numbers are too low for a reliable comparison"
        text += (": " + "; ".join(parts)) if parts else ""
        if not _missing(rri) and rri > 0 and ci:
            text += (f". The estimate of {format_number(rri)} times {comparison_label} "
                     f"({ci}) is uncertain")
        return text + "."
    if label == "ok" and not _missing(rri) and ci:
        if rri == 0:
            n_text = "" if _missing(n) else f"{int(n)} "
            return (f"No child among the {n_text}{subject} had {_with_article(outcome_label)} "
                    f"(0 times {comparison_label}, {ci}).")
        base = (f"{poss} {outcome_label} rate is {format_number(rri)} times "
                f"{comparison_label} ({ci})")
        sig = row.get("significant")
        if not _missing(sig) and bool(sig):
            return base + (f": lower than {comparison_label}." if rri < 1 else ".")
        lo, hi = float(row.get("rri_ci_low")), float(row.get("rri_ci_high"))
        if lo > 1 or hi < 1:
            return base + (", not a significant difference once allowing for the number "
                           "of groups compared.")
        return base + ", not a significant difference."
    return f"No comparison with {comparison_label} is available for {subject}."


# --------------------------------------------------------------------------
# labels of result rows and chart findings
# --------------------------------------------------------------------------

SEX_NOUN = {"Male": "boys", "Female": "girls"}

#: Column names as a reader sees them.
COLUMN_LABELS = {
    "ethnicity_major": "Ethnicity", "ethnicity_minor": "Ethnicity", "ethnicity_code": "Ethnicity code",
    "sex": "Sex", "fsm_status": "Free school meals", "sen_status": "SEN", "care_status": "Care status",
    "age_band": "Age band", "school": "School", "school_phase": "Phase", "period": "Period",
    "cohort": "Group", "group": "Group", "outcome_label": "Outcome",
    "events": "Children with outcome", "population": "Children", "rate": "Rate",
    "rate_ci_low": "Rate CI low", "rate_ci_high": "Rate CI high",
    "reference_rate": "Comparison rate", "rri": "RRI", "rri_ci_low": "RRI CI low (unadjusted)",
    "rri_ci_high": "RRI CI high (unadjusted)", "p_value": "p-value", "p_adjusted": "Adjusted p",
    "significant": "Significant (adjusted)", "ci_method": "Interval method",
    "rate_difference": "Rate difference", "rate_difference_ci_low": "Difference CI low",
    "rate_difference_ci_high": "Difference CI high", "excess_events": "Excess children",
    "representation_index": "Representation index", "status": "Status",
}


def group_labels(table: pd.DataFrame, breakdown) -> pd.Series:
    """"Black Caribbean boys", "White British girls", "Black Caribbean children, FSM eligible"."""
    breakdown = list(breakdown)
    parts = []
    for col in breakdown:
        if col == "sex":
            continue
        parts.append(table[col].astype(str))
    if "sex" in breakdown:
        noun = table["sex"].map(SEX_NOUN).fillna(table["sex"].astype(str))
    else:
        noun = pd.Series("children", index=table.index)
    if not parts:
        return noun.str.capitalize().rename("group")
    text = parts[0] + " " + noun            # "Black boys", "Black children"
    for p in parts[1:]:
        text = text + ", " + p
    return text.rename("group")


def finding(table: pd.DataFrame, noun: str, comparison_label: str) -> str:
    """A title stating the finding: the largest significant ratio, or that there is none.

    `table` needs a `group` column (see `group_labels`)."""
    ok = table[table["status"].astype(str).eq("ok") & table["significant"].fillna(False).astype(bool)]
    if ok.empty:
        return f"No group's {noun} rate differs significantly from {comparison_label}"
    rri = ok["rri"].astype(float)
    # Lead with the largest over-representation; only if there is none, the largest under.
    top = ok.loc[rri.idxmax()] if (rri > 1).any() else ok.loc[rri.idxmin()]
    return (f"{possessive(top['group'])} {noun} rate is {format_number(top['rri'])} times "
            f"{comparison_label}")
