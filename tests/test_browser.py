"""The dashboard in a real browser: Playwright drives Debian's Chromium against a real
`streamlit run` server on the default synthetic borough.

Skipped when /usr/bin/chromium (or Playwright) is missing, unless REQUIRE_BROWSER=1 (CI),
where a missing browser fails. Waits ask the app, never sleep: after every action the test
waits until Streamlit has started *and* finished a script run (the root element's
`data-test-script-state` attribute, as Streamlit's own e2e tests do), and assertions use
Playwright's retrying `expect`.
"""
from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000
#: The pages every build must have (URL path -> navigation title); others found in app.py
#: are visited too.
REQUIRED_PAGES = {"": "Overview", "high_risk": "High-risk groups",
                  "explorer": "RRI explorer", "trends": "Trends", "pathways": "Pathways",
                  "schools": "Schools", "borough": "The borough", "methodology": "Methodology"}
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


try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:                      # pragma: no cover - depends on the machine
    sync_playwright = None


def app_pages() -> dict[str, str]:
    """URL path -> title of every st.Page registered in app.py (URL path: the file's stem
    unless url_path is given; the default page is served at the root, "")."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "Page" and node.args):
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


def _serve(borough_db, folder: Path):
    """`streamlit run app.py` on a free port against `borough_db`, with a user database in
    `folder`; yields the URL and kills the server at the end."""
    if sync_playwright is None:
        _browser_missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        _browser_missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    port = _free_port()
    log = folder / "streamlit.log"
    env = {**os.environ, "DISPROP_DB": str(borough_db), "DISPROP_USER_DB": str(folder / "user.duckdb")}
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


@pytest.fixture(scope="session")
def server(borough_db, tmp_path_factory):
    """The app against the session's borough; killed at the end."""
    yield from _serve(borough_db, tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="module")
def own_server(borough_db, tmp_path_factory):
    """A second server with an empty user database of its own: the current store keeps a
    database instance open per process, so a server that has opened one dataset lists a
    later import only after a restart (the store is being replaced; see the report)."""
    yield from _serve(borough_db, tmp_path_factory.mktemp("own_server"))


