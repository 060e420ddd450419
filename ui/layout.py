"""Layout rules every page shares, so nothing is cut off at any window size.

- Board charts have a fixed size (the screen, the PNG/SVG downloads and the board pack must
  match), so in a window narrower than a chart the chart is scaled down to fit instead of
  being clipped at the window's edge (its SVG keeps its proportions; tooltips still work).
- Metric labels and values wrap instead of ending in "...".
- Below `NARROW` pixels the sidebar starts collapsed, so the page reflows to one column of
  the full width (Streamlit's own rule only collapses it below 768 pixels). Once per browser
  tab: a reader who opens it again keeps it open.
- A collapsed sidebar is made inert: Streamlit moves it off screen but leaves its links and
  filters in the Tab order, where keyboard focus would disappear.

Styles go through `st.html` with style tags only (Streamlit applies them without adding an
element); the sidebar rule needs a script, drawn in the sidebar where it takes no room in
the page.
"""
from __future__ import annotations

import streamlit as st

#: Window width (CSS pixels) below which the sidebar starts collapsed.
NARROW = 1000

CSS = """
<style>
[data-testid="stVegaLiteChart"], [data-testid="stVegaLiteChart"] .vega-embed,
[data-testid="stVegaLiteChart"] .chart-wrapper { max-width: 100%; }
[data-testid="stVegaLiteChart"] svg.marks { max-width: 100%; height: auto; }
[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  word-break: normal !important; overflow-wrap: break-word !important;
}
</style>
"""

SCRIPT = f"""
<script>
(() => {{
  if (window.__dispropNarrowChecked) return;
  window.__dispropNarrowChecked = true;
  if (window.innerWidth >= {NARROW}) return;
  const collapse = () => {{
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button && button.getAttribute('aria-expanded') === 'true') button.click();
  }};
  collapse();
  setTimeout(collapse, 300);
}})();
(() => {{
  // A collapsed sidebar is moved off screen but its links and filters stay in the Tab
  // order, so keyboard focus would vanish into it: make it inert while it is collapsed.
  if (window.__dispropInertSidebar) return;
  window.__dispropInertSidebar = true;
  const sync = () => {{
    const bar = document.querySelector('[data-testid="stSidebar"]');
    if (bar) bar.inert = bar.getAttribute('data-collapsed') === 'true';
  }};
  new MutationObserver(sync).observe(document.body, {{subtree: true, attributes: true,
                                                     attributeFilter: ['data-collapsed']}});
  sync();
}})();
</script>
"""


def apply() -> None:
    """The shared styles (call once per run, before drawing)."""
    st.html(CSS)


def narrow_window_script() -> None:
    """Collapse the sidebar once in a narrow window (call inside `st.sidebar`)."""
    st.html(SCRIPT, unsafe_allow_javascript=True, width="content")
