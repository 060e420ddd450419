"""`rri`: relative rate indices from a counts file or the database, against a reference
group, the rest, the borough average, or England's figures (the alternate ratio), and a
counts-only file paired with a Census population."""
from __future__ import annotations

import sys
from pathlib import Path

from analytics import protect
from analytics.protect import gate
from analytics.cli.common import (
    UsageError,
    add_db,
    add_filter,
    add_interval,
    add_out,
    add_period,
    add_protection,
    add_store,
    chosen_periods,
    parse_filters,
    split,
    store_dir,
    write,
)
from analytics.data.readers import InputError, read_counts_csv
from analytics.data.reference import outcome as get_outcome
from analytics.views.tables import Options, protected_rri

DEFAULT_REFERENCE = "White British"

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"rri": ("rri", "england", "rri_census")}


def register(sub) -> None:
    r = sub.add_parser("rri", help="relative rate indices from a counts CSV or the database")
    src = r.add_argument_group("source")
    src.add_argument("--counts", type=Path, help="counts CSV: group columns, events, population")
    src.add_argument("--group-cols", help="group columns of the counts CSV (default: all but events/population)")
    add_db(src, default=None, help="borough database")
    src.add_argument("--outcome", help="outcome key from the catalogue (with --db, or with "
                                       "--comparison benchmark)")
    src.add_argument("--by", help="breakdown columns with --db (e.g. ethnicity_minor,sex; add period "
                                  "for one table per period); with --counts, columns that slice the table")
    add_period(src, help="period(s) with --db, comma-separated, or 'all' (default: latest)")
    add_filter(src, help="restrict the population with --db: COLUMN=VALUE[|VALUE][,...] "
                         "(e.g. 'fsm_status=FSM eligible')")
    r.add_argument("--comparison", choices=["reference", "rest", "overall", "benchmark"],
                   default="reference",
                   help="benchmark: each group against the same group in --benchmark (the "
                        "alternate ratio), with both areas' own RRIs beside it")
    r.add_argument("--benchmark", choices=["england", "london"],
                   help="national figures to compare with (--comparison benchmark): england "
                        "(England, or England and Wales where only that is published) or london "
                        "(Inner London, where published)")
    r.add_argument("--reference", help=f"reference group: VALUE or COLUMN=VALUE (default {DEFAULT_REFERENCE!r})")
    r.add_argument("--population", help="pair a counts-only --counts file (group columns and "
                                        "events) with a population table: census2021_borough, "
                                        "census2021_england_wales, or an imported one")
    r.add_argument("--ages", help="ages the counts-only file covers, LOW-HIGH (default: the "
                                  "outcome's eligible ages, cut to the population table's)")
    add_store(r)
    add_interval(r)
    add_protection(r)
    r.add_argument("--unit", type=int, help="rate per UNIT children (default: the outcome's, or 100)")
    add_out(r)
    r.set_defaults(func=run)


def parse_reference(value: str | None, group_cols: list[str], table) -> dict | None:
    """--reference: "col=value[,col=value]", or a value found in exactly one group column."""
    if value is None:
        hits = [c for c in group_cols if (table[c].astype(str) == DEFAULT_REFERENCE).any()]
        if len(hits) == 1:
            return {hits[0]: DEFAULT_REFERENCE}
        raise UsageError("--comparison reference needs --reference VALUE "
                         f"(no group column holds {DEFAULT_REFERENCE!r}); or use --comparison rest/overall")
    if "=" in value:
        pairs = dict(p.split("=", 1) for p in value.split(","))
        unknown = set(pairs) - set(group_cols)
        if unknown:
            raise UsageError(f"--reference names unknown column(s) {sorted(unknown)}; "
                             f"group columns are {group_cols}")
        return pairs
    hits = [c for c in group_cols if (table[c].astype(str) == value).any()]
    if len(hits) != 1:
        where = "no group column" if not hits else f"several group columns ({hits})"
        raise UsageError(f"--reference {value!r} found in {where}; "
                         "write it as COLUMN=VALUE")
    return {hits[0]: value}


