"""The Methodology page renders the repository's own Markdown documents."""
from __future__ import annotations

import re
from pathlib import Path

from tests.apptest import open_page

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _methodology():
    return open_page("pages/methodology.py")


def test_methodology_page_renders_the_three_documents(app_env):
    at = _methodology()
    assert not at.exception
    assert at.title[0].value == "Methodology"
    assert [t.label for t in at.tabs] == ["Methodology", "Statistics", "Disclosure control",
                                          "Data dictionary"]
    shown = [m.value for m in at.markdown]
    for name in ("methodology.md", "methodology_statistics.md", "disclosure_control.md",
                 "data_dictionary.md"):
        text = (DOCS / name).read_text(encoding="utf-8")
        body = text.split("\n", 1)[1].strip()          # without the "# Title" line
        body = re.sub(r"^(#{2,5}) ", r"#\1 ", body, flags=re.M)   # headings one level down
        assert body in shown, f"{name} is not rendered"


def test_methodology_document_covers_what_the_page_promises():
    text = (DOCS / "methodology.md").read_text(encoding="utf-8")
    for phrase in ["seeded", "per-cell offsets", "section 5.4", "burn-in", "scale",
                   "only for scale and mix", "eligible population", "borough average",
                   "White British", "95%", "exact", "20", "Holm", "30 children",
                   "5 with the outcome", "cell-key method", "secure setting", "not real children",
                   "around 2020", "Intersections", "Small numbers", "rate differences",
                   "URL", "python -m analytics build", "python -m analytics rri"]:
        assert phrase in text, phrase


def test_methodology_markdown_is_well_formed():
    text = (DOCS / "methodology.md").read_text(encoding="utf-8")
    # Balanced LaTeX delimiters (Streamlit renders $...$ and $$...$$).
    assert text.count("$") % 2 == 0
    # Every table row has as many cells as its header.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            width = lines[i - 1].count("|")
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert lines[j].count("|") == width, lines[j]
                j += 1
    # The URL keys documented are the sidebar's.
    state = (ROOT / "ui" / "state.py").read_text(encoding="utf-8")
    for key in ["period", "years", "eth", "by_sex", "sex", "fsm", "sen", "care", "age", "cmp",
                "ref", "level", "adjust", "ci", "suppress", "min_pop", "min_events"]:
        assert f'"{key}"' in state and f"`{key}`" in text, key
