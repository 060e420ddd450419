"""Benchmark: build, full RRI matrix (from the counts cube and from the rows), the raw
GROUP BY floors over the cube and over the rows, pandas baseline, cold views, page rerun
and cold start, the "How we compare" page's opening and rerun, the adjusted model (what explains a gap) and the follow-up after exclusion,
at several scales on the same data; optionally the load test through the proxy.

    python -m bench [--scales 1,5,25,300] [--repeats 3] [--json FILE] [--keep DIR]
                    [--load 20x60 [--processes 2] [--load-scale S]]

Every figure is the median of `--repeats` runs (of FAST_REPEATS at least for the figures
that take milliseconds: the matrix, its read of the cube and the cube floor; builds at
scale >= 25 are repeated at most twice, and at scale >= 100 once, as are the figures that
scan every row there). Peak memory is the resident set size of a fresh process doing only
that job. The pandas baseline loads every row into memory, so it is run up to scale 25 only.
`--load SESSIONSxSECONDS` runs bench/load.py's websocket sessions against `--processes` app
processes behind nginx on the database of `--load-scale` (default: the first scale). No
timing is asserted anywhere: this prints figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.data import cube, queries  # noqa: E402
from analytics.data.counts import outcome_counts  # noqa: E402
from analytics.data.db import connect, periods  # noqa: E402
from analytics.data.reference import outcome_catalogue  # noqa: E402
from analytics.views.tables import Options, rri_for_outcome, rri_matrix  # noqa: E402

BREAKDOWN = ["ethnicity_minor", "sex"]
#: Scales above which figures that read every row are measured once, and pandas not at all.
BIG_SCALE = 100
PANDAS_MAX_SCALE = 25
#: Runs of the figures that take milliseconds (the matrix, its read and the cube floor), so
#: that their medians are steady: at least this many, whatever `--repeats` says.
FAST_REPEATS = 21


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_child(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON line (with its own peak RSS).

    Peak memory is VmHWM from /proc/self/status, the high-water mark of this process's own
    address space: getrusage's ru_maxrss would carry over the parent's peak across exec.
    """
    wrapper = ("import json, time, sys\nsys.path.insert(0, %r)\n_t0 = time.perf_counter()\n"
               % str(ROOT)) + code + (
        "\n_out['wall_s'] = time.perf_counter() - _t0"
        "\n_hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]"
        "\n_out['peak_mb'] = int(_hwm) / 1024"
        "\nprint(json.dumps(_out))")
    r = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def build(scale: float, db: Path) -> dict:
    return run_child(f"from analytics.data.synthetic import build\nbuild({str(db)!r}, scale={scale}, seed=20240601)\n_out = {{}}")


# -- the three ways to the matrix ---------------------------------------------------------

def product_matrix(con) -> pd.DataFrame:
    """Every outcome x ethnicity-by-sex group x period, with intervals, Holm and suppression."""
    return rri_matrix(con, BREAKDOWN, periods(con), options=Options(), by_period=True)


def matrix_read(con) -> pd.DataFrame:
    """The matrix's reading of the cube alone: the long counts table it computes from (every
    outcome by minor group, sex and period, with cell keys), before any statistics."""
    return outcome_counts(con, by=BREAKDOWN + ["period"], periods=periods(con))


def explain(con) -> pd.DataFrame:
    """What explains a gap: suspensions by major group and sex, the latest three years
    pooled, FSM, SEN, age and care allowed for (model errors clustered by child)."""
    from analytics.views.adjusted import explain_table
    latest = periods(con)[-3:]
    return explain_table(con, "suspension", ["ethnicity_major", "sex"], latest,
                         ["fsm_status", "sen_status", "age_band", "care_status"])


def followup(con) -> pd.DataFrame:
    """After exclusion: all children, a 2-year window, the six later outcomes with models."""
    from analytics.views.followup import followup_table
    return followup_table(con, [], years=2)


def floor(con) -> pd.DataFrame:
    return con.execute(queries.load("bench_floor")).df()


def cube_floor(con) -> pd.DataFrame:
    """The raw GROUP BY over the cube table the matrix reads: every count and key it needs."""
    return con.execute(queries.load("bench_cube_floor")).df()


# -- cold views: a filter never asked for before in this process --------------------------

