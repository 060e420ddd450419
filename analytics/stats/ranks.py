"""Ranks with rank intervals: where a unit (a council) stands among others, and how far that
place could move by chance, so 12th and 15th are not read as different when they are not.

Method (Goldstein and Spiegelhalter 1996; Marshall and Spiegelhalter 1998): draw each unit's
rate many times from its distribution given its counts, rank the units in every draw, and
take the central `level` range of each unit's ranks. A rate's draws come from the Jeffreys
posterior of its counts: Beta(a + 1/2, n - a + 1/2) for children (binomial), and
Gamma(a / phi + 1/2) * phi / n for events with dispersion phi (quasi-Poisson; see
analytics.stats.events). A ratio's draws are the ratio of its two rates' draws. Draws use a
fixed seed, so the same counts always give the same interval.

Rank 1 is the highest value. The point rank ranks the estimates themselves (ties share the
best place: two councils level in 3rd are both 3rd); the interval always contains it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DRAWS", "SEED", "rate_draws", "rank_intervals"]

#: Draws per unit and the generator's seed (documented in docs/areas.md).
DRAWS = 2000
SEED = 20240924
MODELS = ("binomial", "poisson")


def rate_draws(events, population, model: str, rng: np.random.Generator,
               dispersion: float = 1.0, draws: int = DRAWS) -> np.ndarray:
    """units x draws array of rates (per 1) drawn from each unit's Jeffreys posterior; units
    with no population get NaN rows."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    a = np.asarray(events, dtype=float)[:, None]
    n = np.asarray(population, dtype=float)[:, None]
    ok = (n > 0) & np.isfinite(a) & np.isfinite(n)
    a, n = np.where(ok, a, 0.0), np.where(ok, n, 1.0)
    shape = (a.shape[0], int(draws))

    def gamma(k):          # single precision: plenty for ranking, and twice as quick
        return rng.standard_gamma(np.broadcast_to(k, shape).astype(np.float32),
                                  dtype=np.float32)
    if model == "binomial":     # Beta(x, y) = X / (X + Y) for independent Gamma(x), Gamma(y)
        x = gamma(a + 0.5)
        out = x / (x + gamma(n - a + 0.5))
    else:
        out = gamma(a / dispersion + 0.5) * np.float32(1.0) * (dispersion / n).astype(np.float32)
    return np.where(ok, out, np.float32(np.nan))


def _point_ranks(values: np.ndarray) -> np.ndarray:
    """1 = highest; ties share the best place; NaN stays NaN."""
    s = pd.Series(values)
    return s.rank(ascending=False, method="min").to_numpy(dtype=float)


def rank_intervals(values, draws: np.ndarray, level: float = 0.95
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point ranks of `values` and the central `level` interval of each unit's rank over
    the columns of `draws` (units x draws). Units whose value is NaN are not ranked and
    take no place in any draw. Returns (rank, low, high) as float arrays (NaN: not ranked)."""
    values = np.asarray(values, dtype=float)
    draws = np.asarray(draws, dtype=float)
    ranked = np.isfinite(values) & np.isfinite(draws).all(axis=1)
    rank, low, high = (np.full(values.size, np.nan) for _ in range(3))
    if not ranked.any():
        return rank, low, high
    rank[ranked] = _point_ranks(values[ranked])
    sub = draws[ranked]
    # ordinal ranks in every draw (draws are continuous: no ties), 1 = highest
    order = np.argsort(-sub, axis=0, kind="stable")
    sim = np.empty(order.shape, dtype=np.int16 if sub.shape[0] < 32000 else np.int32)
    np.put_along_axis(sim, order, np.arange(1, sub.shape[0] + 1)[:, None], axis=0)
    alpha = 1 - float(level)
    sim.sort(axis=1)            # each unit's ranks in order: the quantiles are positions
    last = sim.shape[1] - 1     # numpy's "lower" and "higher" quantile definitions
    lo = sim[:, int(np.floor(alpha / 2 * last))]
    hi = sim[:, int(np.ceil((1 - alpha / 2) * last))]
    low[ranked] = np.minimum(lo, rank[ranked])
    high[ranked] = np.maximum(hi, rank[ranked])
    return rank, low, high
