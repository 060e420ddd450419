"""How long a council's returns take to import: a borough-sized set of fake returns (the
writers of tests/returns_writers.py) checked, linked and stored, median of `--repeats`.

    python -m bench.returns --children 40000 --repeats 3
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from analytics.data import imports
from tests import returns_writers as w


def write(folder: Path, children: int) -> list[Path]:
    """One year of every return for `children` fake children (one birth cohort a year)."""
    cy = w.fake_children(n=children, years=(2023,), seed=3)
    head, eps = w.ssda903(cy, 2024)
    census, excl = w.school_census(cy, 2023)
    files = {"cin_2024.xml": w.cin_xml(cy, 2024), "SSDA903_2024_header.csv": head,
             "SSDA903_2024_episodes.csv": eps, "census_2024.csv": census,
             "exclusions_2024.csv": excl, "youth_justice_2024.csv": w.youth_justice(cy)}
    for name, text in files.items():
        (folder / name).write_text(text)
    return [folder / n for n in files]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.returns", description=__doc__)
    p.add_argument("--children", type=int, default=40_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write(folder, args.children)
        size = sum(f.stat().st_size for f in paths)
        times, cpu = [], []
        for i in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = imports.import_files(paths, f"run{i}", folder / "store", link="UPN")
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"{args.children:,} children: {len(paths)} files, {size / 1e6:.1f} MB; "
              f"{result.rows:,} child-years stored; import median {statistics.median(times):.2f} s "
              f"wall (min {min(times):.2f}, max {max(times):.2f}), "
              f"{statistics.median(cpu):.2f} s CPU; {args.repeats} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
