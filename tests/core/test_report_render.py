"""The annual report rendered: the PDF and the XLSX carry the report object's figures,
user text is shown as typed and never acted on, and the command writes both files.

The data is a small deterministic demo database plus hostile text put where users can
type it: the council's name, a section's commentary, a learning example's action and
evidence, and a team's name.
"""

from __future__ import annotations

import builtins
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pypdf
import pytest
import reportlab.lib.utils as rl_utils
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import ActionItem, Case, Setting, Team
from crm_desktop.domain.enums import Procedure
from crm_desktop.logs import log_file
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.model import AnnualReport, Cell, Format, Section, Table, format_value
from crm_desktop.reports.pdf import RAG_WORDS, Fonts, markup, plain_text, render_pdf
from crm_desktop.reports.safe_cells import neutralise, spreadsheet_text
from crm_desktop.reports.xlsx import HEADER_ROW, NUMBER_FORMATS, render_xlsx, sheet_names
from crm_desktop.services.demo import generate_demo

YEAR = 2024  # 2024/25, beside 2023/24
DEMO_END = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 7, 14, 9, 30)
ARABIC = "شكوى"
HOSTILE = (
    'Ask <img src="/etc/passwd"/> then <font color=red>red</font> and <b>unbalanced '
    f"& more 😀 {ARABIC}"
)
FORMULA = '=HYPERLINK("http://example.invalid","click")'
TEAM = "=1+2 <i>Through & Care</i>"
COUNCIL = 'Borough of <img src="/etc/passwd"/> & <font size=40>Big</font>'
COMMENTARY = f"First paragraph: {HOSTILE} 👍\n\nSecond paragraph, with a line\nbreak."


def normalised(text: str) -> str:
    return " ".join(text.split())


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+")


def squashed(text: str) -> str:
    return "".join(text.split())


def without_rtl(text: str) -> str:
    """Text with right-to-left runs taken out: pypdf gives them back in visual order,
    reversed (see test_pdf_shows_user_text_literally), so rows are compared without."""
    return normalised(_RTL.sub(" ", text))


