"""Cached verdicts on the strategy's section 5.4 statements (data/reference/claims.csv),
computed on the dashboard's data source by analytics.views.claims.evaluate, over the view's
periods and with its protection and interval choices (so the panel and the chart beside it
describe the same children)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.data.cohorts import get as get_cohort
from analytics.views import claims as claims_mod
from analytics.views import findings
from analytics.views.tables import Options
from ui import data


@st.cache_data(show_spinner=False, max_entries=512)
def evaluate(claim_id: str, source: str, periods: tuple, options: Options) -> claims_mod.ClaimResult:
    """One claim's result; `source` (the data source's cache key) keys the cache."""
    table = claims_mod.load_claims().set_index("claim_id")
    claim = table.loc[claim_id].copy()
    claim["claim_id"] = claim_id
    return claims_mod.evaluate(data.cursor(), claim, periods=list(periods), options=options)


@st.cache_data(show_spinner="Checking the strategy's statements...", max_entries=64)
def _cohort_verdicts(cohort_key: str, source: str, periods: tuple,
                     options: Options) -> pd.DataFrame:
    cohort = get_cohort(cohort_key)
    claims = findings.cohort_claims(cohort)
    available = data.available_outcomes()      # a user's dataset may not hold every outcome
    if available is not None:
        claims = claims[claims["outcome"].isin(available)]
    results = [evaluate(cid, source, periods, options) for cid in claims["claim_id"]]
    return findings.claim_verdicts(claims, results, cohort)


def cohort_verdicts(cohort_key: str, periods: tuple, options: Options) -> pd.DataFrame:
    """Every statement about a cohort (and under its section heading) with its verdict, over
    `periods` (those of the view beside it) unless a statement names its own years."""
    return _cohort_verdicts(cohort_key, data.source_key(), tuple(periods), options)