@pytest.fixture(scope="session")
def browser(server):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser):
    """A page in a fresh context (a fresh Streamlit session) with the run counter."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
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


def test_journey(server, browser):
    pages = app_pages()
    assert REQUIRED_PAGES.items() <= pages.items(), "a page is missing from app.py"
    page = new_page(browser)

    # 1. Every page opens, shows its title and raises nothing.
    for path, title in pages.items():
        open_url(page, f"{server}/{path}")
        current = page.locator('[data-testid="stSidebarNavLink"][aria-current="page"]')
        expect(current).to_have_text(re.compile(rf"{re.escape(title)}$"))
        expect(page.locator("h1").first).to_be_visible()             # the page's own title
        no_exception(page)

    # 2. Sidebar filters go into the URL.
    open_url(page, f"{server}/schools")
    sidebar_select(page, "Period (academic year)", "2019/20")
    comparison = page.get_by_test_id("stSidebar").get_by_text("All other children", exact=True)
    after_rerun(page, comparison.click)
    no_exception(page)
    expect(page).to_have_url(re.compile(r"period=2019%2F20"))
    expect(page).to_have_url(re.compile(r"cmp=All\+other\+children"))   # bound by its label
    assert query(page)["period"] == "2019/20" and query(page)["cmp"] == "All other children"
    seen = headline(page)
    shared = page.url

    # 3. The URL alone reproduces the view in a fresh session.
    fresh = new_page(browser)
    open_url(fresh, shared)
    no_exception(fresh)
    period = fresh.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(
        has_text="Period (academic year)")
    expect(period.locator("input")).to_have_value("2019/20")
    expect(fresh.get_by_test_id("stSidebar").get_by_role("radio", name="All other children")
           ).to_be_checked()
    assert headline(fresh) == seen

    # 4. Moving to another page through the sidebar keeps the filters.
    link = fresh.get_by_test_id("stSidebarNav").get_by_role("link", name="RRI explorer")
    after_rerun(fresh, link.click)
    expect(fresh).to_have_url(re.compile(r"/explorer\?"))
    assert query(fresh)["period"] == "2019/20" and query(fresh)["cmp"] == "All other children"
    expect(period.locator("input")).to_have_value("2019/20")
    no_exception(fresh)

    # 5. The chart downloads as a PNG rendered on the server.
    with fresh.expect_download() as download:
        fresh.get_by_test_id("stDownloadButton").filter(has_text="Download PNG").first.click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    assert download.value.suggested_filename.endswith(".png")


def test_upload_an_aggregate_and_explore_it(server, browser, tmp_path):
    """A user uploads a counts file on Your data; it becomes the source and the RRI explorer
    shows its groups."""
    src = tmp_path / "islington_suspensions.csv"
    src.write_text("ethnicity,events,population\nWhite,877,9537\nBlack,603,5286\n"
                   "Asian,46,2041\nMixed,488,4174\nOther,120,1768\n")
    page = new_page(browser)
    open_url(page, f"{server}/your_data")
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(src))
    page.get_by_label("Dataset name").fill("islington_susp")
    after_rerun(page, lambda: page.get_by_test_id("stFormSubmitButton").get_by_role("button").click())
    wait_idle(page)
    no_exception(page)
    expect(page.get_by_text("islington_susp", exact=False).first).to_be_visible()
    source = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Data source")
    expect(source.locator("input")).to_have_value("islington_susp")

    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name="RRI explorer")
    after_rerun(page, link.click)
    no_exception(page)
    expect(page.get_by_text("your aggregate table", exact=False)).to_be_visible()
    # The data grid draws on a canvas; its cells are also in a hidden accessible table.
    cells = page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]')
    for group in ("White children", "Black children", "Asian children", "Mixed children",
                  "Any other ethnic group children"):
        expect(cells.filter(has_text=re.compile(rf"^{re.escape(group)}$"))).to_have_count(1)


def test_upload_returns_as_several_files_and_compare_with_england(own_server, browser):
    """A user uploads an SSDA903 header and episodes and a school census with its exclusions
    together, linked by UPN; the linked dataset becomes the source, and the England page
    sets the borough's pupils beside England."""
    samples = ROOT / "data" / "samples"
    files = [samples / n for n in ("fake_SSDA903_2024_header.csv", "fake_SSDA903_2024_episodes.csv",
                                   "fake_school_census_2024.csv", "fake_school_exclusions_2024.csv")]
    page = new_page(browser)
    open_url(page, f"{own_server}/your_data")
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files([str(f) for f in files])
    page.get_by_label("Dataset name").fill("linked_returns")
    link = page.get_by_test_id("stSelectbox").filter(has_text="Link children across returns by")
    link.click()
    page.get_by_role("option", name="UPN").click()
    after_rerun(page, lambda: page.get_by_test_id("stFormSubmitButton").get_by_role("button").click())
    wait_idle(page)
    no_exception(page)
    expect(page.get_by_text("children linked across returns by UPN", exact=False)).to_be_visible()
    source = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Data source")
    expect(source.locator("input")).to_have_value("linked_returns")

    nav = page.get_by_test_id("stSidebarNav").get_by_role("link", name="England beside the borough")
    before = runs(page)
    nav.click()             # a fresh server's first charts: allow for a busy machine
    page.wait_for_function("n => window.__stRuns > n", arg=before, timeout=3 * TIMEOUT_MS)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=3 * TIMEOUT_MS)
    no_exception(page)
    expect(page.get_by_role("heading", name="England beside the borough")).to_be_visible()
    expect(page.get_by_text("Department for Education", exact=False).first).to_be_visible()
