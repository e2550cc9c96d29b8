"""The annual report as an XLSX workbook (openpyxl): a contents sheet, a sheet per table.

The values are the report's own numbers, stored as numbers, with number formats that
show them as :func:`~crm_desktop.reports.model.format_value` does in the PDF: counts
``#,##0``, percentages ``0.0"%"`` on the stored percentage (12.5 shows as 12.5%), money
``"£"#,##0.00``, working days ``0.00``. A value the report does not have is the text
``–``, as in the PDF.

Every text cell goes through :func:`~crm_desktop.reports.safe_cells.spreadsheet_text`, and
the workbook is saved by :func:`~crm_desktop.reports.safe_cells.save_workbook`, which looks
at every cell once more: a label such as ``=HYPERLINK(...)`` is stored as text, never as a
formula.

RAG ratings are a fill colour on the value and, in the column beside it, the word
(Green, Amber, Red), which survives printing in black and white and filtering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.formatting import format_date
from crm_desktop.reports.model import (
    AnnualReport,
    Cell,
    Format,
    Rag,
    Section,
    Table,
    is_subtotal,
)
from crm_desktop.reports.safe_cells import new_workbook, save_workbook, spreadsheet_text

__all__ = ["CONTENTS_SHEET", "HEADER_ROW", "NUMBER_FORMATS", "render_xlsx", "sheet_names"]

Progress = Callable[[int, int], None]

CONTENTS_SHEET = "Contents"
HEADER_ROW = 4  # row 1: the table's title; row 2: its section; the table from row 4
NUMBER_FORMATS = {
    Format.COUNT: "#,##0",
    Format.PERCENT: '0.0"%"',
    Format.MONEY: '"£"#,##0.00',
    Format.DAYS: "0.00",
}
RAG_WORDS = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red"}
_RAG_FILLS = {
    Rag.GREEN: PatternFill("solid", fgColor="C6EFCE"),
    Rag.AMBER: PatternFill("solid", fgColor="FFEB9C"),
    Rag.RED: PatternFill("solid", fgColor="FFC7CE"),
}
_RAG_FONTS = {
    Rag.GREEN: Font(color="006100", bold=True),
    Rag.AMBER: Font(color="7A4A00", bold=True),
    Rag.RED: Font(color="9C0006", bold=True),
}
_NAVY = "1F3864"
_HEADER_FILL = PatternFill("solid", fgColor=_NAVY)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TOTAL_FILL = PatternFill("solid", fgColor="DCE3EE")
_BASELINE_FILL = PatternFill("solid", fgColor="EDEDED")
_TITLE_FONT = Font(bold=True, size=14, color=_NAVY)
_NOTE_FONT = Font(italic=True, size=9, color="595959")
_THIN = Side(style="thin", color=_NAVY)

_SECTION_PREFIX = {
    "children": "CSC",
    "adult": "ASC",
    "corporate": "Corp",
    "lgsco": "LGSCO",
}
_SHORTER = (  # sheet names have 31 characters: say the same in fewer
    ("Number of complaints received", "Received"),
    ("Number of complaints by ", "By "),
    ("Complaints by service area: ", "Area "),
    ("Complaints by ", "By "),
    ("Complaints sent to the Ombudsman", "Sent"),
    ("Ombudsman decisions by area", "Decisions"),
    ("Payments after the Ombudsman's findings", "Payments"),
    ("Timescales of ", ""),
    (" complaint resolutions", " timescales"),
    (" complaint resolution", " timescales"),
    ("Nature of complaints", "Nature"),
    (" complaints outcomes", " outcomes"),
    ("Outcomes of ", ""),
    (" complaints", ""),
    ("Moderate / high risk", "Mod-high risk"),
    ("moderate/high risk", "mod-high risk"),
    ("low-risk", "low risk"),
    ("/", "-"),
)
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_RESERVED = {"history", CONTENTS_SHEET.lower()}


def _sheet_name(section: Section, table: Table, taken: set[str]) -> str:
    title = re.sub(r"^Outcomes of (.+?) complaints$", r"\1 outcomes", table.title)
    for long, short in _SHORTER:
        title = title.replace(long, short)
    title = title[:1].upper() + title[1:]
    prefix = _SECTION_PREFIX.get(section.key, "")
    name = f"{prefix} {title}" if prefix else title
    name = " ".join(_NOT_IN_SHEET_NAMES.sub(" ", name).split()).strip("'") or "Table"
    name = name[:31].rstrip()
    candidate, number = name, 1
    while candidate.lower() in taken or candidate.lower() in _RESERVED:
        number += 1
        suffix = f" {number}"
        candidate = name[: 31 - len(suffix)].rstrip() + suffix
    taken.add(candidate.lower())
    return candidate


def sheet_names(report: AnnualReport) -> list[tuple[str, Section, Table]]:
    """Each table's sheet name (unique, at most 31 characters, none of ``[]:*?/\\``)."""
    taken: set[str] = set()
    return [
        (_sheet_name(section, table, taken), section, table)
        for section in report.sections
        for table in section.tables
    ]


