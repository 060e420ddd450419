"""`claims`: every comparative statement of section 5.4 checked against the data."""
from __future__ import annotations

from analytics.cli.common import add_db

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"claims": ("claims",)}


def register(sub) -> None:
    c = sub.add_parser("claims", help="check every section 5.4 claim against the database")
    add_db(c)
    c.set_defaults(func=run)


def run(args) -> int:
    from analytics.data.db import connect, ensure_database
    from analytics.views.claims import evaluate_all
    with connect(ensure_database(args.db)) as con:
        results = evaluate_all(con)
    for r in results.itertuples():
        print(f"{r.verdict:31s} {r.claim_id:32s} {r.detail}")
    print(f"{int(results['holds'].sum())} of {len(results)} claims borne out")
    return 0 if results["holds"].all() else 1
