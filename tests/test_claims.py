"""Every comparative statement about a group in section 5.4 is borne out on synthetic boroughs,
computed through the product's own counts query, protection and RRI code (with intervals).

A statement that implies significance (claims.csv `significant` = yes) must be borne out: its
estimate in the range the statement implies and its interval on the statement's side of 1.
Others must at least be consistent (in range; significance not required). The synthetic data
were calibrated to these statements, so this checks the generator and the pipeline, on the
default borough and on ten other seeds (the `seeds` mark).
"""
from __future__ import annotations

import pytest

from analytics.data.cohorts import profile_cohorts
from analytics.data.db import connect
from analytics.data.synthetic import build
from analytics.views.claims import BORNE_OUT, NOT_SIGNIFICANT, evaluate, evaluate_all, load_claims

CLAIMS = load_claims()
SEEDS = range(1, 11)


def acceptable(claim) -> set[str]:
    return {BORNE_OUT} if claim["significant"] == "yes" else {BORNE_OUT, NOT_SIGNIFICANT}


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
    assert result.verdict in acceptable(claim), result.detail


@pytest.fixture(scope="module")
def other_seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    paths = []
    for seed in SEEDS:
        path = folder / f"s{seed}.duckdb"
        build(path, scale=1, seed=seed)
        paths.append(path)
    return paths


def test_claims_hold_on_ten_other_seeds(other_seeds):
    expected = CLAIMS.set_index("claim_id")
    failures = []
    borne_out = 0
    for path in other_seeds:
        with connect(path) as con:
            results = evaluate_all(con)
        for r in results.itertuples():
            borne_out += r.verdict == BORNE_OUT
            if r.verdict not in acceptable(expected.loc[r.claim_id]):
                failures.append(f"{path.stem} {r.claim_id}: {r.verdict}; {r.detail}")
    print(f"\n{borne_out} of {len(CLAIMS) * len(other_seeds)} claim checks borne out over "
          f"{len(other_seeds)} seeds; {len(failures)} not acceptable")
    assert not failures, "\n".join(failures)
