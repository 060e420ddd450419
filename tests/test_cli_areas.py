"""`python -m analytics areas`: the public interface of issue 24, run as a user runs it."""
from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics.data import areas
from tests.ees_files import standard_csv

COLUMNS = ["la_code", "la_name", "role", "ethnicity", "events", "population", "rate",
           "rate_ci_low", "rate_ci_high", "rri", "rri_ci_low", "rri_ci_high", "rank",
           "rank_ci_low", "rank_ci_high", "status"]


def run(*args):
    return subprocess.run([sys.executable, "-m", "analytics", *map(str, args)],
                          capture_output=True, text=True)


def _csv(path) -> tuple[pd.DataFrame, str]:
    text = path.read_text()
    table = pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False,
                        dtype={"ethnicity": str})
    return table, text


def test_islington_and_its_neighbours_exactly_as_published(tmp_path):
    out = tmp_path / "isl.csv"
    r = run("areas", "--la", "Islington", "--indicator", "suspension", "--period", "2023/24",
            "--compare", "neighbours", "--out", out)
    assert r.returncode == 0, r.stderr
    table, text = _csv(out)
    assert list(table.columns) == COLUMNS and len(table) == 66
    assert set(table["role"]) == {"area", "neighbour"}
    assert list(table.drop_duplicates("la_code")["la_name"][1:]) == list(
        areas.neighbours_of("E09000019")["neighbour_name"])
    shipped = areas.shipped().query("period == '2023/24' and indicator == 'suspension'")
    merged = table.merge(shipped, on=["la_code", "ethnicity"], suffixes=("", "_pub"))
    assert len(merged) == 66
    assert (merged["events"] == merged["events_pub"]).all()
    assert (merged["population"] == merged["population_pub"]).all()
    all_pupils = table[table["ethnicity"] == ""]
    assert len(all_pupils) == 11 and (all_pupils["rri"] == "").all()
    ok = table[table["status"] == "ok"].copy()
    ref = table[table["ethnicity"] == "White"].set_index("la_code")
    ratio = (ok["events"] / ok["population"]) / (ref.loc[ok["la_code"], "events"].to_numpy()
                                                 / ref.loc[ok["la_code"], "population"].to_numpy())
    assert (ok["rri"].astype(float) - ratio).abs().max() < 1e-9
    assert "not perturbed" in text and "suspensions per 100 pupils" in text
    assert "# command: python -m analytics areas --la Islington" in text


def test_england_row_is_the_sum_of_the_councils(tmp_path):
    out = tmp_path / "all.csv"
    r = run("areas", "--la", "E06000001", "--indicator", "permanent_exclusion", "--period",
            "2024/25", "--out", out)
    assert r.returncode == 0, r.stderr
    table, _ = _csv(out)
    assert len(table) == 153 * 6 + 6 + 6              # councils, North East and England
    england = table[table["la_code"] == "E92000001"].set_index("ethnicity")
    counts = table[["events", "population"]].apply(pd.to_numeric)   # blank: no figure
    councils = counts[table["role"].isin(["area", "neighbour", "other"])]
    sums = councils.groupby(table["ethnicity"]).sum()
    got = england.loc[sums.index, ["events", "population"]].apply(pd.to_numeric)
    assert (got == sums).all().all() and len(sums) == 6
    assert england.loc["", "role"] == "england"
    assert set(table.loc[table["role"] == "region", "la_name"]) == {"North East"}


def test_excel_and_parquet_carry_the_metadata(tmp_path):
    for suffix in ("xlsx", "parquet"):
        out = tmp_path / f"t.{suffix}"
        r = run("areas", "--la", "Camden", "--indicator", "suspension", "--period", "2024/25",
                "--compare", "england", "--level", "0.9", "--out", out)
        assert r.returncode == 0, r.stderr
        if suffix == "xlsx":
            book = pd.read_excel(out, sheet_name=None)
            assert list(book["data"].columns) == COLUMNS and len(book["data"]) == 12
            meta = dict(zip(book["metadata"]["item"], book["metadata"]["value"]))
        else:
            arrow = pq.read_table(out)
            assert arrow.schema.names == COLUMNS and arrow.num_rows == 12
            meta = {k.decode().split(".", 1)[1]: v.decode()
                    for k, v in arrow.schema.metadata.items() if k.startswith(b"disprop")}
        assert meta["council"] == "Camden" and meta["interval_level"] == "0.9"
        assert "not perturbed" in meta["protection"]
        assert meta["symbols"].startswith("Published figures of DfE, not perturbed")


@pytest.mark.parametrize("args,message", [
    (["--la", "Islingtn"], "closest: Islington"),
    (["--la", "Hull"], "Kingston upon Hull, City of"),
    (["--la", "Islington", "--period", "2019/20"], "the years held are 2023/24, 2024/25"),
    (["--la", "Islington", "--reference", "Purple"], "unknown reference group"),
    (["--la", "Islington", "--level", "95"], "--level must be between 0 and 1"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "x.csv"
    base = {"--indicator": "suspension", "--period": "2024/25"}
    given = dict(zip(args[::2], args[1::2]))
    flags = [x for k, v in {**base, **given}.items() for x in (k, v)]
    r = run("areas", *flags, "--out", out)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and not out.exists()


def test_an_imported_release_is_a_year_the_command_offers(tmp_path):
    """DfE's open-data CSV (the 2024/25 figures relabelled 2025/26: a test fixture) imported,
    then compared; the user store is the test's own (conftest)."""
    src = tmp_path / "exclusions_202526.csv"
    src.write_bytes(standard_csv("2024/25", time_period="202526"))
    r = run("import", src, "--name", "release_next")
    assert r.returncode == 0, r.stderr
    assert "areas dataset 'release_next'" in r.stdout
    out = tmp_path / "next.csv"
    r = run("areas", "--la", "Islington", "--indicator", "suspension", "--period", "2025/26",
            "--compare", "neighbours", "--out", out)
    assert r.returncode == 0, r.stderr
    new, text = _csv(out)
    old_out = tmp_path / "old.csv"
    assert run("areas", "--la", "Islington", "--indicator", "suspension", "--period",
               "2024/25", "--compare", "neighbours", "--out", old_out).returncode == 0
    old, _ = _csv(old_out)
    assert new[["la_code", "ethnicity", "events", "population", "rri"]].equals(
        old[["la_code", "ethnicity", "events", "population", "rri"]])
    assert "DfE open data CSV exclusions_202526.csv" in text
