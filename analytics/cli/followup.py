"""`followup`: later outcomes of children first excluded, by group or school, and the
youth-justice cohort's earlier exclusions and SEN."""
from __future__ import annotations

import sys
from pathlib import Path

from analytics import protect
from analytics.cli.common import (
    UsageError,
    add_db,
    add_filter,
    add_interval,
    add_out,
    add_period,
    add_protection,
    chosen_periods,
    command_line,
    parse_filters,
    save,
    split,
)

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"followup": ("followup", "yj_history")}


def register(sub) -> None:
    fo = sub.add_parser("followup", help="outcomes after a first exclusion; the youth-justice "
                                         "cohort's earlier exclusions and SEN")
    add_db(fo)
    fo.add_argument("--view", choices=["groups", "schools", "youth-justice"], default="groups",
                    help="groups (default), schools, or the youth-justice cohort's history")
    fo.add_argument("--by", help="groups: breakdown columns of the index year, e.g. "
                                 "ethnicity_major,sex (default: all children)")
    fo.add_argument("--years", type=int, choices=[1, 2, 3], default=2,
                    help="follow-up window in years after the index year (default 2)")
    fo.add_argument("--outcome", help="later outcome(s), comma-separated (default: proven_offence, "
                                      "custody, neet, concern_gangs, concern_cce, concern_syv)")
    add_period(fo, help="index years (youth-justice: years of the offence), comma-separated, "
                        "or 'all' (default)")
    add_filter(fo, help="restrict the children: COLUMN=VALUE[|VALUE][,...]")
    fo.add_argument("--phase", default="Secondary", help="schools: phase (default Secondary)")
    fo.add_argument("--bme-only", action="store_true",
                    help="schools: Black and minority ethnic pupils only")
    add_interval(fo, adjust=False)
    add_protection(fo)
    add_out(fo)
    fo.set_defaults(func=run)


def run(args) -> int:
    """`followup`: later outcomes of children first excluded, by group or school, or the
    youth-justice cohort's history."""
    from analytics.data.cohorts import get as get_cohort
    from analytics.data.db import connect
    from analytics.data.followup import FOLLOWUP_OUTCOMES
    from analytics.outputs import export
    from analytics.views import followup as fu
    from analytics.views.tables import Options
    outcomes = split(args.outcome) or list(FOLLOWUP_OUTCOMES)
    unknown = [o for o in outcomes if o not in FOLLOWUP_OUTCOMES]
    if unknown:
        raise UsageError(f"--outcome {unknown} not followed up; choose from "
                         f"{', '.join(FOLLOWUP_OUTCOMES)}")
    options = Options(level=args.level, ci=args.ci, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    filters = parse_filters(args.filter)
    by = split(args.by)
    with connect(args.db) as con:
        chosen = (None if not args.period or args.period == "all"
                  else chosen_periods(con, args.period))
        try:
            if args.view == "groups":
                result = fu.followup_table(con, by, chosen, years=args.years, outcomes=outcomes,
                                           filters=filters, options=options)
            elif args.view == "schools":
                filters["school_phase"] = [args.phase]
                if args.bme_only:
                    filters.update(get_cohort("bme_pupils").where)
                result = fu.school_followup(con, chosen, years=args.years, outcomes=outcomes,
                                            filters=filters, options=options)
            else:
                result = fu.yj_history(con, by, chosen, filters=filters, options=options)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    what = {"groups": "later outcomes of children first excluded against pupils not excluded",
            "schools": "the same, school by school (school of the index year)",
            "youth-justice": "children with a proven offence: earlier exclusions, SEN, care"}
    info = export.metadata(
        source=f"database {Path(args.db).name}", view=what[args.view],
        follow_up_years=args.years if args.view != "youth-justice" else "",
        periods=", ".join(chosen) if chosen else "all", breakdown=", ".join(by) or "all children",
        filters=args.filter or "none", interval_level=args.level,
        suppression_threshold=args.suppress,
        protection=protect.protection_note(args.suppress),
        command=command_line())
    out = Path(args.out)
    return save(result, out, export.format_for(out), info, f"database {Path(args.db).name}",
                 args.suppress)
