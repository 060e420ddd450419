"""The adjusted rate ratio (analytics.stats.poisson) fitted on grouped counts equals
statsmodels' Poisson GLM fitted on individual child-years, estimates and robust errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.stats.poisson import fit_poisson, split_units


def _children(seed=1, n_children=1500, years=3):
    """Child-years with a group, FSM that changes from year to year, and an outcome that
    persists within a child (so clustering matters)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], size=n_children, p=[0.6, 0.25, 0.15])
    frailty = rng.normal(0, 0.8, n_children)
    rows = []
    for year in range(years):
        fsm = rng.random(n_children) < np.where(group == "A", 0.2, 0.5)
        lp = (-2.5 + np.select([group == "B", group == "C"], [0.5, 0.9], 0.0) + 0.7 * fsm
              + 0.2 * year + frailty)
        rows.append(pd.DataFrame({"child": np.arange(n_children), "group": group,
                                  "fsm": np.where(fsm, "FSM", "not FSM"), "year": str(year),
                                  "y": (rng.random(n_children) < np.exp(lp).clip(max=1)).astype(int)}))
    return pd.concat(rows, ignore_index=True)


def _design(rows):
    """The same treatment coding as fit_poisson (base: the most populous level)."""
    X = pd.DataFrame({"Intercept": 1.0,
                      "group[B]": (rows["group"] == "B").astype(float),
                      "group[C]": (rows["group"] == "C").astype(float),
                      "fsm[FSM]": (rows["fsm"] == "FSM").astype(float)})
    for y in sorted(rows["year"].unique())[1:]:
        X[f"year[{y}]"] = (rows["year"] == y).astype(float)
    return X


def _cells(rows, terms=("group", "fsm", "year")):
    return rows.groupby(list(terms), as_index=False).agg(events=("y", "sum"),
                                                         population=("y", "size"))


def _clustered(rows, terms=("group", "fsm", "year")):
    """Cells and per-child counts (one row per child and cell) for a cluster-robust fit."""
    return split_units(rows.assign(events=rows["y"], population=1), list(terms), "child")


def test_grouped_fit_equals_child_level_glm_with_cluster_robust_errors():
    rows = _children()
    cells, children = _clustered(rows)
    fit = fit_poisson(cells, ["group", "fsm", "year"], children=children,
                      base={"fsm": "not FSM", "year": "0"})
    X = _design(rows)
    ref = sm.GLM(rows["y"], X, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": rows["child"].to_numpy()})
    assert fit.names == list(X.columns)
    assert fit.params == pytest.approx(ref.params.to_numpy(), rel=1e-7, abs=1e-9)
    assert np.sqrt(np.diag(fit.cov)) == pytest.approx(ref.bse.to_numpy(), rel=1e-6)
    assert fit.clusters == rows["child"].nunique() and fit.converged


def test_one_row_per_child_gives_hc0_from_counts_alone():
    rows = _children(seed=2, years=1)
    fit = fit_poisson(_cells(rows, ["group", "fsm"]), ["group", "fsm"], base={"fsm": "not FSM"})
    X = _design(rows)
    ref = sm.GLM(rows["y"], X, family=sm.families.Poisson()).fit(cov_type="HC0")
    assert fit.params == pytest.approx(ref.params.to_numpy(), rel=1e-7, abs=1e-9)
    assert np.sqrt(np.diag(fit.cov)) == pytest.approx(ref.bse.to_numpy(), rel=1e-7)


def test_ratio_contrast_between_two_non_base_levels():
    rows = _children(seed=3)
    cells, children = _clustered(rows)
    fit = fit_poisson(cells, ["group", "fsm", "year"], children=children, base={"group": "A"})
    c_vs_b = fit.ratio("group", "C", "B")
    i, j = fit.names.index("group[C]"), fit.names.index("group[B]")
    est = fit.params[i] - fit.params[j]
    se = np.sqrt(fit.cov[i, i] + fit.cov[j, j] - 2 * fit.cov[i, j])
    assert c_vs_b["ratio"] == pytest.approx(np.exp(est))
    assert c_vs_b["ci_low"] == pytest.approx(np.exp(est - 1.959964 * se), rel=1e-6)
    assert fit.ratio("group", "A", "A")["ratio"] == 1.0


def test_without_characteristics_the_ratio_is_the_crude_rate_ratio():
    rows = _children(seed=4, years=1)
    fit = fit_poisson(_cells(rows, ["group"]), ["group"], base={"group": "A"})
    rate = rows.groupby("group")["y"].mean()
    assert fit.ratio("group", "B", "A")["ratio"] == pytest.approx(rate["B"] / rate["A"])


def test_a_level_with_no_events_is_dropped_exactly():
    rows = _children(seed=5, years=1)
    extra = pd.DataFrame({"child": 10_000 + np.arange(40), "group": "D", "fsm": "FSM",
                          "year": "0", "y": 0})
    both = pd.concat([rows, extra], ignore_index=True)
    with_empty = fit_poisson(_cells(both, ["group", "fsm"]), ["group", "fsm"])
    without = fit_poisson(_cells(rows, ["group", "fsm"]), ["group", "fsm"])
    cells, children = _clustered(both, ["group", "fsm"])
    clustered = fit_poisson(cells, ["group", "fsm"], children=children)
    assert clustered.params == pytest.approx(without.params)
    assert with_empty.dropped["group"] == ["D"]
    assert with_empty.ratio("group", "D", "A") is None
    assert with_empty.params == pytest.approx(without.params)
    assert "no events" in with_empty.notes[0]


def test_overlapping_terms_are_refused():
    rows = _children(seed=6, years=1)
    rows["copy"] = rows["group"]
    with pytest.raises(ValueError, match="overlap"):
        fit_poisson(_cells(rows, ["group", "copy"]), ["group", "copy"])


def test_children_must_add_up_to_the_cells():
    rows = _children(seed=7, years=2)
    cells, children = _clustered(rows)
    with pytest.raises(ValueError, match="add up"):
        fit_poisson(cells, ["group", "fsm", "year"], children=children.iloc[1:])