def pdf_pages(source: Path | bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    return [normalised(page.extract_text()) for page in reader.pages]


def row_text(row: tuple[Cell, ...]) -> str:
    """A row as the PDF shows it: each value's text, RAG cells followed by the word."""
    parts = [cell.text + (f" {RAG_WORDS[cell.rag]}" if cell.rag else "") for cell in row]
    return normalised(" ".join(parts))


def _inject_user_text(session: Session) -> None:
    session.merge(Setting(key="council.name", value=COUNCIL))
    session.merge(Setting(key=f"report.commentary.{YEAR}.children", value=COMMENTARY))
    case_id = session.scalar(
        sa.select(Case.id)
        .where(Case.procedure == Procedure.CHILDREN, Case.received_on >= dt.date(YEAR, 4, 1))
        .order_by(Case.id)
        .limit(1)
    )
    assert case_id is not None
    session.add(
        ActionItem(
            case_id=case_id,
            action=HOSTILE,
            evidence=FORMULA,
            done_on=dt.date(YEAR, 9, 2),
            learning_example=True,
        )
    )
    session.execute(
        sa.update(Team)
        .where(Team.procedure == Procedure.CHILDREN, Team.name == "Through Care")
        .values(name=TEAM)
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("report") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    try:
        generate_demo(database, 1500, seed=7, end=DEMO_END)
        database.write(_inject_user_text, actor="test")
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def report(demo: Database) -> AnnualReport:
    with demo.session() as session:
        return annual_report(session, YEAR, now=NOW)


@contextmanager
def watch_files() -> Iterator[list[str]]:
    """Record every file opened (and every image reportlab reads) while it is active."""
    seen: list[str] = []
    real_open, real_os_open = builtins.open, os.open
    real_reader = rl_utils.ImageReader.__init__

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(file))
        if "passwd" in str(file):
            raise AssertionError(f"the report tried to read {file}")
        return real_open(file, *args, **kwargs)

    def spy_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(str(path))
        if "passwd" in str(path):
            raise AssertionError(f"the report tried to read {path}")
        return real_os_open(path, *args, **kwargs)

    def spy_reader(self: Any, file_name: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(f"ImageReader:{file_name}")
        real_reader(self, file_name, *args, **kwargs)

    def no_network(url: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(f"fetch:{url}")
        raise OSError(f"the report tried to fetch {url!r}")

    with (
        mock.patch("builtins.open", spy_open),
        mock.patch("io.open", spy_open),
        mock.patch("os.open", spy_os_open),
        mock.patch.object(rl_utils.ImageReader, "__init__", spy_reader),
        mock.patch("urllib.request.urlopen", no_network),
        mock.patch.object(rl_utils, "rlUrlRead", no_network),
    ):
        yield seen


@pytest.fixture(scope="module")
def rendered(
    report: AnnualReport, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[str], list[tuple[int, int]]]:
    folder = tmp_path_factory.mktemp("out")
    pdf, xlsx = folder / "annual.pdf", folder / "annual.xlsx"
    calls: list[tuple[int, int]] = []
    with watch_files() as seen:
        render_pdf(report, pdf, lambda done, total: calls.append((done, total)))
    render_xlsx(report, xlsx)
    return pdf, xlsx, seen, calls


@pytest.fixture(scope="module")
def pages(rendered: tuple[Path, Path, list[str], list[tuple[int, int]]]) -> list[str]:
    return pdf_pages(rendered[0])


# ------------------------------------------------------------------------------ PDF


def test_the_dataset_has_figures_in_both_years(report: AnnualReport) -> None:
    received = report.table("children_received_by_stage")
    assert received.value("Total", "2023/24") and received.value("Total", "2024/25")
    assert report.council_name == COUNCIL
    assert any(row[1].value == HOSTILE for row in report.table("learning_examples").rows)


def test_pdf_has_every_table_title_and_every_row_of_figures(
    report: AnnualReport, pages: list[str]
) -> None:
    text = without_rtl(" ".join(pages))
    checked = 0
    for table in report.tables:
        assert normalised(table.title) in text, table.title
        all_text = all(cell.format == Format.TEXT for row in table.rows for cell in row)
        for row in table.rows:
            # Each value's text (format_value), in order, as one row of the table. Long
            # text may wrap anywhere (a URL is split to fit its column): compared without
            # spaces then.
            expected = without_rtl(row_text(row))
            if all_text:
                assert squashed(expected) in squashed(text), (table.key, expected)
            else:
                assert expected in text, (table.key, expected)
            checked += len(row)
    assert checked > 500


def test_pdf_cover_contents_and_page_numbers(report: AnnualReport, pages: list[str]) -> None:
    cover = pages[0]
    assert COUNCIL in cover  # escaped, so shown as typed
    assert "2024/25" in cover and "2023/24" in cover
    assert "Children's social care, Adult social care, Corporate" in cover
    assert "Generated: 14 Jul 2025" in cover
    assert "Contents" in pages[1]
    for section in report.sections:
        assert normalised(section.title) in " ".join(pages[1:3])
    total = len(pages)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in page
    assert "Page 1 of" not in cover


def test_pdf_shows_user_text_literally(pages: list[str]) -> None:
    text = " ".join(pages)
    for fragment in (
        '<img src="/etc/passwd"/>',
        "<font color=red>red</font>",
        "<b>unbalanced & more",
        "😀",
        COUNCIL,
        TEAM,
        "First paragraph:",
        "Second paragraph, with a line break.",
        "[thumbs up sign]",  # no glyph in the font: named, not dropped
    ):
        assert fragment in text, fragment
    # Arabic keeps every letter. reportlab draws it left to right (no rlbidi installed),
    # and pypdf reads a right-to-left run in visual order, so it may come back reversed.
    assert ARABIC in text or ARABIC[::-1] in text
    assert squashed(FORMULA) in squashed(text)  # in a PDF a formula is only text (wrapped)


def test_pdf_build_reads_no_file_named_in_user_text(
    rendered: tuple[Path, Path, list[str], list[tuple[int, int]]],
) -> None:
    seen = rendered[2]
    assert not [path for path in seen if "passwd" in path]
    assert not [path for path in seen if path.startswith(("ImageReader:", "fetch:"))]


def test_the_file_watch_would_see_an_image_read(tmp_path: Path) -> None:
    """The control: markup that is *not* escaped does make reportlab read the file."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    image = tmp_path / "missing.png"
    with watch_files() as seen, pytest.raises(OSError):  # read as the paragraph is parsed
        story = [Paragraph(f'x <img src="{image}" width="9" height="9"/>', ParagraphStyle("s"))]
        SimpleDocTemplate(io.BytesIO()).build(story)
    assert f"ImageReader:{image}" in seen
    assert str(image) in seen  # opened as a file...
    assert f"fetch:{image}" in seen  # ...then, that failing, tried as a URL


def test_pdf_progress_counts_up_to_done(
    rendered: tuple[Path, Path, list[str], list[tuple[int, int]]],
) -> None:
    calls = rendered[3]
    assert calls and calls[-1][0] == calls[-1][1]
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert len({t for _, t in calls}) == 1


def test_long_table_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    rows = tuple(
        (Cell(f"Row label {i:03d}", Format.TEXT), Cell(i), Cell(i * 2)) for i in range(1, 151)
    )
    long = Table(
        "long",
        "A long table",
        ("Zebra heading", "2023/24", "2024/25"),
        (*rows, (Cell("Total", Format.TEXT), Cell(11325), Cell(22650))),
    )
    report = AnnualReport(
        YEAR, ("corporate",), NOW, "", (Section("corporate", "Corporate", (long,)),)
    )
    out = io.BytesIO()
    render_pdf(report, out)
    pages = pdf_pages(out.getvalue())
    with_rows = [page for page in pages if "Row label" in page]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert "Zebra heading 2023/24 2024/25" in page
    assert "Row label 150 150 300 Total 11,325 22,650" in " ".join(pages)


def test_no_column_is_narrower_than_its_widest_word() -> None:
    """A column narrower than a word of its heading or cells breaks the word in the
    middle ("Provisi/on", "sugg/ested"): each is at least as wide as its widest word."""
    from crm_desktop.reports.pdf import _column_widths, _widest_word, report_fonts

    fonts = report_fonts()
    texts = Table(
        "checklist",
        "Self-assessment",
        ("Provision", "Complies", "Evidence", "Explanation, action"),
        tuple(
            (
                Cell("Stage 2: acknowledge", Format.TEXT),
                Cell("Partly (suggested from the figures)", Format.TEXT),
                Cell("2 of 3 responses within 10 working days " * 6, Format.TEXT),
                Cell("", Format.TEXT),
            )
            for _ in range(5)
        ),
    )
    numbers = Table(
        "late",
        "Late remedies",
        ("Area", "2023/24 late", "2023/24 still outstanding at the year end"),
        ((Cell("Highways", Format.TEXT), Cell(1), Cell(2)),),
    )
    from crm_desktop.reports.pdf import MARGIN_X, PAGE_WIDTH

    width = PAGE_WIDTH - 2 * MARGIN_X
    for table in (texts, numbers):
        widths = _column_widths(table, fonts, width)
        assert sum(widths) == pytest.approx(width)
        for index, column in enumerate(widths):
            assert column >= _widest_word(table, index, fonts) - 0.01, (table.key, index)


def test_a_charts_long_labels_go_on_two_lines_whole() -> None:
    """ "Lack or delay in providing assessed service" was cut to "…assessed servi…": a
    label runs on to a second line, and only one too long for two is cut short; the
    axis runs on past the longest bar."""
    from crm_desktop.reports.pdf import report_fonts, year_on_year_chart

    label = "Lack or delay in providing assessed service"
    longer = "Quality and Timeliness of social worker assessment and review " * 2
    table = Table(
        "natures",
        "Nature of complaints",
        ("Nature", "2024/25", "2025/26"),
        (
            (Cell(label, Format.TEXT), Cell(109), Cell(83)),
            (Cell(longer, Format.TEXT), Cell(14), Cell(27)),
            (Cell("Total", Format.TEXT), Cell(123), Cell(110)),
        ),
        chart=True,
    )
    drawing = year_on_year_chart(table, report_fonts(), 480)
    assert drawing is not None
    chart = drawing.contents[0]
    names = list(chart.categoryAxis.categoryNames)
    assert "Lack or delay in providing assessed\nservice" in names
    (cut,) = [n for n in names if n.startswith("Quality")]
    assert cut.count("\n") == 1 and cut.endswith("…")
    assert all(len(line) <= 42 for name in names for line in name.split("\n"))
    assert chart.valueAxis.rangeRound == "ceiling"


def test_a_subtotal_is_shown_as_one_in_every_format() -> None:
    """ "Corporate: all directorates" adds up rows above it: bold, like "…: total", so a
    column is not read as adding up with it."""
    from crm_desktop.reports.html import render_html
    from crm_desktop.reports.model import is_subtotal

    rows = (
        (Cell("COaCH", Format.TEXT), Cell(3)),
        (Cell("Corporate: all directorates", Format.TEXT), Cell(3)),
        (Cell("Children's social care", Format.TEXT), Cell(2)),
        (Cell("Total", Format.TEXT), Cell(5)),
    )
    assert [is_subtotal(r) for r in rows] == [False, True, False, False]
    table = Table("lgsco", "Sent to the Ombudsman", ("Directorate", "2024/25"), rows)
    report = AnnualReport(YEAR, ("corporate",), NOW, "", (Section("x", "X", (table,)),))
    html = io.StringIO()
    render_html(report, html)
    page = html.getvalue()
    assert re.search(r'<tr class="total"><th scope="row">Corporate: all directorates', page)
    book = io.BytesIO()
    render_xlsx(report, book)
    sheet = openpyxl.load_workbook(book).worksheets[1]
    labels = {sheet.cell(row=r, column=1).value: r for r in range(1, sheet.max_row + 1)}
    assert sheet.cell(row=labels["Corporate: all directorates"], column=1).font.bold
    assert not sheet.cell(row=labels["COaCH"], column=1).font.bold


def test_a_report_for_a_year_not_over_says_so() -> None:
    """Made on 7 Dec 2026, the 2026/27 report's figures run only to that day: the cover
    and the workbook say so; a past year's report does not."""
    table = Table(
        "t", "T", ("Label", "2025/26", "2026/27"), ((Cell("x", Format.TEXT), Cell(1), Cell(2)),)
    )
    current = AnnualReport(
        2026, ("corporate",), dt.datetime(2026, 12, 7, 9, 0), "", (Section("x", "X", (table,)),)
    )
    assert current.period.endswith(
        "The year is not over: its figures run to 7 Dec 2026, the day this report was made."
    )
    past = AnnualReport(
        2025, ("corporate",), dt.datetime(2026, 12, 7, 9, 0), "", (Section("x", "X", (table,)),)
    )
    assert "not over" not in past.period
    book = io.BytesIO()
    render_xlsx(current, book)
    contents = openpyxl.load_workbook(book).worksheets[0]
    assert current.period in [contents.cell(row=r, column=1).value for r in range(1, 8)]


def test_text_helpers_escape_and_name_missing_glyphs() -> None:
    assert markup('<img src="x"/> & <b>') == '&lt;img src="x"/&gt; &amp; &lt;b&gt;'
    assert markup("one\ntwo") == "one<br/>two"
    helvetica = Fonts("Helvetica", "Helvetica-Bold", None)
    assert plain_text(f"£5 é {ARABIC[0]}", helvetica) == "£5 é [arabic letter sheen]"
    assert plain_text("ok\x00\x07 👍🏽\ufe0f", helvetica) == "ok   [thumbs up sign]"


# ----------------------------------------------------------------------------- XLSX


def _columns(ws: Any) -> dict[str, int]:
    """Column heading (without " (baseline)") -> column number, on the header row."""
    found = {}
    for cell in ws[HEADER_ROW]:
        if isinstance(cell.value, str):
            found[cell.value.removesuffix(" (baseline)")] = cell.column
    return found


def test_xlsx_holds_the_report_numbers_as_numbers(
    report: AnnualReport, rendered: tuple[Path, Path, list[str], list[tuple[int, int]]]
) -> None:
    workbook = openpyxl.load_workbook(rendered[1])
    assert workbook.sheetnames[0] == "Contents"
    names = sheet_names(report)
    assert workbook.sheetnames[1:] == [name for name, _, _ in names]
    links = {c.value: c.hyperlink.location for c in workbook["Contents"]["A"] if c.hyperlink}
    assert links == {name: f"'{name}'!A1" for name, _, _ in names}
    numbers = 0
    for name, _, table in names:
        ws = workbook[name]
        assert ws.cell(row=1, column=1).value == spreadsheet_text(table.title)
        columns = _columns(ws)
        for offset, row in enumerate(table.rows, start=1):
            for heading, cell in zip(table.columns, row, strict=True):
                target = ws.cell(row=HEADER_ROW + offset, column=columns[spreadsheet_text(heading)])
                if cell.format == Format.TEXT or isinstance(cell.value, str):
                    assert target.value == spreadsheet_text(cell.text)
                    assert target.data_type == "s"
                elif cell.value is None:
                    assert target.value == "–"
                else:
                    if cell.format == Format.COUNT:
                        assert target.value == int(cell.value), (table.key, heading, cell)
                    else:  # XLSX keeps 16 significant digits (openpyxl writes %.16g)
                        assert target.value == pytest.approx(cell.value, rel=1e-15, abs=0)
                    assert isinstance(target.value, int | float)
                    assert target.number_format == NUMBER_FORMATS[cell.format]
                    numbers += 1
                if cell.rag is not None:
                    word = ws.cell(row=target.row, column=target.column + 1)
                    assert word.value == RAG_WORDS[cell.rag]
                    assert target.fill.fgColor.rgb.endswith(("C6EFCE", "FFEB9C", "FFC7CE"))
    assert numbers > 300


def test_xlsx_number_formats_show_what_format_value_shows() -> None:
    assert NUMBER_FORMATS == {
        Format.COUNT: "#,##0",
        Format.PERCENT: '0.0"%"',
        Format.MONEY: '"£"#,##0.00',
        Format.DAYS: "0.00",
    }


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        # Halves go up, as the spreadsheet's own formats round them and as people do:
        # 1 of 16 is 6.25% (Python's formatting would print 6.2%).
        (6.25, Format.PERCENT, "6.3%"),
        (93.75, Format.PERCENT, "93.8%"),
        (100 / 3, Format.PERCENT, "33.3%"),
        (33.35, Format.PERCENT, "33.4%"),
        (0.0, Format.PERCENT, "0.0%"),
        (12.345, Format.DAYS, "12.35"),
        (13.37, Format.DAYS, "13.37"),
        (1250.0, Format.MONEY, "£1,250.00"),
        (1234, Format.COUNT, "1,234"),
        (None, Format.PERCENT, "–"),
    ],
)
def test_figures_are_shown_rounded_half_up(value: float | None, fmt: Format, shown: str) -> None:
    assert format_value(value, fmt) == shown


def test_xlsx_formula_text_is_a_string_never_a_formula(
    rendered: tuple[Path, Path, list[str], list[tuple[int, int]]],
) -> None:
    xlsx = rendered[1]
    workbook = openpyxl.load_workbook(xlsx)
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None]
    formula_like = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert formula_like and all(c.value == "'" + FORMULA for c in formula_like)
    assert all(c.data_type == "s" for c in formula_like)
    team = [c for c in cells if isinstance(c.value, str) and "Through & Care" in c.value]
    assert team and all(c.value == "'" + TEAM for c in team)
    assert not [c for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(xlsx) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 1905", "'+44 1905"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Highways", "Highways"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_spreadsheet_text_drops_control_characters_before_neutralising() -> None:
    assert spreadsheet_text("\x01=1+2") == "'=1+2"
    assert spreadsheet_text("a\x00b\nc") == "ab\nc"


def test_sheet_names_are_short_unique_and_legal() -> None:
    def table(key: str, title: str) -> Table:
        return Table(key, title, ("Label", "2023/24"), ((Cell("x", Format.TEXT), Cell(1)),))

    awkward = [
        table("a", "Complaints by service area: Very Long Directorate Name [Part 1]"),
        table("b", "Complaints by service area: Very Long Directorate Name [Part 2]"),
        table("c", "What? *Now* / then \\ here: 'quoted'"),
        table("d", "Contents"),
        table("e", "History"),
        table("f", "x" * 40),
        table("g", "X" * 40),
    ]
    report = AnnualReport(YEAR, ("corporate",), NOW, "", (Section("x", "X", tuple(awkward)),))
    names = [name for name, _, _ in sheet_names(report)]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
        assert name.lower() not in {"contents", "history"}
    workbook = io.BytesIO()
    render_xlsx(report, workbook)  # Excel's own rules are enforced by openpyxl here
    assert openpyxl.load_workbook(workbook).sheetnames[1:] == names


def test_xlsx_progress_ends_done(report: AnnualReport) -> None:
    calls: list[tuple[int, int]] = []
    render_xlsx(report, io.BytesIO(), lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(report.tables) + 1, len(report.tables) + 1)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# ------------------------------------------------------------------------------ CLI


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_both_files(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, xlsx = tmp_path / "report.pdf", tmp_path / "report.xlsx"
    code, out, err = run(
        ["--database", demo.url, "report", "annual", "--year", "2024", "--procedure", "adult",
         "--out", str(pdf), "--xlsx", str(xlsx)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert str(pdf) in out and str(xlsx) in out and "2024/25" in out
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert "Adult social care" in pages[0] and "Corporate" not in pages[0]
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "Contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "report.xlsx"]


def test_cli_default_is_all_procedures(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "all.pdf"
    code, out, _ = run(
        ["--database", demo.url, "report", "annual", "--year", "2023", "--out", str(pdf)], capsys
    )
    assert code == 0
    assert "2023/24 (all procedures)" in out
    cover = pdf_pages(pdf)[0]
    assert "Children's social care, Adult social care, Corporate" in cover
    assert "2022/23" in cover


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--year", "1999"], "--year must be a year from 2000 to 2044"),
        (["--year", "2045"], "--year must be a year from 2000 to 2044"),
        (["--year", "twenty"], "--year must be a year from 2000 to 2044"),
        (["--year", "2022", "--procedure", "kids"], "--procedure must be one of"),
    ],
)
def test_cli_bad_arguments_one_line_exit_2(
    demo: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    out = tmp_path / "r.pdf"
    code, _, err = run(
        ["--database", demo.url, "report", "annual", *argv, "--out", str(out)], capsys
    )
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing-folder", "a-file", "a-folder"])
def test_cli_unwritable_target_one_line_exit_2(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    target = {
        "missing-folder": tmp_path / "nowhere" / "r.pdf",
        "a-file": tmp_path / "a-file" / "r.pdf",  # its "folder" is a file
        "a-folder": tmp_path / "a-folder",
    }[where]
    code, _, err = run(
        ["--database", demo.url, "report", "annual", "--year", "2022", "--out", str(target)],
        capsys,
    )
    assert code == 2
    assert err.startswith("crm-desktop: ") and len(err.strip().splitlines()) == 1


def test_cli_failure_leaves_no_half_written_report(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, xlsx = tmp_path / "report.pdf", tmp_path / "report.xlsx"
    pdf.write_bytes(b"last year's report")

    def broken(report: AnnualReport, out: Any, progress: Callable[..., None] | None = None) -> None:
        Path(out).write_bytes(b"half")
        raise RuntimeError("disk trouble")

    with mock.patch("crm_desktop.reports.xlsx.render_xlsx", broken):
        status = main(
            ["--database", demo.url, "report", "annual", "--year", "2024",
             "--out", str(pdf), "--xlsx", str(xlsx)]
        )  # fmt: skip
    # A bug: one line naming the log, where the traceback went; exit status 1.
    assert status == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(log_file()) in error
    assert "RuntimeError: disk trouble" in log_file().read_text(encoding="utf-8")
    assert pdf.read_bytes() == b"last year's report"  # untouched: the PDF was not renamed
    assert not xlsx.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no .part left


def test_render_pdf_to_a_binary_stream(report: AnnualReport) -> None:
    out = io.BytesIO()
    render_pdf(report, out)
    assert out.getvalue().startswith(b"%PDF") and out.getvalue().rstrip().endswith(b"%%EOF")


def test_baseline_columns_are_marked_in_both_renderings() -> None:
    table = Table(
        "children_by_team",
        "Complaints by team",
        ("Children Services Team", "2023/24", "2024/25"),
        (
            (Cell("Through Care", Format.TEXT), Cell(40.0), Cell(60)),
            (Cell("Total", Format.TEXT), Cell(40.0), Cell(60)),
        ),
        notes=("2023/24 figures are baseline figures, not cases.",),
        chart=True,
        baseline_columns=("2023/24",),
    )
    report = AnnualReport(
        YEAR, ("children",), NOW, "", (Section("children", "Children", (table,)),)
    )
    pdf, xlsx = io.BytesIO(), io.BytesIO()
    render_pdf(report, pdf)
    render_xlsx(report, xlsx)
    text = " ".join(pdf_pages(pdf.getvalue()))
    assert "2023/24 (baseline) 2024/25 Through Care 40 60 Total 40 60" in text
    assert "2023/24 figures are baseline figures, not cases." in text
    ws = openpyxl.load_workbook(xlsx)[sheet_names(report)[0][0]]
    assert [c.value for c in ws[HEADER_ROW]] == [
        "Children Services Team",
        "2023/24 (baseline)",
        "2024/25",
    ]
    assert ws.cell(row=HEADER_ROW + 1, column=2).value == 40


def test_a_learning_example_longer_than_a_page_runs_on() -> None:
    action = "Review the letter. " * 400 + "The last words."
    learning = Table(
        "learning_examples",
        "Examples of learning",
        ("Case", "Action", "Evidence"),
        ((Cell("CSC-2024-00001", Format.TEXT), Cell(action, Format.TEXT), Cell("", Format.TEXT)),),
        has_total=False,
    )
    report = AnnualReport(
        YEAR, ("children",), NOW, "", (Section("learning", "Learning", (learning,)),)
    )
    out = io.BytesIO()
    render_pdf(report, out)
    pages = pdf_pages(out.getvalue())
    text = " ".join(pages)  # the row is interrupted by the page footer and header
    assert text.count("Review the") == 400 and text.count("letter.") == 400
    assert "The last words." in text
    assert sum("Review the letter." in page for page in pages) >= 2
