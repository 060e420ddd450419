"""`areas`: how a council compares, on DfE's published figures for every English council:
its rates, RRIs and ranks by ethnic group beside its ten statistical neighbours, its region
and England (docs/areas.md). Needs no database; years imported from DfE's open-data CSV
into the user store are offered beside the shipped ones."""
from __future__ import annotations

from pathlib import Path

from analytics import protect
from analytics.cli.common import UsageError, add_out, command_line, save
from analytics.data import areas

SOURCE = "DfE published council figures"

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"areas": ("areas",)}


def register(sub) -> None:
    from analytics.views.areas import COMPARES
    a = sub.add_parser("areas", help="a council beside its statistical neighbours, region and "
                                     "England, on DfE's published figures for every council")
    a.add_argument("--la", required=True,
                   help="the council: ONS code (E09000019), DfE number (206) or name")
    a.add_argument("--indicator", required=True, choices=list(areas.INDICATORS),
                   help="suspension (counted as events) or permanent_exclusion")
    a.add_argument("--period", required=True,
                   help="academic year: 2023/24 or 2024/25, or a year imported from DfE's "
                        "open-data CSV")
    a.add_argument("--compare", choices=COMPARES, default="all",
                   help="rows kept: the council with its neighbours, its regions, England, or "
                        "all (default: every council, the regions and England)")
    a.add_argument("--reference", default="White",
                   help="the group each RRI is against, in the same area (default White)")
    a.add_argument("--level", type=float, default=0.95,
                   help="interval level for rates, RRIs and ranks (default 0.95)")
    add_out(a)
    a.set_defaults(func=run)


def _figures():
    """The shipped figures with the imported years of the user store (the local user's)."""
    from analytics.data import store
    from analytics.data.imports import areas_table
    listed = store.list_datasets()
    tables = []
    for path in listed.loc[listed["kind"] == "areas", "path"]:
        with store.connect_dataset({"path": path}) as con:
            tables.append(areas_table(con))
    return areas.figures(tables)


def run(args) -> int:
    """`areas`: the COLUMNS table of analytics.views.areas for one council."""
    from analytics.outputs import export
    from analytics.views.areas import SYMBOLS_NOTE, area_table
    if not 0 < args.level < 1:
        raise UsageError(f"--level must be between 0 and 1, got {args.level}")
    areas.council(args.la)            # an unknown council: status 2 with the closest names
    out = Path(args.out)
    try:
        fmt = export.format_for(out)
    except ValueError as e:
        raise UsageError(str(e)) from None
    table = area_table(_figures(), args.la, args.indicator, args.period, compare=args.compare,
                       reference=args.reference, level=args.level)
    spec = areas.INDICATORS[args.indicator]
    info = export.metadata(
        source=SOURCE, council=table.attrs["area_name"], indicator=spec["label"],
        unit=spec["unit"], period=args.period, compare=args.compare,
        comparison=f"each group against {args.reference} pupils in the same area",
        interval_level=args.level, protection=protect.published_note("DfE"),
        symbols=SYMBOLS_NOTE,
        notes=" | ".join(table.attrs["notes"]), sources=" | ".join(table.attrs["sources"]),
        command=command_line())
    return save(table, out, fmt, info, SOURCE, None)
