"""National figures and Census denominators: the shipped figures recomputed from their own
counts within the published rounding; the alternate ratio and the benchmark's own RRI checked
by hand and against scipy; honest refusals where the benchmark measures something else; paired
rates for counts-only data, with the years stated."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from scipy.stats.contingency import relative_risk

from analytics.data import benchmarks
from analytics.data import population as pop
from analytics.stats.rri import rri_table
from analytics.views.benchmark import compare
from analytics.views.denominators import paired_rri, year_gap
from analytics.views.tables import Options
from tests import returns_writers as w

NO_SUPPRESSION = Options(comparison="overall", suppress=0, adjust="none")


def figures(outcome, local_period, grouping="five", sex="All", benchmark="england"):
    part = benchmarks.rows(benchmark, outcome)
    return part[(part["local_period"] == local_period) & (part["grouping"] == grouping)
                & (part["sex"] == sex)].set_index("group")


# -- the shipped figures against their own published totals and rates ---------------------

def test_exclusion_rates_recomputed_within_rounding():
    """England 2023/24: the counts give DfE's published rates (5 decimal places) back."""
    total = figures("permanent_exclusion", "2023/24", "total").loc["All"]
    assert total["events"] / total["population"] * 100 == pytest.approx(0.12889, abs=5e-6)
    susp = benchmarks.rows("england", "suspension")
    events = susp[(susp["group"] == "All") & susp["measure"].str.startswith("suspensions")]
    events = events[events["local_period"] == "2023/24"].iloc[0]
    assert events["events"] / events["population"] * 100 == pytest.approx(11.30744, abs=5e-6)
    pupils = susp[susp["measure"].str.startswith("pupils")].iloc[0]
    assert pupils["events"] / pupils["population"] * 100 == pytest.approx(pupils["published_rate"], abs=5e-6)


def test_exclusion_groups_within_all_pupils():
    """'All pupils' includes unclassified ethnicity: it exceeds the groups' sum, by under 3%."""
    for period in ("2023/24", "2024/25"):
        groups = figures("permanent_exclusion", period)
        total = figures("permanent_exclusion", period, "total").loc["All"]
        assert groups["population"].sum() < total["population"] < 1.03 * groups["population"].sum()
        assert groups["events"].sum() <= total["events"]


def test_children_in_need_groups_add_up_within_rounding():
    """Counts rounded to the nearest 10: five groups sum to the known-ethnicity total within
    the rounding of six numbers (6 x 5)."""
    part = benchmarks.rows("england", "cin")
    for (period, sex), rows in part.groupby(["local_period", "sex"]):
        five = rows.loc[rows["grouping"] == "five", "events"].sum()
        known = rows.loc[rows["group"] == "Known ethnicity", "events"].iloc[0]
        assert abs(five - known) <= 30, (period, sex)


def test_custody_population_groups_sum_to_total():
    part = benchmarks.rows("england", "custody_population")
    for period, rows in part.groupby("local_period"):
        groups = rows.loc[rows["grouping"] == "five", "events"].sum()
        assert groups == rows.loc[rows["group"] == "All", "events"].iloc[0]


def test_census_populations_add_up():
    ew = pop.shipped("census2021_england_wales")
    assert ew["population"].sum() == 5_635_559          # ONS national total, all groups
    borough = pop.shipped("census2021_borough")
    assert set(borough["sex"]) == {"Female", "Male"} and borough["population"].sum() == 15_341
    assert pop.restrict(borough, 10, 17, by_sex=False)["population"].sum() == 15_341


#: PRISM-R's RRIs (White reference) and 95% exact conditional intervals, as the shared
#: reference data records them (third-party check values, not official figures).
THIRD_PARTY = {
    ("arrest", "2024/25", "Black"): (1.7570899704223333, 1.706491, 1.808902),
    ("arrest", "2024/25", "Asian"): (0.5170511003039413, 0.498132, 0.536533),
    ("stop_and_search", "2024/25", "Black"): (2.4038739363559065, 2.353544, 2.455096),
    ("custody_given_offence", "2022/23", "Other"): (1.8332773109243699, 0.826768, 3.54733),
    ("custody_given_offence", "2024/25", "Mixed"): (1.30897059929318, 0.873505, 1.903219),
    ("custody_given_offence", "2022/23,2023/24,2024/25", "Black"): (1.594010092078677, 1.354201, 1.869751),
    ("remand_given_offence", "2024/25", "Black"): (1.9161644831587923, 1.635148, 2.241532),
    ("remand_given_offence", "2024/25", "Other"): (2.0937604270937604, 1.530569, 2.809148),
}


