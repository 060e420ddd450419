"""rri_table against scipy, closed forms and hand-worked arithmetic."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import relative_risk

from analytics.stats.rri import (
    AUTO_EXACT_BELOW,
    AUTO_RARE_AT_MOST,
    RESULT_COLUMNS,
    _katz_overall,
    rri_table,
    slice_ids,
)

Z95 = 1.959963984540054


def two(a, n, c, m, **kw):
    """Group 'g' against reference 'r'; returns the 'g' row."""
    counts = pd.DataFrame({"grp": ["g", "r"], "events": [a, c], "population": [n, m]})
    kw.setdefault("reference", "r")
    return rri_table(counts, "grp", **kw).iloc[0]


def central_binom_p(x, t, p0):
    """Doubled one-sided scipy.stats.binomtest p-values, capped at 1."""
    lo = stats.binomtest(x, t, p0, alternative="less").pvalue
    hi = stats.binomtest(x, t, p0, alternative="greater").pvalue
    return min(1.0, 2 * min(lo, hi))


# ------------------------------------------------------------------ hand-worked

def test_hand_worked_rri_two():
    # a/n = 10/100 = 0.10, c/m = 20/400 = 0.05 -> RRI = 2.0
    # Katz: se = sqrt(1/10 - 1/100 + 1/20 - 1/400) = sqrt(0.1375) = 0.370810
    #       CI = 2 * exp(-/+ 1.959964 * 0.370810) = 0.96693 to 4.13679
    # Wald z = ln 2 / 0.370810 = 1.86930 -> p = 0.06158
    # rate difference = (0.10 - 0.05) * 100 = 5.0 per 100
    # excess = 10 - 100 * 0.05 = 5 children
    # representation = (10/30) / (100/500) = 1.6667
    row = two(10, 100, 20, 400, ci="katz")
    assert row["rri"] == pytest.approx(2.0)
    assert row["rri_ci_low"] == pytest.approx(0.96693, abs=1e-5)
    assert row["rri_ci_high"] == pytest.approx(4.13679, abs=1e-5)
    assert row["p_value"] == pytest.approx(0.06158, abs=1e-5)
    assert row["rate"] == pytest.approx(10.0)
    assert row["reference_rate"] == pytest.approx(5.0)
    assert row["rate_difference"] == pytest.approx(5.0)
    assert row["excess_events"] == pytest.approx(5.0)
    assert row["representation_index"] == pytest.approx(5 / 3)
    assert row["ci_method"] == "katz"
    assert row["status"] == "ok"
    assert not row["significant"]


def test_hand_worked_zero_events_group():
    # a = 0 of 50 vs c = 20 of 400: RRI = 0, Katz undefined -> exact.
    # T = 20. Upper pi = Beta(1, 20) 97.5% quantile = 1 - 0.025**(1/20) = 0.168433
    # theta_U = pi*m / (n*(1-pi)) = 0.168433*400 / (50*0.831567) = 1.62040
    # p: pi0 = 50/450 = 1/9; P(X <= 0) = (8/9)**20 = 0.094831 -> p = 0.189662
    row = two(0, 50, 20, 400, ci="katz", min_events=0)
    pi_u = 1 - 0.025 ** (1 / 20)
    assert row["rri"] == 0.0
    assert row["rri_ci_low"] == 0.0
    assert row["rri_ci_high"] == pytest.approx(pi_u * 400 / (50 * (1 - pi_u)), rel=1e-10)
    assert row["rri_ci_high"] == pytest.approx(1.62040, abs=1e-5)
    assert row["p_value"] == pytest.approx(2 * (8 / 9) ** 20, rel=1e-10)
    assert row["ci_method"] == "exact"
    assert row["status"] == "ok"
    assert row["excess_events"] == pytest.approx(0 - 50 * 0.05)


def test_hand_worked_zero_reference_events_not_computable():
    # c = 0: the reference rate is 0, a ratio would divide by zero.
    row = two(5, 100, 0, 400)
    assert row["status"] == "not computable: no events in the comparison group"
    for col in ["rri", "rri_ci_low", "rri_ci_high", "p_value", "p_adjusted", "significant",
                "ci_method"]:
        assert pd.isna(row[col]), col
    assert row["rate"] == pytest.approx(5.0)
    # difference needs no division by the comparison rate: 5/100 - 0 = 5 per 100
    assert row["rate_difference"] == pytest.approx(5.0)
    assert row["excess_events"] == pytest.approx(5.0)


@pytest.mark.parametrize("a, n, c, m, reason", [
    (0, 100, 0, 400, "no events in the group or the comparison group"),
    (0, 0, 10, 400, "no children in the group"),
    (3, 100, 0, 0, "no children in the comparison group"),
])
def test_not_computable_reasons(a, n, c, m, reason):
    row = two(a, n, c, m)
    assert row["status"] == f"not computable: {reason}"
    assert pd.isna(row["rri"]) and pd.isna(row["p_value"])


def test_newcombe_published_example():
    # Newcombe (1998) Stat Med 17:873-890: 56/70 - 48/80 = 0.2000,
    # method 10 (hybrid score) 95% CI 0.0524 to 0.3339.
    row = two(56, 70, 48, 80, unit=1)
    assert row["rate_difference"] == pytest.approx(0.2)
    assert round(row["rate_difference_ci_low"], 4) == 0.0524
    assert round(row["rate_difference_ci_high"], 4) == 0.3339


def test_low_numbers_status_text():
    row = two(3, 12, 40, 400)
    assert row["status"] == "low numbers: fewer than 30 children; fewer than 5 events"
    assert not pd.isna(row["rri"])  # still computed and shown
    row = two(30, 100, 4, 400)
    assert row["status"] == "low numbers: comparison group has fewer than 5 events"
    row = two(1, 100, 40, 400, min_events=2)
    assert row["status"] == "low numbers: fewer than 2 events"


# ------------------------------------------------------------------ Katz vs scipy

@pytest.mark.parametrize("a, n, c, m", [(10, 75, 12, 225), (45, 300, 120, 2000),
                                        (200, 1000, 30, 900), (25, 25, 40, 60)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_katz_matches_scipy_relative_risk(a, n, c, m, level):
    row = two(a, n, c, m, ci="katz", level=level)
    rr = relative_risk(a, n, c, m)
    ci = rr.confidence_interval(confidence_level=level)
    assert row["rri"] == pytest.approx(rr.relative_risk, rel=1e-12)
    assert row["rri_ci_low"] == pytest.approx(ci.low, rel=1e-10)
    assert row["rri_ci_high"] == pytest.approx(ci.high, rel=1e-10)
    # Wald p on ln RRI with the same se, written independently:
    se = math.sqrt(1 / a - 1 / n + 1 / c - 1 / m)
    zstat = abs(math.log(rr.relative_risk)) / se
    assert row["p_value"] == pytest.approx(math.erfc(zstat / math.sqrt(2)), rel=1e-9)
    excludes_one = ci.low > 1 or ci.high < 1
    assert excludes_one == (row["p_value"] < 1 - level)


# ------------------------------------------------------------------ exact

@pytest.mark.parametrize("a, n, c, m", [(7, 120, 15, 900), (3, 40, 60, 1000),
                                        (12, 50, 5, 400), (1, 10, 1, 10)])
def test_exact_interval_and_p_by_hand(a, n, c, m):
    row = two(a, n, c, m, ci="exact", min_events=0, min_population=0)
    t, alpha = a + c, 0.05
    pi_lo = stats.beta.ppf(alpha / 2, a, t - a + 1)
    pi_hi = stats.beta.ppf(1 - alpha / 2, a + 1, t - a)
    assert row["rri"] == pytest.approx((a / n) / (c / m))
    assert row["rri_ci_low"] == pytest.approx(pi_lo * m / (n * (1 - pi_lo)), rel=1e-9)
    assert row["rri_ci_high"] == pytest.approx(pi_hi * m / (n * (1 - pi_hi)), rel=1e-9)
    assert row["p_value"] == pytest.approx(central_binom_p(a, t, n / (n + m)), rel=1e-9)
    assert row["ci_method"] == "exact"
    assert (row["rri_ci_low"] > 1 or row["rri_ci_high"] < 1) == (row["p_value"] < alpha)


def test_exact_p_close_to_fisher_when_populations_are_large():
    # Conditional on T = a + c the hypergeometric (Fisher) tends to the
    # Binomial(T, n/(n+m)) when n and m are large relative to T.
    a, n, c, m = 7, 100_000, 15, 900_000
    row = two(a, n, c, m, ci="exact")
    table = [[a, n - a], [c, m - c]]
    fisher = min(1.0, 2 * min(stats.fisher_exact(table, alternative="less").pvalue,
                              stats.fisher_exact(table, alternative="greater").pvalue))
    assert row["p_value"] == pytest.approx(fisher, rel=1e-3)
    assert row["p_value"] == pytest.approx(0.0087801, abs=1e-6)


def test_auto_rule_by_regime():
    """auto: the exact conditional interval for a rare outcome with few events on a side,
    the score interval otherwise (common outcomes, or enough events)."""
    assert (AUTO_EXACT_BELOW, AUTO_RARE_AT_MOST) == (20, 0.10)
    assert two(19, 1000, 50, 5000)["ci_method"] == "exact"       # rare, few events
    assert two(20, 1000, 20, 5000)["ci_method"] == "score"       # rare, enough events
    assert two(50, 1000, 19, 5000)["ci_method"] == "exact"       # rare, few comparison events
    assert two(19, 100, 50, 500)["ci_method"] == "score"         # 19% is not rare
    assert two(50, 100, 19, 500)["ci_method"] == "score"
    assert two(50, 100, 19, 500, ci="katz")["ci_method"] == "katz"
    assert two(50, 100, 60, 500, ci="exact")["ci_method"] == "exact"
    assert two(50, 100, 60, 500, ci="score")["ci_method"] == "score"


# ------------------------------------------------------------------ overall

def test_overall_katz_variance_by_hand():
    # group 60/200, rest 140/800: A = 200, N = 1000, RRI = 0.3/0.2 = 1.5
    # Var = 1/a - 1/n - 1/A + 2a/(nA) - (a^2/n + c^2/m)/A^2
    #     = 1/60 - 1/200 - 1/200 + 120/40000 - (18 + 24.5)/40000 = 0.00860417
    # (the equal-rates form, with -1/N for the last term, would give 0.00866667)
    counts = pd.DataFrame({"grp": ["g", "h"], "events": [60, 140], "population": [200, 800]})
    row = rri_table(counts, "grp", comparison="overall", ci="katz").iloc[0]
    var = 1 / 60 - 1 / 200 - 1 / 200 + 2 * 60 / (200 * 200) - (60**2 / 200 + 140**2 / 800) / 200**2
    assert var == pytest.approx(0.00860417, abs=1e-8)
    assert row["rri"] == pytest.approx(1.5)
    assert row["rri_ci_low"] == pytest.approx(1.5 * math.exp(-Z95 * math.sqrt(var)), rel=1e-10)
    assert row["rri_ci_high"] == pytest.approx(1.5 * math.exp(Z95 * math.sqrt(var)), rel=1e-10)
    assert row["reference_rate"] == pytest.approx(20.0)
    # p_g - P = (m/N)(p_g - p_rest) = 0.8 * (0.3 - 0.175) = 0.1 -> 10 per 100
    assert row["rate_difference"] == pytest.approx(10.0)
    assert row["excess_events"] == pytest.approx(60 - 200 * 0.2)


def test_overall_katz_variance_monte_carlo():
    # With every child at the same risk (p = 0.2), the delta-method variance
    # of ln((a/n)/(A/N)) at the expected counts a = 400, A = 2000 is
    # 1/400 - 1/2000 - 1/2000 - 1/10000 + 2*400/(2000*2000) = 0.0016.
    # Simulate it (200,000 draws: relative SE of the variance ~0.3%).
    rng = np.random.default_rng(20240601)
    n, m, p = 2000, 8000, 0.2
    a = rng.binomial(n, p, 200_000)
    c = rng.binomial(m, p, 200_000)
    sim = np.var(np.log((a / n) / ((a + c) / (n + m))))
    assert sim == pytest.approx(0.0016, rel=0.02)
    # The table's interval at the expected counts implies the same variance:
    counts = pd.DataFrame({"grp": ["g", "h"], "events": [400, 1600], "population": [n, m]})
    row = rri_table(counts, "grp", comparison="overall", ci="katz").iloc[0]
    se = math.log(row["rri_ci_high"] / row["rri"]) / Z95
    assert se**2 == pytest.approx(0.0016, rel=1e-9)
    assert sim == pytest.approx(se**2, rel=0.02)
    # Treating the average as independent (Katz) would overstate it by 50%:
    naive = 1 / 400 - 1 / 2000 + 1 / 2000 - 1 / 10000  # 0.0024
    assert abs(sim - naive) / sim > 0.4


def test_overall_variance_zero_when_group_is_everyone():
    # the rest is empty: c = m = 0
    rr, lo, hi, p = _katz_overall(np.array([30.0]), np.array([100.0]), np.array([0.0]),
                                  np.array([0.0]), Z95)
    assert rr[0] == pytest.approx(1.0) and lo[0] == pytest.approx(1.0)
    assert hi[0] == pytest.approx(1.0) and p[0] == 1.0
    counts = pd.DataFrame({"grp": ["g"], "events": [30], "population": [100]})
    row = rri_table(counts, "grp", comparison="overall").iloc[0]
    assert row["status"].startswith("not computable: the group is the whole slice")
    # everyone has the outcome on both sides: variance 0 too, RRI 1, p = 1
    counts = pd.DataFrame({"grp": ["g", "h"], "events": [30, 40], "population": [30, 40]})
    row = rri_table(counts, "grp", comparison="overall", ci="katz").iloc[0]
    assert row["rri_ci_low"] == pytest.approx(1.0) and row["rri_ci_high"] == pytest.approx(1.0)
    assert row["p_value"] == 1.0


@pytest.mark.parametrize("events", [[7, 15, 30], [0, 12, 50], [25, 3, 0]])
def test_overall_exact_is_transformed_rest_exact(events):
    counts = pd.DataFrame({"grp": ["g", "h", "k"], "events": events,
                           "population": [90, 400, 700]})
    rest = rri_table(counts, "grp", comparison="rest", ci="exact")
    over = rri_table(counts, "grp", comparison="overall", ci="exact")
    N = 1190
    for i, n in enumerate([90, 400, 700]):
        m = N - n
        if rest["status"][i].startswith("not computable"):
            continue
        for col in ["rri_ci_low", "rri_ci_high"]:
            theta = rest[col][i]
            assert over[col][i] == pytest.approx(N * theta / (n * theta + m), rel=1e-9)
        assert over["rri"][i] == pytest.approx((events[i] / n) / (sum(events) / N))
        assert over["p_value"][i] == pytest.approx(rest["p_value"][i], rel=1e-12)


def test_overall_exact_when_rest_has_no_events():
    # all 8 events in the group: vs rest not computable, vs overall upper = N/n
    counts = pd.DataFrame({"grp": ["g", "h"], "events": [8, 0], "population": [40, 160]})
    over = rri_table(counts, "grp", comparison="overall", ci="exact").iloc[0]
    assert over["rri"] == pytest.approx(200 / 40)
    assert over["rri_ci_high"] == pytest.approx(200 / 40)
    pi_lo = stats.beta.ppf(0.025, 8, 1)  # = 0.025**(1/8)
    assert over["rri_ci_low"] == pytest.approx(200 * pi_lo / 40, rel=1e-9)
    assert over["p_value"] == pytest.approx(2 * 0.2**8)
    rest = rri_table(counts, "grp", comparison="rest").iloc[0]
    assert rest["status"] == "not computable: no events in the comparison group"


# ------------------------------------------------------------------ rest

def test_rest_pools_other_rows_of_the_slice():
    counts = pd.DataFrame({"period": ["a", "a", "a", "b", "b"],
                           "grp": ["x", "y", "z", "x", "y"],
                           "events": [30, 20, 40, 25, 25],
                           "population": [100, 200, 300, 100, 100]})
    out = rri_table(counts, "grp", by="period", comparison="rest", ci="katz")
    rr = relative_risk(30, 100, 60, 500)  # x vs y+z in period a
    assert out["rri"][0] == pytest.approx(rr.relative_risk)
    assert out["rri_ci_low"][0] == pytest.approx(rr.confidence_interval().low)
    assert out["rri"][3] == pytest.approx(1.0)  # 25/100 vs 25/100 in period b
    assert out["reference_rate"][3] == pytest.approx(25.0)
    # representation index: share of events / share of children in the slice
    assert out["representation_index"][0] == pytest.approx((30 / 90) / (100 / 600))


# ------------------------------------------------------------------ benchmark

def test_benchmark_exact_and_score():
    counts = pd.DataFrame({"period": ["p1", "p1", "p2"], "grp": ["x", "y", "x"],
                           "events": [7, 30, 5], "population": [100, 200, 80]})
    bm = pd.DataFrame({"period": ["p1"], "benchmark_rate": [0.03]})
    bm2 = pd.DataFrame({"period": ["p1"], "grp": ["y"], "benchmark_rate": [0.1]})
    out = rri_table(counts, "grp", by="period", comparison="benchmark", benchmark=bm)
    x = out.iloc[0]
    cp = stats.binomtest(7, 100).proportion_ci(0.95, method="exact")
    assert x["rri"] == pytest.approx(0.07 / 0.03)
    assert x["rri_ci_low"] == pytest.approx(cp.low / 0.03, rel=1e-9)
    assert x["rri_ci_high"] == pytest.approx(cp.high / 0.03, rel=1e-9)
    assert x["p_value"] == pytest.approx(central_binom_p(7, 100, 0.03), rel=1e-9)
    assert x["reference_rate"] == pytest.approx(3.0)
    assert x["excess_events"] == pytest.approx(7 - 3)
    assert x["ci_method"] == "exact"
    assert out["status"][2] == "not computable: no benchmark rate for this group"

    y = rri_table(counts, "grp", by="period", comparison="benchmark", benchmark=bm2).iloc[1]
    w = stats.binomtest(30, 200).proportion_ci(0.95, method="wilson")
    assert y["ci_method"] == "score"
    assert y["rri_ci_low"] == pytest.approx(w.low / 0.1, rel=1e-9)
    assert y["rri_ci_high"] == pytest.approx(w.high / 0.1, rel=1e-9)
    zstat = (0.15 - 0.1) / math.sqrt(0.1 * 0.9 / 200)  # score test = 2.357
    assert y["p_value"] == pytest.approx(math.erfc(zstat / math.sqrt(2)), rel=1e-9)
    assert y["rate_difference"] == pytest.approx(5.0)
    assert y["rate_difference_ci_low"] == pytest.approx((w.low - 0.1) * 100, rel=1e-9)


def test_benchmark_validation():
    counts = pd.DataFrame({"grp": ["x"], "events": [1], "population": [10]})
    with pytest.raises(ValueError, match="benchmark_rate"):
        rri_table(counts, "grp", comparison="benchmark",
                  benchmark=pd.DataFrame({"benchmark_rate": [12.0]}))
    with pytest.raises(ValueError, match="benchmark"):
        rri_table(counts, "grp", comparison="benchmark")


# ------------------------------------------------------------------ reference / strata

def test_reference_with_strata_matches_same_sex():
    counts = pd.DataFrame({
        "ethnicity": ["White British", "White British", "Black Caribbean", "Black Caribbean"],
        "sex": ["Male", "Female", "Male", "Female"],
        "events": [50, 20, 40, 6], "population": [1000, 1000, 250, 240]})
    out = rri_table(counts, ["ethnicity", "sex"], reference={"ethnicity": "White British"})
    assert out["status"].tolist()[:2] == ["reference", "reference"]
    assert out["rri"][0] == 1.0 and out["rri"][1] == 1.0
    assert pd.isna(out["p_value"][0]) and pd.isna(out["rri_ci_low"][0])
    assert out["rri"][2] == pytest.approx((40 / 250) / (50 / 1000))  # vs WB boys: 3.2
    assert out["rri"][3] == pytest.approx((6 / 240) / (20 / 1000))   # vs WB girls: 1.25
    assert out["ci_method"][3] == "exact"  # 6 < 20


def test_reference_missing_in_a_slice():
    counts = pd.DataFrame({"period": ["a", "a", "b"], "grp": ["r", "x", "x"],
                           "events": [10, 20, 5], "population": [100, 100, 50]})
    out = rri_table(counts, "grp", by="period", reference="r")
    assert out["status"][2] == "not computable: no reference group row for this slice"
    assert pd.isna(out["reference_rate"][2])


def test_reference_errors():
    counts = pd.DataFrame({"eth": ["a", "b"], "sex": ["M", "M"], "events": [1, 2],
                           "population": [10, 10]})
    with pytest.raises(ValueError, match=r"'zz'.*'eth'"):
        rri_table(counts, ["eth", "sex"], reference={"eth": "zz"})
    with pytest.raises(ValueError, match="exactly one group column"):
        rri_table(counts, ["eth", "sex"], reference="a")
    with pytest.raises(ValueError, match="not one of group_cols"):
        rri_table(counts, ["eth", "sex"], reference={"age": "a"})
    with pytest.raises(ValueError, match="needs reference"):
        rri_table(counts, ["eth", "sex"])


# ------------------------------------------------------------------ adjustment

def test_adjustment_is_within_each_by_slice():
    counts = pd.DataFrame({"period": ["a"] * 4 + ["b"] * 3,
                           "grp": ["r", "x", "y", "z", "r", "x", "y"],
                           "events": [50, 80, 40, 70, 30, 45, 33],
                           "population": [1000, 1000, 900, 1100, 800, 700, 750]})
    out = rri_table(counts, "grp", by="period", reference="r", adjust="holm")
    for period in ["a", "b"]:
        rows = out[(out["period"] == period) & (out["grp"] != "r")]
        p = rows["p_value"].to_numpy(dtype=float)
        order = np.argsort(p)
        k = len(p)
        expected = np.empty(k)
        expected[order] = np.minimum(1, np.maximum.accumulate((k - np.arange(k)) * p[order]))
        assert rows["p_adjusted"].to_numpy(dtype=float) == pytest.approx(expected)
        assert (rows["significant"].to_numpy(dtype=bool) == (expected < 0.05)).all()
    bh = rri_table(counts, "grp", by="period", reference="r", adjust="bh")
    none = rri_table(counts, "grp", by="period", reference="r", adjust="none")
    assert (none["p_adjusted"].dropna() == none["p_value"].dropna()).all()
    assert (bh["p_adjusted"].dropna() <= out["p_adjusted"].dropna() + 1e-15).all()
    assert pd.isna(out["significant"][0])


# ------------------------------------------------------------------ output contract

def test_output_columns_dtypes_and_attrs():
    counts = pd.DataFrame({"period": ["a", "a"], "eth": ["r", "x"], "events": [10, 0],
                           "population": [100, 0]})
    out = rri_table(counts, "eth", by="period", reference="r")
    assert list(out.columns) == ["eth", "period"] + RESULT_COLUMNS
    assert out["events"].dtype == "Int64" and out["rri"].dtype == "Float64"
    assert out["significant"].dtype == "boolean" and out["status"].dtype == "string"
    assert out.attrs["comparison"] == "reference"
    assert out.attrs["reference"] == {"eth": "r"}
    assert out.attrs["level"] == 0.95 and out.attrs["adjust"] == "holm"
    assert out.attrs["min_population"] == 30 and out.attrs["min_events"] == 5
    for col in out.columns:
        if out[col].dtype == "Float64":
            vals = out[col].dropna().to_numpy(dtype=float)
            assert np.isfinite(vals).all()


@pytest.mark.parametrize("change, match", [
    (lambda d: d.drop(columns="population"), "population"),
    (lambda d: d.assign(events=[1, -2, 3]), r"'events', row 2.*negative"),
    (lambda d: d.assign(events=[1, 2, 99]), r"'events', row 3.*exceed"),
    (lambda d: d.assign(events=[1, 2.5, 3]), r"'events', row 2.*whole number"),
    (lambda d: d.assign(population=[10, None, 10]), r"'population', row 2.*missing"),
    (lambda d: d.assign(grp=["a", "b", "a"]), r"rows 1 and 3"),
    (lambda d: d.assign(grp=["a", None, "c"]), r"'grp', row 2"),
])
def test_validation_messages(change, match):
    counts = pd.DataFrame({"grp": ["a", "b", "c"], "events": [1, 2, 3],
                           "population": [10, 10, 10]})
    with pytest.raises(ValueError, match=match):
        rri_table(change(counts), "grp", comparison="rest")


def test_bad_options():
    counts = pd.DataFrame({"grp": ["a", "b"], "events": [1, 2], "population": [10, 10]})
    for kw in [dict(comparison="mean"), dict(ci="wald"), dict(adjust="bonferroni"),
               dict(level=95), dict(unit=0)]:
        with pytest.raises(ValueError):
            rri_table(counts, "grp", **{"comparison": "rest", **kw})


def test_overall_general_variance_monte_carlo_unequal_rates():
    """The general delta-method variance holds when the group's rate differs from the rest's
    (0.6 vs 0.05), where the equal-rates form is off by a factor of four."""
    rng = np.random.default_rng(7)
    n, m, p, q = 2000, 2000, 0.6, 0.05
    a = rng.binomial(n, p, 200_000)
    c = rng.binomial(m, q, 200_000)
    sim = np.var(np.log((a / n) / ((a + c) / (n + m))))
    ea, ec = n * p, m * q
    counts = pd.DataFrame({"grp": ["g", "h"], "events": [int(ea), int(ec)],
                           "population": [n, m]})
    row = rri_table(counts, "grp", comparison="overall", ci="katz").iloc[0]
    se2 = (math.log(row["rri_ci_high"] / row["rri"]) / Z95) ** 2
    assert sim == pytest.approx(se2, rel=0.02)
    A, N = ea + ec, n + m
    equal_rates = 1 / ea - 1 / n - 1 / A - 1 / N + 2 * ea / (n * A)
    assert equal_rates / sim > 3


@pytest.mark.parametrize("a,n,c,m", [(25, 1422, 29, 1537), (653, 751, 398, 938),
                                     (11, 376, 13, 913), (0, 80, 12, 300), (7, 9, 30, 40),
                                     (1058, 1374, 1642, 1925), (3, 50000, 40, 90000)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_score_interval_matches_statsmodels(a, n, c, m, level):
    """The vectorised score interval and test equal statsmodels' Miettinen-Nurminen ones."""
    sm = pytest.importorskip("statsmodels.stats.proportion")
    row = two(a, n, c, m, ci="score", level=level, min_events=0)
    lo, hi = sm.confint_proportions_2indep(a, n, c, m, method="score", compare="ratio",
                                           alpha=1 - level, correction=True)
    test = sm.test_proportions_2indep(a, n, c, m, method="score", compare="ratio",
                                      correction=True)
    assert row["ci_method"] == "score"
    assert row["rri_ci_low"] == pytest.approx(lo, rel=1e-7, abs=1e-12)
    assert row["rri_ci_high"] == pytest.approx(hi, rel=1e-7)
    assert row["p_value"] == pytest.approx(test.pvalue, rel=1e-7, abs=1e-300)
    # the interval and the test agree about 1
    assert (row["rri_ci_low"] > 1 or row["rri_ci_high"] < 1) == (row["p_value"] < 1 - level)


