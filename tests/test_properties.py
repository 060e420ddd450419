"""Property-based tests (hypothesis) of the invariants the dashboard relies on."""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from analytics import protect
from analytics.protect import display_frame, suppress
from analytics.stats.rri import rri_table
from analytics.stats.significance import adjust_pvalues

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def count_tables(draw):
    """1 or 2 group columns, optional period, zeros and small counts common."""
    two = draw(st.booleans())
    eth = draw(st.lists(st.sampled_from(list("ABCDE")), min_size=1, max_size=5, unique=True))
    sexes = ["M", "F"] if two else [None]
    periods = ["p1", "p2"] if draw(st.booleans()) else [None]
    rows = []
    for p in periods:
        for e in eth:
            for s in sexes:
                if two and e != eth[0] and draw(st.integers(0, 7)) == 0:
                    continue  # some combinations absent (the reference ones never)
                n = draw(st.one_of(st.integers(0, 12), st.integers(0, 3000)))
                a = draw(st.one_of(st.integers(0, min(n, 8)), st.integers(0, n)))
                rows.append({"period": p, "eth": e, "sex": s, "events": a, "population": n})
    df = pd.DataFrame(rows)
    group_cols = ["eth", "sex"] if two else ["eth"]
    by = ["period"] if periods[0] is not None else []
    df = df[group_cols + by + ["events", "population"]]
    return df, group_cols, by, eth[0]


def _float_values(s):
    return s.dropna().to_numpy(dtype=float)


def _assert_clean(out):
    """No NaN or inf anywhere: only pandas NA."""
    for col in out.columns:
        s = out[col]
        if s.dtype in ("Float64", "Int64"):
            assert np.isfinite(_float_values(s)).all(), col
        elif s.dtype == "string":
            text = " ".join(s.dropna().tolist())
            assert "nan" not in text and "inf" not in text.replace("infer", ""), col


@SETTINGS
@given(count_tables(), st.sampled_from(["reference", "rest", "overall", "benchmark"]),
       st.sampled_from(["auto", "katz", "exact"]), st.sampled_from([0.9, 0.95, 0.99]))
def test_no_nan_or_inf_and_status_invariants(table, comparison, ci, level):
    df, group_cols, by, ref = table
    bm = pd.DataFrame({"benchmark_rate": [0.04]})
    out = rri_table(df, group_cols, by=by, comparison=comparison, reference={"eth": ref},
                    ci=ci, level=level, benchmark=bm)
    assert len(out) == len(df)
    _assert_clean(out)
    status = out["status"].to_numpy(dtype=object)
    assert not out["status"].isna().any()
    computed = np.array([s == "ok" or s.startswith("low numbers") for s in status])
    nc = np.array([s.startswith("not computable") for s in status])
    assert all(computed | nc | (status == "reference"))
    for col in ["rri", "rri_ci_low", "rri_ci_high", "p_value", "ci_method"]:
        assert not out.loc[computed, col].isna().any(), col
        assert out.loc[nc, col].isna().all(), col
    rows = out[computed]
    rri, lo, hi = (rows[c].to_numpy(dtype=float) for c in ("rri", "rri_ci_low", "rri_ci_high"))
    p = rows["p_value"].to_numpy(dtype=float)
    assert (lo <= rri * (1 + 1e-9)).all() and (rri <= hi * (1 + 1e-9)).all()
    assert ((p >= 0) & (p <= 1)).all()
    # Each interval excludes 1 exactly when the unadjusted p < 1 - level.
    alpha = 1 - level
    clear = (np.abs(p - alpha) > 1e-6) & (np.abs(lo - 1) > 1e-7) & (np.abs(hi - 1) > 1e-7)
    assert (((lo > 1) | (hi < 1)) == (p < alpha))[clear].all()
    # rates are given wherever there are children
    has_kids = out["population"].to_numpy(dtype=int) > 0
    assert not out.loc[has_kids, "rate"].isna().any()
    assert out.loc[~has_kids, "rate"].isna().all()
    # significant is never claimed without p
    assert out.loc[out["p_adjusted"].isna(), "significant"].isna().all()


