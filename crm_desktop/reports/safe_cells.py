"""Text that goes into a spreadsheet cell or a CSV field, made safe to open.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a leading
tab or carriage return can hide one. :func:`neutralise` puts an apostrophe in front of
such text, so it is shown (and re-read) as the text it is. The apostrophe is part of the
value: it survives a CSV round trip, where a cell style would not.

This module is the one door to spreadsheet files: every CSV the program writes is
written through :func:`csv_writer` or :func:`csv_dict_writer`, and every XLSX workbook is
made by :func:`new_workbook` and saved by :func:`save_workbook` (a write-only workbook's
sheets take rows through :class:`SafeRows`). ``tests/core/test_safe_cells.py`` searches
the code for any other writer and fails when it finds one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "FORMULA_TRIGGERS",
    "SafeCsvWriter",
    "SafeDictWriter",
    "SafeRows",
    "csv_dict_writer",
    "csv_writer",
    "neutralise",
    "new_workbook",
    "read_back",
    "rows_sheet",
    "safe_value",
    "save_workbook",
    "spreadsheet_text",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters the XLSX (XML 1.0) format cannot hold: C0 controls other than tab, LF, CR.
# openpyxl refuses them with IllegalCharacterError; they are dropped.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when it would otherwise start a formula.

    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("Highways")
    'Highways'
    """
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def read_back(text: str) -> str:
    """The text :func:`neutralise` was given, from what it wrote (a file the program
    wrote, filled in and read back).

    >>> read_back("'=SUM(A1)")
    '=SUM(A1)'
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def spreadsheet_text(text: str) -> str:
    """``text`` for an XLSX cell: characters XML cannot hold dropped, then neutralised.

    Dropping comes first, so a hidden control character cannot shield a leading ``=``.
    """
    return neutralise(_ILLEGAL_XML.sub("", text))


def safe_value(value: Any) -> Any:
    """A CSV field's value: text neutralised, anything else as it is."""
    return neutralise(value) if isinstance(value, str) else value


class SafeCsvWriter:
    """:func:`csv.writer` whose every text field is neutralised."""

    def __init__(self, handle: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(handle, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_value(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """:class:`csv.DictWriter` whose every text field (and heading) is neutralised."""

    def __init__(self, handle: IO[str], fieldnames: Sequence[str], **fmtparams: Any) -> None:
        self._writer = csv.DictWriter(handle, fieldnames=list(fieldnames), **fmtparams)

    def writeheader(self) -> None:
        self._writer.writerow({name: neutralise(name) for name in self._writer.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: safe_value(value) for key, value in row.items()})


def csv_writer(handle: IO[str], **fmtparams: Any) -> SafeCsvWriter:
    """The program's only way to write CSV rows."""
    return SafeCsvWriter(handle, **fmtparams)


def csv_dict_writer(handle: IO[str], fieldnames: Sequence[str], **fmtparams: Any) -> SafeDictWriter:
    """The program's only way to write CSV rows given as dictionaries."""
    return SafeDictWriter(handle, fieldnames, **fmtparams)


def _xlsx_value(value: Any) -> Any:
    return spreadsheet_text(value) if isinstance(value, str) else value


class SafeRows:
    """A write-only sheet that takes rows, every text cell made safe."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def append(self, row: Iterable[Any]) -> None:
        self._sheet.append([_xlsx_value(value) for value in row])

    def close(self) -> None:
        self._sheet.close()


def new_workbook(*, write_only: bool = False) -> Workbook:
    """The program's only way to make an XLSX workbook (saved with :func:`save_workbook`)."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def rows_sheet(workbook: Workbook, title: str) -> SafeRows:
    """A new sheet of a write-only workbook, taking rows through :class:`SafeRows`."""
    return SafeRows(workbook.create_sheet(title))


def save_workbook(workbook: Workbook, out: Path | IO[bytes]) -> None:
    """Save ``workbook``; in an ordinary (not write-only) workbook every cell is looked at
    first, and any text or formula is stored as safe text, whatever set it."""
    if not workbook.write_only:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or isinstance(cell.value, str):
                        cell.value = spreadsheet_text(str(cell.value))
                        cell.data_type = "s"
    workbook.save(str(out) if isinstance(out, Path) else out)
