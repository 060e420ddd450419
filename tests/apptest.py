"""One way to open the dashboard under Streamlit's AppTest, shared by the page tests."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def new_app(timeout: float = 90) -> AppTest:
    """The whole app (entry script, sidebar filters, navigation), not yet run."""
    return AppTest.from_file(APP, default_timeout=timeout)


def open_page(path: str, timeout: float = 90) -> AppTest:
    """The app run once on the page at `path` (e.g. "pages/overview.py")."""
    at = new_app(timeout)
    at.switch_page(path)
    return at.run()
