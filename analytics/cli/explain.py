"""`explain`: what explains a gap: crude, standardised and model-adjusted ratios side by side."""
from __future__ import annotations

import sys
from pathlib import Path

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
from analytics.data.reference import outcome as get_outcome

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"explain": ("explain",)}


def register(sub) -> None:
    e = sub.add_parser("explain", help="crude, standardised and adjusted ratios side by side")
    add_db(e)
    e.add_argument("--outcome", required=True, help="outcome key from the catalogue")
    e.add_argument("--by", default="ethnicity_major,sex", help="groups: breakdown columns")
    e.add_argument("--characteristics", default="fsm_status,sen_status,age_band,care_status",
                   help="what to allow for: any of fsm_status, sen_status, age_band, "
                        "care_status, sex (not in --by)")
    add_period(e)
    add_filter(e)
    e.add_argument("--reference", help="reference group: VALUE of the ethnicity column or "
                                       "COLUMN=VALUE (default: White British at its level)")
    add_protection(e)
    add_out(e)
    e.set_defaults(func=run)


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


def run(args) -> int:
    """`explain`: crude, standardised and adjusted ratios side by side, from the database."""
    from analytics.data.db import connect
    from analytics.outputs import export
    from analytics.views.adjusted import explain_table, model_caption
    from analytics.views.tables import Options
    try:
        get_outcome(args.outcome)
    except KeyError as e:
        raise UsageError(f"{e.args[0]}") from None
    breakdown, characteristics = split(args.by), split(args.characteristics)
    options = Options(level=args.level, min_population=args.min_population,
                      min_events=args.min_events, suppress=args.suppress)
    with connect(args.db) as con:
        chosen = chosen_periods(con, args.period)
        reference = _explain_reference(args.reference, breakdown)
        try:
            result = explain_table(con, args.outcome, breakdown, chosen, characteristics,
                                   filters=parse_filters(args.filter), options=options,
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
        minimum_events=args.min_events, command=command_line())
    out = Path(args.out)
    return save(result, out, export.format_for(out), info, f"database {Path(args.db).name}",
                 args.suppress)
