"""`report board|court`: the board pack or the court scrutiny report, as HTML or PDF."""
from __future__ import annotations

from pathlib import Path

from analytics.cli.common import (
    UsageError,
    add_db,
    add_interval,
    add_out,
    add_period,
    add_protection,
    audit_local,
    chosen_periods,
    command_line,
    split,
)

#: The declared outputs (data/reference/outputs.toml) each command writes or prints;
#: () for a command that publishes no table (tests/test_outputs.py checks both).
OUTPUTS = {"report": ("rri_matrix", "profile", "claims", "followup", "yj_history", "england",
                      "rri", "trends", "areas")}


def register(sub) -> None:
    rep = sub.add_parser("report", help="the HTML board pack or court scrutiny report")
    rep.add_argument("kind", choices=["board", "court"])
    add_db(rep)
    rep.add_argument("--by", help="breakdown (board: default ethnicity_major,sex; court: the ethnicity level)")
    add_period(rep, help="board: period(s) pooled, comma-separated (default: latest three)")
    rep.add_argument("--comparison", choices=["rest", "overall"], default="overall")
    add_interval(rep)
    add_protection(rep, minimums=False)
    rep.add_argument("--url", help="the dashboard view to print in the report")
    add_out(rep, help="output .html (or .pdf where WeasyPrint and Pango work)")
    rep.set_defaults(func=run)


def run(args) -> int:
    """`report board|court`: the HTML board pack or court scrutiny report."""
    from analytics.data.db import connect
    from analytics.outputs import export, reports
    from analytics.views.tables import Options
    options = Options(comparison=args.comparison, level=args.level, ci=args.ci, adjust=args.adjust,
                      suppress=args.suppress)
    meta = export.metadata(command=command_line(),
                           source=f"database {Path(args.db).name}", comparison=args.comparison,
                           interval_level=args.level, adjustment=args.adjust,
                           suppression_threshold=args.suppress, url=args.url or "")
    with connect(args.db) as con:
        chosen = chosen_periods(con, args.period, latest=3)
        if args.kind == "board":
            html = reports.board_pack(con, breakdown=split(args.by) or ["ethnicity_major", "sex"],
                                      periods=chosen, options=options, meta=meta)
        else:
            html = reports.court_report(con, ethnicity=(split(args.by) or ["ethnicity_major"])[0],
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
    audit_local("report", f"{args.kind} report to {out.name}", f"database {Path(args.db).name}",
           args.suppress)
    print(f"wrote {args.kind} report to {out}")
    return 0
