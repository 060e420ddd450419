"""Section 5.4's comparative statements (data/reference/claims.csv), checked against data.

Each claim is computed through the product's own counts query, protection and RRI code (the
figures are the published ones any page shows), so the claims test proves both that the
synthetic borough says what the strategy says and that the dashboard can show it with numbers.

Verdicts: a statement with a direction (a ratio above or below 1) is "borne out" only when the
point estimate is in the range the statement implies and the interval supports the direction;
"consistent but not significant" when the estimate is in range but the interval includes 1;
"not borne out" otherwise; "cannot be checked" when no ratio can be computed. The synthetic
borough was calibrated to these statements, so agreement there is by construction: the check
means something on a user's own data.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.data.cohorts import COMPLEMENT_LABEL
from analytics.data.cohorts import get as get_cohort
from analytics.data.counts import counts
from analytics.data.db import periods as all_periods
from analytics.data.reference import REFERENCE
from analytics.data.reference import outcome as get_outcome
from analytics import protect
from analytics.stats.funnel import funnel_table
from analytics.views.tables import Options, protected_rri
from analytics.views.followup import followup_table, yj_history

#: The claims files: section 5.4's group comparisons, then the statements about what follows
#: an exclusion (two more columns: `measure` of the youth-justice cohort for `yj_share`, and
#: the follow-up window in `years` for `after_exclusion`).
CLAIM_FILES = ("claims.csv", "claims_after_exclusion.csv")


def load_claims() -> pd.DataFrame:
    dtype = {"cohort": "string", "peers": "string", "periods": "string", "measure": "string"}
    return pd.concat([pd.read_csv(REFERENCE / name, dtype=dtype) for name in CLAIM_FILES],
                     ignore_index=True)


BORNE_OUT = "borne out"
NOT_SIGNIFICANT = "consistent but not significant"
NOT_BORNE_OUT = "not borne out"
UNCHECKABLE = "cannot be checked"
#: Why a statement cannot be checked on a user's dataset that lacks the group.
NO_GROUP = "not computable: no children of the group in the data"


@dataclass
class ClaimResult:
    claim_id: str
    holds: bool
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    detail: str = ""
    verdict: str = ""

    def __post_init__(self):
        if not self.verdict:
            self.verdict = BORNE_OUT if self.holds else NOT_BORNE_OUT


def _periods(con, spec, default=None) -> list[str]:
    """The claim's own periods if it names them, else `default` (a view's periods), else all."""
    if spec in ("all", "", None) or pd.isna(spec):
        return list(default) if default else all_periods(con)
    return str(spec).split("|")


def _published(table: pd.DataFrame, options: Options) -> pd.DataFrame:
    return protect.published(table, threshold=options.suppress)


def _direction(low: float, high: float) -> str:
    return "higher" if low >= 1 else "lower" if high <= 1 else "similar"


def _ratio_verdict(value, lo, hi, low: float, high: float) -> str:
    """A ratio claim's verdict: within the expected range [low, high] and its interval clear
    of 1 in the claimed direction."""
    direction = _direction(low, high)
    if value is None or lo is None:
        return UNCHECKABLE
    if not low <= value <= high:
        return NOT_BORNE_OUT
    if (direction == "higher" and lo <= 1) or (direction == "lower" and hi >= 1):
        return NOT_SIGNIFICANT
    return BORNE_OUT


def evaluate(con, claim: pd.Series, periods=None, options: Options = Options()) -> ClaimResult:
    """Compute one claim on the database behind `con`, over the claim's own periods or else
    `periods` (default all), with the protection and interval choices of `options`."""
    kind, outcome = claim["comparison"], claim["outcome"]
    low, high = float(claim["low"]), float(claim["high"])
    periods = _periods(con, claim["periods"], periods)
    unit = int(get_outcome(outcome)["unit"])
    cohort = get_cohort(claim["cohort"]) if pd.notna(claim["cohort"]) else None
    peers = str(claim["peers"]).split(",") if pd.notna(claim["peers"]) else []

    if kind == "borough_average":
        view = Options(comparison="overall", level=options.level, ci=options.ci, adjust="none",
                       min_population=options.min_population, min_events=options.min_events,
                       suppress=options.suppress)
        table = protected_rri(counts(con, outcome, periods=periods, cohort=cohort), ["cohort"],
                              [], unit, view)
        mine = table[table["cohort"] == cohort.label]
        if mine.empty:
            return ClaimResult(claim["claim_id"], False, None, detail=NO_GROUP,
                               verdict=UNCHECKABLE)
        row = mine.iloc[0]
        rri, lo, hi = (None if pd.isna(row[c]) else float(row[c])
                       for c in ("rri", "rri_ci_low", "rri_ci_high"))
        verdict = _ratio_verdict(rri, lo, hi, low, high)
        shown = "not computable" if rri is None else (
            f"RRI {rri:.2f} (CI {lo:.2f} to {hi:.2f})" if lo is not None else f"RRI {rri:.2f}")
        return ClaimResult(claim["claim_id"], verdict == BORNE_OUT, rri, lo, hi,
                           f"{shown} vs expected {low:g}-{high:g}; {row['status']}", verdict)

    if kind in ("highest", "top_n"):
        mine = _published(counts(con, outcome, periods=periods, cohort=cohort), options)
        mine = mine[mine["cohort"] == cohort.label]
        if mine.empty or not mine["population"].iloc[0]:
            return ClaimResult(claim["claim_id"], False, None, detail=NO_GROUP,
                               verdict=UNCHECKABLE)
        mine = mine.iloc[0]
        rate = mine["events"] / mine["population"]
        others = _published(counts(con, outcome, by=peers, periods=periods, cohort=cohort),
                            options)
        others = others[(others["cohort"] == COMPLEMENT_LABEL)
                        & (others["population"] >= int(claim["min_population"]))]
        above = int((others["events"] / others["population"] > rate).sum())
        rank = above + 1
        return ClaimResult(claim["claim_id"], rank <= int(low), float(rank),
                           detail=f"rank {rank} of {len(others) + 1} groups (rate {rate:.5f})")

    if kind == "share_of_events":
        table = _published(counts(con, outcome, periods=periods, cohort=cohort), options)
        total = (table["total_events"].iloc[0] if "total_events" in table.columns
                 else table["events"].sum())
        if not total:
            return ClaimResult(claim["claim_id"], False, None, verdict=UNCHECKABLE,
                               detail="not computable: no children with the outcome in the data")
        share = table.loc[table["cohort"] == cohort.label, "events"].sum() / total
        return ClaimResult(claim["claim_id"], low <= share <= high, float(share),
                           detail=f"share {share:.3f} vs expected {low:g}-{high:g}")

    if kind == "largest_share":
        table = _published(counts(con, outcome, by=peers, periods=periods, cohort=cohort),
                           options)
        mine = table.loc[table["cohort"] == cohort.label, "events"].sum()
        biggest_other = table.loc[table["cohort"] == COMPLEMENT_LABEL].groupby(peers)["events"].sum().max()
        return ClaimResult(claim["claim_id"], bool(mine > biggest_other), float(mine),
                           detail=f"{mine} events vs largest other group {biggest_other}")

    if kind == "count":
        total = int(_published(counts(con, outcome, periods=periods), options)["events"].sum())
        return ClaimResult(claim["claim_id"], low <= total <= high, float(total),
                           detail=f"{total} vs expected {low:g}-{high:g}")

    if kind == "schools_beyond_chance":
        table = _published(counts(con, outcome, by=peers, periods=periods,
                                  filters={"school_phase": ["Secondary"]}), options)
        funnel = funnel_table(table, peers[0])
        outside = int(funnel["position"].str.contains("99.8").sum())
        return ClaimResult(claim["claim_id"], low <= outside <= high, float(outside),
                           detail=f"{outside} secondary schools outside 99.8% limits")

    if kind == "yj_share":
        table = yj_history(con, periods=periods)
        row = table[table["measure"] == claim["measure"]].iloc[0]
        if pd.isna(row["rate"]):
            return ClaimResult(claim["claim_id"], False, None, detail=f"not shown: {row['status']}")
        share = float(row["rate"]) / 100
        return ClaimResult(claim["claim_id"], low <= share <= high, share,
                           float(row["rate_ci_low"]) / 100, float(row["rate_ci_high"]) / 100,
                           detail=f"{int(row['events'])} of {int(row['population'])} children "
                                  f"with a proven offence, share {share:.3f} vs expected "
                                  f"{low:g}-{high:g}")

    if kind == "after_exclusion":
        years = int(claim["years"])
        table = followup_table(con, [], periods=None if claim["periods"] == "all" else periods,
                               years=years, outcomes=[outcome])
        row = table.iloc[0]
        value, lo, hi = (None if pd.isna(row[c]) else float(row[c])
                         for c in ("adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high"))
        verdict = _ratio_verdict(value, lo, hi, low, high)
        shown = ("not computable" if value is None else
                 f"adjusted ratio {value:.2f} (CI {lo:.2f} to {hi:.2f}), crude {float(row['rri']):.2f}")
        return ClaimResult(claim["claim_id"], verdict == BORNE_OUT, value, lo, hi,
                           f"{shown} within {years} years vs expected {low:g}-{high:g}; "
                           f"{row['adjusted_status']}", verdict)

    raise ValueError(f"claim {claim['claim_id']}: unknown comparison {kind!r}")


def evaluate_all(con, periods=None, options: Options = Options()) -> pd.DataFrame:
    rows = [evaluate(con, c, periods, options) for _, c in load_claims().iterrows()]
    return pd.DataFrame([r.__dict__ for r in rows])