#: (outcome, population filter) pairs, each asked once: filters the sidebar offers.
COLD = [("suspension", {"sex": ["Female"]}), ("custody", {"sex": ["Male"]}),
        ("cin", {"ethnicity_major": ["Black"]}), ("neet", {"sex": ["Female"]}),
        ("permanent_exclusion", {"sex": ["Male"]})]
#: The same with a characteristic that can change between years: pooled, from the rows.
COLD_FALLBACK = [("suspension", {"fsm_status": ["FSM eligible"]}),
                 ("custody", {"care_status": ["Not looked after"]}),
                 ("cin", {"sen_status": ["No SEN"]})]


def cold_view(con, outcome: str, filters: dict) -> pd.DataFrame:
    """The RRI explorer's default view (three years pooled, minor group by sex) of an
    outcome with a population filter."""
    return rri_for_outcome(con, outcome, BREAKDOWN, periods(con)[-3:], filters=filters,
                           options=Options())


def cold_time(con, cases) -> float:
    times = []
    for outcome, filters in cases:
        start = time.perf_counter()
        cold_view(con, outcome, filters)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


#: The pandas baseline's own reading of each outcome flag (mirrors queries/create_facts_view.sql).
FLAGS = {
    "all_children": lambda d: pd.Series(True, index=d.index),
    "age_5_17": lambda d: d["age"] >= 5, "age_10_17": lambda d: d["age"] >= 10,
    "age_16_17": lambda d: d["age"] >= 16, "pupil": lambda d: d["on_roll"],
    "pupil_5_15": lambda d: d["on_roll"] & (d["age"] >= 5),
    "year11": lambda d: d["on_roll"] & (d["age"] == 15),
    "suspended": lambda d: d["suspensions"].fillna(0) > 0,
    "ks4_below_basics": lambda d: ~d["ks4_basics"].fillna(True).astype(bool),
    "sen_support": lambda d: d["sen"] == "SEN support", "ehcp": lambda d: d["sen"] == "EHCP",
    "sen_any": lambda d: d["sen"] != "No SEN",
    "reoffended": lambda d: d["proven_offence"].fillna(False).astype(bool)
    & d["offence_prev_year"].fillna(False).astype(bool),
}


def flag(d: pd.DataFrame, name: str) -> pd.Series:
    if name in FLAGS:
        return FLAGS[name](d).astype(bool)
    return d[name].fillna(False).astype(bool)


def pandas_matrix(con) -> pd.DataFrame:
    """A straightforward pandas version: load every row, group, compute RRI vs the borough
    with a Katz-style interval (covariance term) and Holm, per outcome and period."""
    d = con.execute(queries.load("bench_rows")).df()
    keys = BREAKDOWN + ["period"]
    out = []
    z = stats.norm.ppf(0.975)
    for r in outcome_catalogue().itertuples():
        den = flag(d, r.denominator)
        num = flag(d, r.numerator) & den
        g = pd.DataFrame({"events": num, "population": den}).join(d[keys]).groupby(keys).sum()
        tot = g.groupby("period").transform("sum")
        a, n, A, N = g["events"], g["population"], tot["events"], tot["population"]
        with np.errstate(divide="ignore", invalid="ignore"):
            rri = (a / n) / (A / N)
            se = np.sqrt(1 / a - 1 / n - 1 / A - 1 / N + 2 * a / (n * A))
            p = 2 * stats.norm.sf(np.abs(np.log(rri) / se))
        g = g.assign(outcome=r.key, rri=rri, low=rri * np.exp(-z * se), high=rri * np.exp(z * se), p=p)
        g["p_holm"] = g.groupby("period")["p"].transform(
            lambda s: pd.Series(np.minimum(1, np.maximum.accumulate(np.sort(s.fillna(1)) * (len(s) - np.arange(len(s))))),
                                index=s.sort_values().index))
        out.append(g.reset_index())
    return pd.concat(out, ignore_index=True)


# -- the page -----------------------------------------------------------------------------

