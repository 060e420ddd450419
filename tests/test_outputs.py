"""Every output is declared and passes the one gate (analytics/protect/gate.py).

* every command of `python -m analytics` names the declared outputs it writes (or none),
  and the files the table-writing commands write say which output they are and how their
  figures were protected, in the protected and the secure setting;
* every page's downloadable tables and chart tables passed the gate, under a declared
  output (each page run under AppTest, recording what it hands to the download and chart
  helpers);
* nothing offers a download except those helpers and the reports (built by
  analytics.outputs.reports, which checks every table it prints).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from analytics import cli
from analytics.protect import gate
from tests.apptest import open_page

ROOT = Path(__file__).resolve().parent.parent
#: Pages that offer a report's bytes for download (the report checks its own tables).
REPORT_DOWNLOADS = {"pages/data_export.py", "pages/areas.py"}


def _commands() -> dict[str, object]:
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    return dict(sub.choices)


def _declared_outputs() -> dict[str, tuple]:
    out = {}
    for module in cli.COMMANDS:
        out.update(module.OUTPUTS)
    return out


def test_every_command_says_what_it_publishes():
    commands, writes = _commands(), _declared_outputs()
    assert sorted(commands) == sorted(writes), (
        "commands without a line in their module's OUTPUTS, or lines without a command: "
        f"{sorted(set(commands) ^ set(writes))}")
    declared = gate.declarations()
    for command, outputs in writes.items():
        for name in outputs:
            assert name in declared, f"{command} writes {name!r}, not declared in outputs.toml"


def _metadata(path: Path) -> dict[str, str]:
    lines = [line[2:] for line in path.read_text().splitlines() if line.startswith("# ")]
    return dict(line.split(": ", 1) for line in lines if ": " in line)


TABLE_COMMANDS = {
    "rri": ["rri", "--outcome", "custody", "--by", "ethnicity_minor,sex"],
    "isr": ["isr", "--outcome", "suspension", "--by", "ethnicity_major", "--strata",
            "fsm_status,sen_status"],
    "explain": ["explain", "--outcome", "permanent_exclusion"],
    "followup": ["followup", "--by", "ethnicity_major"],
}


@pytest.mark.parametrize("setting", ["5", "0"])
@pytest.mark.parametrize("command", sorted(TABLE_COMMANDS))
def test_each_command_file_names_its_output_and_protection(borough_db, tmp_path, command,
                                                           setting):
    out = tmp_path / f"{command}.csv"
    args = TABLE_COMMANDS[command] + ["--db", str(borough_db), "--suppress", setting,
                                      "--out", str(out)]
    assert cli.main(args) == 0
    meta = _metadata(out)
    assert meta["output"].split(":")[0] in _declared_outputs()[command]
    expected = "Protected: every count is perturbed" if setting == "5" else "Secure setting"
    assert meta["protection"].startswith(expected), meta["protection"]
    table = pd.read_csv(out, comment="#")
    assert len(table)


def test_areas_file_says_its_figures_are_published(tmp_path):
    out = tmp_path / "areas.csv"
    assert cli.main(["areas", "--la", "Islington", "--indicator", "suspension",
                     "--period", "2024/25", "--out", str(out)]) == 0
    meta = _metadata(out)
    assert meta["output"].startswith("areas:")
    assert "shown exactly as published, not perturbed" in meta["protection"]


PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_table_passed_the_gate(app_env, monkeypatch, page):
    """What each page hands to the download and chart helpers is a published table of a
    declared output (the helpers refuse anything else; this lists what they were given)."""
    from ui import widgets
    seen = []
    real_downloads, real_chart = widgets.downloads, widgets.chart

    def downloads(table, meta, name):
        seen.append(("download", name, table.attrs.get("published_as")))
        return real_downloads(table, meta, name)

    def chart(figure, name, table, key=None):
        seen.append(("chart", name, table.attrs.get("published_as")))
        return real_chart(figure, name, table, key)

    monkeypatch.setattr(widgets, "downloads", downloads)
    monkeypatch.setattr(widgets, "chart", chart)
    at = open_page(page, timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    declared = gate.declarations()
    for kind, name, output in seen:
        assert output in declared, f"{page}: {kind} {name!r} is not a published table"
    print(f"\n{page}: " + (", ".join(f"{k} {n} ({o})" for k, n, o in seen) or "no tables"))


def _download_calls(path: Path) -> int:
    tree = ast.parse(path.read_text())
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Attribute)
               and node.attr == "download_button")


def test_only_the_helpers_and_reports_offer_downloads():
    for path in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        rel = str(path.relative_to(ROOT))
        if rel == "ui/widgets.py" or rel in REPORT_DOWNLOADS:
            continue
        assert _download_calls(path) == 0, f"{rel} offers a download outside ui/widgets.py"


def test_an_undeclared_output_is_refused():
    """The check bites: a table under a name outputs.toml does not hold, or with a column its
    declaration does not name, cannot be published, exported or drawn."""
    table = pd.DataFrame({"group": ["a"], "events": [5], "population": [50]})
    table.attrs["protection"] = "cell key"
    with pytest.raises(gate.GateError, match="not declared"):
        gate.publish(table, "a_new_table", threshold=5)
    with pytest.raises(gate.GateError, match=r"\['mystery'\] are not declared"):
        gate.publish(table.assign(mystery=1.0), "rri", threshold=5)
    unpublished = table.copy()
    unpublished.attrs = {}
    with pytest.raises(gate.GateError, match="did not pass the cell-key method"):
        gate.publish(unpublished, "rri", threshold=5)
    with pytest.raises(gate.GateError, match="1 or 2"):
        gate.publish(table.assign(events=2), "rri", threshold=5)
    with pytest.raises(gate.GateError, match="thresholds only"):
        gate.publish(table.assign(status="low numbers: 3 observed"), "rri", threshold=5)
    from analytics.outputs import export
    with pytest.raises(gate.GateError, match="did not pass the publishing gate"):
        export.export_bytes(table, "csv", {})
    published = gate.publish(table, "rri", threshold=5)
    assert export.export_bytes(published, "csv", {}).startswith(b"# output: rri")
