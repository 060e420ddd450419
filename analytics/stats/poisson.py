"""Model-based adjusted rate ratios: Poisson regression with robust (sandwich) errors.

The outcome of each child-year is modelled as

    log P(outcome) = intercept + group effect + effects of the chosen characteristics

(a log-linear, "modified Poisson" model: Zou 2004). exp(group effect) is the group's rate
ratio against the base group *among children with the same characteristics*: an
association, not a cause.

Point estimates come from the counts alone: a Poisson model on grouped counts (events and
children per cell of the terms) with log(children) as offset has the same likelihood
equations as the model on individual children, so the estimates are identical. The
errors are robust, because a binary outcome is not Poisson:

    cov = A^-1 M A^-1,  A = X' diag(n lambda) X  (the information),  M = sum_c s_c s_c'

where s_c is the score of cluster c. When every child counts once, a child is its own
cluster and M comes from the counts too: a cell with a events among n children at fitted
rate lambda contributes x x' [a (1 - lambda)^2 + (n - a) lambda^2]. When years are pooled a
child counts once a year, so the scores are summed per child (units: one row per child and
cell, aggregated in the database) and the cluster-robust M is used, with the small-sample
factor G/(G - 1) x (N - 1)/(N - p) of statsmodels (G children, N child-years, p parameters).

A level of a term with no events has an estimate of minus infinity; its cells are dropped,
which is the exact limit for every other estimate, and the level is reported as dropped.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtr
from threadpoolctl import threadpool_limits

from analytics.stats.rates import z_value
from analytics.stats.validation import validate_counts

__all__ = ["PoissonFit", "fit_poisson", "split_units"]

#: Largest absolute coefficient accepted as converged (a rate ratio of e^15).
MAX_COEFFICIENT = 15.0


@dataclass
class PoissonFit:
    """A fitted model: parameter names, estimates and robust covariance, the levels of each
    term kept (the first is the base) and dropped (no events), and the fitted cells."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    levels: dict[str, list]
    dropped: dict[str, list]
    cells: pd.DataFrame
    clusters: int
    cluster_robust: bool
    converged: bool
    notes: list[str] = field(default_factory=list)

    def index(self, term: str, level) -> int | None:
        """Position of a level's parameter; None for the base level."""
        if level == self.levels[term][0]:
            return None
        return self.names.index(_name(term, level))

    def contrast(self, term: str, level, base) -> tuple[float, float] | None:
        """(log rate ratio, standard error) of `level` against `base` of `term`, or None
        when either level was dropped or is absent."""
        kept = self.levels.get(term, [])
        if level not in kept or base not in kept:
            return None
        i, j = self.index(term, level), self.index(term, base)
        est = (self.params[i] if i is not None else 0.0) - (self.params[j] if j is not None else 0.0)
        var = ((self.cov[i, i] if i is not None else 0.0) + (self.cov[j, j] if j is not None else 0.0)
               - 2 * (self.cov[i, j] if i is not None and j is not None else 0.0))
        return float(est), float(np.sqrt(max(var, 0.0)))

    def ratio(self, term: str, level, base, level_ci: float = 0.95) -> dict | None:
        """Rate ratio of `level` against `base` with its Wald interval and p-value."""
        got = self.contrast(term, level, base)
        if got is None:
            return None
        est, se = got
        z = z_value(level_ci)
        p = 2 * (1 - ndtr(abs(est) / se)) if se > 0 else (1.0 if est == 0 else 0.0)
        return {"ratio": float(np.exp(est)), "ci_low": float(np.exp(est - z * se)),
                "ci_high": float(np.exp(est + z * se)), "p_value": float(p), "log_se": se}


def _name(term: str, level) -> str:
    return f"{term}[{level}]"


def _drop_empty_levels(cells: pd.DataFrame, terms: list[str]) -> tuple[pd.DataFrame, dict]:
    """Remove, until none is left, the cells of any term level with no events."""
    dropped: dict[str, list] = {t: [] for t in terms}
    while True:
        changed = False
        for t in terms:
            events = cells.groupby(t, sort=False, observed=True)["events"].sum()
            empty = list(events.index[events.to_numpy() == 0])
            if empty and len(empty) < len(events):
                dropped[t] += empty
                cells = cells[~cells[t].isin(empty)]
                changed = True
            elif empty:                      # no events at all: nothing can be estimated
                raise ValueError("no events in the data: a rate ratio cannot be estimated")
        if not changed:
            return cells.reset_index(drop=True), dropped


def _design(cells: pd.DataFrame, terms: list[str], base: dict) -> tuple[np.ndarray, list, dict]:
    names, columns, levels = ["Intercept"], [np.ones(len(cells))], {}
    for t in terms:
        present = cells.groupby(t, sort=False, observed=True)["population"].sum()
        first = base.get(t)
        if first is None or first not in present.index:
            first = present.idxmax()
        order = [first] + [v for v in sorted(present.index, key=str) if v != first]
        levels[t] = order
        values = cells[t].to_numpy()
        for v in order[1:]:
            names.append(_name(t, v))
            columns.append((values == v).astype(float))
    return np.column_stack(columns), names, levels


