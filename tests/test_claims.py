"""Every comparative statement about a group in section 5.4 holds on the default data,
computed through the product's own counts query and RRI code (with intervals)."""
from __future__ import annotations

import pytest

from analytics.data.cohorts import profile_cohorts
from analytics.views.claims import evaluate, load_claims

CLAIMS = load_claims()


def test_claims_cover_all_seven_groups():
    sections = set(CLAIMS["section"])
    assert {c.section for c in profile_cohorts()} <= sections
    assert len(CLAIMS) >= 30
    assert CLAIMS["claim_id"].is_unique
    assert CLAIMS["quote"].str.len().min() > 15


@pytest.mark.parametrize("claim_id", CLAIMS["claim_id"])
def test_claim_holds(con, claim_id):
    claim = CLAIMS.set_index("claim_id").loc[claim_id].copy()
    claim["claim_id"] = claim_id
    result = evaluate(con, claim)
    assert result.holds, result.detail
