"""Cached verdicts on the strategy's section 5.4 statements (data/reference/claims.csv),
computed on the dashboard's database by analytics.views.claims.evaluate."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.data.cohorts import get as get_cohort
from analytics.views import claims as claims_mod
from analytics.views import findings
from ui import data


@st.cache_data(show_spinner=False, max_entries=256)
def evaluate(claim_id: str, db: str) -> claims_mod.ClaimResult:
    """One claim's result; `db` (the database path) keys the cache."""
    table = claims_mod.load_claims().set_index("claim_id")
    claim = table.loc[claim_id].copy()
    claim["claim_id"] = claim_id
    return claims_mod.evaluate(data.cursor(), claim)


@st.cache_data(show_spinner="Checking the strategy's statements...", max_entries=32)
def _cohort_verdicts(cohort_key: str, db: str) -> pd.DataFrame:
    cohort = get_cohort(cohort_key)
    claims = findings.cohort_claims(cohort)
    available = data.available_outcomes()      # a user's dataset may not hold every outcome
    if available is not None:
        claims = claims[claims["outcome"].isin(available)]
    results = [evaluate(cid, db) for cid in claims["claim_id"]]
    return findings.claim_verdicts(claims, results, cohort)


def cohort_verdicts(cohort_key: str) -> pd.DataFrame:
    """Every statement about a cohort (and under its section heading) with its verdict,
    computed on all years of the database (the statements describe the groups in general)."""
    return _cohort_verdicts(cohort_key, data.source_key())
