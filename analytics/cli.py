"""Command line: `python -m analytics {build,rri,isr,explain,followup,report,import,datasets,delete,audit,claims}`
over the same code as the dashboard.

Exit status: 0 done, 1 the claims do not hold or the store could not be written (e.g. a full
disk), 2 bad input (a file, a flag or a name), with a message and nothing written.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from analytics import protect
from analytics.data.readers import InputError, read_counts_csv
from analytics.data.db import build_settings
from analytics.data.reference import outcome as get_outcome
from analytics.data.synthetic import DEFAULT_DB
from analytics.views.tables import Options, protected_rri

DEFAULT_REFERENCE = "White British"


class UsageError(ValueError):
    """A bad flag value or name: reported as `error: ...` with exit status 2."""


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


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def cmd_build(args) -> int:
    from analytics.data.synthetic import build
    start = time.perf_counter()
    path = build(args.db, scale=args.scale, seed=args.seed, null=args.null)
    kind = ", null borough" if args.null else ""
    print(f"built {path} (scale {args.scale}, seed {args.seed}{kind}) "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_rri(args) -> int:
    if bool(args.counts) == bool(args.db):
        raise UsageError("give exactly one of --counts FILE.csv or --db PATH")
    if args.comparison == "benchmark":
        return _rri_benchmark(args)
    if args.population:
        return _rri_paired(args)
    if args.benchmark:
        raise UsageError("--benchmark goes with --comparison benchmark")
    by = _split(args.by) if args.counts else []
    if args.counts:
        try:
            table, group_cols = read_counts_csv(args.counts, _split(args.group_cols) or None)
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
        result = protected_rri(keyed, group_cols, by, unit, options)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return _write(result, args, source=f"counts file {Path(args.counts).name}")


def _parse_filters(text: str | None) -> dict:
    """--filter 'fsm_status=FSM eligible,sex=Male' (several values: 'sen_status=SEN support|EHCP')."""
    out = {}
    for part in _split(text):
        if "=" not in part:
            raise UsageError(f"--filter {part!r} must be COLUMN=VALUE")
        col, values = part.split("=", 1)
        out[col.strip()] = [v.strip() for v in values.split("|")]
    return out


def _chosen_periods(con, value: str | None, latest: int = 1) -> list[str]:
    """--period: a period, a comma list or `all`; without it the latest `latest` periods.
    An unknown period is a usage error naming the known ones."""
    from analytics.data.db import periods
    known = periods(con)
    chosen = known if value == "all" else _split(value) or known[-latest:]
    missing = set(chosen) - set(known)
    if missing:
        raise UsageError(f"unknown period(s) {sorted(missing)}; known: {known}")
    return chosen


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
    breakdown = _split(args.by) or ["ethnicity_minor"]
    by_period = "period" in breakdown
    breakdown = [c for c in breakdown if c != "period"]
    with connect(args.db) as con:
        chosen = _chosen_periods(con, args.period)
        reference = ()
        if args.comparison == "reference":
            groups = population(con, by=breakdown, periods=chosen)
            reference = tuple(parse_reference(args.reference, breakdown, groups).items())
        options = Options(comparison=args.comparison, reference=reference, level=args.level,
                          ci=args.ci, adjust=args.adjust, min_population=args.min_population,
                          min_events=args.min_events, suppress=args.suppress)
        try:
            result = rri_for_outcome(con, args.outcome, breakdown, chosen, options=options,
                                     filters=_parse_filters(args.filter), by_period=by_period)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    return _write(result, args, source=f"database {Path(args.db).name}", outcome=args.outcome,
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
    by_sex = "sex" in _split(args.by)
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
            chosen = _split(args.period) or (sorted(local["period"].unique()) if "period" in local else [])
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
    return _write(result, args, source=source, outcome=args.outcome, periods=", ".join(chosen),
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
        chosen = _split(args.period) or (sorted(table["period"].unique()) if "period" in table else [])
        if not chosen:
            raise UsageError("give --period (the counts file has no period column)")
        if "period" in table:
            table = table[table["period"].isin(chosen)]
        table = table.drop(columns=[c for c in ("period", "outcome") if c in table])
        population = pop.load(args.population, root=_store(args))
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
    return _write(result, args, source=f"counts file {Path(args.counts).name}",
                  outcome=f"{args.outcome} (rate per {int(spec['unit']):,} children aged {low}-{high})",
                  periods=", ".join(chosen), population=result.attrs["population_source"],
                  notes=" | ".join(result.attrs["notes"]))


def _benchmark_counts_db(args, by_sex: bool):
    from analytics.data.counts import counts
    from analytics.data.db import connect
    with connect(args.db) as con:
        chosen = _chosen_periods(con, args.period)
        local = counts(con, args.outcome, by=["ethnicity_code"] + (["sex"] if by_sex else []),
                       periods=chosen, filters=_parse_filters(args.filter))
    return local, chosen, f"database {Path(args.db).name}"


def _benchmark_counts_file(args):
    """A counts file's table and its ethnicity column (any wording: codes, DfE, ONS, YJB)."""
    table, cols = read_counts_csv(args.counts, _split(args.group_cols) or None)
    eth = [c for c in cols if "ethnic" in c.lower()]
    if len(eth) != 1:
        raise UsageError(f"the counts file needs one ethnicity column; group columns are {cols}")
    return table, eth[0]