RERUN = """
import statistics, time
from streamlit.testing.v1 import AppTest
import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.pages_manager import PagesManager
class _Nav(PagesManager):
    def __init__(self, *a, **k):
        super().__init__(*a, **k); PagesManager.uses_pages_directory = False
app_test.PagesManager = _Nav
at = AppTest.from_file({app!r}, default_timeout=600)
at.switch_page("pages/explorer.py")
t0 = time.perf_counter(); at.run(); first = time.perf_counter() - t0
assert not at.exception, at.exception
periods = at.selectbox(key="period").options
a, b = periods[-1], periods[-2]
at.selectbox(key="period").set_value(b).run()          # fill the cache for both filters
times = []
for value in [a, b] * {repeats}:
    t0 = time.perf_counter(); at.selectbox(key="period").set_value(value).run()
    times.append(time.perf_counter() - t0)
    assert not at.exception, at.exception
_out = {{"first_run_s": first, "rerun_s": statistics.median(times)}}
"""


#: How we compare (DfE's council figures, whatever the database): the page's first run in a
#: process that has already drawn another page (its own caches cold), the first run of a
#: fresh process opened on it, and a warm rerun for another council.
AREAS = """
import statistics, time
from streamlit.testing.v1 import AppTest
import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.pages_manager import PagesManager
class _Nav(PagesManager):
    def __init__(self, *a, **k):
        super().__init__(*a, **k); PagesManager.uses_pages_directory = False
app_test.PagesManager = _Nav
at = AppTest.from_file({app!r}, default_timeout=600)
if {warm}:
    at.switch_page("pages/overview.py"); at.run()
at.switch_page("pages/areas.py")
t0 = time.perf_counter(); at.run(); first = time.perf_counter() - t0
assert not at.exception, at.exception
times = []
for council in ["Camden", "Islington"] * {repeats}:
    t0 = time.perf_counter(); at.selectbox(key="area_la").set_value(council).run()
    times.append(time.perf_counter() - t0)
    assert not at.exception, at.exception
_out = {{"first_run_s": first, "rerun_s": statistics.median(times)}}
"""


def page_figures(db: Path, repeats: int) -> dict:
    env = {"DISPROP_DB": str(db)}
    warm = run_child(RERUN.format(app=str(ROOT / "app.py"), repeats=repeats), env)
    cold = [run_child(RERUN.format(app=str(ROOT / "app.py"), repeats=1), env)["first_run_s"]
            for _ in range(repeats)]
    app = str(ROOT / "app.py")
    opened = [run_child(AREAS.format(app=app, warm=True, repeats=repeats), env)
              for _ in range(repeats)]
    fresh = [run_child(AREAS.format(app=app, warm=False, repeats=1), env)["first_run_s"]
             for _ in range(repeats)]
    return {"rerun_s": warm["rerun_s"], "cold_start_s": statistics.median(cold),
            "app_peak_mb": warm["peak_mb"],
            "areas_open_s": statistics.median(o["first_run_s"] for o in opened),
            "areas_cold_start_s": statistics.median(fresh),
            "areas_rerun_s": statistics.median(o["rerun_s"] for o in opened)}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
            f"{mem:.0f} GiB RAM, Python {platform.python_version()}")


def bench_scale(scale: float, repeats: int, workdir: Path) -> dict:
    db = workdir / f"scale{scale:g}.duckdb"
    big = scale >= BIG_SCALE
    n_builds = 1 if big else min(repeats, 2) if scale >= 25 else repeats
    builds = [build(scale, db) for _ in range(n_builds)]
    res = {"build_s": statistics.median(b["wall_s"] for b in builds),
           "build_peak_mb": statistics.median(b["peak_mb"] for b in builds)}
    once = 1 if big else repeats
    with connect(db) as con:
        rows = con.execute(queries.load("child_year_count")).fetchone()[0]
        res["cold_view_s"] = cold_time(con, COLD[:max(repeats, 3)])
        product_matrix(con)                       # warm DuckDB's file cache
        fast = max(repeats, FAST_REPEATS)
        res["matrix_s"] = median_time(lambda: product_matrix(con), fast)
        res["matrix_read_s"] = median_time(lambda: matrix_read(con), fast)
        res["cube_floor_s"] = median_time(lambda: cube_floor(con), fast)
        res["matrix_rows"] = len(product_matrix(con))
        with cube.disabled():
            res["cold_fallback_s"] = cold_time(con, COLD_FALLBACK[:max(once, 1)])
            product_matrix(con)
            res["matrix_rows_s"] = median_time(lambda: product_matrix(con), once)
        res["floor_s"] = median_time(lambda: floor(con), once)
        res["pandas_s"] = (median_time(lambda: pandas_matrix(con), max(1, repeats - 1))
                           if scale <= PANDAS_MAX_SCALE else float("nan"))
        # per-child models and follow-ups scan the rows by design (up to scale 25 here)
        small = scale <= PANDAS_MAX_SCALE
        res["explain_s"] = (median_time(lambda: explain(con), max(1, repeats - 1)) if small
                            else float("nan"))
        res["followup_s"] = (median_time(lambda: followup(con), max(1, repeats - 1)) if small
                             else float("nan"))
    res.update(page_figures(db, once))
    res["child_years"] = rows
    res["matrix_over_cube_floor"] = res["matrix_s"] / res["cube_floor_s"]
    res["read_over_cube_floor"] = res["matrix_read_s"] / res["cube_floor_s"]
    res["matrix_over_floor"] = res["matrix_s"] / res["floor_s"]
    res["pandas_over_matrix"] = res["pandas_s"] / res["matrix_s"]
    return res