def run(args) -> int:
    if bool(args.counts) == bool(args.db):
        raise UsageError("give exactly one of --counts FILE.csv or --db PATH")
    if args.comparison == "benchmark":
        return _rri_benchmark(args)
    if args.population:
        return _rri_paired(args)
    if args.benchmark:
        raise UsageError("--benchmark goes with --comparison benchmark")
    by = split(args.by) if args.counts else []
    if args.counts:
        try:
            table, group_cols = read_counts_csv(args.counts, split(args.group_cols) or None)
        except InputError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        group_cols = [c for c in group_cols if c not in by]
        unit = args.unit or 100
    else:
        return _rri_from_db(args)
    reference = parse_reference(args.reference, group_cols, table) if args.comparison == "reference" else None
    options = Options(comparison=args.comparison, reference=tuple((reference or {}).items()),
                      level=args.level, ci=args.ci, adjust=args.adjust,
                      min_population=args.min_population, min_events=args.min_events,
                      suppress=args.suppress)
    try:
        # No record keys in a counts file: each cell's key is a fixed hash of its row.
        keyed = table.assign(events_ckey=protect.hash_keys(table, list(table.columns), "events"),
                             population_ckey=protect.hash_keys(table, list(table.columns),
                                                               "population"))
        result = gate.publish(protected_rri(keyed, group_cols, by, unit, options), "rri",
                              threshold=options.suppress, keys=group_cols + by)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return write(result, args, source=f"counts file {Path(args.counts).name}")


def _rri_from_db(args) -> int:
    """`rri --db`: the dashboard's own view computation (analytics.views.tables)."""
    from analytics.data.counts import population
    from analytics.data.db import connect
    from analytics.views.tables import Options, rri_for_outcome
    if not args.outcome:
        raise UsageError("--db needs --outcome KEY")
    try:
        get_outcome(args.outcome)
    except KeyError as e:
        raise UsageError(f"{e.args[0]}") from None
    breakdown = split(args.by) or ["ethnicity_minor"]
    by_period = "period" in breakdown
    breakdown = [c for c in breakdown if c != "period"]
    with connect(args.db) as con:
        chosen = chosen_periods(con, args.period)
        reference = ()
        if args.comparison == "reference":
            groups = population(con, by=breakdown, periods=chosen)
            reference = tuple(parse_reference(args.reference, breakdown, groups).items())
        options = Options(comparison=args.comparison, reference=reference, level=args.level,
                          ci=args.ci, adjust=args.adjust, min_population=args.min_population,
                          min_events=args.min_events, suppress=args.suppress)
        try:
            result = rri_for_outcome(con, args.outcome, breakdown, chosen, options=options,
                                     filters=parse_filters(args.filter), by_period=by_period)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    return write(result, args, source=f"database {Path(args.db).name}", outcome=args.outcome,
                  periods=", ".join(chosen), filters=args.filter or "none")


