"""Generic attacks on any published table, as an outsider would make them.

Each attack takes what an output publishes in protected mode and tries to work out the true
count of each row (known from the same output in the secure setting). Two classes:

* **exact** attacks compute a figure that, if the protection leaked, *is* the count: the
  row's own published count, every product and ratio of two published numeric columns (with
  and without the outcome's unit), the numbers inside the row's texts, and the same cell in
  another output. A recovery is an estimate within 1e-6 of the true count: a computation
  that gives the count back, not a lucky guess. An estimate counts as an attack only if an
  attacker could trust it: when it reads as a small count (a whole 1 to 4), it is right at
  least half the time (a p-value capped at 1, say, reads "1" for every kind of row and is
  no attack), over at least 5 such readings. The row's own published count is always an
attack. Pass: no true 1 or 2 is ever recovered, and no attack recovers more small
  counts (1 to 4) than a blind guess (25%).
* **statistical** attacks average every published decomposition of the same children (the
  cell split by a characteristic and summed, the slice total minus the other rows) and round.
  Averages of perturbed integers hit small counts by chance, so the pass is the blind-guess
  rate: no more than 25% of small counts recovered.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

BLIND_GUESS = 0.25
EXACT = 1e-6
MIN_CLAIMS = 5
#: Attacks whose figure is a published count as it stands: no reading to trust.
ALWAYS_TRUSTED = ("own count", "average")
UNITS = (1, 100, 1000, 10000)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass
class Tally:
    """Small true counts (1 to 4) targeted, recovered exactly, and 1s and 2s recovered."""

    targets: int = 0
    hits: int = 0
    small_hits: int = 0
    claims: int = 0            # rows where the estimate reads as a whole 1 to 4
    right_claims: int = 0      # ... and is the true count

    def add(self, truth: np.ndarray, hit: np.ndarray, claim: np.ndarray | None = None) -> None:
        small = (truth >= 1) & (truth <= 4)
        self.targets += int(small.sum())
        self.hits += int((hit & small).sum())
        self.small_hits += int((hit & ((truth == 1) | (truth == 2))).sum())
        if claim is not None:
            self.claims += int(claim.sum())
            self.right_claims += int((claim & hit).sum())

    @property
    def trusted(self) -> bool:
        """Right at least half the time it reads as a small count, over at least
        MIN_CLAIMS claims (one coincidence is no method)."""
        return self.claims >= MIN_CLAIMS and self.right_claims >= 0.5 * self.claims

    @property
    def rate(self) -> float:
        return self.hits / self.targets if self.targets else 0.0


def numeric_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]


def _values(table: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(table[col], errors="coerce").astype("Float64").to_numpy(
        dtype=float, na_value=np.nan)


def exact_estimates(table: pd.DataFrame, skip=()) -> dict[str, np.ndarray]:
    """Every single column, product and ratio of two numeric columns, times or over each
    unit: the estimates an outsider would try (name -> per-row values)."""
    cols = [c for c in numeric_columns(table) if c not in skip]
    values = {c: _values(table, c) for c in cols}
    out = {}
    with np.errstate(all="ignore"):
        for c in cols:
            for u in UNITS:
                out[f"{c} x {u}"] = values[c] * u
                out[f"{c} / {u}"] = values[c] / u
        for x, y in itertools.permutations(cols, 2):
            for u in UNITS:
                out[f"{x} x {y} / {u}"] = values[x] * values[y] / u
                out[f"{x} / {y} x {u}"] = values[x] / values[y] * u
    return out


def text_estimates(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each number position inside each text column (the k-th number of the text)."""
    out = {}
    for col in table.columns:
        if pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col]):
            continue
        texts = table[col].astype("string").fillna("").to_numpy(dtype=object)
        found = [[float(n.replace(",", "")) for n in _NUMBER.findall(str(t))] for t in texts]
        longest = max((len(f) for f in found), default=0)
        for k in range(min(longest, 12)):
            out[f"{col} number {k + 1}"] = np.array([f[k] if len(f) > k else np.nan
                                                     for f in found])
    return out


class Board:
    """Tallies of every (output, attack, estimate) over every table attacked; an output's
    figure for an attack is its worst estimate's (what an attacker who knew which estimate
    to use would get)."""

    def __init__(self):
        self.tallies: dict[tuple[str, str, str], Tally] = {}
        self.public: set[str] = set()        # outputs of another body's published figures

    def exact(self, output: str, attack: str, truth: np.ndarray,
              estimates: dict[str, np.ndarray]) -> None:
        ok = np.isfinite(truth)
        for name, est in estimates.items():
            found = ok & np.isfinite(est)
            hit = found & (np.abs(est - truth) <= EXACT)
            whole = np.round(est)
            claim = found & (np.abs(est - whole) <= EXACT) & (whole >= 1) & (whole <= 4)
            self.tallies.setdefault((output, attack, name), Tally()).add(
                truth[ok], hit[ok], claim[ok])

    def rounded(self, output: str, attack: str, truth: np.ndarray, estimate: np.ndarray) -> None:
        ok = np.isfinite(truth) & np.isfinite(estimate)
        hit = np.round(np.clip(estimate[ok], 0, None)) == truth[ok]
        self.tallies.setdefault((output, attack, "average"), Tally()).add(truth[ok], hit)

    def worst(self) -> pd.DataFrame:
        """Per output and attack: the worst estimate's targets, recoveries and 1s and 2s."""
        rows = []
        for (o, a, e), t in self.tallies.items():
            used = t.trusted or a in ALWAYS_TRUSTED or e in ALWAYS_TRUSTED
            rows.append(dict(output=o, attack=a, estimate=e, targets=t.targets,
                             recovered=t.hits if used else 0,
                             ones_and_twos=t.small_hits if used else 0,
                             rate=t.rate if used else 0.0))
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        frame = frame.sort_values(["ones_and_twos", "rate"], ascending=False)
        return frame.drop_duplicates(["output", "attack"]).sort_values(["output", "attack"],
                                                                      ignore_index=True)


