"""Does the adjusted ratio recover the generator's true ethnicity effect better than the crude
ratio? On synthetic boroughs built with several seeds, for each ethnicity-by-sex group the
crude RRI against White British children of the same sex and the model-adjusted RRI
(analytics.views.adjusted, allowing for FSM, SEN, age band and care) are compared with the
true adjusted ratio the generator used (table generator_truth: the group's expected events
over those expected with the White British offset but its own circumstances).

    python -m scripts.recover_effects --seeds 1,2,3,4,5 [--outcome suspension] [--scale 1]

Prints, per seed, the mean absolute error on the log scale of each estimate (over groups with
at least --min-events events), how often the adjusted ratio is closer, and how often its
interval covers the truth.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.db import connect, periods
from analytics.data.synthetic import build
from analytics.views.adjusted import explain_table
from analytics.views.tables import Options

CHARACTERISTICS = ["fsm_status", "sen_status", "age_band", "care_status"]
BREAKDOWN = ["ethnicity_code", "sex"]


def truth(con, outcome: str, chosen) -> pd.DataFrame:
    """The generator's true adjusted ratio per ethnicity code and sex over the periods."""
    return con.execute(
        "SELECT ethnicity_code, sex, sum(expected) / sum(expected_at_reference) AS true_ratio "
        "FROM generator_truth WHERE outcome = $outcome AND list_contains($periods, period) "
        "GROUP BY ALL", {"outcome": outcome, "periods": list(chosen)}).df()


def recovery(con, outcome: str = "suspension", min_events: int = 20) -> pd.DataFrame:
    """One row per group: crude and adjusted RRIs (vs White British of the same sex, all
    periods pooled, no suppression: a check on synthetic data), the truth, and errors."""
    chosen = periods(con)
    table = explain_table(con, outcome, BREAKDOWN, chosen, CHARACTERISTICS,
                          options=Options(suppress=0, min_population=1, min_events=1),
                          reference={"ethnicity_code": "WBRI"})
    out = table.merge(truth(con, outcome, chosen), on=BREAKDOWN)
    out = out[(out["ethnicity_code"] != "WBRI") & (out["events"].astype(int) >= min_events)
              & out["adjusted_rri"].notna()].copy()
    for col in ("crude_rri", "adjusted_rri", "adjusted_rri_ci_low", "adjusted_rri_ci_high"):
        out[col] = out[col].astype(float)
    out["crude_error"] = np.abs(np.log(out["crude_rri"] / out["true_ratio"]))
    out["adjusted_error"] = np.abs(np.log(out["adjusted_rri"] / out["true_ratio"]))
    out["covered"] = (out["adjusted_rri_ci_low"] <= out["true_ratio"]) & (
        out["true_ratio"] <= out["adjusted_rri_ci_high"])
    return out[BREAKDOWN + ["events", "true_ratio", "crude_rri", "adjusted_rri",
                            "adjusted_rri_ci_low", "adjusted_rri_ci_high", "crude_error",
                            "adjusted_error", "covered"]].reset_index(drop=True)


def summary(rows: pd.DataFrame) -> dict:
    return {"groups": len(rows),
            "crude_mean_abs_log_error": float(rows["crude_error"].mean()),
            "adjusted_mean_abs_log_error": float(rows["adjusted_error"].mean()),
            "adjusted_closer": float((rows["adjusted_error"] < rows["crude_error"]).mean()),
            "adjusted_ci_covers_truth": float(rows["covered"].mean())}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.recover_effects", description=__doc__)
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--outcome", default="suspension")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--min-events", type=int, default=20)
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            start = time.perf_counter()
            path = build(Path(tmp) / f"seed{seed}.duckdb", scale=args.scale, seed=seed)
            with connect(path) as con:
                rows = recovery(con, args.outcome, args.min_events)
            s = summary(rows)
            results.append({"seed": seed, **s})
            bc = rows[(rows["ethnicity_code"] == "BCRB") & (rows["sex"] == "Male")]
            extra = ""
            if len(bc):
                r = bc.iloc[0]
                extra = (f"; Black Caribbean boys: truth {r.true_ratio:.2f}, crude "
                         f"{r.crude_rri:.2f}, adjusted {r.adjusted_rri:.2f} "
                         f"({r.adjusted_rri_ci_low:.2f} to {r.adjusted_rri_ci_high:.2f})")
            print(f"seed {seed}: {s['groups']} groups; mean |log error| crude "
                  f"{s['crude_mean_abs_log_error']:.3f}, adjusted "
                  f"{s['adjusted_mean_abs_log_error']:.3f}; adjusted closer in "
                  f"{s['adjusted_closer']:.0%}; adjusted interval covers the truth in "
                  f"{s['adjusted_ci_covers_truth']:.0%}{extra} ({time.perf_counter() - start:.1f} s)")
    table = pd.DataFrame(results)
    print(f"over {len(table)} seeds: mean |log error| crude "
          f"{table['crude_mean_abs_log_error'].mean():.3f}, adjusted "
          f"{table['adjusted_mean_abs_log_error'].mean():.3f}; adjusted closer in "
          f"{table['adjusted_closer'].mean():.0%} of groups; coverage "
          f"{table['adjusted_ci_covers_truth'].mean():.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
