"""What every command shares: the usage error, the shared flags (defined once here), the
readers of --period and --filter, and the writer of result tables with their metadata and
audit entry."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics import protect
from analytics.data.synthetic import DEFAULT_DB


class UsageError(ValueError):
    """A bad flag value or name: reported as `error: ...` with exit status 2."""


def split(text: str | None) -> list[str]:
    """A comma list as its stripped, non-empty items."""
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def command_line() -> str:
    """The command as typed, for the metadata of every output."""
    return "python -m analytics " + " ".join(sys.argv[1:])


# -- shared flags ---------------------------------------------------------------------------

def add_db(p, *, default: Path | None = DEFAULT_DB,
           help: str = "borough database (default data/synthetic/borough.duckdb)") -> None:
    p.add_argument("--db", type=Path, default=default, help=help)


def add_period(p, help: str = "period(s), comma-separated, or 'all' (default: latest)") -> None:
    p.add_argument("--period", help=help)


def add_filter(p, help: str = "restrict the population: COLUMN=VALUE[|VALUE][,...] "
                              "(e.g. 'fsm_status=FSM eligible')") -> None:
    p.add_argument("--filter", help=help)


def add_out(p, help: str = "output file: .csv, .xlsx (data + metadata sheets) or .parquet "
                           "(metadata in the file)") -> None:
    p.add_argument("--out", required=True, help=help)


def add_interval(p, *, adjust: bool = True) -> None:
    """--ci (and --adjust): the RRI interval method and the multiple-comparison adjustment."""
    p.add_argument("--ci", choices=["katz", "exact", "score", "auto"], default="auto",
                   help="interval: katz (log), exact (conditional, for rare outcomes), score "
                        "(Miettinen-Nurminen, for common ones), auto (chooses by the regime)")
    if adjust:
        p.add_argument("--adjust", choices=["none", "holm", "bh"], default="holm")


def add_protection(p, *, minimums: bool = True) -> None:
    """--level, --suppress and (with `minimums`) the low-numbers thresholds."""
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--suppress", type=int, default=5,
                   help="protected mode (default 5): counts perturbed by the cell-key method, "
                        "never 1 or 2, and groups with fewer than N children show their size "
                        "only; 0 is the secure setting: true counts, for analysts in a secure "
                        "environment")
    if minimums:
        p.add_argument("--min-population", type=int, default=30)
        p.add_argument("--min-events", type=int, default=5)


def add_store(p) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="user data folder (default data/user, or $DISPROP_USER_DATA)")
    p.add_argument("--user-db", dest="store", type=Path, help=argparse.SUPPRESS)


def store_dir(args) -> Path | None:
    """--store DIR (the user data folder); --user-db, its old name, may name a file in it."""
    if args.store is None:
        return None
    return args.store.parent if args.store.suffix == ".duckdb" else args.store


# -- reading flags --------------------------------------------------------------------------

def parse_filters(text: str | None) -> dict:
    """--filter 'fsm_status=FSM eligible,sex=Male' (several values: 'sen_status=SEN support|EHCP')."""
    out = {}
    for part in split(text):
        if "=" not in part:
            raise UsageError(f"--filter {part!r} must be COLUMN=VALUE")
        col, values = part.split("=", 1)
        out[col.strip()] = [v.strip() for v in values.split("|")]
    return out


def chosen_periods(con, value: str | None, latest: int = 1) -> list[str]:
    """--period: a period, a comma list or `all`; without it the latest `latest` periods.
    An unknown period is a usage error naming the known ones."""
    from analytics.data.db import periods
    known = periods(con)
    chosen = known if value == "all" else split(value) or known[-latest:]
    missing = set(chosen) - set(known)
    if missing:
        raise UsageError(f"unknown period(s) {sorted(missing)}; known: {known}")
    return chosen


def outcome_key(key: str) -> str:
    """An outcome key of the catalogue, or a usage error naming the known ones."""
    from analytics.data.reference import outcome
    try:
        outcome(key)
    except KeyError as e:
        raise UsageError(f"{e.args[0]}") from None
    return key


# -- writing results ------------------------------------------------------------------------

def write(result, args, **meta) -> int:
    """Write an RRI-like result in the format the --out suffix names, with its metadata."""
    from analytics.outputs import export
    out = Path(args.out)
    try:
        fmt = export.format_for(out)
    except ValueError as e:
        raise UsageError(str(e)) from None
    info = export.metadata(
        **meta, comparison=args.comparison, reference=args.reference or "",
        interval_level=args.level, interval_method=args.ci, adjustment=args.adjust,
        suppression_threshold=args.suppress,
        protection=protect.protection_note(args.suppress),
        minimum_population=args.min_population, minimum_events=args.min_events,
        command=command_line())
    return save(result, out, fmt, info, meta.get("source", ""), args.suppress)


def save(result, out: Path, fmt: str, info: dict, source: str, suppress: int | None) -> int:
    """Write a result table with its metadata, and put the export in the audit log."""
    from analytics.outputs import export
    data = export.export_bytes(result, fmt, info)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    audit_local("export", f"{fmt} table of {len(result)} rows to {out.name}", source, suppress)
    print(f"wrote {len(result)} rows to {out}")
    return 0


def audit_local(action: str, what: str, dataset: str, suppress: int | None) -> None:
    """Command-line exports and reports go into the audit log as the local user."""
    from analytics.data import audit, store
    from analytics.data.access import LOCAL
    audit.record(store.user_data_dir(), LOCAL, action, what, dataset=dataset,
                 protection=audit.protection_label(suppress))