@pytest.mark.parametrize("key, expected", THIRD_PARTY.items(), ids=lambda v: str(v))
def test_youth_justice_rri_recomputed_from_shipped_counts(key, expected):
    outcome, period, group = key
    part = figures(outcome, period).reset_index()
    table = part[["group", "events", "population"]].astype({"events": int, "population": int})
    out = rri_table(table, "group", comparison="reference", reference={"group": "White"},
                    ci="exact", adjust="none").set_index("group").loc[group]
    assert out["rri"] == pytest.approx(expected[0], rel=1e-9)
    assert (out["rri_ci_low"], out["rri_ci_high"]) == pytest.approx(expected[1:], abs=1e-6)


# -- the comparison ------------------------------------------------------------------------

LOCAL = pd.DataFrame({"ethnicity_code": ["WBRI", "WOTH", "BCRB", "BAFR", "MWBC", "AIND", "CHNE", "OOTH"],
                      "events": [30, 9, 12, 14, 8, 3, 0, 4],
                      "population": [9000, 2500, 1900, 2400, 1500, 900, 300, 800]})


def test_alternate_ratio_by_hand():
    """rri = the borough group's rate over England's rate for the same group; the interval is
    the group's own (Wilson, or Clopper-Pearson when small) over England's rate."""
    out = compare(LOCAL, "permanent_exclusion", ["2023/24"], options=NO_SUPPRESSION,
                  unit=10_000).set_index("ethnicity_5")
    eng = figures("permanent_exclusion", "2023/24")
    local = {"White": (39, 11500), "Black": (26, 4300), "Mixed": (8, 1500), "Asian": (3, 1200),
             "Other": (4, 800)}
    for group, (a, n) in local.items():
        b = eng.loc[group, "events"] / eng.loc[group, "population"]
        row = out.loc[group]
        assert (row["events"], row["population"]) == (a, n)
        assert row["rri"] == pytest.approx((a / n) / b)
        assert row["reference_rate"] == pytest.approx(b * 10_000)
        ci = binomtest(a, n).proportion_ci(0.95, method="exact")
        if row["ci_method"] == "exact":
            assert (row["rri_ci_low"], row["rri_ci_high"]) == pytest.approx((ci.low / b, ci.high / b))
        else:
            z, p = 1.959963984540054, a / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            assert (row["rri_ci_low"], row["rri_ci_high"]) == pytest.approx(((centre - half) / b, (centre + half) / b))
    assert out.loc["White", "status"] == "ok"


def test_benchmark_own_rri_matches_scipy():
    """England's RRI of each group against White, from its published counts (Katz)."""
    options = Options(comparison="reference", suppress=0, adjust="none", ci="katz")
    out = compare(LOCAL, "permanent_exclusion", ["2024/25"], options=options,
                  unit=10_000).set_index("ethnicity_5")
    eng = figures("permanent_exclusion", "2024/25")
    white = eng.loc["White"]
    for group in ("Black", "Mixed", "Asian", "Other"):
        rr = relative_risk(int(eng.loc[group, "events"]), int(eng.loc[group, "population"]),
                           int(white["events"]), int(white["population"]))
        ci = rr.confidence_interval(0.95)
        row = out.loc[group]
        assert row["benchmark_rri"] == pytest.approx(rr.relative_risk)
        assert (row["benchmark_rri_ci_low"], row["benchmark_rri_ci_high"]) == pytest.approx((ci.low, ci.high))
        assert row["local_rri"] == pytest.approx((row["events"] / row["population"]) / (39 / 11500))
    assert out.attrs["benchmark_comparison"] == "White children"


def test_suspension_is_not_compared_with_a_count_of_suspensions():
    out = compare(LOCAL, "suspension", ["2023/24"], options=NO_SUPPRESSION)
    assert out["rri"].isna().all()
    assert out["status"].str.startswith("not comparable: England counts suspensions").all()
    assert out["benchmark_rri"].notna().all()           # England's own ratio is still shown
    assert out.attrs["totals"]["comparable"] is True    # pupils with 1+ suspension: all pupils
    assert out.attrs["totals"]["benchmark_rate"] == pytest.approx(341266 / 8445343 * 100)


def test_children_in_need_shares_not_rates():
    out = compare(LOCAL, "cin", ["2024/25"], options=NO_SUPPRESSION, unit=10_000).set_index("ethnicity_5")
    assert out["rri"].isna().all() and out["benchmark_rri"].isna().all()
    assert out["benchmark_status"].str.contains("counts without a population").all()
    eng = figures("cin", "2023/24")
    assert out.loc["Black", "benchmark_share"] == pytest.approx(eng.loc["Black", "events"] / eng["events"].sum())
    assert out["share"].sum() == pytest.approx(1) and out.loc["Black", "share"] == pytest.approx(26 / 80)
    assert any("closest published are for 31 March 2024" in n for n in out.attrs["notes"])