def _rri_benchmark(args) -> int:
    """`rri --comparison benchmark --benchmark england`: each group's rate over the
    benchmark's rate for the same group, with both areas' own RRIs (analytics.views.benchmark)."""
    from analytics.data import benchmarks
    from analytics.views.benchmark import compare
    from analytics.views.tables import Options
    if not args.benchmark:
        raise UsageError(f"--comparison benchmark needs --benchmark NAME ({', '.join(benchmarks.names())})")
    if not args.outcome:
        raise UsageError("--comparison benchmark needs --outcome KEY (figures for: "
                         f"{', '.join(benchmarks.outcomes(args.benchmark))})")
    try:
        spec = get_outcome(args.outcome)
    except KeyError as e:
        raise UsageError(f"{e.args[0]}") from None
    by_sex = "sex" in split(args.by)
    local_cmp = "reference" if args.reference else "overall"
    options = Options(comparison=local_cmp, level=args.level, ci=args.ci, adjust=args.adjust,
                      min_population=args.min_population, min_events=args.min_events,
                      suppress=args.suppress)
    try:
        if args.db:
            local, chosen, source = _benchmark_counts_db(args, by_sex)
            column = "ethnicity_code"
        else:
            local, column = _benchmark_counts_file(args)
            chosen = split(args.period) or (sorted(local["period"].unique()) if "period" in local else [])
            if not chosen:
                raise UsageError("give --period (the counts file has no period column)")
            if "period" in local:
                local = local[local["period"].isin(chosen)].drop(columns="period")
            source = f"counts file {Path(args.counts).name}"
        result = compare(local, args.outcome, chosen, benchmark=args.benchmark, by_sex=by_sex,
                         options=options, unit=int(spec["unit"]), column=column)
    except (InputError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for note in result.attrs["notes"]:
        print(f"note: {note}")
    return write(result, args, source=source, outcome=args.outcome, periods=", ".join(chosen),
                  benchmark=f"{result.attrs['benchmark']} ({result['benchmark_area'].iloc[0]}, "
                            f"{result['benchmark_period'].iloc[0]})",
                  own_rri_comparison=result.attrs["benchmark_comparison"],
                  notes=" | ".join(result.attrs["notes"]))


def _rri_paired(args) -> int:
    """`rri --counts FILE --population NAME`: a counts-only file's events over a population
    table (analytics.views.denominators), with the gap in years stated."""
    from analytics.data import population as pop
    from analytics.data.readers import read_table, validate_events_frame
    from analytics.views.denominators import paired_rri
    from analytics.views.tables import Options
    if not args.counts or not args.outcome:
        raise UsageError("--population pairs a counts-only file: give --counts FILE and "
                         "--outcome KEY (its eligible ages and unit)")
    try:
        spec = get_outcome(args.outcome)
        table, keys = validate_events_frame(read_table(args.counts), args.counts)
        eth = next(c for c in keys if "ethnic" in c.lower())
        chosen = split(args.period) or (sorted(table["period"].unique()) if "period" in table else [])
        if not chosen:
            raise UsageError("give --period (the counts file has no period column)")
        if "period" in table:
            table = table[table["period"].isin(chosen)]
        table = table.drop(columns=[c for c in ("period", "outcome") if c in table])
        population = pop.load(args.population, root=store_dir(args))
        ages = tuple(int(a) for a in args.ages.split("-")) if args.ages else None
        options = Options(comparison=args.comparison, level=args.level, ci=args.ci,
                          adjust=args.adjust, min_population=args.min_population,
                          min_events=args.min_events, suppress=args.suppress)
        result = paired_rri(table, args.outcome, chosen, population, column=eth,
                            by_sex="sex" in keys, options=options, ages=ages)
    except (InputError, ValueError, KeyError) as e:
        print(f"error: {e.args[0] if isinstance(e, KeyError) else e}", file=sys.stderr)
        return 2
    for note in result.attrs["notes"]:
        print(f"note: {note}")
    low, high = result.attrs["ages"]
    return write(result, args, source=f"counts file {Path(args.counts).name}",
                  outcome=f"{args.outcome} (rate per {int(spec['unit']):,} children aged {low}-{high})",
                  periods=", ".join(chosen), population=result.attrs["population_source"],
                  notes=" | ".join(result.attrs["notes"]))


def _benchmark_counts_db(args, by_sex: bool):
    from analytics.data.counts import counts
    from analytics.data.db import connect
    with connect(args.db) as con:
        chosen = chosen_periods(con, args.period)
        local = counts(con, args.outcome, by=["ethnicity_code"] + (["sex"] if by_sex else []),
                       periods=chosen, filters=parse_filters(args.filter))
    return local, chosen, f"database {Path(args.db).name}"


def _benchmark_counts_file(args):
    """A counts file's table and its ethnicity column (any wording: codes, DfE, ONS, YJB)."""
    table, cols = read_counts_csv(args.counts, split(args.group_cols) or None)
    eth = [c for c in cols if "ethnic" in c.lower()]
    if len(eth) != 1:
        raise UsageError(f"the counts file needs one ethnicity column; group columns are {cols}")
    return table, eth[0]
