"""Every CSV and XLSX file the program writes goes through one helper that neutralises
formulas (crm_desktop/reports/safe_cells.py), and each kind of file is safe to open."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import BaselineFigure, Directorate
from crm_desktop.domain.enums import StageCode
from crm_desktop.reports import safe_cells
from tests.factories import add_case

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "crm_desktop" / "reports" / "safe_cells.py"
EVIL = '=HYPERLINK("http://x.invalid","go")'  # fits a reference (40 characters)

# Whatever writes a spreadsheet file: the csv module's writers, openpyxl's workbook,
# pandas' writers and the other XLSX libraries.
WRITERS = re.compile(
    r"csv\s*\.\s*(writer|DictWriter)\b"
    r"|\bfrom\s+csv\s+import\b[^\n]*\b(writer|DictWriter)\b"
    r"|\bWorkbook\s*\("
    r"|\bfrom\s+openpyxl\s+import\b[^\n]*\bWorkbook\b"
    r"|\.to_csv\s*\(|\.to_excel\s*\("
    r"|\bxlsxwriter\b|\bpyexcelerate\b|\bxlwt\b"
)


def _sources() -> list[Path]:
    return sorted((ROOT / "crm_desktop").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))


def test_every_spreadsheet_writer_goes_through_the_one_helper() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for path in _sources()
        if path != HELPER
        for text in [path.read_text(encoding="utf-8")]
        for match in WRITERS.finditer(text)
    ]
    assert found == [], "write spreadsheets through crm_desktop.reports.safe_cells:\n" + "\n".join(
        found
    )
    # and the search itself finds what it is meant to find
    helper = HELPER.read_text(encoding="utf-8")
    assert len(WRITERS.findall(helper)) >= 3


def test_the_search_would_catch_a_new_writer() -> None:
    for line in (
        "w = csv.writer(handle)",
        "w = csv.DictWriter(handle, fieldnames=f)",
        "from csv import writer",
        "book = Workbook(write_only=True)",
        "from openpyxl import Workbook",
        "frame.to_csv(path)",
        "frame.to_excel(path)",
        "import xlsxwriter",
    ):
        assert WRITERS.search(line), line
    assert not WRITERS.search("rows = csv.reader(handle)")


def test_the_csv_writers_neutralise_every_text_field() -> None:
    out = io.StringIO()
    writer = safe_cells.csv_writer(out, lineterminator="\n")
    writer.writerow((EVIL, "+1", "-1", "@x", "\tx", "plain", 5, None))
    dict_out = io.StringIO()
    dict_writer = safe_cells.csv_dict_writer(dict_out, ["=a", "b"], lineterminator="\n")
    dict_writer.writeheader()
    dict_writer.writerow({"=a": "=1+1", "b": 2})
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row == ["'" + EVIL, "'+1", "'-1", "'@x", "'\tx", "plain", "5", ""]
    assert dict_out.getvalue().splitlines() == ["'=a,b", "'=1+1,2"]
    assert [safe_cells.read_back(cell) for cell in row[:2]] == [EVIL, "+1"]
    assert safe_cells.read_back("'plain") == "'plain"


def test_a_workbook_is_saved_with_no_formula_whatever_set_the_cell(tmp_path: Path) -> None:
    book = safe_cells.new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = EVIL  # openpyxl stores this as a formula
    sheet["A2"] = "=1+1"
    sheet["A3"] = 12
    sheet["A4"] = "@once"
    assert sheet["A1"].data_type == "f"
    safe_cells.save_workbook(book, tmp_path / "book.xlsx")
    saved = load_workbook(tmp_path / "book.xlsx").active
    assert saved is not None
    assert [saved[f"A{n}"].value for n in range(1, 5)] == ["'" + EVIL, "'=1+1", 12, "'@once"]
    assert {saved[f"A{n}"].data_type for n in (1, 2, 4)} == {"s"}

    streamed = safe_cells.new_workbook(write_only=True)
    rows = safe_cells.rows_sheet(streamed, "cases")
    rows.append([EVIL, 3, "a\x01b"])
    safe_cells.save_workbook(streamed, tmp_path / "streamed.xlsx")
    again = load_workbook(tmp_path / "streamed.xlsx").active
    assert again is not None
    assert again["A1"].value == "'" + EVIL and again["A1"].data_type == "s"
    assert again["C1"].value == "ab"


def _evil_reference(session: Session) -> None:
    case = add_case(
        session,
        reference=EVIL,
        received_on=dt.date(2024, 3, 1),
        due_on=dt.date(2024, 3, 20),
        stage=StageCode.STAGE_1,
    )
    assert case.reference == EVIL


def test_queue_csv_neutralises_formulas(
    migrated_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(migrated_sqlite_url)
    try:
        database.write(_evil_reference)
    finally:
        database.dispose()
    code = main(
        [
            "--database",
            migrated_sqlite_url,
            "queue",
            "overdue",
            "--as-of",
            "2024-03-28",
            "--format",
            "csv",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["reference"] for row in rows] == ["'" + EVIL]
    assert rows[0]["working_days_left"].startswith("-")  # a number, not text: kept as it is


def test_baseline_template_neutralises_and_reads_its_own_cells_back(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def rename(session: Session) -> None:
        directorate = session.scalars(sa.select(Directorate).order_by(Directorate.id)).first()
        assert directorate is not None
        directorate.name = EVIL

    database.write(rename)
    url = str(database.engine.url)
    database.dispose()
    template = tmp_path / "template.csv"
    assert (
        main(["--database", url, "baseline", "template", "--year", "2021", "--out", str(template)])
        == 0
    )
    rows = list(csv.reader(io.StringIO(template.read_text(encoding="utf-8"))))
    evil_rows = [row for row in rows if row[2].lstrip("'") == EVIL]
    assert evil_rows and all(row[2] == "'" + EVIL for row in evil_rows)
    assert not any(cell.startswith(safe_cells.FORMULA_TRIGGERS) for row in rows for cell in row)
    filled = io.StringIO()
    writer = csv.writer(filled, lineterminator="\n")  # the user's spreadsheet saving it
    for row in rows:
        writer.writerow([*row[:4], "7"] if row is evil_rows[0] else row)
    template.write_text(filled.getvalue(), encoding="utf-8")
    capsys.readouterr()
    assert main(["--database", url, "baseline", "load", str(template)]) == 0
    check = open_database(url)
    try:
        with check.session() as session:
            labels = session.scalars(sa.select(BaselineFigure.row_label)).all()
    finally:
        check.dispose()
    assert labels == [EVIL]


def test_report_xlsx_has_no_formula(database: Database, tmp_path: Path) -> None:
    def rename(session: Session) -> None:
        directorate = session.scalars(sa.select(Directorate).order_by(Directorate.id)).first()
        assert directorate is not None
        directorate.name = EVIL

    database.write(rename)
    url = str(database.engine.url)
    database.dispose()
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    assert (
        main(
            [
                "--database",
                url,
                "report",
                "annual",
                "--year",
                "2023",
                "--out",
                str(pdf),
                "--xlsx",
                str(xlsx),
            ]
        )
        == 0
    )
    book = load_workbook(xlsx)
    texts = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert not [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert "'" + EVIL in texts
