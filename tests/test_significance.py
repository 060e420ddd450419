"""Holm and Benjamini-Hochberg against hand-worked examples and scipy."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from analytics.stats.significance import adjust_families, adjust_pvalues


def _f(x):
    return np.asarray(x, dtype=float)


def _naive_holm(p):
    """Textbook definition, written as loops: p~_(i) = max_{j<=i} min(1, (m-j+1) p_(j))."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    for rank, i in enumerate(order, start=1):
        out[i] = max(min(1.0, (m - j + 1) * p[order[j - 1]]) for j in range(1, rank + 1))
    return out


def test_holm_hand_worked():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    p = [0.01, 0.04, 0.03, 0.005]
    assert _f(adjust_pvalues(p, "holm")) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_bh_hand_worked():
    # sorted: 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04
    # running min from the top leaves them unchanged
    p = [0.01, 0.04, 0.03, 0.005]
    assert _f(adjust_pvalues(p, "bh")) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_bh_step_up_takes_minimum_from_above():
    # sorted: 0.01*3/1 = 0.03, 0.04*3/2 = 0.06, 0.045*3/3 = 0.045 -> second becomes 0.045
    assert _f(adjust_pvalues([0.04, 0.01, 0.045], "bh")) == pytest.approx([0.045, 0.03, 0.045])


def test_capped_at_one_and_none_is_identity():
    assert _f(adjust_pvalues([0.5, 0.6], "holm")) == pytest.approx([1.0, 1.0])
    assert _f(adjust_pvalues([0.5, 0.6], "none")) == pytest.approx([0.5, 0.6])


def test_missing_pvalues_are_not_in_the_family():
    out = adjust_pvalues(pd.array([0.01, pd.NA, 0.04], dtype="Float64"), "holm")
    assert out.isna().tolist() == [False, True, False]
    assert _f(out[[0, 2]]) == pytest.approx([0.02, 0.04])  # m = 2, not 3
    assert adjust_pvalues([np.nan, np.nan], "bh").isna().all()
    assert len(adjust_pvalues([], "holm")) == 0


@pytest.mark.parametrize("seed", range(5))
def test_against_scipy_and_naive(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, 15), rng.uniform(0, 0.01, 5), [0.02, 0.02]])
    assert _f(adjust_pvalues(p, "bh")) == pytest.approx(false_discovery_control(p, method="bh"),
                                                        rel=1e-12)
    assert _f(adjust_pvalues(p, "holm")) == pytest.approx(_naive_holm(list(p)), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_many_families_at_once_equal_each_alone(seed):
    """The vectorised adjustment of interleaved families (as the RRI matrix has one per
    outcome and period) equals scipy's BH and the loop-written Holm on each family alone."""
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0, 0.2, 300), 3)      # rounded: ties within families
    p[rng.uniform(size=300) < 0.1] = np.nan        # missing: in no family
    families = rng.choice(["a", "b", "c", "d", "e", "f", "g"], size=300)
    holm = adjust_families(p, families, "holm")
    bh = adjust_families(p, families, "bh")
    assert np.isnan(holm).tolist() == np.isnan(p).tolist()
    for family in np.unique(families):
        rows = np.flatnonzero((families == family) & ~np.isnan(p))
        assert holm[rows] == pytest.approx(_naive_holm(list(p[rows])), rel=1e-15)
        assert bh[rows] == pytest.approx(false_discovery_control(p[rows], method="bh"),
                                         rel=1e-12)
    assert np.array_equal(adjust_families(p, families, "none"), p, equal_nan=True)


def test_invalid_input():
    with pytest.raises(ValueError, match="adjust"):
        adjust_pvalues([0.1], "bonferroni")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([1.2], "holm")