def _text(value: str) -> str:
    return spreadsheet_text(value)


def _set_text(cell: Any, value: str) -> None:
    cell.value = _text(value)
    cell.data_type = "s"  # belt and braces: never a formula, whatever the text


def _number_value(cell: Cell) -> float | int | None:
    value = cell.value
    if value is None or isinstance(value, str):
        return None
    if cell.format == Format.COUNT:
        return int(value)  # as format_value shows it
    return value


def _rag_columns(table: Table) -> set[int]:
    return {i for row in table.rows for i, cell in enumerate(row) if cell.rag is not None}


def _header_label(table: Table, index: int) -> str:
    column = table.columns[index]
    return f"{column} (baseline)" if column in table.baseline_columns else column


def _write_table(ws: Any, section: Section, table: Table) -> None:
    _set_text(ws.cell(row=1, column=1), table.title)
    ws.cell(row=1, column=1).font = _TITLE_FONT
    _set_text(ws.cell(row=2, column=1), section.title)
    ws.cell(row=2, column=1).font = Font(italic=True, color="595959")

    rag_columns = _rag_columns(table)
    # Where each report column goes: a RAG column follows each column that has RAG.
    positions: list[int] = []
    column = 1
    for index in range(len(table.columns)):
        positions.append(column)
        column += 2 if index in rag_columns else 1
    last_column = column - 1
    widths: dict[int, float] = {}

    def fit(col: int, text: str) -> None:
        longest = max((len(part) for part in text.split("\n")), default=0)
        widths[col] = max(widths.get(col, 0), min(longest, 70))

    for index in range(len(table.columns)):
        label = _header_label(table, index)
        _set_text(ws.cell(row=HEADER_ROW, column=positions[index]), label)
        fit(positions[index], label)
        if index in rag_columns:
            rag_label = f"{table.columns[index]} RAG"
            _set_text(ws.cell(row=HEADER_ROW, column=positions[index] + 1), rag_label)
            fit(positions[index] + 1, rag_label)
    for col in range(1, last_column + 1):
        header = ws.cell(row=HEADER_ROW, column=col)
        header.font = _HEADER_FONT
        header.fill = _HEADER_FILL
        header.alignment = Alignment(
            horizontal="left" if col == 1 else "right", vertical="bottom", wrap_text=True
        )

    text_heavy = len(table.columns) > 1 and all(
        c.format == Format.TEXT for row in table.rows for c in row
    )
    baseline = {i for i, c in enumerate(table.columns) if c in table.baseline_columns}
    total_row = HEADER_ROW + len(table.rows) if table.has_total else None
    for offset, row in enumerate(table.rows, start=1):
        r = HEADER_ROW + offset
        bold = r == total_row or is_subtotal(row)
        for index, cell in enumerate(row[: len(table.columns)]):
            target = ws.cell(row=r, column=positions[index])
            number = _number_value(cell)
            if number is None or cell.format == Format.TEXT:
                _set_text(target, cell.text)
                fit(positions[index], cell.text)
                if index > 0 and not text_heavy:
                    target.alignment = Alignment(horizontal="right")
                elif text_heavy:
                    target.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                target.value = number
                target.number_format = NUMBER_FORMATS[cell.format]
                fit(positions[index], cell.text)
            if bold:
                target.font = Font(bold=True)
            if index in baseline:
                target.fill = _BASELINE_FILL
            if cell.rag is not None:
                target.fill = _RAG_FILLS[cell.rag]
                target.font = _RAG_FONTS[cell.rag]
                word = ws.cell(row=r, column=positions[index] + 1)
                _set_text(word, RAG_WORDS[cell.rag])
                word.fill = _RAG_FILLS[cell.rag]
                word.font = _RAG_FONTS[cell.rag]
        if r == total_row:
            for col in range(1, last_column + 1):
                total = ws.cell(row=r, column=col)
                total.fill = _TOTAL_FILL
                total.border = Border(top=_THIN, bottom=_THIN)
                total.font = Font(bold=True)

    note_row = HEADER_ROW + len(table.rows) + 2
    if not table.rows:
        _set_text(ws.cell(row=HEADER_ROW + 1, column=1), "Nothing to show for this year.")
    for note in table.notes:
        cell = ws.cell(row=note_row, column=1)
        _set_text(cell, note)
        cell.font = _NOTE_FONT
        note_row += 1

    for col in range(1, last_column + 1):
        fitted = widths.get(col, 8)
        if col == 1:
            width = max(14.0, min(fitted + 2, 60.0))
        elif text_heavy:
            width = max(12.0, min(fitted + 2, 60.0))
        else:
            width = max(10.0, min(fitted + 2, 18.0))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2 if not text_heavy else 1)
    ws.sheet_view.showGridLines = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _procedure_names(codes: Sequence[str]) -> str:
    names = []
    for code in codes:
        try:
            names.append(Procedure(code).label)
        except ValueError:
            names.append(code)
    return ", ".join(names) if names else "None"


