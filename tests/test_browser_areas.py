"""How we compare in a real browser (tests/browser.py): at 1366 and 800 px wide nothing is
cut off and axe-core finds no WCAG 2.2 A/AA violation; choosing a council puts it in the URL
and the URL alone brings the view back; the one-page summary builds and downloads."""
from __future__ import annotations

import re
import pytest

from tests.browser import (
    CLIPPED_TEXT_JS,
    after_rerun,
    expect,
    new_page,
    no_exception,
    open_drawn,
    query,
    wait_idle,
)
from tests.test_browser_quality import _axe_violations, _check_file, _download


@pytest.mark.parametrize("width,height", [(1366, 768), (800, 900)], ids=["1366px", "800px"])
def test_how_we_compare_fits_and_passes_axe(server, browser, width, height):
    page = new_page(browser, width, height)
    open_drawn(page, f"{server}/areas")
    no_exception(page)
    expect(page.get_by_role("heading", name="How we compare")).to_be_visible()
    expect(page.get_by_text("In Islington, 2024/25, the suspension rate of Black pupils",
                            exact=False)).to_be_visible()
    assert page.evaluate(CLIPPED_TEXT_JS) == []
    assert _axe_violations(page) == []
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(2)


def test_a_council_chosen_is_in_the_url_and_the_summary_downloads(server, browser):
    page = new_page(browser, 1366, 900)
    open_drawn(page, f"{server}/areas")
    box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Council")
    box.click()
    page.keyboard.type("Camden")
    after_rerun(page, lambda: page.get_by_role("option", name="Camden", exact=True).click())
    no_exception(page)
    expect(page).to_have_url(re.compile(r"area_la=Camden"))
    assert query(page)["area_la"] == "Camden"
    sentence = page.get_by_text("In Camden, 2024/25", exact=False).first
    expect(sentence).to_be_visible()

    fresh = new_page(browser, 800, 900)                 # the link alone reproduces the view
    open_drawn(fresh, page.url)
    expect(fresh.get_by_text("In Camden, 2024/25", exact=False).first).to_be_visible()

    page.get_by_test_id("stButton").filter(has_text="Build the one-page summary").click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(
        has_text="is ready")).to_be_visible(timeout=120_000)
    wait_idle(page)
    names = []
    for label in ("Download the summary (HTML)", "Download the summary (PDF)"):
        button = page.get_by_test_id("stDownloadButton").filter(has_text=label)
        name, data = _download(page, button)
        _check_file(name, data, [])
        names.append(name)
    assert names[0].startswith("how-we-compare-camden") and names[1].endswith(".pdf")
    # the HTML names the council and says the figures are DfE's, as published
    text = _download(page, page.get_by_test_id("stDownloadButton").filter(
        has_text="Download the summary (HTML)"))[1].decode()
    assert "Camden beside its statistical neighbours" in text and "not perturbed" in text
