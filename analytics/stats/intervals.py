"""Interval methods on counts, vectorised over rows (numpy in, numpy out; NaN-free on the
rows they are given): Wilson for a proportion, Katz (log) and the delta method for a ratio
with a slice that contains the group, the exact conditional (Clopper-Pearson) interval,
the Miettinen-Nurminen score interval, Newcombe's interval for a difference, and the
design effects that widen them for pooled periods and published noise.
See docs/methodology_statistics.md."""
from __future__ import annotations

import numpy as np
from scipy import special, stats
from scipy.special import ndtri


def z_value(level: float) -> float:
    """Two-sided standard normal critical value for confidence ``level``."""
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(ndtri(1 - (1 - level) / 2))


def _wilson(a: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson limits as float ndarrays; NaN where ``n`` is 0 or missing (internal)."""
    z = z_value(level)
    a = np.asarray(a, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(a) & np.isfinite(n) & (n > 0)
    ns = np.where(ok, n, 1.0)
    p = np.where(ok, a, 0.0) / ns
    z2 = z * z
    denom = 1 + z2 / ns
    centre = (p + z2 / (2 * ns)) / denom
    half = z / denom * np.sqrt(np.maximum(p * (1 - p) / ns + z2 / (4 * ns * ns), 0.0))
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # The limits at the ends are exactly 0 and 1 (rounding would leave 1e-17).
    low = np.where(p == 0, 0.0, low)
    high = np.where(p == 1, 1.0, high)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)



def _wald_log(rr, se, z):
    """Limits and two-sided Wald p for ln(rr) with standard error se.

    The interval excludes 1 exactly when p < 1 - level.
    """
    lo = rr * np.exp(-z * se)
    hi = rr * np.exp(z * se)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.abs(np.log(rr)) / se
    # se == 0 only when rr == 1 (everyone has the outcome on both sides).
    p = np.where(se > 0, 2 * stats.norm.sf(zstat), 1.0)
    return lo, hi, p


def _katz(a, n, c, m, z):
    """Katz log interval: se(ln RRI) = sqrt(1/a - 1/n + 1/c - 1/m); a, c > 0."""
    rr = (a / n) / (c / m)
    se = np.sqrt(np.maximum(1 / a - 1 / n + 1 / c - 1 / m, 0.0))
    return (rr, *_wald_log(rr, se, z))


def _katz_overall(a, n, c, m, z):
    """Delta-method interval for (a/n)/(A/N) where the group (a of n) is part of the slice
    and c of m are the rest of it (A = a + c, N = n + m).

    Var ln RRI = 1/a - 1/n - 1/A + 2a/(nA) - (a^2/n + c^2/m)/A^2: the variances of the two
    log-proportions minus twice their covariance (1/A - a/(nA)), each group binomial with its
    own rate. Zero when the group is the whole slice; the last term is 1/N when the group's
    rate equals the rest's.
    """
    A, N = a + c, n + m
    rr = (a / n) / (A / N)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(m > 0, c * c / m, 0.0)
    var = 1 / a - 1 / n - 1 / A + 2 * a / (n * A) - (a * a / n + rest) / (A * A)
    se = np.sqrt(np.maximum(var, 0.0))
    return (rr, *_wald_log(rr, se, z))


def _clopper_pearson(x, t, alpha):
    """Clopper-Pearson limits for a proportion x/t (t > 0)."""
    lo = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), t - x + 1), 0.0)
    hi = np.where(x < t, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(t - x, 1)), 1.0)
    return lo, hi


def _binom_central_p(x, t, p0):
    """Central two-sided exact binomial p: min(1, 2 min(P(X<=x), P(X>=x))).

    Written with the regularised incomplete beta function, which equals the binomial tails
    for whole counts and extends them to the effective (non-whole) counts of pooled periods.
    """
    lower = np.where(x >= t, 1.0, special.betainc(np.maximum(t - x, 1e-300), x + 1, 1 - p0))
    upper = np.where(x <= 0, 1.0, special.betainc(np.maximum(x, 1e-300), t - x + 1, p0))
    return np.minimum(1.0, 2 * np.minimum(lower, upper))


def noise_effect(a, n, count_noise: float) -> np.ndarray:
    """What independent noise of variance `count_noise` on a and on n adds to the rate's
    design effect: Var(ln a/n) gains count_noise (1/a^2 + 1/n^2), against the binomial
    (1 - p)/(n p), which is count_noise (1 + p^2) / (n p (1 - p)). 0 where p is 0 or 1."""
    a, n = np.asarray(a, float), np.asarray(n, float)
    if not count_noise:
        return np.zeros(a.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        extra = count_noise * (1 + p * p) / (n * p * (1 - p))
    return np.where((n > 0) & (p > 0) & (p < 1) & np.isfinite(extra), extra, 0.0)


def design_effect(a, n, ss_events, ss_cross, ss_population) -> np.ndarray:
    """Cluster-robust variance of the rate a/n over its binomial variance (at least 1).

    With each child a cluster (x periods eligible, y with the outcome), the rate's variance is
    sum((y - p x)^2) / n^2 = (ss_events - 2p ss_cross + p^2 ss_population) / n^2 (the
    sandwich estimator of a ratio), against p (1 - p) / n if every child-period were
    independent. It is 1 for a single period (each child counted once); it is floored at 1,
    so pooling never narrows an interval below the binomial one. 1 where p is 0 or 1.
    """
    a, n = np.asarray(a, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        num = np.asarray(ss_events, float) - 2 * p * np.asarray(ss_cross, float) \
            + p * p * np.asarray(ss_population, float)
        deff = num / (n * p * (1 - p))
    return np.where((n > 0) & (p > 0) & (p < 1) & np.isfinite(deff), np.maximum(deff, 1.0), 1.0)


def _exact_pi(a, n, c, m, alpha):
    """Exact limits for pi = share of the T = a + c events that fall in the group.

    Conditional on T, a ~ Binomial(T, pi) with pi = n*theta / (n*theta + m)
    and theta the rate ratio; theta = 1 <=> pi = n / (n + m).
    """
    t = a + c
    lo, hi = _clopper_pearson(a, t, alpha)
    p = _binom_central_p(a, t, n / (n + m))
    return lo, hi, p


def _mn_score(theta, x1, n1, x2, n2):
    """Miettinen-Nurminen score statistic for H0: p1 / p2 = theta (vectorised).

    The variance is evaluated at the maximum-likelihood proportions restricted to
    p1 = theta p2 (the smaller root of N theta p^2 - (n1 theta + x1 + n2 + x2 theta) p
    + x1 + x2 = 0, Farrington and Manning 1990), times N / (N - 1) (Miettinen and Nurminen
    1985). Decreasing in theta.
    """
    N = n1 + n2
    qa = N * theta
    qb = -(n1 * theta + x1 + n2 + x2 * theta)
    qc = x1 + x2
    disc = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0.0))
    p2 = np.clip((-qb - disc) / (2 * qa), 0.0, 1.0)
    p1 = np.clip(theta * p2, 0.0, 1.0)
    var = (p1 * (1 - p1) / n1 + theta * theta * p2 * (1 - p2) / n2) * N / (N - 1)
    diff = x1 / n1 - theta * x2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        # no variance: 0 where the estimate is exactly theta, else infinitely far from it
        return np.where(var > 0, diff / np.sqrt(var),
                        np.where(diff == 0, 0.0, np.sign(diff) * np.inf))


#: Bracket of ln(theta) searched for a score limit, and the width at which a limit is found.
_LOG_BRACKET = 40.0
_LOG_TOLERANCE = 1e-12


def _decreasing_root(f, target: float, rows: np.ndarray, size: int, start: np.ndarray,
                     step: np.ndarray) -> np.ndarray:
    """For each of `rows`, the x in [-_LOG_BRACKET, _LOG_BRACKET] where the decreasing
    f(x, rows) crosses `target` (NaN elsewhere); near an end where it does not cross.

    The search starts at `start` (a guess, NaN for none) and steps from it towards the
    crossing, doubling `step` each time, until both ends of the row's bracket have finite
    values on either side of the target; then regula falsi with the Illinois modification
    (the new point is where the chord between the ends crosses the target, and an end kept
    twice in a row has its value halved, so both ends close in). Where neither applies it
    bisects. The bracket is kept by sign, so the crossing cannot be lost, and a row stops
    when its bracket is narrower than _LOG_TOLERANCE: about 8 evaluations of f where
    bisection to that width takes 45; rows still open are evaluated alone."""
    x = np.full(size, np.nan)
    lo, hi = np.full(size, -_LOG_BRACKET), np.full(size, _LOG_BRACKET)
    flo, fhi = np.full(size, np.nan), np.full(size, np.nan)
    side = np.zeros(size, np.int8)           # the end the last point replaced: -1 hi, 1 lo
    guess, step = start.astype(float), step.astype(float)
    while rows.size:
        a, b, fa, fb = lo[rows], hi[rows], flo[rows], fhi[rows]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            chord = b - fb * (b - a) / (fb - fa)
        usable = (fa > 0) & (fb < 0) & np.isfinite(fa) & np.isfinite(fb) \
            & (chord > a) & (chord < b)
        g = guess[rows]
        probe = ~usable & (g > a) & (g < b)
        new = np.where(usable, chord, np.where(probe, g, (a + b) / 2))
        fn = f(new, rows) - target
        x[rows] = new
        up = fn > 0                           # the crossing is above the new point
        guess[rows] = new + np.where(up, step[rows], -step[rows])
        step[rows] *= 2
        last = side[rows]
        fb = np.where(up & (last == 1), fb / 2, fb)
        fa = np.where(~up & (last == -1), fa / 2, fa)
        lo[rows], flo[rows] = np.where(up, new, a), np.where(up, fn, fa)
        hi[rows], fhi[rows] = np.where(up, b, new), np.where(up, fb, fn)
        side[rows] = np.where(up, 1, -1)
        rows = rows[(fn != 0) & (hi[rows] - lo[rows] >= _LOG_TOLERANCE)]
    return x


def _score(a, n, c, m, z):
    """Score interval (Miettinen-Nurminen) for (a/n)/(c/m) and the score test at 1.

    Each limit solves score(theta) = +-z on log theta (all rows at once, `_decreasing_root`):
    the interval is the set of ratios the score test does not reject, so it excludes 1
    exactly when p < 1 - level. A limit with no root is 0 (no events in the group) or
    infinite (NaN: no events in the comparison). Good coverage for common outcomes, where
    the conditional interval is far too wide.
    """
    rr = (a / n) / (c / m)

    def score(x, rows):
        return _mn_score(np.exp(x), a[rows], n[rows], c[rows], m[rows])

    # Guesses: the Katz (log) limits, in steps of a fifth of their half-width.
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.maximum(1 / a - 1 / n + 1 / c - 1 / m, 0.0))
        centre = np.log(rr)
        below, above = centre - half, centre + half   # NaN (no guess) without events
    step = np.where(np.isfinite(half) & (half > 0), half / 5, 1.0)
    low = np.where(a == 0, 0.0, np.exp(_decreasing_root(
        score, z, np.flatnonzero(a > 0), a.size, below, step)))
    high = np.where(c == 0, np.nan, np.exp(_decreasing_root(
        score, -z, np.flatnonzero(c > 0), a.size, above, step)))
    p = 2 * special.ndtr(-np.abs(_mn_score(np.ones(a.size), a, n, c, m)))
    return rr, low, high, np.minimum(p, 1.0)


def _pi_to_theta(pi, n, m):
    """theta = pi*m / (n*(1 - pi)); pi == 1 (only when c == 0) gives NaN, not inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pi < 1, pi * m / (n * (1 - pi)), np.nan)


def _newcombe(a, n, c, m, level):
    """Newcombe's hybrid score interval (method 10) for a/n - c/m (proportions)."""
    p1, p2 = a / n, c / m
    l1, u1 = _wilson(a, n, level)
    l2, u2 = _wilson(c, m, level)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi
