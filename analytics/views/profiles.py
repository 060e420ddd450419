"""High-risk group profiles: every indicator for a section 5.4 cohort against the borough
average, with intervals, an adjustment across the profile's indicators, suppression and a
sentence in the strategy's style per indicator."""
from __future__ import annotations

import pandas as pd

from analytics.data.cohorts import Cohort
from analytics.data.cohorts import get as get_cohort
from analytics.data.counts import count_columns, outcome_counts
from analytics.data.reference import outcome_catalogue
from analytics.protect import gate
from analytics.stats.significance import adjust_pvalues
from analytics.views.tables import Options, rri_by_outcome
from analytics.views.wording import sentence

COMPARISON_LABEL = "the borough average"


def profile(con, cohort: Cohort | str, periods, *, outcomes=None, level=0.95, ci="auto",
            adjust="holm", min_population=30, min_events=5, suppress=5) -> pd.DataFrame:
    """One row per outcome: the cohort's rate against all children (the borough average).

    Counts for every outcome come from one scan. The p-values are adjusted across the
    profile's outcomes (one view = one family). Columns: outcome, label, domain, unit, the
    result columns of `rri_table` for the cohort's row, and `sentence`.
    """
    cohort = get_cohort(cohort) if isinstance(cohort, str) else cohort
    catalogue = outcome_catalogue().set_index("key")
    keys = [k for k in (list(outcomes) if outcomes is not None else catalogue.index)
            if k not in cohort.defined_by]
    table = outcome_counts(con, outcomes=keys, periods=periods, cohort=cohort)
    options = Options(comparison="overall", level=level, ci=ci, adjust="none",
                      min_population=min_population, min_events=min_events, suppress=suppress)
    result = rri_by_outcome(table[["outcome", "cohort", *count_columns(table)]], ["cohort"],
                            ["outcome"], options)
    # Outcomes for which no child of the cohort is eligible (NEET among under-16s) drop out.
    out = result[result["cohort"] == cohort.label].reset_index(drop=True)
    spec = catalogue.loc[out["outcome"]]
    out = out.assign(label=spec["label"].to_numpy(), noun=spec["noun"].to_numpy(),
                     domain=spec["domain"].to_numpy(), unit=spec["unit"].astype(int).to_numpy(),
                     kind=spec["kind"].to_numpy(),
                     higher_is_worse=spec["higher_is_worse"].astype(bool).to_numpy())
    out["p_adjusted"] = adjust_pvalues(out["p_value"], adjust)
    alpha = 1 - level
    out["significant"] = pd.array(
        [pd.NA if pd.isna(p) else bool(p < alpha) for p in out["p_adjusted"]], dtype="boolean")
    out["sentence"] = [sentence(r, cohort.in_sentence, r["noun"], COMPARISON_LABEL, level)
                       for r in out.to_dict("records")]
    out.attrs.update(cohort=cohort.key, cohort_label=cohort.label, periods=list(periods),
                     level=level, ci=ci, adjust=adjust, suppress=suppress,
                     comparison="overall")
    return gate.publish(out.drop(columns=["cohort"]), "profile", threshold=suppress)
