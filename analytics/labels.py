"""Readable labels for result rows and the finding a chart's title states."""
from __future__ import annotations

import pandas as pd

from analytics.narrative import format_number, possessive

SEX_NOUN = {"Male": "boys", "Female": "girls"}

#: Column names as a reader sees them.
COLUMN_LABELS = {
    "ethnicity_major": "Ethnicity", "ethnicity_minor": "Ethnicity", "ethnicity_code": "Ethnicity code",
    "sex": "Sex", "fsm_status": "Free school meals", "sen_status": "SEN", "care_status": "Care status",
    "age_band": "Age band", "school": "School", "school_phase": "Phase", "period": "Period",
    "cohort": "Group", "group": "Group", "outcome_label": "Outcome",
    "events": "Children with outcome", "population": "Children", "rate": "Rate",
    "rate_ci_low": "Rate CI low", "rate_ci_high": "Rate CI high",
    "reference_rate": "Comparison rate", "rri": "RRI", "rri_ci_low": "RRI CI low",
    "rri_ci_high": "RRI CI high", "p_value": "p-value", "p_adjusted": "Adjusted p",
    "significant": "Significant", "ci_method": "Interval method",
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
