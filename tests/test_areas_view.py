"""How a council compares (analytics.views.areas): the published counts exactly, RRIs equal
to their counts' ratios, England and regions as sums of councils, neighbours named, intervals
against statsmodels and scipy, ranks and the funnel."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson

from analytics.data import areas
from analytics.views import areas as va

FIGURES = areas.figures()
CASES = [(i, p) for i in areas.INDICATORS for p in ("2023/24", "2024/25")]


@pytest.fixture(scope="module", params=CASES, ids=[f"{i}-{p}" for i, p in CASES])
def every(request):
    indicator, period = request.param
    return va.every_area(FIGURES, indicator, period)


def test_columns_and_the_islington_table():
    t = va.area_table(FIGURES, "Islington", "suspension", "2023/24")
    assert list(t.columns) == va.COLUMNS
    assert t.attrs["protection"] == "published" and "not perturbed" in t.attrs["notes"][0]
    area = t[t["role"] == "area"]
    assert list(area["ethnicity"]) == ["", "Asian", "Black", "Mixed", "Other", "White"]
    black = area[area["ethnicity"] == "Black"].iloc[0]
    assert (black["events"], black["population"]) == (603, 5286)      # as published
    assert black["rri"] == pytest.approx((603 / 5286) / (877 / 9537), rel=1e-12)
    assert area.iloc[0]["status"].startswith("all pupils") and pd.isna(area.iloc[0]["rri"])
    assert area[area["ethnicity"] == "White"].iloc[0]["status"] == "reference"


def test_every_council_gives_exactly_the_published_counts(every):
    shipped = areas.shipped()
    s = shipped[(shipped["indicator"] == every.attrs["indicator"])
                & (shipped["period"] == every.attrs["period"])]
    merged = every.merge(s, on=["la_code", "ethnicity"], suffixes=("", "_pub"))
    assert len(merged) == len(s) == (153 * 6 - 2)             # the Isles of Scilly: 4 rows
    assert (merged["events"] == merged["events_pub"]).all()
    assert (merged["population"] == merged["population_pub"]).all()
    scilly = every[(every["la_code"] == "E06000053") & every["ethnicity"].isin(["Black", "Other"])]
    assert scilly["status"].str.startswith("not published").all()


def test_rris_are_the_ratios_of_the_counts(every):
    ok = every[every["status"].str.startswith(("ok", "low numbers"))]
    ref = every[every["ethnicity"] == "White"].set_index("la_code")
    c = ref.loc[ok["la_code"], "events"].to_numpy(float)
    m = ref.loc[ok["la_code"], "population"].to_numpy(float)
    ratio = (ok["events"].to_numpy(float) / ok["population"].to_numpy(float)) / (c / m)
    assert np.allclose(ok["rri"].to_numpy(float), ratio, rtol=1e-12, atol=0)
    rate = every["events"].astype(float) / every["population"].astype(float) * 100
    assert np.allclose(every["rate"].astype(float), rate, rtol=1e-12, equal_nan=True)
    white = every[every["ethnicity"] == "White"]
    assert (white["rri"] == 1).all() and (white["status"] == "reference").all()
    shown = every[["rate", "rate_ci_low", "rate_ci_high", "rri", "rri_ci_low", "rri_ci_high"]]
    assert np.isfinite(shown.astype(float).to_numpy()[~shown.isna().to_numpy()]).all()
    assert every["status"].str.len().gt(0).all()


def test_england_and_regions_are_the_sums_of_their_councils(every):
    councils = every[~every["la_code"].str.startswith(("E12", "E13", "E92"))]
    for code in areas.region_codes() + [areas.ENGLAND_CODE]:
        members = councils[councils["la_code"].isin(areas.members(code))]
        want = members.groupby("ethnicity")[["events", "population"]].sum()
        got = every[every["la_code"] == code].set_index("ethnicity")[["events", "population"]]
        assert (got.loc[want.index] == want).all().all(), code
    assert every.loc[every["la_code"] == areas.ENGLAND_CODE, "la_name"].iloc[0] == "England"


def test_each_council_sees_its_ten_neighbours_named():
    every = va.every_area(FIGURES, "permanent_exclusion", "2024/25")
    for code in areas.councils()["la_code"]:
        t = va.for_council(every, code, "neighbours")
        nb = t[t["role"] == "neighbour"].drop_duplicates("la_code")
        assert list(nb["la_code"]) == list(areas.neighbours_of(code)["neighbour_code"])
        assert nb["la_name"].str.len().gt(0).all() and len(t) == 66


def test_compare_keeps_its_roles_and_ranks_do_not_depend_on_the_council():
    every = va.every_area(FIGURES, "suspension", "2024/25")
    roles = {c: set(va.for_council(every, "Islington", c)["role"]) for c in va.COMPARES}
    assert roles == {"neighbours": {"area", "neighbour"}, "region": {"area", "region"},
                     "england": {"area", "england"},
                     "all": {"area", "neighbour", "region", "england", "other"}}
    region = va.for_council(every, "Islington", "region")
    assert list(region.drop_duplicates("la_code")["la_name"]) == ["Islington", "Inner London",
                                                                  "London"]
    a = va.for_council(every, "Islington").set_index(["la_code", "ethnicity"])["rank"]
    b = va.for_council(every, "Manchester").set_index(["la_code", "ethnicity"])["rank"]
    common = a.index.intersection(b.index)
    assert len(common) == 153 * 6 + 6 and a.loc[common].equals(b.loc[common])


def test_ranks_and_rank_intervals(every):
    ranked = every[every["rank"].notna()]
    assert ranked["la_code"].str.startswith(("E06", "E08", "E09", "E10")).all()
    assert ranked["rank"].between(1, 153).all()
    assert (ranked["rank_ci_low"] <= ranked["rank"]).all()
    assert (ranked["rank"] <= ranked["rank_ci_high"]).all()
    for group, part in ranked.groupby("ethnicity"):
        assert part["rank"].min() == 1
        value = part["rate"] if group in ("", "White") else part["rri"]
        top = part.loc[value.astype(float).idxmax()]
        assert top["rank"] == 1


def _row(t, name, group):
    return t[(t["la_name"] == name) & (t["ethnicity"] == group)].iloc[0]


def test_permanent_exclusion_intervals_against_statsmodels_and_scipy():
    t = va.area_table(FIGURES, "Islington", "permanent_exclusion", "2023/24")
    for name in ("England", "London", "Birmingham", "Islington", "Lambeth"):
        row, ref = _row(t, name, "Black"), _row(t, name, "White")
        a, n, c, m = (int(x) for x in (row["events"], row["population"], ref["events"],
                                       ref["population"]))
        lo, hi = proportion_confint(a, n, alpha=0.05, method="wilson")
        assert row["rate_ci_low"] == pytest.approx(lo * 100, rel=1e-9, abs=1e-12)
        assert row["rate_ci_high"] == pytest.approx(hi * 100, rel=1e-9)
        if a >= 20 and c >= 20:             # the score interval (Miettinen-Nurminen)
            lo, hi = confint_proportions_2indep(a, n, c, m, method="score", compare="ratio")
        else:                               # the exact conditional interval
            ci = stats.binomtest(a, a + c).proportion_ci(0.95, method="exact")
            lo, hi = (p * m / ((1 - p) * n) for p in (ci.low, ci.high))
        assert row["rri_ci_low"] == pytest.approx(lo, rel=1e-5, abs=1e-9), name
        assert row["rri_ci_high"] == pytest.approx(hi, rel=1e-5), name


def test_suspension_intervals_treat_counts_as_overdispersed_events():
    t = va.area_table(FIGURES, "Islington", "suspension", "2023/24")
    phi = areas.DISPERSION
    assert phi == pytest.approx(954952 / 341266)
    for name in ("Islington", "Camden", "England"):
        row, ref = _row(t, name, "Black"), _row(t, name, "White")
        a, n, c, m = (int(x) for x in (row["events"], row["population"], ref["events"],
                                       ref["population"]))
        lo, hi = confint_poisson(a / phi, n / phi, method="exact-c")
        assert row["rate_ci_low"] == pytest.approx(lo * 100, rel=1e-6)
        assert row["rate_ci_high"] == pytest.approx(hi * 100, rel=1e-6)
        p_lo = stats.beta.ppf(0.025, a / phi, c / phi + 1)
        p_hi = stats.beta.ppf(0.975, a / phi + 1, c / phi)
        assert row["rri_ci_low"] == pytest.approx(p_lo * m / ((1 - p_lo) * n), rel=1e-6)
        assert row["rri_ci_high"] == pytest.approx(p_hi * m / ((1 - p_hi) * n), rel=1e-6)
        # wider than a Poisson interval that took each suspension as independent
        ci = stats.binomtest(a, a + c).proportion_ci(0.95, method="exact")
        assert row["rri_ci_high"] > ci.high * m / ((1 - ci.high) * n)


def test_funnel_against_england():
    t = va.area_table(FIGURES, "Islington", "suspension", "2023/24")
    f = va.funnel_points(t, "Black")
    england = _row(t, "England", "Black")
    assert f.attrs["target"] == pytest.approx(float(england["rri"]))
    assert len(f) == 153 and set(f["role"]) == {"area", "neighbour", "other"}
    drawn = f[f["position"] != "not computable"]
    above = drawn["ratio"] > drawn["upper_99.8%"]
    assert (drawn.loc[above, "position"] == "above 99.8% limit").all()
    assert f.loc[f["la_name"] == "Lambeth", "position"].iloc[0] == "above 99.8% limit"


def test_bad_choices_are_refused_with_the_options():
    with pytest.raises(areas.UnknownCouncil, match="Islington"):
        va.area_table(FIGURES, "Islingtn", "suspension", "2023/24")
    with pytest.raises(ValueError, match="2023/24, 2024/25"):
        va.area_table(FIGURES, "Islington", "suspension", "2019/20")
    with pytest.raises(ValueError, match="permanent_exclusion"):
        va.area_table(FIGURES, "Islington", "exclusions", "2023/24")
    with pytest.raises(ValueError, match="Asian, Black"):
        va.area_table(FIGURES, "Islington", "suspension", "2023/24", reference="Purple")
