"""The package's folders follow the data flow, and imports only run down it
(docs/architecture.md): a module may import its own folder and the layers below it."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analytics"
#: Lowest first. `stats` is pure; `data` may read stats' column names; and so on up.
LAYERS = ["stats", "data", "protect", "views", "outputs", "cli"]


def layer(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE).parts
    name = rel[0].removesuffix(".py")
    return name if name in LAYERS else None


def imported(path: Path) -> set[str]:
    """Top-level names imported by a module: 'streamlit', 'analytics.views', ..."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            out.add(".".join(parts[:2]) if parts[0] == "analytics" else parts[0])
            if node.module == "analytics":
                out.update(f"analytics.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(".".join(a.name.split(".")[:2]) if a.name.startswith("analytics")
                       else a.name.split(".")[0] for a in node.names)
    return out


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if layer(p))


def test_every_module_sits_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py")
             if p.name not in ("__init__.py", "__main__.py", "cli.py")]
    assert loose == [], f"modules outside the layer folders: {loose}"
    assert len(MODULES) > 25


def violations(path: Path, own: str) -> list[str]:
    """Imports of `path` (in layer `own`) that break the rules."""
    mine = LAYERS.index(own)
    bad = []
    for name in imported(path):
        if name == "streamlit":
            bad.append("streamlit (analytics never imports it)")
        elif name.startswith("analytics.") and name.split(".")[1] in LAYERS:
            if LAYERS.index(name.split(".")[1]) > mine:
                bad.append(name)
    return bad


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_down_the_flow(path):
    assert violations(path, layer(path)) == []


def test_the_check_catches_an_upward_import(tmp_path):
    """The rule is not vacuous: a stats module importing views or streamlit is caught."""
    module = tmp_path / "bad.py"
    module.write_text("import streamlit as st\nfrom analytics.views.tables import Options\n")
    assert sorted(violations(module, "stats")) == ["analytics.views",
                                                   "streamlit (analytics never imports it)"]
