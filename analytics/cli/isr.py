"""`isr`: indirectly standardised ratios from a counts file or the database."""
from __future__ import annotations

import sys
from pathlib import Path

from analytics import protect
from analytics.cli.common import (
    UsageError,
    add_db,
    add_filter,
    add_out,
    add_period,
    add_protection,
    chosen_periods,
    command_line,
    parse_filters,
    save,
    split,
)
from analytics.data.readers import InputError, read_counts_csv
from analytics.data.reference import outcome as get_outcome

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"isr": ("isr",)}


def register(sub) -> None:
    s = sub.add_parser("isr", help="indirectly standardised ratios from a counts file or the database")
    src = s.add_argument_group("source")
    src.add_argument("--counts", type=Path, help="counts file: group columns, strata columns, events, population")
    src.add_argument("--group-cols", help="group columns of the counts file (comma-separated)")
    src.add_argument("--standard", type=Path, help="standard population file: strata columns, events, "
                                                   "population (default: all groups of the counts file)")
    add_db(src, default=None, help="borough database")
    src.add_argument("--outcome", help="outcome key from the catalogue (with --db)")
    src.add_argument("--by", help="groups with --db: breakdown columns, e.g. ethnicity_minor,sex")
    add_period(src, help="period(s) with --db, comma-separated, or 'all' (default: latest)")
    add_filter(src, help="restrict the population with --db: COLUMN=VALUE[|VALUE][,...]")
    s.add_argument("--strata", required=True, help="characteristics to standardise for, e.g. "
                                                   "fsm_status,sen_status,age_band,care_status")
    s.add_argument("--ci", choices=["byar", "exact"], default="byar",
                   help="interval: Byar's (exact below 10 observed; default) or exact Poisson")
    add_protection(s)
    add_out(s)
    s.set_defaults(func=run)


def run(args) -> int:
    """`isr`: indirectly standardised ratios from a counts file or the database."""
    from analytics.outputs import export
    from analytics.views.adjusted import isr_for_outcome, protected_isr
    from analytics.views.tables import Options
    if bool(args.counts) == bool(args.db):
        raise UsageError("give exactly one of --counts FILE or --db PATH")
    strata = split(args.strata)
    if not strata:
        raise UsageError("--strata needs at least one column")
    options = Options(level=args.level, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    if args.counts:
        group_cols = split(args.group_cols)
        if not group_cols:
            raise UsageError("--counts needs --group-cols")
        try:
            table, _ = read_counts_csv(args.counts, group_cols + strata)
            standard = read_counts_csv(args.standard, strata)[0] if args.standard else None
            result = protected_isr(table, group_cols, strata, standard=standard, ci=args.ci,
                                   options=options)
        except (InputError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        source = f"counts file {Path(args.counts).name}"
        standard_text = (f"file {Path(args.standard).name}" if args.standard
                         else "all groups in the counts file")
        extra = {}
    else:
        from analytics.data.db import connect
        if not args.outcome or not args.by:
            raise UsageError("--db needs --outcome KEY and --by DIMS")
        if args.standard:
            raise UsageError("--standard works with --counts (the database's standard "
                             "is all its children)")
        try:
            get_outcome(args.outcome)
        except KeyError as e:
            raise UsageError(f"{e.args[0]}") from None
        with connect(args.db) as con:
            chosen = chosen_periods(con, args.period)
            try:
                result = isr_for_outcome(con, args.outcome, split(args.by), strata, chosen,
                                         filters=parse_filters(args.filter), ci=args.ci,
                                         options=options)
            except ValueError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
        source, standard_text = f"database {Path(args.db).name}", "all children in the database"
        extra = {"outcome": args.outcome, "periods": ", ".join(chosen),
                 "filters": args.filter or "none"}
    info = export.metadata(
        source=source, **extra, statistic="indirectly standardised ratio (observed / expected)",
        strata=", ".join(strata), standard=standard_text, interval_level=args.level,
        interval_method=("Byar's approximation (exact Poisson below 10 observed)"
                         if args.ci == "byar" else "exact Poisson (chi-square)"),
        suppression_threshold=args.suppress,
        protection=protect.protection_note(args.suppress),
        minimum_population=args.min_population, minimum_events=args.min_events,
        command=command_line())
    return save(result, Path(args.out), export.format_for(Path(args.out)), info, source,
                 args.suppress)
