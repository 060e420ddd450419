"""Are the intervals honest? Simulations with printed figures (docs/methodology_statistics.md).

1. Null boroughs: the generator with every ethnic and sex effect switched off (`build --null`),
   so every group's true RRI is 1. Over several seeds, for rare and common outcomes, single
   years and 3- and 5-year pools, through the dashboard's own code (protected, as a user sees
   it): the share of groups flagged significant before adjustment (nominal: 1 - level), the
   share of tables with any flag after Holm, and the "persistent" flags.
2. Coverage with known ratios: two binomial groups with a true RRI of 2 (rare outcome) or 1.5
   (common outcome), every interval method, so the coverage of each can be compared with 95%.

    python -m scripts.null_borough --seeds 1-8 --scale 1
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.db import connect, periods
from analytics.data.synthetic import build
from analytics.stats.rri import rri_table
from analytics.views.tables import Options
from analytics.views.trends import persistent_groups, trend_table

RARE = ("custody", "first_time_entrant", "permanent_exclusion", "remand")
COMMON = ("suspension", "fsm", "sen_any", "cin", "persistent_absence")
BREAKDOWN = ["ethnicity_minor", "sex"]
POOLS = (1, 3, 5)


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def null_rows(con, outcomes, pools=POOLS, options: Options = Options()) -> pd.DataFrame:
    """One row per group, outcome and window of every trend table on a null borough: whether
    it was testable, flagged (p < 1 - level) and flagged after adjustment; and the persistent
    groups per table."""
    rows, persistent = [], []
    alpha = 1 - options.level
    for outcome in outcomes:
        for pool in pools:
            table = trend_table(con, outcome, BREAKDOWN, options=options, pool=pool)
            ok = table["p_value"].notna()     # every testable group, low numbers included
            part = table[ok]
            rows.append(pd.DataFrame({
                "outcome": outcome, "pool": pool, "period": part["period"].astype(str),
                "p": part["p_value"].astype(float), "flag": part["p_value"].astype(float) < alpha,
                "flag_adj": part["significant"].astype(bool),
                "exact": part["ci_method"].astype(str).eq("exact")}))
            n = 3 if pool < 5 else 2
            found = persistent_groups(table, n=n)
            persistent.append({"outcome": outcome, "pool": pool, "n": n,
                               "groups": table["group"].nunique(), "persistent": len(found)})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(persistent)


def coverage_by_method(rng, trials: int = 4000) -> pd.DataFrame:
    """Coverage of each interval method for two independent binomial groups with a known RRI."""
    regimes = {
        "rare, small (p 0.2%, n 3,000, RRI 2)": (0.002, 3000, 20000, 2.0),
        "rare (p 0.5%, n 8,000, RRI 2)": (0.005, 8000, 30000, 2.0),
        "common (p 20%, n 400, RRI 1.5)": (0.20, 400, 4000, 1.5),
        "common, large (p 30%, n 3,000, RRI 1.5)": (0.30, 3000, 20000, 1.5),
    }
    out = []
    for name, (p, n, m, theta) in regimes.items():
        a = rng.binomial(n, min(p * theta, 1.0), trials)
        c = rng.binomial(m, p, trials)
        counts = pd.DataFrame({"g": np.repeat(["g", "r"], trials),
                               "t": np.tile(np.arange(trials), 2),
                               "events": np.r_[a, c], "population": np.r_[[n] * trials, [m] * trials]})
        for ci in ("katz", "exact", "score", "auto"):
            table = rri_table(counts, ["g"], by=["t"], comparison="reference",
                              reference={"g": "r"}, ci=ci, adjust="none", min_events=0)
            g = table[table["g"] == "g"]
            lo = g["rri_ci_low"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            hi = g["rri_ci_high"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            known = ~np.isnan(lo)
            hi = np.where(np.isnan(hi), np.inf, hi)
            covered = (lo[known] <= theta) & (theta <= hi[known])
            out.append({"regime": name, "method": ci, "tables": int(known.sum()),
                        "coverage": covered.mean()})
    return pd.DataFrame(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.null_borough", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="1-8", help="seeds, e.g. 1-8 or 3,5,9")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--trials", type=int, default=4000, help="coverage simulation tables")
    args = p.parse_args(argv)
    seeds = _seeds(args.seeds)
    all_rows, all_persistent = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            path = Path(tmp) / f"null{seed}.duckdb"
            build(path, scale=args.scale, seed=seed, null=True)
            with connect(path) as con:
                rows, persistent = null_rows(con, RARE + COMMON)
                n_periods = len(periods(con))
            all_rows.append(rows.assign(seed=seed))
            all_persistent.append(persistent.assign(seed=seed))
            print(f"seed {seed}: {len(rows):,} tests", flush=True)
    rows = pd.concat(all_rows, ignore_index=True)
    rows["kind"] = np.where(rows["outcome"].isin(RARE), "rare", "common")
    print(f"\nNull boroughs: {len(seeds)} seeds, scale {args.scale:g}, {n_periods} periods, "
          f"{', '.join(BREAKDOWN)} against the borough average; nominal false-positive rate 5%")
    fpr = (rows.groupby(["kind", "pool"])
           .agg(tests=("flag", "size"), false_positive_rate=("flag", "mean"),
                exact_share=("exact", "mean"))
           .reset_index())
    tables = rows.groupby(["seed", "outcome", "pool", "period"])["flag_adj"].any()
    fpr["tables_with_any_holm_flag"] = fpr.apply(
        lambda r: tables.xs(r["pool"], level="pool")[
            [o in (RARE if r["kind"] == "rare" else COMMON)
             for o in tables.xs(r["pool"], level="pool").index.get_level_values("outcome")]
        ].mean(), axis=1)
    print(fpr.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    by_outcome = rows.groupby(["outcome", "pool"])["flag"].mean().unstack("pool")
    print("\nFalse-positive rate by outcome and years pooled:")
    print(by_outcome.to_string(float_format=lambda v: f"{v:.3f}"))
    persistent = pd.concat(all_persistent, ignore_index=True)
    print("\nPersistent flags (groups significant on the same side in each of the last n "
          "periods, or n windows that do not overlap):")
    print(persistent.groupby(["pool", "n"])[["groups", "persistent"]].sum().to_string())
    cov = coverage_by_method(np.random.default_rng(20240601), args.trials)
    print(f"\nCoverage of 95% intervals with a known ratio ({args.trials:,} tables each):")
    print(cov.pivot(index="regime", columns="method", values="coverage")
          .to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