def test_rates_only_benchmark_has_no_interval():
    local = pd.DataFrame({"ethnicity_major": ["White", "Black", "Mixed", "Asian", "Chinese", "Any other ethnic group"],
                          "events": [70, 40, 30, 10, 1, 8], "population": [1900, 900, 700, 450, 40, 300]})
    out = compare(local, "neet", ["2024/25"], options=Options(comparison="reference", suppress=0),
                  column="ethnicity_major").set_index("ethnicity_major")
    assert out.loc["Mixed", "benchmark_rri"] == pytest.approx(5.8 / 6.2)
    assert out["benchmark_rri_ci_low"].isna().all()
    assert "Chinese" in out.index and out["rri"].isna().all()       # NEET or not known: not compared


def test_small_borough_counts_are_protected():
    """The borough's counts go through the same protection as every view: published counts
    (never 1 or 2), a group of fewer than 5 children showing its size only, and no share that
    would let a hidden count be worked out."""
    small = LOCAL.assign(events=[3, 0, 1, 2, 0, 0, 0, 1],
                         population=[9000, 2500, 1900, 2400, 1500, 900, 300, 3])
    out = compare(small, "permanent_exclusion", ["2023/24"], options=Options()).set_index("ethnicity_5")
    hidden = out["status"].astype(str).str.startswith("suppressed")
    assert list(out.index[hidden]) == ["Other"]
    assert out.loc[hidden, ["events", "rri", "local_rri"]].isna().all().all()
    shown = out.loc[~hidden, "events"].astype(int)
    assert not shown.isin([1, 2]).any()
    assert out["share"].isna().all()                      # a share would reveal the hidden count
    assert out.attrs["protection"] == "cell key"


def test_benchmark_command(borough_db, tmp_path):
    out = tmp_path / "england.csv"
    r = subprocess.run([sys.executable, "-m", "analytics", "rri", "--db", str(borough_db),
                        "--outcome", "permanent_exclusion", "--period", "2023/24",
                        "--comparison", "benchmark", "--benchmark", "england", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    assert {"ethnicity_5", "rri", "benchmark_rri", "local_rri", "benchmark_period"} <= set(table.columns)
    assert set(table["benchmark_period"]) == {"2023/24"}
    meta = out.read_text()
    assert "# benchmark: England (England, 2023/24)" in meta and "# comparison: benchmark" in meta
    bad = subprocess.run([sys.executable, "-m", "analytics", "rri", "--db", str(borough_db),
                          "--outcome", "camhs", "--comparison", "benchmark", "--benchmark", "england",
                          "--out", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert bad.returncode == 2 and "no England figures for 'camhs'" in bad.stderr


# -- Census denominators -------------------------------------------------------------------

def test_paired_rates_by_hand(tmp_path):
    events = pd.DataFrame({"ethnicity": ["White", "Black or Black British", "Mixed", "Asian", "Other ethnic group"],
                           "events": [20, 35, 12, 5, 6]})
    table = pop.shipped("census2021_borough")
    out = paired_rri(events, "custody", ["2022/23", "2023/24"], table, column="ethnicity",
                     options=NO_SUPPRESSION).set_index("ethnicity_5")
    ten = pop.restrict(table, 10, 17, by_sex=False).set_index("group")["population"]
    assert out.loc["Black", "population"] == 2 * ten["Black"]      # two years pooled
    assert out.loc["Black", "rate"] == pytest.approx(35 / (2 * ten["Black"]) * 10_000)
    note = out.attrs["notes"][-1]
    assert "2022/23 to 2023/24, 2 years after the Census day (21 March 2021)" in note
    assert "counted once for each of the 2 years" in note


def test_population_import_in_the_ons_layout(tmp_path):
    path = tmp_path / "ons.csv"
    path.write_text(w.ons_custom_dataset(ages=range(8, 18)))
    table = pop.read_ons(path, path.read_bytes())
    raw = pd.read_csv(path)
    assert table["population"].sum() == raw["Observation"].sum()
    assert set(table["group"]) == {"Asian", "Black", "Mixed", "White", "Other"}
    with pytest.raises(ValueError, match="covers ages 8-17, not every age 0-17"):
        pop.restrict(table, 0, 17, by_sex=True)
    assert pop.restrict(table, 10, 17, by_sex=True)["population"].sum() == \
        raw.loc[raw["Age (101 categories) Code"] >= 10, "Observation"].sum()


def test_year_gap_wording():
    assert "from 2023/24, 3 years after the Census day" in year_gap(["2023/24"])
    assert "1 year before" in year_gap(["2019/20"])
    assert "in which the Census day falls" in year_gap(["2020/21"])
