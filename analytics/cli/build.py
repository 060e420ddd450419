"""`build`: the synthetic borough database."""
from __future__ import annotations

import time

from analytics.cli.common import add_db
from analytics.data.db import build_settings

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"build": ()}


def register(sub) -> None:
    b = sub.add_parser("build", help="build the synthetic borough database")
    settings = build_settings()
    b.add_argument("--scale", type=float, default=settings["scale"],
                   help="population multiplier (1 = one borough; default from data/synthetic/build.toml)")
    b.add_argument("--seed", type=int, default=settings["seed"],
                   help="random seed (same seed, same data; default from data/synthetic/build.toml)")
    add_db(b, help="database file to write")
    b.add_argument("--null", action="store_true",
                   help="a null borough: every ethnic and sex effect switched off (for checking "
                        "false-positive rates and interval coverage)")
    b.set_defaults(func=run)


def run(args) -> int:
    from analytics.data.synthetic import build
    start = time.perf_counter()
    path = build(args.db, scale=args.scale, seed=args.seed, null=args.null)
    kind = ", null borough" if args.null else ""
    print(f"built {path} (scale {args.scale}, seed {args.seed}{kind}) "
          f"in {time.perf_counter() - start:.1f} s")
    return 0