@SETTINGS
@given(count_tables())
def test_reference_row_is_exactly_one(table):
    df, group_cols, by, ref = table
    out = rri_table(df, group_cols, by=by, reference={"eth": ref})
    is_ref = (out["eth"] == ref) & (out["population"] > 0)
    assert (out.loc[is_ref, "rri"] == 1.0).all()
    assert (out.loc[is_ref, "status"] == "reference").all()
    assert out.loc[is_ref, "p_value"].isna().all()


@SETTINGS
@given(count_tables(), st.integers(2, 10), st.sampled_from(["reference", "rest", "overall"]))
def test_scaling_counts_keeps_rri_and_narrows_katz_interval(table, k, comparison):
    df, group_cols, by, ref = table
    kw = dict(by=by, comparison=comparison, reference={"eth": ref}, ci="katz")
    base = rri_table(df, group_cols, **kw)
    big = rri_table(df.assign(events=df["events"] * k, population=df["population"] * k),
                    group_cols, **kw)
    both = (base["ci_method"] == "katz").fillna(False) & (big["ci_method"] == "katz").fillna(False)
    assume(both.any())
    b, s = base[both], big[both]
    np.testing.assert_allclose(s["rri"].to_numpy(dtype=float), b["rri"].to_numpy(dtype=float),
                               rtol=1e-12)
    width_b = np.log(b["rri_ci_high"].to_numpy(dtype=float) / b["rri_ci_low"].to_numpy(dtype=float))
    width_s = np.log(s["rri_ci_high"].to_numpy(dtype=float) / s["rri_ci_low"].to_numpy(dtype=float))
    assert (width_s <= width_b * (1 + 1e-12) + 1e-15).all()


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(), st.integers(2, 7), st.sampled_from(["reference", "rest", "overall"]),
       st.integers(0, 2**31))
def test_protected_tables_never_show_one_or_two_and_hide_tiny_groups(table, k, comparison, seed):
    """The whole protected path (publish, compute, suppress) on random tables and keys."""
    df, group_cols, by, ref = table
    rng = np.random.default_rng(seed)
    keyed = df.assign(events_ckey=rng.integers(0, 256, len(df)),
                      population_ckey=rng.integers(0, 256, len(df)))
    published = protect.publish(keyed, by=by)
    assert (published["events"] <= published["population"]).all()
    assert (published.loc[df["events"].to_numpy() == 0, "events"] == 0).all()
    assume((published.groupby(by)["population"].transform("sum") > 0).all() if by
           else published["population"].sum() > 0)
    reference = {"eth": ref} if comparison == "reference" else None
    if reference and not (published["eth"] == ref).any():
        return
    t = rri_table(published, group_cols, by=by, comparison=comparison, reference=reference)
    out = suppress(t, group_cols, by=by, threshold=k, counts=published)
    _assert_clean(out)
    for col in ["events", "population"]:
        shown = out[col].dropna().to_numpy(dtype=int)
        assert not np.isin(shown, [1, 2]).any(), col
    tiny = (out["population"].to_numpy(dtype=float) > 0) & (out["population"].to_numpy(dtype=float) < k)
    for col in ["events", "rate", "rri", "p_value", "rate_difference", "excess_events",
                "representation_index"]:
        assert out.loc[tiny, col].isna().all(), col
    text = " ".join(display_frame(out).astype(str).to_numpy().ravel())
    assert "nan" not in text and "<NA>" not in text and "None" not in text


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30))
def test_adjustments_order_and_scipy(p):
    p = np.array(p)
    holm = np.asarray(adjust_pvalues(p, "holm"), dtype=float)
    bh = np.asarray(adjust_pvalues(p, "bh"), dtype=float)
    assert (p <= bh + 1e-15).all() and (bh <= holm + 1e-15).all() and (holm <= 1).all()
    np.testing.assert_allclose(bh, false_discovery_control(p, method="bh"), rtol=1e-12,
                               atol=1e-300)
    order = np.argsort(p, kind="stable")
    assert (np.diff(holm[order]) >= -1e-15).all() and (np.diff(bh[order]) >= -1e-15).all()
