"""Ranks with rank intervals by simulation (analytics.stats.ranks): against worked
probabilities, and their coverage on councils with known true rates."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from analytics.stats.ranks import SEED, rank_intervals, rate_draws


def _interval(values, draws, level=0.95):
    rank, low, high = rank_intervals(values, draws, level)
    return rank, low, high


def test_draws_follow_the_jeffreys_posteriors():
    rng = np.random.default_rng(1)
    d = rate_draws([30], [1000], "binomial", rng, draws=200_000)[0]
    assert d.mean() == pytest.approx(30.5 / 1001, rel=5e-3)
    assert np.quantile(d, 0.975) == pytest.approx(stats.beta.ppf(0.975, 30.5, 970.5), rel=1e-2)
    p = rate_draws([300], [1000], "poisson", rng, dispersion=3.0, draws=200_000)[0]
    assert p.mean() == pytest.approx((100 + 0.5) * 3 / 1000, rel=5e-3)
    assert p.var() == pytest.approx((100.5) * 9 / 1e6, rel=2e-2)      # phi x the Poisson's


def test_two_councils_against_the_worked_probability():
    """P(A's rate above B's) integrated by hand from the two Gamma posteriors: A's interval
    is [1, 1] only when that probability is above 97.5%."""
    rng = np.random.default_rng(SEED)

    def p_above(a, n, c, m):
        fa, fb = stats.gamma(a + 0.5, scale=1 / n), stats.gamma(c + 0.5, scale=1 / m)
        return integrate.quad(lambda x: fa.pdf(x) * fb.cdf(x), 0, np.inf)[0]

    clear = (60, 1000, 30, 1000)           # P = 0.9987
    close = (40, 1000, 33, 1000)           # P = 0.79
    assert p_above(*clear) > 0.995 and 0.7 < p_above(*close) < 0.9
    for (a, n, c, m), expect in ((clear, (1, 1)), (close, (1, 2))):
        draws = rate_draws([a, c], [n, m], "poisson", rng)
        rank, low, high = _interval([a / n, c / m], draws)
        assert list(rank) == [1, 2]
        assert (low[0], high[0]) == expect
        share = (np.argmax(draws, axis=0) == 0).mean()
        assert share == pytest.approx(p_above(a, n, c, m), abs=0.02)


def test_the_same_counts_give_the_same_interval():
    def run():
        rng = np.random.default_rng(SEED)
        a, n = np.arange(1, 21) * 3, np.full(20, 1000)
        return _interval(a / n, rate_draws(a, n, "binomial", rng))
    assert all(np.array_equal(x, y) for x, y in zip(run(), run()))


def test_huge_counts_collapse_to_the_point_rank_and_missing_values_are_not_ranked():
    rng = np.random.default_rng(SEED)
    n = np.full(6, 10**9)
    a = np.array([1, 2, 3, 4, 5, 6]) * 10**6
    values = (a / n).astype(float)
    values[2] = np.nan
    rank, low, high = _interval(values, rate_draws(a, n, "binomial", rng))
    assert np.isnan(rank[2]) and np.isnan(low[2])
    ok = ~np.isnan(values)
    assert list(rank[ok]) == [5, 4, 3, 2, 1]
    assert np.array_equal(low[ok], rank[ok]) and np.array_equal(high[ok], rank[ok])


def test_ties_share_the_best_place_and_the_interval_holds_it():
    rng = np.random.default_rng(SEED)
    a, n = np.array([0, 0, 0, 9]), np.array([500, 500, 500, 500])
    rank, low, high = _interval(a / n, rate_draws(a, n, "binomial", rng))
    assert list(rank) == [2, 2, 2, 1]
    assert ((low <= rank) & (rank <= high)).all()


def test_coverage_of_true_ranks_on_simulated_councils():
    """Twenty councils with known rates, counts drawn 200 times: the true rank falls in the
    95% rank interval at least 90% of the time (Jeffreys intervals for ranks are, if
    anything, conservative)."""
    rng = np.random.default_rng(7)
    true = np.linspace(0.02, 0.06, 20)
    n = rng.integers(300, 5000, 20)
    truth = stats.rankdata(-true, method="ordinal")
    hits = []
    for _ in range(200):
        a = rng.binomial(n, true)
        rank, low, high = _interval(a / n, rate_draws(a, n, "binomial", rng, draws=1000))
        hits.append((low <= truth) & (truth <= high))
    assert np.mean(hits) >= 0.9