def _write(result, args, **meta) -> int:
    """Write the result in the format the --out suffix names, with its metadata."""
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
        command="python -m analytics " + " ".join(sys.argv[1:]))
    return _save(result, out, fmt, info, meta.get("source", ""), args.suppress)


def _save(result, out: Path, fmt: str, info: dict, source: str, suppress: int | None) -> int:
    """Write a result table with its metadata, and put the export in the audit log."""
    from analytics.outputs import export
    data = export.export_bytes(result, fmt, info)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    _audit("export", f"{fmt} table of {len(result)} rows to {out.name}", source, suppress)
    print(f"wrote {len(result)} rows to {out}")
    return 0


def _audit(action: str, what: str, dataset: str, suppress: int | None) -> None:
    """Command-line exports and reports go into the audit log as the local user."""
    from analytics.data import audit, store
    from analytics.data.access import LOCAL
    audit.record(store.user_data_dir(), LOCAL, action, what, dataset=dataset,
                 protection=audit.protection_label(suppress))


def cmd_isr(args) -> int:
    """`isr`: indirectly standardised ratios from a counts file or the database."""
    from analytics.outputs import export
    from analytics.views.adjusted import isr_for_outcome, protected_isr
    from analytics.views.tables import Options
    if bool(args.counts) == bool(args.db):
        raise UsageError("give exactly one of --counts FILE or --db PATH")
    strata = _split(args.strata)
    if not strata:
        raise UsageError("--strata needs at least one column")
    options = Options(level=args.level, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    if args.counts:
        group_cols = _split(args.group_cols)
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
            chosen = _chosen_periods(con, args.period)
            try:
                result = isr_for_outcome(con, args.outcome, _split(args.by), strata, chosen,
                                         filters=_parse_filters(args.filter), ci=args.ci,
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
        command="python -m analytics " + " ".join(sys.argv[1:]))
    return _save(result, Path(args.out), export.format_for(Path(args.out)), info, source,
                 args.suppress)


def _explain_reference(value: str | None, breakdown: list[str]) -> dict | None:
    """--reference for `explain`: COLUMN=VALUE[,...] or a value of the ethnicity column."""
    if not value:
        return None
    if "=" in value:
        pairs = dict(p.split("=", 1) for p in value.split(","))
        if set(pairs) - set(breakdown):
            raise UsageError(f"--reference names column(s) {sorted(set(pairs) - set(breakdown))} "
                             f"not in --by {breakdown}")
        return pairs
    ethnicity = next((c for c in breakdown if c.startswith("ethnicity_")), None)
    if ethnicity is None:
        raise UsageError("write --reference as COLUMN=VALUE (no ethnicity column in --by)")
    return {ethnicity: value}


def cmd_explain(args) -> int:
    """`explain`: crude, standardised and adjusted ratios side by side, from the database."""
    from analytics.data.db import connect
    from analytics.outputs import export
    from analytics.views.adjusted import explain_table, model_caption
    from analytics.views.tables import Options
    try:
        get_outcome(args.outcome)
    except KeyError as e:
        raise UsageError(f"{e.args[0]}") from None
    breakdown, characteristics = _split(args.by), _split(args.characteristics)
    options = Options(level=args.level, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    with connect(args.db) as con:
        chosen = _chosen_periods(con, args.period)
        reference = _explain_reference(args.reference, breakdown)
        try:
            result = explain_table(con, args.outcome, breakdown, chosen, characteristics,
                                   filters=_parse_filters(args.filter), options=options,
                                   reference=reference)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    info = export.metadata(
        source=f"database {Path(args.db).name}", outcome=args.outcome, periods=", ".join(chosen),
        breakdown=", ".join(breakdown), characteristics=", ".join(characteristics),
        reference=", ".join(f"{k}={v}" for k, v in result.attrs["reference"].items()),
        filters=args.filter or "none", method=model_caption(result), interval_level=args.level,
        suppression_threshold=args.suppress, minimum_population=args.min_population,
        minimum_events=args.min_events, command="python -m analytics " + " ".join(sys.argv[1:]))
    out = Path(args.out)
    return _save(result, out, export.format_for(out), info, f"database {Path(args.db).name}",
                 args.suppress)


def cmd_followup(args) -> int:
    """`followup`: later outcomes of children first excluded, by group or school, or the
    youth-justice cohort's history."""
    from analytics.data.cohorts import get as get_cohort
    from analytics.data.db import connect
    from analytics.data.followup import FOLLOWUP_OUTCOMES
    from analytics.outputs import export
    from analytics.views import followup as fu
    from analytics.views.tables import Options
    outcomes = _split(args.outcome) or list(FOLLOWUP_OUTCOMES)
    unknown = [o for o in outcomes if o not in FOLLOWUP_OUTCOMES]
    if unknown:
        raise UsageError(f"--outcome {unknown} not followed up; choose from "
                         f"{', '.join(FOLLOWUP_OUTCOMES)}")
    options = Options(level=args.level, ci=args.ci, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    filters = _parse_filters(args.filter)
    by = _split(args.by)
    with connect(args.db) as con:
        chosen = (None if not args.period or args.period == "all"
                  else _chosen_periods(con, args.period))
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
        command="python -m analytics " + " ".join(sys.argv[1:]))
    out = Path(args.out)
    return _save(result, out, export.format_for(out), info, f"database {Path(args.db).name}",
                 args.suppress)


def cmd_claims(args) -> int:
    from analytics.data.db import connect, ensure_database
    from analytics.views.claims import evaluate_all
    with connect(ensure_database(args.db)) as con:
        results = evaluate_all(con)
    for r in results.itertuples():
        print(f"{r.verdict:31s} {r.claim_id:32s} {r.detail}")
    print(f"{int(results['holds'].sum())} of {len(results)} claims borne out")
    return 0 if results["holds"].all() else 1


def cmd_report(args) -> int:
    """`report board|court`: the HTML board pack or court scrutiny report."""
    from analytics.data.db import connect
    from analytics.outputs import export, reports
    from analytics.views.tables import Options
    options = Options(comparison=args.comparison, level=args.level, ci=args.ci, adjust=args.adjust,
                      suppress=args.suppress)
    meta = export.metadata(command="python -m analytics " + " ".join(sys.argv[1:]),
                           source=f"database {Path(args.db).name}", comparison=args.comparison,
                           interval_level=args.level, adjustment=args.adjust,
                           suppression_threshold=args.suppress, url=args.url or "")
    with connect(args.db) as con:
        chosen = _chosen_periods(con, args.period, latest=3)
        if args.kind == "board":
            html = reports.board_pack(con, breakdown=_split(args.by) or ["ethnicity_major", "sex"],
                                      periods=chosen, options=options, meta=meta)
        else:
            html = reports.court_report(con, ethnicity=(_split(args.by) or ["ethnicity_major"])[0],
                                        options=options, meta=meta)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        try:
            out.write_bytes(reports.to_pdf(html))
        except RuntimeError as e:
            raise UsageError(f"{e}") from None
    else:
        out.write_text(html, encoding="utf-8")
    _audit("report", f"{args.kind} report to {out.name}", f"database {Path(args.db).name}",
           args.suppress)
    print(f"wrote {args.kind} report to {out}")
    return 0


def _store(args) -> Path | None:
    """--store DIR (the user data folder); --user-db, its old name, may name a file in it."""
    if args.store is None:
        return None
    return args.store.parent if args.store.suffix == ".duckdb" else args.store


def cmd_import(args) -> int:
    from analytics.data.imports import import_files
    result = import_files(args.file, name=args.name, root=_store(args), link=args.link)
    what = (f"{result.rows} child-year rows, {', '.join(result.periods)}; outcomes: "
            f"{', '.join(result.outcomes) or 'none'}" if result.kind == "records" else
            f"{result.rows} groups by {', '.join(result.group_cols)}")
    files = ", ".join(str(f) for f in args.file)
    print(f"imported {files} as {result.kind} dataset {result.name!r}: {what}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def cmd_datasets(args) -> int:
    """Every dataset in the store (the operator's view: all workspaces)."""
    from analytics.data import store
    table = store.list_datasets(_store(args), user=None)
    for problem in table.attrs["problems"]:
        print(f"warning: {problem}", file=sys.stderr)
    if table.empty:
        print("no datasets imported")
    for r in table.itertuples():
        shared = f"  shared with {', '.join(r.shared_with)}" if len(r.shared_with) else ""
        print(f"{r.id:32s} {r.kind:10s} {r.n_rows:>9,} rows  from {r.source_file} "
              f"({r.imported_at:%Y-%m-%d %H:%M}){shared}")
    return 0


def cmd_delete(args) -> int:
    from analytics.data import store
    from analytics.data.access import LOCAL
    try:
        store.delete_dataset(args.name, _store(args), user=LOCAL)
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    print(f"deleted dataset {args.name!r} (its file is removed from disk)")
    return 0


def cmd_audit(args) -> int:
    """The audit log, oldest first, and whether its chain of hashes is intact."""
    from analytics.data import audit, store
    table, problems = audit.read(_store(args) or store.user_data_dir())
    if args.user:
        table = table[table["user"] == args.user]
    if args.action:
        table = table[table["action"] == args.action]
    if args.last:
        table = table.tail(args.last)
    for r in table.itertuples():
        print(f"{r.time}  {r.user} ({r.role})  {r.action:8s} {r.dataset or '-'}: {r.what}"
              + (f"  [{r.protection}]" if r.protection else ""))
    for problem in problems:
        print(f"warning: audit log {problem}", file=sys.stderr)
    print(f"{len(table)} entries shown; chain of hashes "
          + ("intact" if not problems else f"BROKEN ({len(problems)} problems)"))
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the synthetic borough database")
    settings = build_settings()
    b.add_argument("--scale", type=float, default=settings["scale"],
                   help="population multiplier (1 = one borough; default from data/synthetic/build.toml)")
    b.add_argument("--seed", type=int, default=settings["seed"],
                   help="random seed (same seed, same data; default from data/synthetic/build.toml)")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help="database file to write")
    b.add_argument("--null", action="store_true",
                   help="a null borough: every ethnic and sex effect switched off (for checking "
                        "false-positive rates and interval coverage)")
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("rri", help="relative rate indices from a counts CSV or the database")
    src = r.add_argument_group("source")
    src.add_argument("--counts", type=Path, help="counts CSV: group columns, events, population")
    src.add_argument("--group-cols", help="group columns of the counts CSV (default: all but events/population)")
    src.add_argument("--db", type=Path, help="borough database")
    src.add_argument("--outcome", help="outcome key from the catalogue (with --db, or with "
                                       "--comparison benchmark)")
    src.add_argument("--by", help="breakdown columns with --db (e.g. ethnicity_minor,sex; add period "
                                  "for one table per period); with --counts, columns that slice the table")
    src.add_argument("--period", help="period(s) with --db, comma-separated, or 'all' (default: latest)")
    src.add_argument("--filter", help="restrict the population with --db: COLUMN=VALUE[|VALUE][,...] "
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
    _store_flag(r)
    r.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    r.add_argument("--ci", choices=["katz", "exact", "score", "auto"], default="auto",
                   help="interval: katz (log), exact (conditional, for rare outcomes), score "
                        "(Miettinen-Nurminen, for common ones), auto (chooses by the regime)")
    r.add_argument("--adjust", choices=["none", "holm", "bh"], default="holm")
    r.add_argument("--suppress", type=int, default=5,
                   help="protected mode (default 5): counts perturbed by the cell-key method, "
                        "never 1 or 2, and groups with fewer than N children show their size "
                        "only; 0 is the secure setting: true counts, for analysts in a secure "
                        "environment")
    r.add_argument("--unit", type=int, help="rate per UNIT children (default: the outcome's, or 100)")
    r.add_argument("--min-population", type=int, default=30)
    r.add_argument("--min-events", type=int, default=5)
    r.add_argument("--out", required=True, help="output file: .csv, .xlsx (data + metadata sheets) "
                                                "or .parquet (metadata in the file)")
    r.set_defaults(func=cmd_rri)

    rep = sub.add_parser("report", help="the HTML board pack or court scrutiny report")
    rep.add_argument("kind", choices=["board", "court"])
    rep.add_argument("--db", type=Path, default=DEFAULT_DB)
    rep.add_argument("--by", help="breakdown (board: default ethnicity_major,sex; court: the ethnicity level)")
    rep.add_argument("--period", help="board: period(s) pooled, comma-separated (default: latest three)")
    rep.add_argument("--comparison", choices=["rest", "overall"], default="overall")
    rep.add_argument("--level", type=float, default=0.95)
    rep.add_argument("--ci", choices=["katz", "exact", "score", "auto"], default="auto")
    rep.add_argument("--adjust", choices=["none", "holm", "bh"], default="holm")
    rep.add_argument("--suppress", type=int, default=5)
    rep.add_argument("--url", help="the dashboard view to print in the report")
    rep.add_argument("--out", required=True, help="output .html (or .pdf where WeasyPrint and Pango work)")
    rep.set_defaults(func=cmd_report)

    i = sub.add_parser("import", help="import files into the user store: statutory returns "
                                      "(several files or a zip), a Census population table, or "
                                      "one file in the product's layout")
    i.add_argument("file", type=Path, nargs="+",
                   help="CSV, Excel (.xlsx), Parquet, CIN census XML, or a zip of returns")
    i.add_argument("--name", help="dataset name (default: from the first file's name)")
    i.add_argument("--link", choices=["LAchildID", "UPN", "hash"], default="LAchildID",
                   help="identifier linking a child across returns (default LAchildID; hash: "
                        "each return's identifier field holds a shared pseudonymous hash)")
    _store_flag(i)
    i.set_defaults(func=cmd_import)

    d = sub.add_parser("datasets", help="list imported datasets")
    _store_flag(d)
    d.set_defaults(func=cmd_datasets)

    x = sub.add_parser("delete", help="delete an imported dataset (removes its file)")
    x.add_argument("name", help="dataset name (OWNER/NAME for a dataset shared by someone else)")
    _store_flag(x)
    x.set_defaults(func=cmd_delete)

    a = sub.add_parser("audit", help="read the audit log of imports, deletes, exports and reports")
    a.add_argument("--user", help="only this user's entries")
    a.add_argument("--action", help="only this action (import, delete, share, unshare, export, report)")
    a.add_argument("--last", type=int, help="only the last N entries")
    _store_flag(a)
    a.set_defaults(func=cmd_audit)

    s = sub.add_parser("isr", help="indirectly standardised ratios from a counts file or the database")
    src = s.add_argument_group("source")
    src.add_argument("--counts", type=Path, help="counts file: group columns, strata columns, events, population")
    src.add_argument("--group-cols", help="group columns of the counts file (comma-separated)")
    src.add_argument("--standard", type=Path, help="standard population file: strata columns, events, "
                                                   "population (default: all groups of the counts file)")
    src.add_argument("--db", type=Path, help="borough database")
    src.add_argument("--outcome", help="outcome key from the catalogue (with --db)")
    src.add_argument("--by", help="groups with --db: breakdown columns, e.g. ethnicity_minor,sex")
    src.add_argument("--period", help="period(s) with --db, comma-separated, or 'all' (default: latest)")
    src.add_argument("--filter", help="restrict the population with --db: COLUMN=VALUE[|VALUE][,...]")
    s.add_argument("--strata", required=True, help="characteristics to standardise for, e.g. "
                                                   "fsm_status,sen_status,age_band,care_status")
    s.add_argument("--ci", choices=["byar", "exact"], default="byar",
                   help="interval: Byar's (exact below 10 observed; default) or exact Poisson")
    s.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    s.add_argument("--suppress", type=int, default=5,
                   help="protected mode (default 5): observed counts through the cell-key "
                        "method; 0 is the secure setting (true counts)")
    s.add_argument("--min-population", type=int, default=30)
    s.add_argument("--min-events", type=int, default=5)
    s.add_argument("--out", required=True, help="output file: .csv, .xlsx or .parquet")
    s.set_defaults(func=cmd_isr)

    e = sub.add_parser("explain", help="crude, standardised and adjusted ratios side by side")
    e.add_argument("--db", type=Path, default=DEFAULT_DB)
    e.add_argument("--outcome", required=True, help="outcome key from the catalogue")
    e.add_argument("--by", default="ethnicity_major,sex", help="groups: breakdown columns")
    e.add_argument("--characteristics", default="fsm_status,sen_status,age_band,care_status",
                   help="what to allow for: any of fsm_status, sen_status, age_band, "
                        "care_status, sex (not in --by)")
    e.add_argument("--period", help="period(s), comma-separated, or 'all' (default: latest)")
    e.add_argument("--filter", help="restrict the population: COLUMN=VALUE[|VALUE][,...]")
    e.add_argument("--reference", help="reference group: VALUE of the ethnicity column or "
                                       "COLUMN=VALUE (default: White British at its level)")
    e.add_argument("--level", type=float, default=0.95)
    e.add_argument("--suppress", type=int, default=5)
    e.add_argument("--min-population", type=int, default=30)
    e.add_argument("--min-events", type=int, default=5)
    e.add_argument("--out", required=True, help="output file: .csv, .xlsx or .parquet")
    e.set_defaults(func=cmd_explain)

    fo = sub.add_parser("followup", help="outcomes after a first exclusion; the youth-justice "
                                         "cohort's earlier exclusions and SEN")
    fo.add_argument("--db", type=Path, default=DEFAULT_DB)
    fo.add_argument("--view", choices=["groups", "schools", "youth-justice"], default="groups",
                    help="groups (default), schools, or the youth-justice cohort's history")
    fo.add_argument("--by", help="groups: breakdown columns of the index year, e.g. "
                                 "ethnicity_major,sex (default: all children)")
    fo.add_argument("--years", type=int, choices=[1, 2, 3], default=2,
                    help="follow-up window in years after the index year (default 2)")
    fo.add_argument("--outcome", help="later outcome(s), comma-separated (default: proven_offence, "
                                      "custody, neet, concern_gangs, concern_cce, concern_syv)")
    fo.add_argument("--period", help="index years (youth-justice: years of the offence), "
                                     "comma-separated, or 'all' (default)")
    fo.add_argument("--filter", help="restrict the children: COLUMN=VALUE[|VALUE][,...]")
    fo.add_argument("--phase", default="Secondary", help="schools: phase (default Secondary)")
    fo.add_argument("--bme-only", action="store_true",
                    help="schools: Black and minority ethnic pupils only")
    fo.add_argument("--ci", choices=["katz", "exact", "score", "auto"], default="auto")
    fo.add_argument("--level", type=float, default=0.95)
    fo.add_argument("--suppress", type=int, default=5)
    fo.add_argument("--min-population", type=int, default=30)
    fo.add_argument("--min-events", type=int, default=5)
    fo.add_argument("--out", required=True, help="output file: .csv, .xlsx or .parquet")
    fo.set_defaults(func=cmd_followup)

    c = sub.add_parser("claims", help="check every section 5.4 claim against the database")
    c.add_argument("--db", type=Path, default=DEFAULT_DB)
    c.set_defaults(func=cmd_claims)
    return p


def _store_flag(p) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="user data folder (default data/user, or $DISPROP_USER_DATA)")
    p.add_argument("--user-db", dest="store", type=Path, help=argparse.SUPPRESS)


def main(argv=None) -> int:
    from analytics.data.store import StoreError
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, UsageError, PermissionError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)     # bad input: a file, a flag or a name
        return 2
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
