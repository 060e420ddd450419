"""Section 5.4's comparative statements (data/reference/claims.csv), checked against data.

Each claim is computed through the product's own counts query and RRI code, so the claims
test proves both that the synthetic borough says what the strategy says and that the
dashboard can show it with numbers.
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
from analytics.stats.funnel import funnel_table
from analytics.stats.rri import rri_table
from analytics.views.followup import followup_table, yj_history

#: The claims files: section 5.4's group comparisons, then the statements about what follows
#: an exclusion (two more columns: `measure` of the youth-justice cohort for `yj_share`, and
#: the follow-up window in `years` for `after_exclusion`).
CLAIM_FILES = ("claims.csv", "claims_after_exclusion.csv")


def load_claims() -> pd.DataFrame:
    dtype = {"cohort": "string", "peers": "string", "periods": "string", "measure": "string"}
    return pd.concat([pd.read_csv(REFERENCE / name, dtype=dtype) for name in CLAIM_FILES],
                     ignore_index=True)


@dataclass
class ClaimResult:
    claim_id: str
    holds: bool
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    detail: str = ""


def _periods(con, spec) -> list[str]:
    return all_periods(con) if spec in ("all", "", None) or pd.isna(spec) else str(spec).split("|")


def _direction(low: float, high: float) -> str:
    return "higher" if low >= 1 else "lower" if high <= 1 else "similar"


def evaluate(con, claim: pd.Series) -> ClaimResult:
    """Compute one claim on the database behind `con`."""
    kind, outcome = claim["comparison"], claim["outcome"]
    low, high = float(claim["low"]), float(claim["high"])
    periods = _periods(con, claim["periods"])
    unit = int(get_outcome(outcome)["unit"])
    cohort = get_cohort(claim["cohort"]) if pd.notna(claim["cohort"]) else None
    peers = str(claim["peers"]).split(",") if pd.notna(claim["peers"]) else []

    if kind == "borough_average":
        table = rri_table(counts(con, outcome, periods=periods, cohort=cohort), ["cohort"],
                          comparison="overall", unit=unit, adjust="none")
        row = table[table["cohort"] == cohort.label].iloc[0]
        rri, lo, hi = (None if pd.isna(row[c]) else float(row[c])
                       for c in ("rri", "rri_ci_low", "rri_ci_high"))
        holds = rri is not None and low <= rri <= high
        if claim["significant"] == "yes" and holds:
            direction = _direction(low, high)
            holds = (lo > 1) if direction == "higher" else (hi < 1) if direction == "lower" else True
        shown = "not computable" if rri is None else (
            f"RRI {rri:.2f} (CI {lo:.2f} to {hi:.2f})" if lo is not None else f"RRI {rri:.2f}")
        return ClaimResult(claim["claim_id"], holds, rri, lo, hi,
                           f"{shown} vs expected {low:g}-{high:g}; {row['status']}")

    if kind in ("highest", "top_n"):
        mine = counts(con, outcome, periods=periods, cohort=cohort)
        mine = mine[mine["cohort"] == cohort.label].iloc[0]
        rate = mine["events"] / mine["population"]
        others = counts(con, outcome, by=peers, periods=periods, cohort=cohort)
        others = others[(others["cohort"] == COMPLEMENT_LABEL)
                        & (others["population"] >= int(claim["min_population"]))]
        above = int((others["events"] / others["population"] > rate).sum())
        rank = above + 1
        return ClaimResult(claim["claim_id"], rank <= int(low), float(rank),
                           detail=f"rank {rank} of {len(others) + 1} groups (rate {rate:.5f})")

    if kind == "share_of_events":
        table = counts(con, outcome, periods=periods, cohort=cohort)
        share = table.loc[table["cohort"] == cohort.label, "events"].sum() / table["events"].sum()
        return ClaimResult(claim["claim_id"], low <= share <= high, float(share),
                           detail=f"share {share:.3f} vs expected {low:g}-{high:g}")

    if kind == "largest_share":
        table = counts(con, outcome, by=peers, periods=periods, cohort=cohort)
        mine = table.loc[table["cohort"] == cohort.label, "events"].sum()
        biggest_other = table.loc[table["cohort"] == COMPLEMENT_LABEL].groupby(peers)["events"].sum().max()
        return ClaimResult(claim["claim_id"], bool(mine > biggest_other), float(mine),
                           detail=f"{mine} events vs largest other group {biggest_other}")

    if kind == "count":
        total = int(counts(con, outcome, periods=periods)["events"].sum())
        return ClaimResult(claim["claim_id"], low <= total <= high, float(total),
                           detail=f"{total} vs expected {low:g}-{high:g}")

    if kind == "schools_beyond_chance":
        table = counts(con, outcome, by=peers, periods=periods,
                       filters={"school_phase": ["Secondary"]})
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
        holds = value is not None and low <= value <= high
        if claim["significant"] == "yes" and holds:
            holds = lo is not None and lo > 1
        shown = ("not computable" if value is None else
                 f"adjusted ratio {value:.2f} (CI {lo:.2f} to {hi:.2f}), crude {float(row['rri']):.2f}")
        return ClaimResult(claim["claim_id"], holds, value, lo, hi,
                           f"{shown} within {years} years vs expected {low:g}-{high:g}; "
                           f"{row['adjusted_status']}")

    raise ValueError(f"claim {claim['claim_id']}: unknown comparison {kind!r}")


def evaluate_all(con) -> pd.DataFrame:
    rows = [evaluate(con, c) for _, c in load_claims().iterrows()]
    return pd.DataFrame([r.__dict__ for r in rows])
