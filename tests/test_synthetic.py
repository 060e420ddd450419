"""The synthetic borough: deterministic, at the borough's scale, with the documented schema."""
from __future__ import annotations

import subprocess
import sys

import pytest

from analytics.data.db import connect, fingerprint
from analytics.data.queries import TABLES
from analytics.data.reference import ethnicity_table


def _build_cli(path, seed):
    subprocess.run([sys.executable, "-m", "analytics", "build", "--scale", "1", "--seed", str(seed),
                    "--db", str(path)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory):
    d = tmp_path_factory.mktemp("builds")
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        _build_cli(d / f"{name}.duckdb", seed)
    out = {}
    for name in "abc":
        with connect(d / f"{name}.duckdb") as con:
            out[name] = {t: fingerprint(con, t) for t in sorted(TABLES - {"build_info"})}
    return out


def test_same_seed_gives_identical_tables(three_builds):
    assert three_builds["a"] == three_builds["b"]


def test_different_seed_gives_different_data(three_builds):
    differ = [t for t in three_builds["a"] if three_builds["a"][t] != three_builds["c"][t]]
    assert {"children", "child_year"} <= set(differ)


def test_borough_scale(con):
    per_period = con.execute(
        "SELECT period, count(*), sum(on_roll::INT) FROM child_year GROUP BY 1 ORDER BY 1").fetchall()
    assert len(per_period) == 10
    for period, children, pupils in per_period:
        assert 38_000 <= children <= 42_000, period
        assert 21_000 <= pupils <= 25_000, period   # reference: 23,146 pupils in 2023/24


def test_section4_totals(con):
    """FTE fall from about 75 to 57, custody from about 30 to 9, about 365 looked after."""
    rows = dict((p, (f, c, l)) for p, f, c, l in con.execute(
        "SELECT period, sum(first_time_entrant::INT), sum(custody::INT), sum(looked_after::INT) "
        "FROM child_year GROUP BY 1").fetchall())
    fte_1617, custody_1617, _ = rows["2016/17"]
    fte_1920, custody_1920, lac_1920 = rows["2019/20"]
    assert 55 <= fte_1617 <= 95 and 40 <= fte_1920 <= 75
    assert 18 <= custody_1617 <= 42 and 3 <= custody_1920 <= 16
    assert 310 <= lac_1920 <= 420


def test_exclusions_match_real_scale(con):
    """DfE: 2,147 and 2,506 suspensions, 16 and 8 permanent exclusions (2023/24, 2024/25)."""
    for period, (lo, hi) in {"2023/24": (1800, 2600), "2024/25": (2100, 2900)}.items():
        susp, perm = con.execute(
            "SELECT sum(suspensions), sum(permanent_exclusion::INT) FROM child_year WHERE period = ?",
            [period]).fetchone()
        assert lo <= susp <= hi
        assert 2 <= perm <= 30


def test_schools(con):
    phases = dict(con.execute("SELECT phase, count(*) FROM schools GROUP BY 1").fetchall())
    assert phases == {"Primary": 45, "Secondary": 10}
    orphan = con.execute("SELECT count(*) FROM child_year WHERE on_roll AND school_id IS NULL").fetchone()[0]
    assert orphan == 0


def test_ethnicity_codes_all_known(con):
    codes = {r[0] for r in con.execute("SELECT DISTINCT ethnicity_code FROM children").fetchall()}
    assert codes <= set(ethnicity_table()["code"])
    assert len(codes) >= 18


def test_flags_only_where_they_apply(con):
    """NEET only at 16-17, offending only at 10-17, KS4 only in Year 11 (NULL elsewhere)."""
    bad = con.execute("""
        SELECT count(*) FILTER (WHERE neet IS NOT NULL AND age < 16),
               count(*) FILTER (WHERE proven_offence IS NOT NULL AND age < 10),
               count(*) FILTER (WHERE ks4_basics IS NOT NULL AND NOT (on_roll AND age = 15)),
               count(*) FILTER (WHERE custody AND NOT proven_offence),
               count(*) FILTER (WHERE looked_after AND NOT cin),
               count(*) FILTER (WHERE permanent_exclusion AND suspensions = 0)
        FROM child_year""").fetchone()
    assert bad == (0, 0, 0, 0, 0, 0)


def test_generator_records_its_true_effects(con):
    """generator_truth: per outcome, period and cell, the expected events (which the offsets
    were solved to give) and those expected with the White British offset of the same sex.
    White British cells are their own reference; the drawn events match the expected ones."""
    truth = con.execute("""
        SELECT ethnicity_code, sex, sum(children) AS children, sum(expected) AS expected,
               sum(expected_at_reference) AS at_reference
        FROM generator_truth WHERE outcome = 'suspension' GROUP BY ALL""").df().set_index(
        ["ethnicity_code", "sex"])
    white = truth.loc["WBRI"]
    assert (white["expected"] - white["at_reference"]).abs().max() < 1e-6
    bc = truth.loc[("BCRB", "Male")]
    assert bc["expected"] / bc["at_reference"] > 2            # a large true effect
    drawn, pupils = con.execute(
        "SELECT count(*) FILTER (WHERE suspended), count(*) FROM facts WHERE pupil").fetchone()
    assert truth["children"].sum() == pupils
    assert abs(drawn - truth["expected"].sum()) < 4 * truth["expected"].sum() ** 0.5