def test_slice_ids_number_groups_as_pandas_groupby_does():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"outcome": rng.choice(["cin", "neet", "custody"], 400),
                       "period": rng.choice(["2022/23", "2023/24", None], 400),
                       "code": rng.integers(0, 4, 400)})
    for cols in (["outcome"], ["outcome", "period"], ["period", "code", "outcome"], []):
        expected = (df.groupby(cols, sort=False, dropna=False).ngroup().to_numpy() if cols
                    else np.zeros(len(df)))
        assert slice_ids(df, cols).tolist() == expected.tolist(), cols


def test_score_intervals_of_many_rows_at_once_match_statsmodels():
    """The root finder solves every row of a large table at once, each row taking its own
    number of steps: each limit still equals statsmodels' interval for that row alone."""
    sm = pytest.importorskip("statsmodels.stats.proportion")
    rng = np.random.default_rng(11)
    n = rng.integers(5, 20000, 120)
    m = rng.integers(5, 20000, 120)
    a = np.minimum(rng.binomial(n, rng.uniform(0, 0.6, 120)), n - 1)
    c = np.maximum(np.minimum(rng.binomial(m, rng.uniform(0, 0.6, 120)), m - 1), 1)
    a[:10] = 0                                   # no events in the group: the limit is 0
    counts = pd.DataFrame({"grp": [f"g{i}" for i in range(120)] + ["r"] * 120,
                           "slice": list(range(120)) * 2,
                           "events": np.r_[a, c], "population": np.r_[n, m]})
    out = rri_table(counts, "grp", by="slice", reference={"grp": "r"}, ci="score",
                    min_events=0, min_population=0).iloc[:120]
    for i in range(120):
        lo, hi = sm.confint_proportions_2indep(a[i], n[i], c[i], m[i], method="score",
                                               compare="ratio", correction=True)
        # no events in the group: 0 here, statsmodels' root finder stops just above it
        assert out["rri_ci_low"][i] == pytest.approx(lo, rel=1e-7, abs=1e-9), i
        assert out["rri_ci_high"][i] == pytest.approx(hi, rel=1e-7), i


def test_overall_score_is_transformed_rest_score():
    counts = pd.DataFrame({"grp": ["g", "h", "k"], "events": [30, 120, 400],
                           "population": [90, 400, 2700]})
    rest = rri_table(counts, "grp", comparison="rest", ci="score")
    over = rri_table(counts, "grp", comparison="overall", ci="score")
    N = 3190
    for i, n in enumerate([90, 400, 2700]):
        m = N - n
        for col in ("rri_ci_low", "rri_ci_high"):
            theta = rest[col][i]
            assert over[col][i] == pytest.approx(N * theta / (n * theta + m), rel=1e-12)
        assert over["p_value"][i] == pytest.approx(rest["p_value"][i], rel=1e-12)
