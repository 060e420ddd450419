"""The perturbation table of the cell-key method, and the method that makes it.

For each original count ``i`` (rows 0 to ``i_max``; larger counts use the ``i_max`` row's
perturbations), a distribution over published counts ``j`` that

* keeps zero at zero (row 0 publishes 0 only);
* never publishes 1 to ``js`` (``js = 2``: no 1 or 2 is ever published);
* moves a count by at most ``D``;
* is unbiased: the expected published count is exactly ``i``;
* has variance ``V`` (the documented precision cost);
* has maximum entropy among such distributions (the sdcTools ``ptable`` approach: as little
  structure as possible for an attacker to exploit).

Probabilities are whole multiples of 1/``key_space`` so that a cell key in
``0 .. key_space-1`` selects the published count exactly, with the mean held at exactly ``i``
(a small integer programme, scipy's ``milp``). Regenerate with
``python -m analytics.protect.ptable``; a test checks that the shipped file equals a fresh run.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from analytics import ROOT

PTABLE_FILE = ROOT / "data" / "reference" / "ptable.csv"


@dataclass(frozen=True)
class PTableSpec:
    """The parameters the shipped table was made with (docs/disclosure_control.md)."""

    max_change: int = 4          # D
    variance: float = 2.25       # V: standard deviation 1.5
    js: int = 2                  # counts 1..js are never published
    key_space: int = 256         # cell keys 0..255

    @property
    def i_max(self) -> int:
        """The first count whose support is symmetric and clear of 1..js."""
        return self.max_change + self.js + 1


SPEC = PTableSpec()


def _support(i: int, spec: PTableSpec) -> np.ndarray:
    j = np.arange(max(i - spec.max_change, 0), i + spec.max_change + 1)
    return j[(j == 0) | (j > spec.js)]


def _max_entropy(j: np.ndarray, i: int, variance: float) -> np.ndarray:
    """p over j maximising entropy with mean i and variance `variance`: p ∝ exp(a v + b v²)."""
    v = (j - i).astype(float)

    def moments(lam):
        w = lam[0] * v + lam[1] * v ** 2
        p = np.exp(w - w.max())
        p /= p.sum()
        return np.array([p @ v, p @ v ** 2 - variance]), p

    sol = optimize.root(lambda lam: moments(lam)[0], x0=[0.0, -0.2], method="hybr")
    err, p = moments(sol.x)
    if not sol.success or np.abs(err).max() > 1e-9:
        raise ValueError(f"no maximum-entropy distribution for count {i} with variance {variance}")
    return p


def _whole_keys(p: np.ndarray, j: np.ndarray, i: int, key_space: int) -> np.ndarray:
    """Key counts c (whole numbers summing to key_space) closest to key_space*p in L1 with
    sum(c * (j - i)) == 0 exactly."""
    k = len(p)
    target = key_space * p
    # variables: c (k, integer), d (k, |c - target|); minimise sum d
    cost = np.r_[np.zeros(k), np.ones(k)]
    eye = np.eye(k)
    constraints = [
        optimize.LinearConstraint(np.c_[np.ones((1, k)), np.zeros((1, k))], key_space, key_space),
        optimize.LinearConstraint(np.c_[(j - i)[None, :], np.zeros((1, k))], 0, 0),
        optimize.LinearConstraint(np.c_[eye, -eye], -np.inf, target),    # c - d <= t
        optimize.LinearConstraint(np.c_[eye, eye], target, np.inf),      # c + d >= t
    ]
    res = optimize.milp(cost, constraints=constraints,
                        integrality=np.r_[np.ones(k), np.zeros(k)],
                        bounds=optimize.Bounds(np.zeros(2 * k), np.r_[np.full(k, key_space),
                                                                      np.full(k, np.inf)]))
    if not res.success:
        raise ValueError(f"cannot quantise the row for count {i}")
    return np.round(res.x[:k]).astype(int)


def make_ptable(spec: PTableSpec = SPEC) -> pd.DataFrame:
    """The perturbation table: columns i, j, p, key_lo, key_hi (keys key_lo..key_hi-1 publish
    j for an original count i); rows with p == 0 are left out."""
    rows = []
    for i in range(spec.i_max + 1):
        j = _support(i, spec)
        if i == 0:
            c = np.array([spec.key_space])
        else:
            c = _whole_keys(_max_entropy(j, i, spec.variance), j, i, spec.key_space)
        hi = np.cumsum(c)
        for jj, cc, h in zip(j, c, hi):
            if cc:
                rows.append({"i": i, "j": int(jj), "p": cc / spec.key_space,
                             "key_lo": int(h - cc), "key_hi": int(h)})
    return pd.DataFrame(rows)


def write(path=PTABLE_FILE, spec: PTableSpec = SPEC) -> pd.DataFrame:
    table = make_ptable(spec)
    header = (f"# Perturbation table of the cell-key method, made by analytics/protect/ptable.py "
              f"(maximum entropy; D={spec.max_change}, V={spec.variance}, js={spec.js}, "
              f"key space {spec.key_space}).\n"
              f"# Row i applies to an original count i; counts above {spec.i_max} use row "
              f"{spec.i_max}'s change j - {spec.i_max}. Cell keys key_lo..key_hi-1 publish j.\n")
    path.write_text(header + table.to_csv(index=False))
    return table


def load(path=PTABLE_FILE) -> pd.DataFrame:
    return pd.read_csv(path, comment="#")


if __name__ == "__main__":
    print(write())
