"""The cell-key method: the perturbation table's stated properties, the keys from SQL, and
the same children giving the same published number everywhere."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import protect
from analytics.data.counts import counts, outcome_counts, population
from analytics.data.db import periods
from analytics.protect import cellkey
from analytics.protect import ptable as pt
from analytics.views.tables import Options, rri_for_outcome, rri_matrix

KEYS = np.arange(256)


def test_shipped_table_is_what_the_method_makes():
    shipped = pt.load()
    fresh = pt.make_ptable()
    pd.testing.assert_frame_equal(shipped, fresh, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("i", range(0, 8))
def test_each_row_is_unbiased_bounded_and_never_one_or_two(i):
    row = pt.load().query("i == @i")
    assert row["p"].sum() == pytest.approx(1.0, abs=1e-12)
    # whole numbers of keys, contiguous, covering 0..255
    assert row["key_lo"].iloc[0] == 0 and row["key_hi"].iloc[-1] == 256
    assert (row["key_lo"].to_numpy()[1:] == row["key_hi"].to_numpy()[:-1]).all()
    j = row["j"].to_numpy()
    assert not np.isin(j, [1, 2]).any()
    assert (np.abs(j - i) <= pt.SPEC.max_change).all()
    keys = (row["key_hi"] - row["key_lo"]).to_numpy()
    assert (keys * (j - i)).sum() == 0            # mean exactly i
    if i == 0:
        assert j.tolist() == [0]
    else:
        var = (keys * (j - i) ** 2).sum() / 256
        assert 2.0 <= var <= 2.5


def test_perturb_over_every_key():
    """Over all 256 keys (the cell key is uniform): zero stays zero, no 1 or 2, change at most
    4, mean change exactly 0, variance about 2.25, for small and large counts."""
    for i in list(range(0, 60)) + [100, 999, 123_456]:
        out = cellkey.perturb(np.full(256, i), KEYS)
        assert not np.isin(out, [1, 2]).any()
        assert (np.abs(out - i) <= 4).all()
        assert out.sum() == 256 * i
        if i == 0:
            assert (out == 0).all()
        else:
            assert np.var(out - i) == pytest.approx(2.25, abs=0.05)


def test_record_keys_are_uniform(con):
    keys = con.execute("SELECT record_key FROM children").df()["record_key"].to_numpy()
    assert keys.min() >= 0 and keys.max() <= 255
    observed = np.bincount(keys, minlength=256)
    assert stats.chisquare(observed).pvalue > 0.001


def test_cell_key_of_a_union_is_the_sum_of_its_parts(con):
    """Sums of record keys add up: the key of all children equals the keys of the sexes,
    and the key of a pooled window equals a direct sum over its child-periods."""
    p = periods(con)[-3:]
    by_sex = population(con, by=["sex"], periods=p[-1:])
    total = population(con, periods=p[-1:])
    assert by_sex["population_ckey"].sum() % 256 == total["population_ckey"].iloc[0]
    assert by_sex["population"].sum() == total["population"].iloc[0]
    pooled = counts(con, "custody", periods=p)
    direct = con.execute(
        "SELECT count(*) AS n, sum(record_key) % 256 AS k FROM facts "
        "WHERE period IN (SELECT unnest($p)) AND custody AND age_10_17", {"p": list(p)}).df()
    assert pooled["events"].iloc[0] == direct["n"].iloc[0]
    assert pooled["events_ckey"].iloc[0] == direct["k"].iloc[0]
    # the per-child sums of squares, counted directly
    per_child = con.execute(
        "SELECT count(*) FILTER (WHERE custody) AS y, count(*) AS x FROM facts "
        "WHERE period IN (SELECT unnest($p)) AND age_10_17 GROUP BY child_id",
        {"p": list(p)}).df()
    assert pooled["ss_events"].iloc[0] == (per_child["y"] ** 2).sum()
    assert pooled["ss_cross"].iloc[0] == (per_child["x"] * per_child["y"]).sum()
    assert pooled["ss_population"].iloc[0] == (per_child["x"] ** 2).sum()


def test_publish_keeps_events_within_population_and_adds_published_totals():
    table = pd.DataFrame({"g": list("abcd"), "events": [3, 0, 40, 1],
                          "population": [3, 5, 400, 1],
                          "events_ckey": [250, 7, 9, 200], "population_ckey": [3, 250, 9, 1]})
    out = protect.publish(table)
    assert (out["events"] <= out["population"]).all()
    assert out["events"][1] == 0                     # zero stays zero
    assert "events_ckey" not in out.columns
    true_total = 404
    assert abs(out["total_events"].iloc[0] - 44) <= 4
    assert abs(out["total_population"].iloc[0] - true_total) <= 4
    assert out["total_population"].iloc[0] == cellkey.perturb([409], [(3 + 250 + 9 + 1) % 256])[0]


def test_same_children_same_number_on_every_view(con):
    """A group's published count is the same in the explorer's table, the matrix, by-period
    tables and a table with another breakdown's margin."""
    p = periods(con)[-3:]
    o = Options()
    alone = rri_for_outcome(con, "custody", ["ethnicity_major", "sex"], p, options=o)
    matrix = rri_matrix(con, ["ethnicity_major", "sex"], p, options=o, outcomes=["custody"])
    keys = ["ethnicity_major", "sex"]
    merged = alone.merge(matrix, on=keys, suffixes=("", "_m"))
    assert len(merged) == len(alone) > 0
    assert (merged["events"] == merged["events_m"]).all()
    assert (merged["population"] == merged["population_m"]).all()
    # the same cell through a filter: Black boys restricted to boys
    boys = rri_for_outcome(con, "custody", ["ethnicity_major"], p, options=o,
                           filters={"sex": ["Male"]})
    a = alone[alone["sex"] == "Male"].set_index("ethnicity_major")["events"]
    b = boys.set_index("ethnicity_major")["events"]
    assert (a.reindex(b.index) == b).all()


def test_secure_setting_shows_true_counts(con):
    p = periods(con)[-1:]
    true = counts(con, "suspension", by=["ethnicity_major"], periods=p)
    secure = rri_for_outcome(con, "suspension", ["ethnicity_major"], p,
                             options=Options(suppress=0))
    assert secure["events"].tolist() == true["events"].tolist()
    assert secure.attrs["protection"] == "none"
    protected = rri_for_outcome(con, "suspension", ["ethnicity_major"], p, options=Options())
    assert protected.attrs["protection"] == "cell key"
    assert protected["events"].tolist() != true["events"].tolist()


def test_matrix_counts_match_single_outcome_counts(con):
    p = periods(con)[-3:]
    m = outcome_counts(con, outcomes=["custody", "suspension"], by=["ethnicity_minor"],
                       periods=p)
    for o in ("custody", "suspension"):
        alone = counts(con, o, by=["ethnicity_minor"], periods=p)
        part = m[m["outcome"] == o].drop(columns="outcome")
        part = part[part["population"] > 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, part[alone.columns])
