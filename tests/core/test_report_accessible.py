"""The annual report published accessibly: one self-contained web page that axe-core,
run in headless Chromium, finds no violation on; and a PDF with a title, a language and
a bookmark outline.

The accessibility check runs in CI (``.ci/run`` installs Chromium and axe-core and sets
``CRM_REQUIRE_ACCESSIBILITY_CHECK=1``, so a missing tool fails rather than skips). A
page with a known fault is checked too, so the check is seen to find faults.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import ActionItem, Case, Setting
from crm_desktop.domain.enums import Procedure
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.html import render_html, report_html
from crm_desktop.reports.model import AnnualReport, Cell, Format, Rag, Section, Table
from crm_desktop.reports.pdf import render_pdf
from crm_desktop.services.demo import generate_demo
from tests.accessibility import axe_violations, describe

YEAR = 2024
NOW = dt.datetime(2025, 7, 14, 9, 30)
HOSTILE = '<script>alert(1)</script> <img src="/etc/passwd"> & "quoted"'


def _user_text(session: Session) -> None:
    session.merge(Setting(key="council.name", value="Borough of <b>Malvern</b> & Hills"))
    session.merge(Setting(key=f"report.commentary.{YEAR}.corporate", value=HOSTILE))
    case_id = session.scalar(
        sa.select(Case.id)
        .where(Case.procedure == Procedure.CORPORATE, Case.received_on >= dt.date(YEAR, 4, 1))
        .order_by(Case.id)
        .limit(1)
    )
    assert case_id is not None
    session.add(
        ActionItem(
            case_id=case_id,
            action=HOSTILE,
            evidence="=HYPERLINK(1)",
            done_on=dt.date(YEAR, 9, 2),
            learning_example=True,
        )
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("accessible") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    try:
        generate_demo(database, 900, seed=11, end=dt.date(2025, 6, 30))
        database.write(_user_text, actor="test")
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def report(demo: Database) -> AnnualReport:
    with demo.session() as session:
        return annual_report(session, YEAR, now=NOW)


@pytest.fixture(scope="module")
def page(report: AnnualReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "annual.html"
    render_html(report, out)
    return out


def test_the_web_page_has_no_accessibility_violations(page: Path, tmp_path: Path) -> None:
    violations = axe_violations(page, tmp_path / "axe")
    assert violations == [], describe(violations)


def test_the_checker_finds_a_fault_when_there_is_one(page: Path, tmp_path: Path) -> None:
    # The same page with its language removed and a row heading with a bad scope:
    # if axe did not report these, a clean result above would mean nothing.
    faulty = tmp_path / "faulty.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace('<html lang="en-GB">', "<html>").replace(
        'scope="row"', 'scope="sideways"', 1
    )
    faulty.write_text(text, encoding="utf-8")
    found = {v["id"] for v in axe_violations(faulty, tmp_path / "axe")}
    assert {"html-has-lang", "scope-attr-valid"} <= found


def test_the_page_is_self_contained_and_structured(page: Path, report: AnnualReport) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in text
    assert f"<title>{html.escape(report.title)}</title>" in text
    # Nothing to fetch: no external stylesheet, script, image or font.
    assert not re.search(r"<(link|script|img|iframe)\b", text)
    assert not re.search(r"(src|href)=\"(https?:|//)", text)
    # One h1; each section an h2 (plus the contents and "About"); each table an h3.
    assert text.count("<h1>") == 1
    assert text.count("<h2 ") == len(report.sections) + 2
    assert text.count("<h3 ") == len(report.tables)
    shown = [t for t in report.tables if t.rows]
    assert text.count("<table>") == len(shown)
    assert text.count("<caption>") == len(shown)
    # Every heading cell has a scope; every body row is labelled by a row heading.
    assert "<th>" not in text and "<th " in text
    assert all('scope="' in th for th in re.findall(r"<th [^>]*>", text))
    assert text.count('<th scope="row">') == sum(len(t.rows) for t in shown)


def test_every_figure_of_every_table_is_on_the_page(page: Path, report: AnnualReport) -> None:
    text = page.read_text(encoding="utf-8")
    for table in report.tables:
        for row in table.rows:
            for cell in row:
                assert html.escape(cell.text) in text, (table.key, cell.text)


def test_rag_is_told_in_words_not_by_colour_alone(page: Path, report: AnnualReport) -> None:
    text = page.read_text(encoding="utf-8")
    rated = [c for t in report.tables for r in t.rows for c in r if c.rag is not None]
    assert rated, "the demo has KPIs with a RAG rating"
    for cell in rated:
        word = cell.rag.value.capitalize() if cell.rag else ""
        assert f'rag-{cell.rag.value if cell.rag else ""}">{cell.text} {word}</td>' in text


def test_each_chart_is_described_in_words_and_follows_its_table(
    page: Path, report: AnnualReport
) -> None:
    text = page.read_text(encoding="utf-8")
    charts = re.findall(r'<svg role="img" aria-labelledby="([^" ]+) ([^"]+)"', text)
    charted = [t for t in report.tables if t.chart and t.rows]
    assert len(charts) == len(charted) > 0
    received = report.table("children_received_by_stage")
    desc = re.search(r'<desc id="t1-chart-d">(.*?)</desc>', text, re.S)
    assert desc is not None
    # Every bar is in the description, with both years' figures.
    for row in received.body:
        before, now = row[1].value, row[2].value
        if before or now:
            assert html.escape(
                f"{row[0].text}: {before or 0:,} in 2023/24, {now or 0:,} in 2024/25"
            ) in desc.group(1)
    # The chart comes after its table.
    assert text.index(
        '<caption><h3 id="t1">Number of complaints received</h3></caption>'
    ) < text.index('id="t1-chart-t"')


def test_user_text_is_shown_as_typed_and_never_runs(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and '<img src="/etc/passwd">' not in text
    assert html.escape(HOSTILE) in text
    assert "Borough of &lt;b&gt;Malvern&lt;/b&gt; &amp; Hills" in text


def test_baseline_columns_say_so_in_their_heading() -> None:
    table = Table(
        "t",
        "Complaints",
        ("Area", "2023/24", "2024/25"),
        ((Cell("A", Format.TEXT), Cell(3), Cell(4, rag=Rag.AMBER)),),
        has_total=False,
        baseline_columns=("2023/24",),
    )
    report = AnnualReport(2024, ("corporate",), NOW, "", (Section("x", "X", (table,)),))
    text = report_html(report)
    assert '<th scope="col" class=num>2023/24 (baseline)</th>' in text
    assert '<td class="num baseline">3</td>' in text
    assert '<td class="num rag-amber">4 Amber</td>' in text


def test_the_pdf_has_a_title_a_language_and_an_outline(
    report: AnnualReport, tmp_path: Path
) -> None:
    out = tmp_path / "annual.pdf"
    render_pdf(report, out)
    reader = pypdf.PdfReader(out)
    assert reader.metadata is not None and reader.metadata.title == report.title
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert root["/PageMode"] == "/UseOutlines"
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == [section.title for section in report.sections]
    # Each section's tables are bookmarks beneath it, in order.
    nested = [item for item in outline if isinstance(item, list)]
    tables = [[t.title for t in section.tables] for section in report.sections if section.tables]
    assert [[entry.title for entry in group] for group in nested] == tables
    # Each bookmark opens the page its heading is on (not the cover).
    for group in nested:
        for entry in group:
            page = reader.get_destination_page_number(entry)
            assert page > 1
            assert entry.title in " ".join(reader.pages[page].extract_text().split())


def test_the_command_writes_the_web_page_too(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, web = tmp_path / "r.pdf", tmp_path / "r.html"
    code = main(
        ["--database", demo.url, "report", "annual", "--year", "2024", "--procedure",
         "corporate", "--out", str(pdf), "--html", str(web)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Web page written to {web}" in out
    text = web.read_text(encoding="utf-8")
    assert "Procedures covered: Corporate." in text and "<h2" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]


def test_the_command_refuses_two_files_of_one_name(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "r.pdf"
    code = main(
        ["--database", demo.url, "report", "annual", "--year", "2024", "--out", str(same),
         "--html", str(same)]
    )  # fmt: skip
    assert code == 2
    assert "same name" in capsys.readouterr().err
    assert not same.exists()
