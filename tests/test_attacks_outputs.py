"""Every declared output attacked generically (tests/attacks.py), on two boroughs: the
session's and one built with a seed no other test uses.

Prints, per output and attack, how many small true counts (1 to 4) the worst estimate
recovers exactly. Pass: no exact attack recovers a true 1 or 2, and no attack of any kind
recovers more small counts than a blind guess (25%)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.db import connect
from analytics.data.synthetic import build
from analytics.protect import gate
from analytics.views.tables import Options
from tests import attack_runners
from tests.attacks import BLIND_GUESS, Board, exact_estimates, text_estimates

PROTECTED = Options(comparison="overall", adjust="holm")
SECURE = Options(comparison="overall", adjust="holm", suppress=0)
UNSEEN_SEED = 29


@pytest.fixture(scope="module")
def boroughs(borough_db, tmp_path_factory):
    other = tmp_path_factory.mktemp("attack-outputs") / f"seed{UNSEEN_SEED}.duckdb"
    build(other, scale=1, seed=UNSEEN_SEED)
    return [borough_db, other]


def _keys(table: pd.DataFrame, name: str) -> list[str]:
    """The label columns of a table (declared keys): what identifies a row in both settings."""
    spec = gate.declared(name)
    return [c for c in table.columns if spec.kind(c) == "key"]


def _pair(protected: pd.DataFrame, secure: pd.DataFrame, name: str, target: str) -> pd.DataFrame:
    keys = _keys(protected, name)
    truth = secure[keys + [target]].rename(columns={target: "__truth"})
    return protected.merge(truth, on=keys, how="inner")


@pytest.fixture(scope="module")
def board(boroughs):
    board = Board()
    for path in boroughs:
        with connect(path) as con:
            for name in attack_runners.RUNNERS:
                prot = attack_runners.tables(name, con, PROTECTED)
                sec = attack_runners.tables(name, con, SECURE)
                for (p, target), (s, _) in zip(prot, sec):
                    joined = _pair(p, s, name, target)
                    truth = pd.to_numeric(joined.pop("__truth"), errors="coerce").to_numpy(
                        dtype=float, na_value=np.nan)
                    board.exact(name, "own count", truth,
                                {target: pd.to_numeric(joined[target], errors="coerce")
                                 .to_numpy(dtype=float, na_value=np.nan)})
                    board.exact(name, "products and ratios", truth, exact_estimates(joined))
                    board.exact(name, "numbers in texts", truth, text_estimates(joined))
    return board


def test_every_declared_output_is_attacked():
    missing = sorted(set(gate.declarations()) - set(attack_runners.RUNNERS))
    assert missing == [], f"declared outputs without an attack runner: {missing}"


def test_no_output_gives_back_small_counts(board):
    worst = board.worst()
    print("\nAttack recovery per output (worst estimate; blind guess among 1-4: 25%)")
    for r in worst.itertuples():
        print(f"{r.output:14s} {r.attack:22s} {r.recovered:5d} of {r.targets:5d} small counts "
              f"({r.rate:6.1%}), 1s and 2s: {r.ones_and_twos:4d}   [{r.estimate}]")
    bad = worst[(worst["ones_and_twos"] > 0) | (worst["rate"] > BLIND_GUESS)]
    assert bad.empty, bad.to_string()