def _write_contents(
    ws: Any, report: AnnualReport, sheets: list[tuple[str, Section, Table]]
) -> None:
    lines = [
        report.title,
        report.council_name.strip(),
        report.period,
        f"Procedures covered: {_procedure_names(report.procedures)}",
        f"Generated {format_date(report.generated_at.date())}",
        *report.notes,
    ]
    row = 1
    for line in lines:
        if not line:
            continue
        _set_text(ws.cell(row=row, column=1), line)
        row += 1
    ws.cell(row=1, column=1).font = _TITLE_FONT
    row += 1
    for col, label in enumerate(("Sheet", "Section", "Table"), start=1):
        header = ws.cell(row=row, column=col)
        _set_text(header, label)
        header.font = _HEADER_FONT
        header.fill = _HEADER_FILL
    for name, section, table in sheets:
        row += 1
        link = ws.cell(row=row, column=1)
        _set_text(link, name)
        quoted = name.replace("'", "''")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!A1")
        link.font = Font(color="0563C1", underline="single")
        _set_text(ws.cell(row=row, column=2), section.title)
        _set_text(ws.cell(row=row, column=3), table.title)
    commentary = [s for s in report.sections if s.commentary.strip()]
    if commentary:
        row += 2
        heading = ws.cell(row=row, column=1)
        _set_text(heading, "Commentary")
        heading.font = Font(bold=True, size=12, color=_NAVY)
        for section in commentary:
            row += 1
            _set_text(ws.cell(row=row, column=1), section.title)
            ws.cell(row=row, column=1).font = Font(bold=True)
            text = ws.cell(row=row, column=2)
            _set_text(text, section.commentary.strip())
            text.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 60


def render_xlsx(
    report: AnnualReport,
    out: Path | BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write ``report`` as an XLSX workbook to ``out`` (a path or a binary file).

    ``progress(done, total)`` is called after each table's sheet and once at the end.
    """
    sheets = sheet_names(report)
    total = len(sheets) + 1
    workbook = new_workbook()
    contents = workbook.active
    contents.title = CONTENTS_SHEET
    _write_contents(contents, report, sheets)
    for done, (name, section, table) in enumerate(sheets, start=1):
        _write_table(workbook.create_sheet(name), section, table)
        if progress is not None:
            progress(done, total)
    workbook.properties.title = report.title
    workbook.properties.creator = "CRM Desktop"
    save_workbook(workbook, out)
    if progress is not None:
        progress(total, total)
