"""The board pack and the court scrutiny report: self-contained, complete, suppressed."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from analytics.data.cohorts import profile_cohorts
from analytics.outputs import reports
from analytics.views.tables import Options

META = {"url": "http://localhost:8501/overview?period=2024%2F25", "command": "python -m analytics report board",
        "generated": "2026-01-01 00:00:00 UTC", "product_version": "test"}


@pytest.fixture(scope="module")
def board(con):
    return reports.board_pack(con, breakdown=["ethnicity_major", "sex"],
                              periods=["2022/23", "2023/24", "2024/25"], options=Options(), meta=META)


@pytest.fixture(scope="module")
def court(con):
    return reports.court_report(con, options=Options(), meta=META)


def _cells(html):
    return re.findall(r"<td[^>]*>([^<]*)</td>", html)


@pytest.mark.parametrize("name", ["board", "court"])
def test_self_contained(request, name):
    html = request.getfixturevalue(name)
    assert "<svg" in html
    assert not re.search(r'(src|href)="https?://', html)        # nothing fetched when opened
    assert "<script" not in html
    assert not re.search(r"\bnan\b|\binf\b|None", " ".join(_cells(html)))


def test_board_pack_contents(board):
    for cohort in profile_cohorts():
        assert f"<h3>{cohort.label}</h3>" in board
    assert "The largest significant disparities" in board
    assert board.count("<li>") >= 5
    assert "Borne out" in board and "Synthetic data - not real children" in board
    assert META["url"] in board.replace("&amp;", "&") and META["command"] in board


@pytest.mark.parametrize("name", ["board", "court"])
def test_no_small_count_in_any_table(request, name):
    html = request.getfixturevalue(name)
    numbers = [c for c in _cells(html) if re.fullmatch(r"\d[\d,]*", c.strip())]
    # every whole number shown in a table cell is a published count: never 1 or 2
    # (ratios and rates carry decimals, so whole numbers here are counts)
    assert not [n for n in numbers if int(n.replace(",", "")) in (1, 2)]


def test_board_pack_compares_the_borough_with_its_neighbours(board):
    """The "How we compare" section: both indicators, the funnel and the neighbours table of
    the strategy's borough, on DfE's published figures, said to be published."""
    section = board[board.index("<h2>How we compare</h2>"):board.index("<h2>Method in brief")]
    assert section.count("<h3>") == 2
    assert "Suspensions, 2024/25: Islington" in section
    assert "Permanent exclusions, 2024/25: Islington" in section
    assert section.count("<svg") == 2 and "ratio against England" in section
    for name in ("Camden", "Southwark", "Lambeth", "Manchester", "Inner London (region)",
                 "England"):
        assert f"<td>{name}</td>" in section
    assert "not perturbed" in section and "suspensions per 100 pupils" in section


def test_court_report_sections(court):
    for title in ("Remand", "Custodial sentences", "Remand among children with a proven offence",
                  "Custody among children with a proven offence"):
        assert f"<h2>{title}</h2>" in court
    assert "three-year pooled RRI" in court


def test_report_command(borough_db, tmp_path):
    out = tmp_path / "court.html"
    r = subprocess.run([sys.executable, "-m", "analytics", "report", "court", "--db", str(borough_db),
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "<h2>Remand</h2>" in out.read_text()


def test_pdf_when_supported(court):
    problem = reports.pdf_support()
    if problem:
        pytest.skip(problem)
    pdf = reports.to_pdf(court)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000


@pytest.mark.parametrize("kind", ["board", "court"])
def test_a_report_on_a_users_data_never_says_synthetic(con, kind):
    """The source line of every chart and of the report is the dataset's, not the synthetic
    borough's (a board pack of a new dataset once said "Synthetic data")."""
    note = "Your data: exclusions (from exclusions_2024.csv)."
    if kind == "board":
        html = reports.board_pack(con, breakdown=["ethnicity_major"], periods=["2024/25"],
                                  options=Options(), meta=META, source_note=note)
    else:
        html = reports.court_report(con, options=Options(), meta=META, source_note=note)
    assert "exclusions_2024.csv" in html
    assert "synthetic data" not in html.lower()