def split_units(units: pd.DataFrame, terms, cluster: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cells, children) for `fit_poisson` from rows holding the terms, a cluster column,
    `events` and `population` (e.g. one row per child and year)."""
    terms = [terms] if isinstance(terms, str) else list(terms)
    rows = units[terms + [cluster, "events", "population"]]
    cell = rows.groupby(terms, sort=True, observed=True).ngroup().to_numpy()
    children = pd.DataFrame({"cluster": rows[cluster].to_numpy(), "cell": cell,
                             "events": rows["events"].to_numpy(),
                             "population": rows["population"].to_numpy()})
    cells = (rows.assign(cell=cell).groupby(terms + ["cell"], sort=True, observed=True)
             [["events", "population"]].sum().reset_index())
    return cells, children


def fit_poisson(cells: pd.DataFrame, terms, *, base: dict | None = None,
                children: pd.DataFrame | None = None) -> PoissonFit:
    """See `_fit`. The model's matrices are small (cells by parameters), so BLAS runs on one
    thread: on a busy machine, multi-threaded BLAS on small matrices is many times slower."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(cells, terms, base=base, children=children)


def _fit(cells: pd.DataFrame, terms, *, base: dict | None = None,
         children: pd.DataFrame | None = None) -> PoissonFit:
    """Fit the log-linear model of `events` per `population` on the categorical `terms`.

    `cells`: one row per combination of the terms with `events` and `population`
    (children or child-years with the outcome, and in all): a counts table. Without
    `children` every child-year is taken as independent (right when each child counts
    once). `children`: one row per child and cell (`cluster`, `cell`, `events`,
    `population`), where `cell` is the value of `cells["cell"]`: the per-child counts
    that make the errors robust to a child counting in several years. `base`:
    {term: base level}; default the level with the most children.
    """
    terms = [terms] if isinstance(terms, str) else list(terms)
    if not terms:
        raise ValueError("terms must name at least one column")
    extra = ["cell"] if children is not None else []
    cells = validate_counts(cells[terms + extra + ["events", "population"]], terms)
    cells = cells[cells["population"] > 0]
    cells, dropped = _drop_empty_levels(cells, terms)
    X, names, levels = _design(cells, terms, dict(base or {}))
    if np.linalg.matrix_rank(X.T @ X) < X.shape[1]:      # (the small Gram matrix: quick)
        raise ValueError(f"the terms {terms} overlap (one is determined by the others); "
                         "choose characteristics that are not part of the groups")
    y = cells["events"].to_numpy(float)
    n = cells["population"].to_numpy(float)
    # statsmodels takes seconds to import: only the views that fit a model pay for it.
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationWarning,
    )
    model = GLM(y, X, family=Poisson(), offset=np.log(n))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # A saturated model (cells = parameters) fits every cell exactly, which IRLS reports
        # as "perfect separation" and a division by zero residual degrees of freedom; levels
        # with no events are dropped above and convergence is checked below instead.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        result = model.fit(maxiter=100, tol=1e-10)
    beta = np.asarray(result.params, dtype=float)
    converged = bool(result.converged) and bool(np.all(np.abs(beta[1:]) < MAX_COEFFICIENT))
    lam = np.exp(X @ beta)
    info = X.T @ (X * (n * lam)[:, None])
    bread = np.linalg.inv(info)

    if children is None:
        w = y * (1 - lam) ** 2 + (n - y) * lam ** 2
        meat = X.T @ (X * w[:, None])
        clusters = int(n.sum())
    else:
        meat, clusters = _cluster_meat(children, cells, X, lam)
    cov = bread @ meat @ bread
    cells = cells.assign(fitted=n * lam)
    notes = [f"{t}: {', '.join(map(str, v))} had no events and could not be estimated"
             for t, v in dropped.items() if v]
    return PoissonFit(names=names, params=beta, cov=cov, levels=levels, dropped=dropped,
                      cells=cells, clusters=clusters, cluster_robust=children is not None,
                      converged=converged, notes=notes)


def _cluster_meat(children: pd.DataFrame, cells: pd.DataFrame, X: np.ndarray,
                  lam: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum over children of their score outer products, with statsmodels' small-sample
    factor. Each row's residual goes to its (child, cell); a child's score is R @ X."""
    rows = children[["cluster", "cell", "events", "population"]].assign(_row=np.arange(len(children)))
    rows = validate_counts(rows, ["_row"])
    pos = pd.Index(cells["cell"]).get_indexer(rows["cell"])
    rows, pos = rows[pos >= 0], pos[pos >= 0]        # cells of dropped levels: no residual
    check = np.bincount(pos, weights=rows["population"].to_numpy(float), minlength=len(cells))
    if not np.array_equal(check, cells["population"].to_numpy(float)):
        raise ValueError("children's counts do not add up to the cells' counts")
    cid, uniques = pd.factorize(rows["cluster"])
    resid = rows["events"].to_numpy(float) - rows["population"].to_numpy(float) * lam[pos]
    R = sp.csr_matrix((resid, (cid, pos)), shape=(len(uniques), len(cells)))
    S = np.asarray(R @ X)
    G, N, p = len(uniques), float(rows["population"].sum()), X.shape[1]
    factor = (G / (G - 1)) * ((N - 1) / (N - p)) if G > 1 and N > p else 1.0
    return factor * (S.T @ S), G
