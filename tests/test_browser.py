"""The dashboard in a real browser: Playwright drives Debian's Chromium against a real
`streamlit run` server on the default synthetic borough (tests/browser.py).

Skipped when /usr/bin/chromium (or Playwright) is missing, unless REQUIRE_BROWSER=1 (CI),
where a missing browser fails. Waits ask the app, never sleep: after every action the test
waits until Streamlit has started *and* finished a script run (the root element's
`data-test-script-state` attribute, as Streamlit's own e2e tests do), and assertions use
Playwright's retrying `expect`.
"""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tests.browser import (
    PNG_SIGNATURE,
    REQUIRED_PAGES,
    TIMEOUT_MS,
    after_rerun,
    app_pages,
    expect,
    headline,
    new_page,
    no_exception,
    open_url,
    query,
    sidebar_select,
    wait_idle,
)


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

    # 5. After exclusion: the follow-up window goes into the URL and the page redraws.
    link = fresh.get_by_test_id("stSidebarNav").get_by_role("link", name="After exclusion")
    after_rerun(fresh, link.click)
    expect(fresh.get_by_role("heading", name="After exclusion")).to_be_visible()
    three = (fresh.get_by_test_id("stMain").get_by_test_id("stButtonGroup")
             .get_by_text("3 years", exact=True))
    after_rerun(fresh, three.click)
    no_exception(fresh)
    expect(fresh).to_have_url(re.compile(r"fu_years=3"))
    expect(fresh.get_by_role("heading", name="Later outcomes within 3 years")).to_be_visible()
    assert query(fresh)["period"] == "2019/20"
    link = fresh.get_by_test_id("stSidebarNav").get_by_role("link", name="RRI explorer")
    after_rerun(fresh, link.click)
    no_exception(fresh)

    # 6. The chart downloads as a PNG rendered on the server.
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
    # the import's own message (the file name alone is already on screen in the uploader)
    expect(page.get_by_text("It is now the data source", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    source = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Data source")
    expect(source.locator("input")).to_have_value("islington_susp")

    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name="RRI explorer")
    after_rerun(page, link.click)
    no_exception(page)
    expect(page.get_by_text("your aggregate table", exact=False)).to_be_visible()
    # The data grid draws on a canvas; its cells are also in a hidden accessible table.
    cells = page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]')
    for group in ("White children", "Black children", "Asian children", "Mixed children",
                  "Children of any other ethnic group"):
        expect(cells.filter(has_text=re.compile(rf"^{re.escape(group)}$"))).to_have_count(1)


#: Hostile links: values out of range, not numbers, unknown choices, markup, a path.
HOSTILE_QUERIES = [
    "suppress=inf&min_pop=-1e309&min_events=nan&level=2&years=7&period=1999%2F00",
    "eth=%3Cscript%3Ealert(1)%3C%2Fscript%3E&cmp=x&source=..%2F..%2Fetc%2Fpasswd&ci=%F0%9F%99%82"
    "&suppress=-5&min_pop=99999999999&by_sex=maybe&sex=Other&outcome=nope&scope=%00",
]


def test_hostile_links_on_every_page_show_no_traceback(server, browser):
    """Every page opened with hostile query values: no exception box, no traceback text, and
    a message about the values that were changed."""
    from tests.figures import FIGURES
    page = new_page(browser)
    pages = app_pages()
    for path in pages:
        for q in HOSTILE_QUERIES:
            open_url(page, f"{server}/{path}?{q}")
            no_exception(page)
            expect(page.get_by_text("Traceback")).to_have_count(0)
            expect(page.get_by_text("Suppress groups smaller than:", exact=False).first).to_be_visible()
    FIGURES["hostile links in Chromium"] = (f"{len(HOSTILE_QUERIES)} links x {len(pages)} pages: "
                                            "no exception box, no traceback")


def test_server_listens_on_this_machine_only(server):
    """.streamlit/config.toml binds to localhost: another address of this machine is refused."""
    port = int(server.rsplit(":", 1)[1])
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:   # sends nothing
        try:
            probe.connect(("10.255.255.255", 1))
            others.add(probe.getsockname()[0])
        except OSError:
            pass
    others = {a for a in others if not a.startswith("127.") and a != "0.0.0.0"}
    if not others:
        pytest.skip("this machine has no non-loopback IPv4 address")
    for address in others:
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((address, port)) != 0, f"the dashboard answers on {address}"