COLUMNS = [("child_years", "{:,.0f}"), ("build_s", "{:.1f}"), ("build_peak_mb", "{:,.0f}"),
           ("matrix_s", "{:.3f}"), ("matrix_read_s", "{:.3f}"), ("cube_floor_s", "{:.3f}"),
           ("matrix_over_cube_floor", "{:.2f}"), ("read_over_cube_floor", "{:.2f}"),
           ("matrix_rows_s", "{:.2f}"), ("floor_s", "{:.2f}"), ("matrix_over_floor", "{:.2f}"),
           ("pandas_s", "{:.2f}"), ("pandas_over_matrix", "{:.1f}"), ("cold_view_s", "{:.3f}"),
           ("cold_fallback_s", "{:.2f}"), ("rerun_s", "{:.3f}"), ("cold_start_s", "{:.2f}"),
           ("app_peak_mb", "{:,.0f}"), ("explain_s", "{:.2f}"), ("followup_s", "{:.2f}"),
           ("areas_open_s", "{:.2f}"), ("areas_cold_start_s", "{:.2f}"),
           ("areas_rerun_s", "{:.2f}")]


def _cell(value, fmt: str) -> str:
    return "-" if isinstance(value, float) and np.isnan(value) else fmt.format(value)


def table(results: dict) -> str:
    head = "| scale | " + " | ".join(c for c, _ in COLUMNS) + " |"
    rule = "|---" * (len(COLUMNS) + 1) + "|"
    lines = [head, rule]
    for scale, r in results.items():
        lines.append(f"| {scale} | " + " | ".join(_cell(r[c], fmt) for c, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="1,5,25", help="comma-separated scales (default 1,5,25)")
    p.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is reported")
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    p.add_argument("--keep", type=Path, help="keep the built databases in this folder")
    p.add_argument("--load", help="SESSIONSxSECONDS, e.g. 20x60: also run the load test through "
                                  "the proxy (default: not run)")
    p.add_argument("--processes", type=int, default=2,
                   help="app processes behind nginx for --load (default 2)")
    p.add_argument("--load-scale", type=float, help="the scale whose database --load serves "
                                                    "(default: the first of --scales)")
    args = p.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",")]
    start = time.perf_counter()
    print(f"machine: {machine()}")
    results, load = {}, None
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for scale in scales:
            t0 = time.perf_counter()
            results[f"{scale:g}"] = bench_scale(scale, args.repeats, workdir)
            print(f"scale {scale:g} done in {time.perf_counter() - t0:.0f} s", flush=True)
        if args.load:
            from bench.load import drive, report
            from scripts.serve import free_port
            sessions, seconds = (float(x) for x in args.load.lower().split("x"))
            load_scale = args.load_scale if args.load_scale is not None else scales[0]
            load = drive(int(sessions), seconds, processes=args.processes,
                         port=free_port(), db=str(workdir / f"scale{load_scale:g}.duckdb"))
            load["scale"] = load_scale
    print(table(results))
    if load:
        print(f"load test on the scale-{load['scale']:g} database:")
        print(report(load))
    print(f"total {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine(), **results,
                                         **({"load": load} if load else {})}, indent=2))
    return 0
