"""Shared fixtures: the default synthetic database, built once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.data.db import build_settings, connect
from analytics.data.synthetic import build

DEFAULT_SEED = build_settings()["seed"]


@pytest.fixture(scope="session")
def borough_db(tmp_path_factory) -> Path:
    """The default synthetic borough (scale 1, default seed), built once for the session."""
    path = tmp_path_factory.mktemp("borough") / "borough.duckdb"
    build(path, scale=1, seed=DEFAULT_SEED)
    return path


@pytest.fixture(scope="session")
def con(borough_db):
    with connect(borough_db) as c:
        yield c


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch) -> Path:
    """Every test gets its own empty user data folder (datasets and audit log), so no test
    writes into the project's data/user/ (subprocesses inherit the variable)."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("DISPROP_USER_DATA", str(folder))
    return folder


@pytest.fixture()
def app_env(borough_db, monkeypatch):
    """Point the dashboard at the session database (AppTest runs in this process)."""
    monkeypatch.setenv("DISPROP_DB", str(borough_db))
    return borough_db


@pytest.fixture(autouse=True)
def _apptest_uses_navigation(monkeypatch):
    """Make AppTest run the app as the server does.

    AppTest resets PagesManager.uses_pages_directory before every run, so an app that has a
    `pages/` folder *and* calls st.navigation is rerun in legacy mode: the page script runs
    without the entry script (our sidebar filters vanish after the first interaction). A
    real server sets the flag once and st.navigation clears it for good; this does the same.
    """
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)


@pytest.fixture(scope="session")
def server(borough_db, tmp_path_factory):
    """One `streamlit run app.py` for every browser test of the session (tests/browser.py)."""
    from tests.browser import start_server
    yield from start_server(borough_db, tmp_path_factory)


@pytest.fixture(scope="session")
def browser(server):
    """Debian's Chromium, driven by Playwright, shared by the session's browser tests."""
    from tests.browser import start_browser
    yield from start_browser()


def pytest_terminal_summary(terminalreporter):
    """Print the fault-injection figures (tests/test_faults.py), if those tests ran."""
    from tests.figures import FIGURES
    if FIGURES:
        terminalreporter.section("fault injection")
        for key, value in FIGURES.items():
            terminalreporter.write_line(f"{key}: {value}")
