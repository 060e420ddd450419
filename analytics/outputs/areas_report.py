"""How we compare, on paper: the charts of the page drawn for a board (board_chart), the
board pack's "How we compare" section and a one-page summary for a council, as
self-contained HTML (charts inlined as SVG)."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from analytics.data import areas
from analytics.outputs import charts
from analytics.outputs.charts.areas import area_ratios
from analytics.outputs.charts.funnel import ratio_funnel
from analytics.stats.funnel import ratio_funnel_curve
from analytics.views import areas as views
from analytics.views import areas_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
#: The council and group the board pack compares by default: the borough of the strategy.
BOARD_COUNCIL, BOARD_GROUP = "Islington", "Black"


def source_line(table) -> str:
    spec = areas.INDICATORS[table.attrs["indicator"]]
    return (f"Source: DfE, Suspensions and permanent exclusions in England, {table.attrs['period']}"
            f" ({spec['counts']} and pupil headcount by major ethnic group; published figures, "
            "not perturbed). Disproportionality dashboard.")


def subtitle(table) -> str:
    spec = areas.INDICATORS[table.attrs["indicator"]]
    return (f"{spec['label']} ({spec['unit']}), {table.attrs['period']}; each group against "
            f"{areas_text.pupils(table.attrs['reference'])} in the same area; "
            f"{table.attrs['level']:.0%} intervals")


def ratio_chart(table, group: str, width: int = 560):
    """The council's RRIs by group beside its neighbours, regions and England."""
    spec = areas.INDICATORS[table.attrs["indicator"]]
    caveat = (f"Lines: {table.attrs['level']:.0%} intervals; faded: low numbers. "
              + ("Suspensions are counted as events (a pupil can have several); intervals "
                 "allow for repeat suspensions." if spec["model"] == "poisson" else
                 "Permanent exclusions are treated as pupils."))
    return charts.board_chart(
        area_ratios(table, f"RRI against {areas_text.pupils(table.attrs['reference'])} "
                           "(log scale)"),
        title=areas_text.chart_title(table, group), subtitle=subtitle(table), caveat=caveat,
        source=source_line(table), width=width)


def funnel_chart(points, table, width: int = 600, height: int = 400):
    """Every council's RRI for the group against England's: the ratio funnel."""
    drawn = points[points["ratio"].astype(float) > 0]
    target = points.attrs["target"]
    curve = ratio_funnel_curve(target, float(drawn["precision"].max()),
                               float(drawn["precision"].min()), points=60)
    group = areas_text.pupils(points.attrs["group"])
    zero = int((points["ratio"].astype(float) == 0).sum())
    missing = int((points["position"] == "not computable").sum())
    councils = lambda k: f"{k} council" + ("" if k == 1 else "s")  # noqa: E731
    caveat = (f"Limits: 95% (dotted) and 99.8% (dashed) around England's ratio, for a council "
              f"of each precision (1 / variance of its log ratio: more exclusions, more "
              f"precise). Ringed: {table.attrs['area_name']} (bold) and its statistical "
              f"neighbours. Not drawn: {councils(zero)} with none of the group excluded (a "
              f"ratio of 0 has no place on a log scale) and {missing} with no ratio.")
    return charts.board_chart(
        ratio_funnel(points, curve, target,
                     x_title="Precision of the council's ratio (log scale)",
                     y_title=f"RRI, {group} (log scale)", target_label="England's RRI",
                     width=width, height=height),
        title=f"{group.capitalize()}: every council's ratio against England's "
              f"({areas_text.number(target)})",
        subtitle=subtitle(table), caveat=caveat, source=source_line(table), width=width)


def section(figures, la: str, indicator: str, period: str, group: str,
            level: float = 0.95) -> dict:
    """One indicator's "How we compare": sentences, the funnel, the RRI chart and the
    neighbours table, as the templates draw them."""
    table = views.area_table(figures, la, indicator, period, level=level)
    points = views.funnel_points(table, group)
    shown = views.neighbour_display(table)
    spec = areas.INDICATORS[indicator]
    return {"title": f"{spec['label']}, {period}: {table.attrs['area_name']} beside its "
                     "statistical neighbours, region and England",
            "sentences": areas_text.findings(table, group, points),
            "funnel": charts.to_svg(funnel_chart(points, table)),
            "header": list(shown.columns), "rows": shown.values.tolist(),
            "notes": table.attrs["notes"]}


def board_sections(figures, la: str = BOARD_COUNCIL, group: str = BOARD_GROUP,
                   level: float = 0.95) -> list[dict]:
    """The board pack's "How we compare": both indicators, the latest year of each."""
    return [section(figures, la, indicator, areas.periods(figures, indicator)[-1], group, level)
            for indicator in areas.INDICATORS]


def summary(figures, la: str, indicator: str, period: str, group: str, meta: dict,
            own=None, level: float = 0.95) -> str:
    """A one-page board summary of a council: the findings, the funnel, the neighbours table
    and (when the data source has them) its own figures beside the published ones."""
    part = section(figures, la, indicator, period, group, level)
    return _env.get_template("areas_summary.html").render(
        title=part["title"], subtitle=f"{areas_text.pupils(group).capitalize()} against "
                                      "White pupils; published figures of DfE",
        css=(TEMPLATES / "report.css").read_text(), part=part, own=own, meta=meta,
        body_class="summary")
