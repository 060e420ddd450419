"""Methodology: the project's own Markdown documents, read from docs/ at run time so the page
always shows what the repository says."""
import re
from pathlib import Path

import streamlit as st

DOCS = Path(__file__).resolve().parent.parent / "docs"
TABS = {   # tab label -> document
    "Methodology": "methodology.md",
    "Statistics": "methodology_statistics.md",
    "Disclosure control": "disclosure_control.md",
    "Data dictionary": "data_dictionary.md",
}


def body(name: str) -> str:
    """The document without its first-level heading (the tab says what it is), its other
    headings one level down so they sit under the page's title."""
    path = DOCS / name
    if not path.exists():
        return f"*{name} is missing from the docs folder.*"
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return re.sub(r"^(#{2,5}) ", r"#\1 ", "\n".join(lines).strip(), flags=re.M)


st.title("Methodology")
st.caption("How the figures are made: the synthetic data, the comparisons and their "
           "defaults, the caveats, the formulas, how children's identities are protected, and "
           "the data dictionary.")
for tab, name in zip(st.tabs(list(TABS)), TABS.values()):
    with tab:
        st.markdown(body(name))
