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


def load_claims() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "claims.csv", dtype={"cohort": "string", "peers": "string",
                                                        "periods": "string"})


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
        mine = table[table["cohort"] == cohort.label]
        if mine.empty:
            return ClaimResult(claim["claim_id"], False, None,
                               detail="not computable: no children of the group in the data")
        row = mine.iloc[0]
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
        mine = mine[mine["cohort"] == cohort.label]
        if mine.empty:
            return ClaimResult(claim["claim_id"], False, None,
                               detail="not computable: no children of the group in the data")
        mine = mine.iloc[0]
        if mine["population"] == 0:
            return ClaimResult(claim["claim_id"], False, None,
                               detail="not computable: no children of the group in the data")
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
        if table["events"].sum() == 0:
            return ClaimResult(claim["claim_id"], False, None,
                               detail="not computable: no children with the outcome in the data")
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

    raise ValueError(f"claim {claim['claim_id']}: unknown comparison {kind!r}")


def evaluate_all(con) -> pd.DataFrame:
    rows = [evaluate(con, c) for _, c in load_claims().iterrows()]
    return pd.DataFrame([r.__dict__ for r in rows])
