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
                    if p.attrs.get("protection") == "published":
                        board.public.add(name)       # another body's published figures
                        continue
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
    for name in sorted(board.public):
        print(f"{name:14s} published statistics of another body, shown as published: not attacked")
    bad = worst[(worst["ones_and_twos"] > 0) | (worst["rate"] > BLIND_GUESS)]
    assert bad.empty, bad.to_string()


#: Characteristics a cell is split by and summed back, in the decomposition attack: each
#: alone, and each pair of them (every further route adds independent noise to average).
SINGLE = ["fsm_status", "sen_status", "care_status", "age_band", "school"]
SPLITS = [[c] for c in SINGLE] + [[a, b] for i, a in enumerate(SINGLE[:4]) for b in SINGLE[i + 1:4]]


def _events(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    return pd.to_numeric(table.set_index(keys)["events"], errors="coerce").astype("Float64")


def _decompositions(con, outcome: str, periods: list[str]) -> tuple[pd.Series, pd.Series, int]:
    """(truth, average of every published route to each ethnicity-by-sex cell, routes)."""
    from analytics.views.tables import rri_for_outcome
    view = lambda by, ps=periods, o=PROTECTED: rri_for_outcome(con, outcome, by, ps, options=o)  # noqa: E731
    keys = ["ethnicity_minor", "sex"]
    truth = _events(view(keys, o=SECURE), keys)
    routes = [_events(view(keys), keys)]
    for split in SPLITS:
        part = view(keys + split)
        routes.append(pd.to_numeric(part["events"], errors="coerce").astype("Float64")
                      .groupby([part["ethnicity_minor"], part["sex"]]).sum(skipna=False))
    # the group minus its complement: the minor group (both sexes) minus the other sex
    minor = _events(view(["ethnicity_minor"]), ["ethnicity_minor"])
    cell = routes[0].reset_index()
    other = cell.assign(sex=cell["sex"].map({"Female": "Male", "Male": "Female"}))
    other_events = routes[0].reindex(pd.MultiIndex.from_frame(other[keys])).to_numpy()
    routes.append(pd.Series(minor.reindex(cell["ethnicity_minor"]).to_numpy() - other_events,
                            index=routes[0].index))
    if len(periods) > 1:                       # a pooled window: the sum of its single years
        years = [_events(view(keys, [p]), keys) for p in periods]
        routes.append(sum(y.reindex(routes[0].index) for y in years))
    stack = pd.concat([r.reindex(routes[0].index) for r in routes], axis=1).astype(float)
    return truth.reindex(routes[0].index), stack.mean(axis=1, skipna=True), len(routes)


@pytest.fixture(scope="module")
def averaged(boroughs):
    board = Board()
    routes = 0
    for path in boroughs:
        with connect(path) as con:
            from analytics.data.db import periods as all_periods
            years = all_periods(con)
            for outcome in attack_runners.OUTCOMES:
                for window in (years[-1:], years[-3:]):
                    truth, estimate, routes = _decompositions(con, outcome, window)
                    board.rounded("rri", "average of decompositions",
                                  truth.to_numpy(dtype=float, na_value=np.nan),
                                  estimate.to_numpy(dtype=float, na_value=np.nan))
    return board, routes


def test_averaging_every_decomposition_does_no_better_than_a_guess(averaged):
    board, routes = averaged
    worst = board.worst()
    for r in worst.itertuples():
        print(f"\n{r.output}: {r.attack} ({routes} routes to each cell): {r.recovered} of "
              f"{r.targets} small counts ({r.rate:.1%}), 1s and 2s: {r.ones_and_twos}")
    assert (worst["targets"] >= 100).all()
    assert (worst["rate"] <= BLIND_GUESS).all(), worst.to_string()
