"""The command line: `python -m analytics rri` from a counts file and from the database."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from scipy.stats.contingency import relative_risk

GOOD = "ethnicity,events,population\nWhite British,40,1000\nBlack Caribbean,30,250\nBlack African,2,300\n"


def run(*args):
    return subprocess.run([sys.executable, "-m", "analytics", *map(str, args)],
                          capture_output=True, text=True)


def test_rri_from_counts_file_matches_scipy(tmp_path):
    src, out = tmp_path / "counts.csv", tmp_path / "out.csv"
    src.write_text(GOOD)
    r = run("rri", "--counts", src, "--comparison", "reference", "--reference", "White British",
            "--ci", "katz", "--adjust", "none", "--suppress", "0", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#").set_index("ethnicity")
    expected = relative_risk(30, 250, 40, 1000)
    ci = expected.confidence_interval(0.95)
    row = table.loc["Black Caribbean"]
    assert row["rri"] == pytest.approx(expected.relative_risk)
    assert (row["rri_ci_low"], row["rri_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert table.loc["White British", "rri"] == 1


def test_protection_is_on_by_default(tmp_path):
    """By default counts are published through the cell-key method (never 1 or 2, the same
    every run) and a group of fewer than 5 children shows its size only; --suppress 0 gives
    the true counts and says so."""
    src, out, again, secure = (tmp_path / n for n in ("c.csv", "o.csv", "a.csv", "s.csv"))
    src.write_text(GOOD + "Gypsy/Roma,1,3\n")
    assert run("rri", "--counts", src, "--comparison", "overall", "--out", out).returncode == 0
    assert run("rri", "--counts", src, "--comparison", "overall", "--out", again).returncode == 0
    table = pd.read_csv(out, comment="#", dtype=str).set_index("ethnicity")
    assert table.equals(pd.read_csv(again, comment="#", dtype=str).set_index("ethnicity"))
    shown = pd.to_numeric(table["events"], errors="coerce").dropna()
    assert not shown.isin([1, 2]).any()
    roma = table.loc["Gypsy/Roma"]
    if roma["population"] in ("3", "4"):
        assert roma["events"] == "[c]" and roma["rri"] == "[c]"
    assert "cell-key method" in out.read_text()
    assert run("rri", "--counts", src, "--comparison", "overall", "--suppress", "0",
               "--out", secure).returncode == 0
    true = pd.read_csv(secure, comment="#").set_index("ethnicity")
    assert true.loc["Black African", "events"] == 2
    assert "Secure setting: true counts" in secure.read_text()


@pytest.mark.parametrize("content, row, column", [
    ("ethnicity,events\nA,1\n", None, "population"),
    ("ethnicity,events,population\nA,5,100\nB,-1,100\n", 3, "events"),
    ("ethnicity,events,population\nA,5,100\nB,120,100\n", 3, "events"),
    ("ethnicity,events,population\nA,five,100\n", 2, "events"),
    ("ethnicity,events,population\nA,5,100\nA,6,90\n", 3, "ethnicity"),
])
def test_bad_counts_file_is_refused_with_row_and_column(tmp_path, content, row, column):
    src, out = tmp_path / "bad.csv", tmp_path / "out.csv"
    src.write_text(content)
    r = run("rri", "--counts", src, "--comparison", "overall", "--out", out)
    assert r.returncode != 0
    assert "bad.csv" in r.stderr and f"column '{column}'" in r.stderr
    if row is not None:
        assert f"row {row}" in r.stderr
    assert not out.exists()


def test_wrong_delimiter_is_named(tmp_path):
    src, out = tmp_path / "semi.csv", tmp_path / "out.csv"
    src.write_text("ethnicity;events;population\nA;5;100\n")
    r = run("rri", "--counts", src, "--comparison", "overall", "--out", out)
    assert r.returncode != 0 and "semi.csv" in r.stderr and "';'" in r.stderr
    assert not out.exists()


def test_empty_counts_file(tmp_path):
    src, out = tmp_path / "empty.csv", tmp_path / "out.csv"
    src.write_text("")
    r = run("rri", "--counts", src, "--comparison", "overall", "--out", out)
    assert r.returncode != 0 and "empty" in r.stderr and not out.exists()


def test_rri_from_database(borough_db, tmp_path):
    out = tmp_path / "custody.csv"
    r = run("rri", "--db", borough_db, "--outcome", "suspension", "--by", "ethnicity_minor,sex",
            "--period", "2023/24,2024/25", "--comparison", "reference", "--reference",
            "ethnicity_minor=White British", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    ref = table[table["ethnicity_minor"] == "White British"]
    assert set(pd.to_numeric(ref["rri"])) == {1.0} and len(ref) == 2   # one per sex stratum
    bc = table[(table["ethnicity_minor"] == "Black Caribbean") & (table["sex"] == "Male")].iloc[0]
    assert float(bc["rri"]) > 2 and str(bc["significant"]) == "True"


def test_rri_by_period_from_database(borough_db, tmp_path):
    out = tmp_path / "by_period.csv"
    r = run("rri", "--db", borough_db, "--outcome", "cin", "--by", "ethnicity_major,period",
            "--period", "all", "--comparison", "overall", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    assert table["period"].nunique() == 10


def test_unknown_period_is_refused(borough_db, tmp_path):
    r = run("rri", "--db", borough_db, "--outcome", "cin", "--period", "1999/00",
            "--comparison", "overall", "--out", tmp_path / "x.csv")
    assert r.returncode != 0 and "1999/00" in r.stderr


# -- isr, explain, followup --------------------------------------------------------------

ISR_COUNTS = ("group,fsm,events,population\nA,yes,20,100\nA,no,5,100\nB,yes,10,200\n"
              "B,no,15,600\n")


def test_isr_from_counts_file_hand_worked(tmp_path):
    """Standard = both groups: FSM 30/300, not FSM 20/700. A: expected 100 x 0.1 + 100/35
    = 12.857, observed 25, ISR 1.944; B: expected 20 + 600/35 = 37.143, ISR 0.673."""
    src, out = tmp_path / "counts.csv", tmp_path / "isr.csv"
    src.write_text(ISR_COUNTS)
    r = run("isr", "--counts", src, "--group-cols", "group", "--strata", "fsm", "--ci", "exact",
            "--suppress", "0", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#").set_index("group")
    assert list(table.columns) == ["observed", "expected", "isr", "isr_ci_low", "isr_ci_high", "status"]
    assert table.loc["A", "isr"] == pytest.approx(1.944444, abs=1e-6)
    assert table.loc["B", "expected"] == pytest.approx(37.142857, abs=1e-6)


def test_isr_with_a_supplied_standard_and_level(tmp_path):
    src, std, out = tmp_path / "counts.csv", tmp_path / "england.csv", tmp_path / "isr.csv"
    src.write_text(ISR_COUNTS)
    std.write_text("fsm,events,population\nyes,500,5000\nno,200,10000\n")
    r = run("isr", "--counts", src, "--group-cols", "group", "--strata", "fsm", "--standard", std,
            "--level", "0.998", "--suppress", "0", "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "# standard: file england.csv" in text
    table = pd.read_csv(out, comment="#").set_index("group")
    assert table.loc["A", "expected"] == pytest.approx(100 * 0.1 + 100 * 0.02)


def test_isr_bad_standard_is_refused_with_row_and_column(tmp_path):
    src, std, out = tmp_path / "counts.csv", tmp_path / "bad.csv", tmp_path / "isr.csv"
    src.write_text(ISR_COUNTS)
    std.write_text("fsm,events,population\nyes,500,5000\nno,-3,10000\n")
    r = run("isr", "--counts", src, "--group-cols", "group", "--strata", "fsm", "--standard", std,
            "--out", out)
    assert r.returncode == 2
    assert "bad.csv" in r.stderr and "row 3" in r.stderr and "column 'events'" in r.stderr
    assert not out.exists()


def test_isr_from_database_is_suppressed(borough_db, tmp_path):
    out = tmp_path / "isr.csv"
    r = run("isr", "--db", borough_db, "--outcome", "permanent_exclusion", "--by", "ethnicity_minor",
            "--strata", "fsm_status,sen_status", "--period", "all", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    shown = pd.to_numeric(table["observed"], errors="coerce").dropna()
    assert not shown.isin([1, 2]).any()             # published counts: never a 1 or 2


def test_explain_command(borough_db, tmp_path):
    out = tmp_path / "gap.csv"
    r = run("explain", "--db", borough_db, "--outcome", "suspension", "--by", "ethnicity_major,sex",
            "--period", "2023/24,2024/25", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    row = table[(table["ethnicity_major"] == "Black") & (table["sex"] == "Male")].iloc[0]
    assert float(row["crude_rri"]) > float(row["adjusted_rri"]) > 1
    # protected (the default): fitted on published cells, pooled years by design effects
    assert "published (perturbed) counts of its cells" in out.read_text()
    assert "design effect" in out.read_text()
    secure = tmp_path / "gap-secure.csv"
    r = run("explain", "--db", borough_db, "--outcome", "suspension", "--by", "ethnicity_major,sex",
            "--period", "2023/24,2024/25", "--suppress", "0", "--out", secure)
    assert r.returncode == 0, r.stderr
    assert "clustered by child" in secure.read_text()
    # the two fits agree closely on a large group (the perturbation is small beside it)
    both = table.merge(pd.read_csv(secure, comment="#"), on=["ethnicity_major", "sex"])
    big = both[(both["ethnicity_major"] == "Black") & (both["sex"] == "Male")].iloc[0]
    assert abs(big["adjusted_rri_x"] / big["adjusted_rri_y"] - 1) < 0.1


@pytest.mark.parametrize("view, column", [("groups", "adjusted_rri"), ("schools", "school"),
                                          ("youth-justice", "measure")])
def test_followup_command(borough_db, tmp_path, view, column):
    out = tmp_path / f"{view}.csv"
    r = run("followup", "--db", borough_db, "--view", view, "--years", "3",
            "--outcome", "proven_offence", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out, comment="#")
    assert column in table.columns and len(table)
    for col in ("events", "comparison_events"):
        if col in table.columns:
            shown = pd.to_numeric(table[col], errors="coerce").dropna()
            assert not shown.isin([1, 2]).any()


def test_followup_rejects_an_outcome_not_followed(borough_db, tmp_path):
    r = run("followup", "--db", borough_db, "--outcome", "cin", "--out", tmp_path / "x.csv")
    assert r.returncode != 0 and "cin" in r.stderr
