"""Shared browser-test machinery: a real `streamlit run` server on the session's synthetic
borough and Debian's Chromium driven by Playwright, with waits that ask the app (never sleep).

The fixtures `server` and `browser` live in conftest.py (one server for the whole test
session); the helpers here open pages and wait for Streamlit's script runs.
"""
from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:                      # pragma: no cover - depends on the machine
    expect = sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000
#: The pages every build must have (URL path -> navigation title); others found in app.py
#: are visited too.
REQUIRED_PAGES = {"": "Overview", "high_risk": "High-risk groups",
                  "explorer": "RRI explorer", "trends": "Trends", "pathways": "Pathways",
                  "schools": "Schools", "borough": "The borough", "methodology": "Methodology",
                  "explain": "What explains a gap", "after_exclusion": "After exclusion",
                  "england": "England beside the borough", "areas": "How we compare"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Counts script runs: the root element's data-test-script-state becoming "running".
RUN_COUNTER = """
(() => {
  if (window.__stRuns !== undefined) return;
  window.__stRuns = 0;
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.target.getAttribute('data-test-script-state') === 'running') window.__stRuns += 1;
    }
  }).observe(document, {attributes: true, subtree: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""
APP_IDLE = ('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
            '[data-test-script-state="notRunning"]')


def _browser_missing(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def app_pages() -> dict[str, str]:
    """URL path -> title of every st.Page registered in app.py (URL path: the file's stem
    unless url_path is given; the default page is served at the root, "")."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "Page" and node.args
                and isinstance(node.args[0], ast.Constant)):      # a file, not the sign-in page
            kwargs = {k.arg: k.value.value for k in node.keywords
                      if isinstance(k.value, ast.Constant)}
            path = "" if kwargs.get("default") else (kwargs.get("url_path")
                                                     or Path(node.args[0].value).stem)
            pages[path] = kwargs.get("title", path)
    return pages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


def start_server(borough_db, tmp_path_factory):
    """`streamlit run app.py` on a free port against the session's borough; killed at the end."""
    if sync_playwright is None:
        _browser_missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        _browser_missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "DISPROP_DB": str(borough_db),
           "DISPROP_USER_DATA": str(log.parent / "user-data")}   # never the project's data/user
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):                       # poll the health endpoint
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser, width: int = 1366, height: int = 900):
    """A page in a fresh context (a fresh Streamlit session) with the run counter."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True)
    context.add_init_script(RUN_COUNTER)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def wait_idle(page) -> None:
    page.wait_for_selector(APP_IDLE, state="attached")


def runs(page) -> int:
    return page.evaluate("window.__stRuns")


def after_rerun(page, action) -> None:
    """Do `action`, then wait until a script run has started and finished."""
    before = runs(page)
    action()
    page.wait_for_function("n => window.__stRuns > n", arg=before)
    wait_idle(page)


def open_url(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.__stRuns > 0")           # the first run has started
    wait_idle(page)
    expect(page.get_by_test_id("stHeading").first).to_be_visible()


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def no_exception(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def sidebar_select(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label)
    box.click()
    after_rerun(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def headline(page) -> str:
    sentence = page.get_by_test_id("stMarkdown").filter(has_text="99.8% limit").first
    expect(sentence).to_be_visible()
    return sentence.inner_text()




#: Text a reader cannot read in full: text clipped by its box (an ellipsis or hidden
#: overflow), text off the right edge of the window (outside a scrolling region), chart text
#: that Vega shortened with an ellipsis, a chart wider than its place, or a page that scrolls
#: sideways. Returns a list of {kind, text, over (pixels)}.
CLIPPED_TEXT_JS = """
() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const visible = (el) => {
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const sidebarOpen = sidebar && sidebar.getAttribute('data-collapsed') !== 'true';
  const roots = [document.querySelector('[data-testid="stMain"]')];
  if (sidebarOpen) roots.push(sidebar);
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest('svg, canvas, [data-testid="stDataFrame"]')) continue;
      const text = (el.textContent || '').trim();
      if (!text || !visible(el)) continue;
      const cs = getComputedStyle(el);
      const clips = cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.textOverflow === 'ellipsis';
      if (clips && el.scrollWidth > el.clientWidth + 1 && !el.querySelector('svg, canvas'))
        out.push({kind: 'clipped', text: text.slice(0, 80), over: el.scrollWidth - el.clientWidth});
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      const r = el.getBoundingClientRect();
      if (own && r.right > vw + 1 && !scrolls(el))
        out.push({kind: 'off-screen', text: text.slice(0, 80), over: Math.round(r.right - vw)});
    }
  }
  for (const t of document.querySelectorAll('[data-testid="stMain"] svg text')) {
    if (t.textContent.endsWith('\u2026')) out.push({kind: 'svg-ellipsis', text: t.textContent.slice(0, 80)});
  }
  for (const c of document.querySelectorAll('[data-testid="stMain"] .vega-embed svg')) {
    const r = c.getBoundingClientRect();
    const box = c.closest('[data-testid="stElementContainer"]').getBoundingClientRect();
    if (r.right > box.right + 1 || r.right > vw + 1)
      out.push({kind: 'chart-overflow', text: c.closest('.vega-embed').getAttribute('aria-label') || '', over: Math.round(r.right - Math.min(box.right, vw))});
  }
  const doc = document.scrollingElement;
  if (doc.scrollWidth > doc.clientWidth + 1) out.push({kind: 'page-scrolls-sideways', text: '', over: doc.scrollWidth - doc.clientWidth});
  return out;
}
"""

#: Drawn: the script is idle, no element is still a skeleton (Streamlit loads an element's
#: code on first use and shows a skeleton meanwhile, after the run has ended) and every
#: chart has its SVG text.
CHARTS_DRAWN_JS = """() => {
  const idle = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
  const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
  return idle && !document.querySelector('[data-testid="stSkeleton"]')
    && [...charts].every(c => c.querySelector('.vega-embed svg text'));
}"""


def open_drawn(page, url: str) -> None:
    """Open a page and wait until its script has run and every chart is drawn."""
    open_url(page, url)
    page.wait_for_function(CHARTS_DRAWN_JS, polling=200)


def visit(page, server: str, path: str) -> None:
    """Open the page at `path` and wait until it is drawn: the first time by loading the URL,
    then through the navigation's own link (the app stays loaded: much faster than loading
    the whole app again for every page)."""
    link = page.locator(f'a[data-testid="stSidebarNavLink"][href="{server}/{path}"]')
    if not link.count():
        open_drawn(page, f"{server}/{path}")
        return
    after_rerun(page, lambda: link.evaluate("a => a.click()"))   # works with the sidebar shut
    page.wait_for_function(CHARTS_DRAWN_JS, polling=200)
