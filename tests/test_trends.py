"""Pooling consecutive periods and persistence flags."""
import pandas as pd
import pytest

from analytics.stats.rri import rri_table
from analytics.stats.trends import period_positions, persistence, pool_periods

YEARS = ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20"]


def counts_for(periods, groups=("x", "y")):
    rows = []
    for i, p in enumerate(periods):
        for j, g in enumerate(groups):
            rows.append({"period": p, "grp": g, "events": 10 * i + j, "population": 100 + i})
    return pd.DataFrame(rows)


def test_pool_three_of_five_periods():
    out = pool_periods(counts_for(YEARS), 3, group_cols=["grp"])
    assert out["period"].unique().tolist() == ["2015/16 to 2017/18", "2016/17 to 2018/19",
                                               "2017/18 to 2019/20"]
    first_x = out[(out["period"] == "2015/16 to 2017/18") & (out["grp"] == "x")].iloc[0]
    assert first_x["events"] == 0 + 10 + 20          # years 0..2, group x
    assert first_x["population"] == 100 + 101 + 102
    last_y = out[(out["period"] == "2017/18 to 2019/20") & (out["grp"] == "y")].iloc[0]
    assert last_y["events"] == 21 + 31 + 41
    assert list(out.columns) == ["grp", "period", "events", "population"]
    assert len(out) == 6


def test_pool_skips_windows_across_a_gap_and_sorts_as_strings():
    periods = ["2019/20", "2015/16", "2016/17", "2018/19", "2020/21"]  # 2017/18 missing
    out = pool_periods(counts_for(periods), 3, group_cols=["grp"])
    assert out["period"].unique().tolist() == ["2018/19 to 2020/21"]
    assert pool_periods(counts_for(periods), 2, group_cols=["grp"])["period"].nunique() == 3


def test_pool_group_missing_in_a_period_counts_as_zero_and_default_group_cols():
    c = counts_for(YEARS[:3])
    c = c[~((c["grp"] == "y") & (c["period"] == "2016/17"))]
    out = pool_periods(c, 3)  # group_cols default: every other column
    y = out[out["grp"] == "y"].iloc[0]
    assert y["events"] == 1 + 21 and y["population"] == 100 + 102


def test_pool_edge_cases():
    assert pool_periods(counts_for(YEARS[:2]), 3, group_cols=["grp"]).empty
    same = pool_periods(counts_for(YEARS[:2]), 1, group_cols=["grp"])
    assert same["period"].tolist() == ["2015/16", "2015/16", "2016/17", "2016/17"]
    with pytest.raises(ValueError, match="n must"):
        pool_periods(counts_for(YEARS), 0, group_cols=["grp"])
    labels, pos = period_positions(["T2", "T1", "T3"])
    assert labels == ["T1", "T2", "T3"] and pos.tolist() == [0, 1, 2]


def results(rows):
    df = pd.DataFrame(rows, columns=["grp", "period", "rri", "significant"])
    df["rri"] = df["rri"].astype("Float64")
    df["significant"] = df["significant"].astype("boolean")
    return df


def test_persistence_by_hand():
    P = ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]
    rows = (
        # x: higher, significant in 2019-2021, then a break, then again
        [("x", p, 2.0, s) for p, s in zip(P, [True, True, True, False, True])]
        # y: lower and significant in the last three
        + [("y", p, 0.5, s) for p, s in zip(P, [False, None, True, True, True])]
        # z: significant every year but switching direction
        + [("z", p, r, True) for p, r in zip(P, [2.0, 0.5, 2.0, 0.5, 2.0])]
        # w: three significant years but with a gap (2021/22 missing)
        + [("w", p, 3.0, True) for p in ["2019/20", "2020/21", "2022/23"]]
    )
    out = persistence(results(rows), n=3, group_cols=["grp"])
    flag = dict(zip(zip(out["grp"], out["period"]), out["persistent"]))
    direction = dict(zip(zip(out["grp"], out["period"]), out["persistent_direction"]))
    assert [flag[("x", p)] for p in P] == [False, False, True, False, False]
    assert direction[("x", "2021/22")] == "higher"
    assert [flag[("y", p)] for p in P] == [False, False, False, False, True]
    assert direction[("y", "2023/24")] == "lower"
    assert not any(flag[("z", p)] for p in P)
    assert not any(flag[("w", p)] for p in ["2019/20", "2020/21", "2022/23"])
    assert pd.isna(direction[("x", "2019/20")])
    assert out["persistent"].dtype == "boolean"
    assert len(out) == len(rows)  # same rows, same order
    assert out["grp"].tolist() == [r[0] for r in rows]


def test_persistence_on_rri_table_output_uses_attrs():
    rows = []
    for p in YEARS:
        rows += [{"period": p, "grp": "r", "events": 50, "population": 1000},
                 {"period": p, "grp": "b", "events": 150, "population": 1000}]
    res = rri_table(pd.DataFrame(rows), "grp", by="period", reference="r")
    out = persistence(res, n=3)
    b = out[out["grp"] == "b"]
    assert b["persistent"].tolist() == [False, False, True, True, True]
    assert not out[out["grp"] == "r"]["persistent"].any()  # reference: no significance


def test_persistence_of_pooled_windows_needs_windows_that_do_not_overlap():
    """Three overlapping 3-year windows share most children: one chance excess would flag
    them all. With step 3 only windows 3 apart count, so a run needs 9 years."""
    labels = [f"{y}/{(y + 1) % 100:02d} to {y + 2}/{(y + 3) % 100:02d}" for y in range(2015, 2023)]
    sig = pd.DataFrame({"g": "A", "period": labels, "rri": 2.0,
                        "significant": pd.array([False] * 5 + [True] * 3, dtype="boolean")})
    sig.attrs = {"group_cols": ["g"], "by": ["period"], "pooled_periods": 3}
    out = persistence(sig, n=3)
    assert out.attrs["persistence_step"] == 3
    assert not out["persistent"].any()          # windows 2020, 2021, 2022 overlap
    every = sig.assign(significant=pd.array([True] * 8, dtype="boolean"))
    flagged = persistence(every, n=3)
    # the latest window is persistent: 2016-18, 2019-21 and 2022-24 are all significant
    assert flagged["persistent"].tolist() == [False] * 7 + [True]
    assert persistence(every, n=3, step=1)["persistent"].sum() == 6
