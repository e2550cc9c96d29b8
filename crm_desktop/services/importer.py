"""Historical case import: the one file format of ``IMPORT_FORMAT.md``, CSV or XLSX.

Three steps, each usable on its own:

- :func:`read_rows` reads a file into :class:`RawRow` values (the header is row 1, the
  first data row is row 2, as a spreadsheet shows them). A file that cannot be read at
  all raises :class:`ImportFileError` (one line for the user).
- :func:`check_import` checks the whole file against every rule of the format and the
  database (reference data, references already there) and returns an
  :class:`ImportPlan`: the cases it would write, and every error with its row, column
  and reason. Nothing is written.
- :func:`import_in_session` checks and, when there is no error at all and this is not a
  dry run, writes every case, in the caller's session: the operations
  (``operations.imports``) run a dry run in a read session and an import in one write
  transaction; :func:`import_rows` / :func:`run_import` do the same on a
  :class:`Database`.
- :func:`summary` says in one paragraph what a result imported (or would import).

Errors are *returned*, never raised: :class:`ImportResult` carries them, and a result
with errors means nothing was written. A dry run checks exactly as a real run does (on
a read session, against the same database) and reports the same counts and errors.

What an imported case looks like is what the workflow would have recorded (see
``services.cases``, ``services.workflow`` and ``services.clock``): the first stage opens
with the case, each later stage is linked to the one before, a stage followed by another
council stage records when that one was asked for, a closed council stage gives every
complaint point the stage's outcome, the Ombudsman's stage carries its
:class:`~crm_desktop.db.models.LgscoDetail`, and each clock's due dates are recorded as
due-date changes. The stage and outcome rules are the workflow's own
(``domain.workflow``), applied here, not copied.

Where IMPORT_FORMAT.md is silent, this module decides:

- The rows of a case may be anywhere in the file, in any order: they are taken in the
  order of their stages (Stage 1, 2, 3, the Ombudsman's last), which must be the
  workflow's (``FIRST_STAGES``, ``NEXT_STAGE``). A stage
  followed by another must be closed, not withdrawn or discontinued ("A withdrawn or
  discontinued stage cannot escalate", PRODUCT.md; a redirected stage may be followed
  by another in the file, as it was recorded), and the next may not start before it
  closed. The window for asking for the next stage is not enforced on history.
- Columns required "always" (and ``directorate`` for corporate cases, compliments and
  comments too) are required on every row; rows of one case must agree on them (names
  compared as reference data is). Team, complainant and email may be on any one row;
  two rows giving different values is an error. Each row's summary is kept, in the
  file's order (one repeated once). Each nature a row names
  becomes a complaint point, in the order first named ("A;A" is two points of nature A); natures
  the case's other rows name again add none (rows often repeat the case's natures), so
  a nature has as many points as the one row naming it most often. A complaint without
  natures has no points (the format makes them optional).
- A conditionally required column missing from the header is one error at row 1.
  Blank rows anywhere are skipped; row numbers stay the spreadsheet's.
- An ``lgsco`` row may close without a decision (the format does not require one), but
  a decision needs ``stage_closed`` (its date); it has no outcome and no suspended days.
  ``lgsco_payment`` may be written ``£1,250.00``. Where a row has no clock or payment
  (a compliment, a comment, a council stage), 0 suspended days and a payment of 0.00
  are taken as empty: they are the column's default and no payment.
- A service area that exists only under another directorate is an error even with
  the option that adds missing reference data (the directorate is more likely wrong),
  unless the directorate itself is new. New service areas are marked for complaints
  and for compliments by the kinds of the cases that use them.
- A stage's ``acknowledged`` date is kept as given (not before the stage started, nor
  after it closed; an ``lgsco`` row has none). Without one, an open stage has not been
  acknowledged: it is awaiting its acknowledgement (and in that queue), as a case
  recorded in the program is until someone records it. A closed stage without one keeps
  none: no date is made up, so the report's "acknowledged within 3 working days" does
  not count it as acknowledged in time. An open children's Stage 2 without one is
  awaiting it too, though its clock is taken as started on its request (the file has
  no statement of complaint, whose agreement starts it): once acknowledged it is in
  progress. A stage whose procedure policy counts the response from the
  acknowledgement (the Complaint Handling Code, cases received from 1 April 2026)
  without one has its response counted from the last day the acknowledgement was
  allowed (or the day it closed, if earlier).
- Each case's stages follow the procedure policy in force on the day it was received,
  as a case recorded in the program does (:mod:`crm_desktop.services.procedure_policies`).
- Suspended working days are added to the due date and stored as ``suspended_days``
  and ``undated_suspended_days``, without suspension rows (their dates are unknown;
  the clock keeps them whenever it works the due date out again), on a children's or corporate
  stage: history is taken as it was recorded, also where the workflow no longer lets
  anyone stop a clock (the review panel; the Complaint Handling Code's stages, whose
  report counts them too). An adult stage's are not: the adult procedure has "no
  suspension" (PRODUCT.md; SI 2009/309 reg. 14). They neither move its due date nor
  count in its timescales, and the due date's recorded reason says the file gave them.
  No owner, channel or comment reply is set; each case gets its own complainant record.
  References are matched exactly, as the database does.
- An XLSX formula gives the value Excel saved with it (what a CSV export shows); a
  formula without a saved value is refused rather than read as empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import hashlib
import itertools
import json
import operator
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.contact import is_email
from crm_desktop.db.audit import record_events, rows_not_audited
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    FIELD_ACKNOWLEDGE_DUE,
    FIELD_DUE,
    FIELD_OUTER_LIMIT,
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    Directorate,
    DueDateChange,
    LgscoDetail,
    Nature,
    Person,
    PointOutcome,
    ServiceArea,
    ServiceCategory,
    Stage,
    Team,
)
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.deadlines import (
    DeadlineError,
    clock_from_acknowledgement,
    compute_due_date,
)
from crm_desktop.domain.enums import (
    STAGES_BY_PROCEDURE,
    CaseStatus,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
)
from crm_desktop.domain.formatting import counted, format_date, normalised, working_days_text
from crm_desktop.domain.money import MoneyError, format_money, pounds_to_pence
from crm_desktop.domain.statutory import six_months_beginning_with, skips_closure_days
from crm_desktop.domain.workflow import (
    FINDING_OUTCOMES,
    FIRST_STAGES,
    NEXT_STAGE,
    outcome_from_points,
)
from crm_desktop.errors import UserFacingError, ValidationError
from crm_desktop.services import reference_lookup as ref
from crm_desktop.services.calendar_service import StageTimescales, timescales, working_calendar
from crm_desktop.services.clock import base_timescale, is_review_panel
from crm_desktop.services.procedure_policies import PolicyBook, policy_book

__all__ = [
    "ALWAYS_REQUIRED",
    "COLUMNS",
    "Cell",
    "ImportError",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "ImportRowError",
    "NewReference",
    "PlannedCase",
    "PlannedStage",
    "RawRow",
    "RawRows",
    "Step",
    "apply_plan",
    "check_import",
    "import_in_session",
    "import_rows",
    "plan_result",
    "read_rows",
    "run_import",
    "summary",
]

# The columns of the format, in the order the format lists them.
COLUMNS: tuple[str, ...] = (
    "reference",
    "kind",
    "procedure",
    "received",
    "directorate",
    "service_area",
    "team",
    "stage",
    "stage_started",
    "stage_closed",
    "acknowledged",
    "outcome",
    "suspended_working_days",
    "natures",
    "service_categories",
    "lgsco_decision",
    "lgsco_payment",
    "complainant_name",
    "complainant_email",
    "summary",
)
# Required on every row: a file without one of these columns is refused at row 1.
ALWAYS_REQUIRED: tuple[str, ...] = ("reference", "kind", "procedure", "received", "service_area")
# Columns of a stage: compliments and comments leave them empty.
STAGE_COLUMNS: tuple[str, ...] = (
    "stage",
    "stage_started",
    "stage_closed",
    "acknowledged",
    "outcome",
    "suspended_working_days",
    "lgsco_decision",
    "lgsco_payment",
)
_COLUMN_ORDER = {name: i for i, name in enumerate(COLUMNS)}

# Sizes of the database columns the import fills from free text.
_REFERENCE_MAX = 40
_NAME_MAX = 200  # person and reference data names
_EMAIL_MAX = 254
# The largest amount both databases store in a pence column (PostgreSQL's integer).
MAX_PAYMENT_PENCE = 2**31 - 1
# A clock suspended longer than this (about eight years of working days) is a typing slip.
MAX_SUSPENDED_DAYS = 2000
# Bounds on what a file may make the importer read, checked before it is read.
MAX_FILE_BYTES = 256 * 1024 * 1024  # a CSV, or an XLSX's parts once unpacked
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CELLS = 10_000_000
PROGRESS_EVERY = 500  # rows checked between reports of how far the check has got

Step = Callable[[int, int, str], None]
"""``step(done, total, text)``: how far the import has got; it may raise to stop it (the
user cancelled), and then nothing is written."""

ACTION_IMPORT = "import"  # the cause of the due-date changes an import records


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a file's rows are read, checked or written:
    those steps make hundreds of thousands of objects that live on (no cycles among
    them), and the collector would otherwise walk them all again and again. Reference
    counting frees as usual; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A cell: text, or a real date from a spreadsheet (a datetime is a date with a time).
Cell = str | dt.date


# ------------------------------------------------------------------------ errors


# The words an error uses when one of the import's options would put it right (the
# import wizard offers its options for those errors only).
OPTION_FITS = "the option that"


class ImportFileError(UserFacingError):
    """The file cannot be read at all: missing, unreadable, not CSV or XLSX, no header."""


@dataclass(frozen=True, order=True)
class ImportRowError:
    """One problem in the file: ``row N, COLUMN: reason``.

    ``row`` is the spreadsheet's row number (the header is row 1); ``column`` is the
    column's name in the format (or ``column T`` for a column without a name).
    """

    row: int
    column_order: int = field(repr=False)  # sorts a row's errors in the format's order
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


# The name the design uses. It shadows the builtin ``ImportError`` only where it is
# imported by that name; prefer ``ImportRowError``.
ImportError = ImportRowError


def _row_error(row: int, column: str, reason: str) -> ImportRowError:
    return ImportRowError(row, _COLUMN_ORDER.get(column, len(COLUMNS)), column, reason)


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class RawRow:
    """One non-blank data row: its spreadsheet row number and its cells by column name.

    Column names are normalised (``Service Area`` -> ``service_area``); every column of
    the header is present, empty cells as ``""``.
    """

    row: int
    values: Mapping[str, Cell]

    def text(self, column: str) -> str:
        """The cell as text: a real date as ``YYYY-MM-DD``, an empty cell as ``""``."""
        return _text(self.values.get(column, ""))


def _text(value: Cell) -> str:
    """A cell as text: a real date as ``YYYY-MM-DD``."""
    if type(value) is str:
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _gives(r: _Row, column: str, cells: Mapping[str, Cell]) -> bool:
    """Whether row ``r`` gives a value in ``column``, where a row of its kind or stage
    has none: 0 suspended working days is the column's default, and a payment of £0.00
    is none, so a file that fills those columns on every row is not refused for them."""
    if column == "suspended_working_days":
        return bool(r.suspended)
    if column == "lgsco_payment":
        return bool(r.payment_pence)
    return bool(_text(cells.get(column, "")).strip())


class RawRows(list[RawRow]):
    """The rows of a file, with its header: normalised column names in file order.

    ``header`` holds ``""`` for a column without a name, and ``labels`` what the errors
    call each column (the format's name, or ``column T``).
    """

    def __init__(
        self,
        rows: Iterable[RawRow] = (),
        header: Sequence[str] = (),
        header_row: int = 1,
        unnamed: Mapping[int, int] | None = None,
    ) -> None:
        super().__init__(rows)
        self.header: tuple[str, ...] = tuple(header)
        self.header_row = header_row
        # Columns without a name that hold values: column index -> first row with one.
        self.unnamed: dict[int, int] = dict(unnamed or {})
        # Rows the file's own structure makes unreadable (CSV quoting, number of values).
        self.problems: list[ImportRowError] = []
        # The file's SHA-256, named by the import's audit event.
        self.sha256: str | None = None


def column_key(name: str) -> str:
    """A header name as the format spells it: case-insensitive; spaces, hyphens and
    underscores equivalent (``Service Area``, ``service-area``, ``SERVICE_AREA``)."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold()).strip("_")


def column_letter(index: int) -> str:
    """``A`` for the first column (index 0), ``Z``, ``AA``, ..."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def read_rows(path: str | Path) -> RawRows:
    """The rows of a CSV or XLSX file in the import format.

    CSV: UTF-8 with or without a byte-order mark, comma-separated, quoted as Excel
    writes it. XLSX: the sheet named ``cases`` (any case), else the first sheet; real
    date cells stay dates, whole numbers lose their ``.0``, formulas give the value
    Excel saved for them. Blank rows are left out (row numbers stay the spreadsheet's).
    The header's problems (unknown, missing, repeated columns) are reported by
    :func:`check_import`. Raises :class:`ImportFileError` when the file cannot be read.
    """
    file = Path(path)
    if not file.exists():
        raise ImportFileError(f"There is no file {file}. Check the name and the folder.")
    if file.is_dir():
        raise ImportFileError(f"{file} is a folder, not a file. Give the CSV or XLSX file.")
    try:
        with file.open("rb") as handle:
            start = handle.read(8)
    except OSError as exc:
        raise ImportFileError(
            f"Cannot read {file}: {exc.strerror or exc}. Check you have access to it."
        ) from None
    suffix = file.suffix.casefold()
    is_zip = start.startswith(b"PK\x03\x04")
    grid: Sequence[tuple[int, Sequence[Cell]]]
    if suffix == ".xls" or start.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{file} is an old Excel 97-2003 workbook (.xls). Save it as .xlsx or as CSV "
            "UTF-8 and import that."
        )
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix != ".csv"):
        if not is_zip:
            raise ImportFileError(
                f"{file} is not an XLSX workbook (its content is not a spreadsheet). Save "
                "it from Excel as .xlsx, or as CSV UTF-8."
            )
        with _collector_paused():
            grid, problems = _read_xlsx(file), list[ImportRowError]()
    elif suffix in (".csv", ".txt") or not suffix:
        if is_zip or start.startswith(b"%PDF"):
            raise ImportFileError(
                f"{file} is not a CSV file (it is a binary file). Save the data as CSV UTF-8 "
                "or .xlsx."
            )
        with _collector_paused():
            grid, problems = _read_csv(file)
    else:
        raise ImportFileError(
            f"{file} is not a CSV or XLSX file (its name ends in {file.suffix}). Save the "
            "data as CSV UTF-8 (.csv) or as an Excel workbook (.xlsx)."
        )
    with _collector_paused():
        rows = _rows_from_grid(file, grid)
    rows.problems.extend(problems)
    rows.sha256 = _sha256(file)
    return rows


def _sha256(file: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


# One CSV field as Excel writes it: quoted (a quote inside doubled) or without any quote.
_CSV_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_CSV_RECORD = re.compile(rf"{_CSV_FIELD}(?:,{_CSV_FIELD})*(?:\r\n|\n|\r)?")


def _too_large(file: Path, size: int) -> ImportFileError:
    return ImportFileError(
        f"{file} is too large to import ({size / 1e6:,.0f} MB of data; at most "
        f"{MAX_FILE_BYTES / 1e6:,.0f} MB). Split it into smaller files and import each."
    )


def _read_csv(file: Path) -> tuple[list[tuple[int, Sequence[Cell]]], list[ImportRowError]]:
    """The file's records, and the rows whose quoting is wrong (a quote inside a value
    that does not start with one, a quoted value followed by more text) or whose number
    of values is not the header's. Those rows are left out of the grid: their values
    cannot be trusted. A quote never closed is one error for the whole file, naming its
    row (everything after it would otherwise be read as part of that row). The file is
    read a line at a time, never held whole."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(file, size)
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return _parse_csv(file, handle)
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{file} is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (Comma delimited)' "
            "and import that."
        ) from None
    except OSError as exc:
        raise ImportFileError(
            f"Cannot read {file}: {exc.strerror or exc}. Check you have access to it."
        ) from None


_STAGE_RANK = {StageCode.STAGE_1: 1, StageCode.STAGE_2: 2, StageCode.STAGE_3: 3}


def _began(r: _Row) -> dt.date | None:
    """The day a row's stage is recorded as started: a first stage (Stage 1, or the adult
    procedure's) on the day the case was received, whatever ``stage_started`` says
    (IMPORT_FORMAT.md: "the date this stage was requested (Stage 1: received)"); any
    other on its ``stage_started``."""
    first = r.stage is not None and (
        r.stage == StageCode.STAGE_1
        or (r.procedure == Procedure.ADULT and r.stage != StageCode.LGSCO)
    )
    return r.received if first and r.received is not None else r.started


def _in_stage_order(rows: list[_Row]) -> list[_Row]:
    """A case's rows in the order of its stages (the format sets no order of rows in the
    file): the council's stages by number, the Ombudsman's last; rows of equal rank (an
    error reported later) keep the file's order. Unread stages leave the order as is."""
    if any(r.stage is None for r in rows):
        return rows

    def rank(r: _Row) -> tuple[int, int]:
        assert r.stage is not None
        return (r.stage == StageCode.LGSCO, _STAGE_RANK.get(r.stage, 0))

    return sorted(rows, key=rank)


def _looks_like_a_row(line: str, header: Sequence[str]) -> bool:
    """Whether a line inside a quoted value is a row of its own that a missing or extra
    quote swallowed: read alone, it has the header's number of values, with a kind and
    a procedure where the header has them. Text with many commas in a quoted summary
    ("Ann, Bob, Cat, Dan…") is not taken for one."""
    try:
        values = next(csv.reader([line]), [])
    except csv.Error:
        return False
    if len(values) < len(header) - 1:
        return False
    checks: dict[str, Mapping[str, object]] = {"kind": _KINDS, "procedure": _PROCEDURES}
    looked = False
    for name, allowed in checks.items():
        if name in header and header.index(name) < len(values):
            looked = True
            if normalised(values[header.index(name)]) not in allowed:
                return False
    return looked or line.count(",") >= len(header) - 1


def _parse_csv(
    file: Path, handle: Iterable[str]
) -> tuple[list[tuple[int, Sequence[Cell]]], list[ImportRowError]]:
    # Long values are the format's rule to report (with their column), not the parser's.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    record: list[str] = []  # the lines of the record being read
    ended = False

    def lines() -> Iterator[str]:
        nonlocal ended
        for line in handle:
            record.append(line)
            yield line
        ended = True

    reader = csv.reader(lines(), strict=True)
    grid: list[tuple[int, Sequence[Cell]]] = []
    problems: list[ImportRowError] = []
    width: int | None = None
    header: list[str] = []
    same = dict[str, str]().setdefault
    n = 0
    while True:
        start = reader.line_num
        record.clear()
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            n += 1
            if ended and "end of data" in str(exc):
                raise ImportFileError(
                    f'{file}: row {n} (line {start + 1}) opens a quote (") that is never '
                    "closed, so every line after it would be read as part of that row. "
                    "Close the quote or remove it, then import the file again."
                ) from None
            problems.append(
                _row_error(
                    n,
                    "quotes",
                    "a quoted value is followed by more text before the next comma; put "
                    'the whole value in quotes and double any quote inside it ("")',
                )
            )
            continue
        n += 1
        if not "".join(cells).strip():
            grid.append((n, ()))  # a blank row: left out, its number kept
            continue
        raw = "".join(record)
        if '"' in raw and not _CSV_RECORD.fullmatch(raw):
            problems.append(
                _row_error(
                    n,
                    "quotes",
                    'a quote (") inside a value that does not start with one; put the whole '
                    'value in quotes and double the quote inside it ("")',
                )
            )
            continue
        if width is None:
            width = len(cells)
            header = [column_key(c) for c in cells]
        elif reader.line_num - start > 1 and any(
            _looks_like_a_row(line, header) for line in record[1:]
        ):
            problems.append(
                _row_error(
                    n,
                    "quotes",
                    f"a quoted value runs over {reader.line_num - start} lines, and the lines "
                    'inside it look like rows of their own: a quote (") is probably missing '
                    "or extra; check the quotes in this row",
                )
            )
            continue
        elif len(cells) != width:
            extra = (
                f" (column {column_letter(width)} onwards has no name)"
                if len(cells) > width
                else ""
            )
            problems.append(
                _row_error(
                    n,
                    "columns",
                    f"the row has {len(cells)} values but the header row has {width} "
                    f"columns{extra}; check for a missing or extra comma (or a line break "
                    "inside a value that is not in quotes)",
                )
            )
            continue
        # A file repeats its values (dates, names, kinds): each kept once.
        grid.append((n, tuple(map(same, cells, cells))))
    return grid, problems


def _cell_value(value: Any) -> Cell:
    """A spreadsheet cell as import text, or a date for a real date cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return str(value)


def _read_xlsx(file: Path) -> list[tuple[int, list[Cell]]]:
    import openpyxl

    def open_book(data_only: bool) -> Any:
        try:
            return openpyxl.load_workbook(file, read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
            raise ImportFileError(
                f"{file} cannot be read as an XLSX workbook ({exc}). Open it in Excel and "
                "save it again as .xlsx, or save it as CSV UTF-8."
            ) from None
        except Exception as exc:  # openpyxl's own InvalidFileException and friends
            raise ImportFileError(
                f"{file} cannot be read as an XLSX workbook ({exc}). Open it in Excel and "
                "save it again as .xlsx, or save it as CSV UTF-8."
            ) from None

    def sheet_of(book: Any) -> Any:
        for sheet in book.worksheets:
            if str(sheet.title).strip().casefold() == "cases":
                return sheet
        if not book.worksheets:
            raise ImportFileError(f"{file} has no worksheets.")
        return book.worksheets[0]

    _check_xlsx_size(file)
    book = open_book(data_only=False)
    grid: list[tuple[int, list[Cell]]] = []
    formulas: dict[tuple[int, int], None] = {}
    try:
        sheet = sheet_of(book)
        # The stored <dimension> may be stale (written by a tool that did not update it):
        # read every row the sheet really holds, not only those inside it.
        sheet.reset_dimensions()
        for n, cells in enumerate(sheet.iter_rows(), start=1):
            values: list[Cell] = []
            for c, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    formulas[(n, c)] = None
                    values.append("")
                else:
                    values.append(_cell_value(cell.value))
            grid.append((n, values))
    finally:
        book.close()
    if formulas:
        # A formula's value is what Excel saved with it (as a CSV export would show).
        cached = open_book(data_only=True)
        try:
            cached_sheet = sheet_of(cached)
            cached_sheet.reset_dimensions()
            for n, cells in enumerate(cached_sheet.iter_rows(values_only=True), start=1):
                for c, value in enumerate(cells):
                    if (n, c) in formulas:
                        if value is None:
                            raise ImportFileError(
                                f"{file}: the cell {column_letter(c)}{n} holds a formula whose "
                                "value was never saved. Open the file in Excel and save it "
                                "again (or paste the values), then import it."
                            )
                        grid[n - 1][1][c] = _cell_value(value)
        finally:
            cached.close()
    return grid


_XLSX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_XLSX_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _check_xlsx_size(file: Path) -> None:
    """Refuse, before openpyxl reads anything, a workbook that unpacks to more than
    :data:`MAX_FILE_BYTES` (the sizes its zip directory declares, then the bytes really
    unpacked while its sheets' cells and rows are counted) or holds more than
    :data:`MAX_ROWS` rows or :data:`MAX_CELLS` cells."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > MAX_FILE_BYTES:
                raise _too_large(file, declared)
            cells = rows = unpacked = 0
            for member in members:
                if not member.filename.startswith("xl/worksheets/"):
                    continue
                tail = b""
                with archive.open(member) as part:
                    while chunk := part.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > MAX_FILE_BYTES:
                            raise _too_large(file, unpacked)
                        data = tail + chunk
                        cut = max(len(data) - 32, len(tail))
                        # count the tags that start before the cut; the rest next time
                        cells += sum(1 for m in _XLSX_CELL.finditer(data) if m.start() < cut)
                        rows += sum(1 for m in _XLSX_ROW.finditer(data) if m.start() < cut)
                        tail = data[cut:]
                        if cells > MAX_CELLS or rows > MAX_ROWS:
                            raise ImportFileError(
                                f"{file} holds more than {MAX_CELLS:,} cells or "
                                f"{MAX_ROWS:,} rows, more than an import can take. Split it "
                                "into smaller files and import each."
                            )
                cells += len(_XLSX_CELL.findall(tail))
                rows += len(_XLSX_ROW.findall(tail))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportFileError(
            f"{file} cannot be read as an XLSX workbook ({exc}). Open it in Excel and save "
            "it again as .xlsx, or save it as CSV UTF-8."
        ) from None
    if cells > MAX_CELLS or rows > MAX_ROWS:
        raise ImportFileError(
            f"{file} holds more than {MAX_CELLS:,} cells or {MAX_ROWS:,} rows, more than an "
            "import can take. Split it into smaller files and import each."
        )


def _blank(cells: Sequence[Cell]) -> bool:
    try:
        return not "".join(cells).strip()  # type: ignore[arg-type]
    except TypeError:  # a date cell: not blank
        return False


def _rows_from_grid(file: Path, grid: Sequence[tuple[int, Sequence[Cell]]]) -> RawRows:
    """The rows of ``grid`` (emptied as they are taken: each row is kept once)."""
    lines = list(grid)
    if isinstance(grid, list):
        grid.clear()
    lines.reverse()  # taken from the end, so each row's cells are let go as they are kept
    while lines and _blank(lines[-1][1]):
        lines.pop()
    if not lines:
        raise ImportFileError(
            f"{file} is empty: the first row should name the columns (reference, kind, "
            "procedure, received, ...)."
        )
    header_row, header_cells = lines.pop()
    header = [column_key(c) if isinstance(c, str) else column_key(str(c)) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    rows: list[RawRow] = []
    unnamed: dict[int, int] = {}
    index: dict[str, int] = {}  # each name's first column, shared by every row
    for i, name in enumerate(header):
        if name:
            index.setdefault(name, i)
    nameless = [i for i, name in enumerate(header) if not name]
    width = len(header)
    same = dict[Cell, Cell]().setdefault
    while lines:
        n, cells = lines.pop()
        if _blank(cells):
            continue
        for i in (*nameless, *range(width, len(cells))) if len(cells) > width else nameless:
            if i < len(cells) and not _blank((cells[i],)):
                unnamed.setdefault(i, n)
        if not isinstance(cells, tuple):  # a spreadsheet's row: each repeated value once
            cells = tuple(map(same, cells, cells))
        rows.append(RawRow(n, _Cells(index, cells)))
    return RawRows(rows, header, header_row, unnamed)


class _Cells(Mapping[str, Cell]):
    """A row's cells by column name, over the row's own list and the header's index
    (shared by every row: a 100,000-row file keeps no dictionary per row)."""

    __slots__ = ("_cells", "_index")

    def __init__(self, index: dict[str, int], cells: Sequence[Cell]) -> None:
        self._index = index
        self._cells = cells

    def __getitem__(self, name: str) -> Cell:
        i = self._index[name]
        return self._cells[i] if i < len(self._cells) else ""

    def get(self, name: str, default: Any = None) -> Any:
        i = self._index.get(name)
        if i is None:
            return default
        return self._cells[i] if i < len(self._cells) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True, eq=False)
class NewReference:
    """A reference data name the import adds (with the option that adds missing ones).

    ``table``: ``directorate``, ``service area``, ``team``, ``nature`` or ``service
    category``. ``parent``: a corporate service area's directorate, or a team's service
    area (an id, or another new name). Compared by identity: the check makes one object
    per name. A new service area is marked for complaints and for compliments by the
    kinds of the cases that use it.
    """

    table: str
    procedure: Procedure | None
    name: str
    parent: int | NewReference | None = None

    def describe(self) -> str:
        where = f" ({self.procedure.value})" if self.procedure is not None else ""
        if isinstance(self.parent, NewReference):
            where += f" in {self.parent.table} '{self.parent.name}'"
        return f"{self.table} '{self.name}'{where}"


RefId = int | NewReference


@dataclass(frozen=True, slots=True)
class PlannedStage:
    """One stage as it will be written (every date already computed)."""

    row: int
    seq: int
    stage: StageCode
    started_on: dt.date  # the day the stage was requested (Stage 1: received)
    closed_on: dt.date | None
    outcome: Outcome | None
    suspended_days: int
    timescale_days: int | None
    due_on: dt.date | None
    acknowledge_due_on: dt.date | None
    outer_limit_on: dt.date | None
    statement_agreed_on: dt.date | None
    council_response_on: dt.date | None
    next_stage_requested_on: dt.date | None
    # A children's Stage 3: the day the review panel is due to meet by (the stage's
    # first clock; its due date moves on to the panel's report and the response).
    panel_due_on: dt.date | None = None
    lgsco_decision: LgscoDecision | None = None
    lgsco_payment_pence: int | None = None
    enquiry_response_due_on: dt.date | None = None
    acknowledged_on: dt.date | None = None
    clock_started_on: dt.date | None = None  # day 0 of the response clock, when not started_on
    # Suspended working days the file gave for a stage of a procedure without suspension
    # (adult), and why they do not count.
    not_counted_suspended_days: int = 0
    not_suspended_because: str = ""
    # The day the file said a first stage started, where it is not the day the case was
    # received (the stage is taken as started on that day, as the format defines it).
    file_started_on: dt.date | None = None

    @property
    def closed(self) -> bool:
        return self.closed_on is not None


@dataclass(frozen=True, slots=True)
class PlannedCase:
    """One case as it will be written."""

    row: int  # its first row
    reference: str
    kind: Kind
    procedure: Procedure
    received_on: dt.date
    directorate: RefId | None
    service_area: RefId
    team: RefId | None
    natures: tuple[RefId, ...]  # one complaint point each, in file order
    service_categories: tuple[RefId, ...]
    complainant_name: str | None
    complainant_email: str | None
    summary: str
    stages: tuple[PlannedStage, ...]
    status: CaseStatus
    closed_on: dt.date | None

    def point_outcomes(self, stage: PlannedStage) -> list[Outcome]:
        """The outcome each complaint point gets at ``stage`` (empty while it is open).

        The stage's outcome on every point: a finding then gives the same stage outcome
        back through the workflow's ``outcome_from_points``; an ending (withdrawn,
        discontinued, redirected) is given to every point, as the workflow does.
        """
        if stage.stage == StageCode.LGSCO or stage.outcome is None or not self.natures:
            return []
        outcomes = [stage.outcome] * len(self.natures)
        if stage.outcome in FINDING_OUTCOMES:
            assert outcome_from_points(outcomes) == stage.outcome
        return outcomes


@dataclass
class ImportPlan:
    """What :func:`check_import` found: the cases to write, the skipped references,
    the reference data to add, and every error. Write only when ``errors`` is empty."""

    cases: list[PlannedCase]
    errors: list[ImportRowError]
    skipped: list[str]
    new_reference_data: list[NewReference]
    rows: int  # non-blank data rows read

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cases_by_type(self) -> dict[tuple[Kind, Procedure], int]:
        return dict(Counter((c.kind, c.procedure) for c in self.cases))

    @property
    def stage_count(self) -> int:
        return sum(len(c.stages) for c in self.cases)

    @property
    def point_count(self) -> int:
        return sum(len(c.natures) for c in self.cases)

    @property
    def lgsco_decisions(self) -> int:
        return sum(1 for c in self.cases for s in c.stages if s.lgsco_decision is not None)

    @property
    def lgsco_payments_pence(self) -> int:
        return sum(s.lgsco_payment_pence or 0 for c in self.cases for s in c.stages)


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, in a dry run, would do).

    With ``errors`` nothing was written and every count is 0; ``skipped`` lists the
    references already in the database that were left as they are.
    """

    source: str
    dry_run: bool
    cases_by_type: dict[tuple[Kind, Procedure], int]
    stages: int
    points: int
    lgsco_decisions: int
    lgsco_payments_pence: int
    skipped: tuple[str, ...]
    added_reference_data: tuple[str, ...]
    errors: tuple[ImportRowError, ...]
    rows: int
    # The cases whose suspended working days the file gave were not counted (the adult
    # procedure has "no suspension"): the due date's history says so, and so does this.
    suspension_not_counted: tuple[str, ...] = ()
    # The cases whose first stage the file said started on a day other than the day
    # received: taken as started when received (IMPORT_FORMAT.md, stage_started).
    started_when_received: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cases(self) -> int:
        return sum(self.cases_by_type.values())

    def cases_of(self, kind: Kind, procedure: Procedure | None = None) -> int:
        return sum(
            n
            for (k, p), n in self.cases_by_type.items()
            if k == kind and (procedure is None or p == procedure)
        )


# ------------------------------------------------------------------------ checking


def _choices(enum_values: Iterable[str]) -> str:
    values = list(dict.fromkeys(enum_values))
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


# "A withdrawn or discontinued stage cannot escalate" (PRODUCT.md).
_NOT_ESCALATED = frozenset({Outcome.WITHDRAWN, Outcome.DISCONTINUED})
_KINDS = {normalised(k.value): k for k in Kind}
_PROCEDURES = {normalised(p.value): p for p in Procedure}
_STAGES = {
    **{normalised(s.value): s for s in StageCode},
    # A stage number as a spreadsheet or a table of numbers writes it ("2.0").
    **{f"{s.value}.0": s for s in StageCode if s.value.isdigit()},
}
_OUTCOMES = {normalised(o.value): o for o in Outcome}
_DECISIONS = {normalised(d.value): d for d in LgscoDecision}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_WHOLE = re.compile(r"^\d+(\.0*)?$")


# Between the summaries of a case's rows, where they say different things.
SUMMARY_SEPARATOR = "\n\n"


def _summary(rows: list[_Row]) -> str:
    """A case's summary: each row's, kept exactly as written, in the file's order; a
    summary that only repeats an earlier row's (spaces aside) once. (The format asks
    one kind, procedure and received day of a case's rows, not one summary: a row of a
    later stage may say what that stage was about.) Where every row is blank, the
    first that has anything, spaces alone included."""
    kept: list[str] = []
    seen: set[str] = set()
    for r in rows:
        if r.summary.strip() and r.summary.strip() not in seen:
            seen.add(r.summary.strip())
            kept.append(r.summary)
    if kept:
        return SUMMARY_SEPARATOR.join(kept)
    return next((r.summary for r in rows if r.summary), "")


def _short(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_date(value: Cell) -> dt.date | None:
    """A real date cell, or text as ``YYYY-MM-DD`` or ``DD/MM/YYYY``; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _text_date(value.strip())


# A date written with the time midnight, as a spreadsheet's date cell is ("2024-03-14
# 00:00:00"): the date.
_MIDNIGHT = (" 00:00:00", "T00:00:00", " 00:00")


@functools.lru_cache(maxsize=65536)
def _text_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``, alone or at midnight (a file repeats its dates:
    each is parsed once)."""
    for midnight in _MIDNIGHT:
        if text.endswith(midnight) and len(text) == 10 + len(midnight):
            text = text[:10]
            break
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    digits = text.replace("/", "")
    if (
        len(text) == 10
        and text[2] == "/"
        and text[5] == "/"
        and digits.isascii()
        and digits.isdigit()
    ):
        try:  # DD/MM/YYYY written in full, as strptime would read it
            return dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(slots=True)
class _Row:
    """One data row, parsed. ``None`` where the cell was empty or could not be read."""

    n: int
    reference: str
    kind: Kind | None = None
    procedure: Procedure | None = None
    received: dt.date | None = None
    directorate: str = ""
    service_area: str = ""
    team: str = ""
    stage: StageCode | None = None
    started: dt.date | None = None
    closed: dt.date | None = None
    acknowledged: dt.date | None = None
    outcome: Outcome | None = None
    suspended: int = 0
    natures: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    decision: LgscoDecision | None = None
    payment_pence: int | None = None
    complainant_name: str = ""
    complainant_email: str = ""
    summary: str = ""
    # Columns holding something the import could not read (later checks skip them).
    bad: AbstractSet[str] = frozenset()


def _mark(r: _Row, column: str) -> None:
    """``column`` of ``r`` could not be read (a row without problems keeps no set)."""
    r.bad = {*r.bad, column}


def _stage_name(procedure: Procedure | None, stage: StageCode) -> str:
    if stage == StageCode.LGSCO:
        return "the lgsco stage"
    if stage in (StageCode.STAGE_1, StageCode.STAGE_2, StageCode.STAGE_3):
        return f"stage {stage.value}"
    return f"the {stage.value} stage"


def _first_stages(procedure: Procedure) -> str:
    """``1``, or ``low, moderate-high or informal``: the stages a complaint starts at."""
    return _choices(s.value for s in STAGES_BY_PROCEDURE[procedure] if s in FIRST_STAGES[procedure])


def _procedure_noun(procedure: Procedure) -> str:
    return {
        Procedure.CHILDREN: "a children's",
        Procedure.ADULT: "an adult",
        Procedure.CORPORATE: "a corporate",
    }[procedure]


class _Checker:
    def __init__(
        self,
        session: Session,
        *,
        skip_existing: bool,
        add_missing: bool,
        today: dt.date,
        progress: Step | None = None,
    ) -> None:
        self.session = session
        self.skip_existing = skip_existing
        self.add_missing = add_missing
        self.today = today
        self.progress = progress
        self.index = ref.load_index(session)
        # Errors by the reference they belong to (None: the file as a whole).
        self.errors: dict[str | None, list[ImportRowError]] = {}
        self.header: set[str] = set()
        # A conditionally required column missing from the header: its first use.
        self.needed_columns: dict[str, tuple[int, str]] = {}
        self.new_refs: dict[tuple[Any, ...], NewReference] = {}
        self._rules: dict[tuple[Procedure, StageCode, int | None], StageTimescales] = {}
        self._calendars: dict[Procedure, WorkingCalendar] = {}
        self._policies: PolicyBook | None = None
        # How a row of a file read here is turned into a dictionary (see _cells).
        self._index_of: dict[str, int] | None = None
        self._row_names: list[str] = []
        self._getter: Callable[[Sequence[Cell]], tuple[Cell, ...]] = operator.itemgetter(0)
        self._needed = 0

    # -------------------------------------------------------------- error helpers

    def error(self, reference: str | None, row: int, column: str, reason: str) -> None:
        self.errors.setdefault(reference or None, []).append(_row_error(row, column, reason))

    def required(self, r: _Row, column: str, why: str) -> None:
        if column not in self.header:
            # Reported once, at the header: the column itself is missing.
            if column not in ALWAYS_REQUIRED:
                self.needed_columns.setdefault(column, (r.n, why))
        else:
            self.error(r.reference, r.n, column, f"required {why}")

    # -------------------------------------------------------------- the whole file

    def run(self, rows: Sequence[RawRow]) -> ImportPlan:
        header = self._check_header(rows)
        self.header = set(header)
        parsed: list[_Row] = []
        for number, raw in enumerate(rows):
            if self.progress is not None and number % PROGRESS_EVERY == 0:
                self.progress(number, len(rows), f"Checking row {number + 1:,} of {len(rows):,}…")
            parsed.append(self._parse(raw))
        groups: dict[str, list[_Row]] = {}
        for r in parsed:
            if r.reference:
                groups.setdefault(r.reference, []).append(r)
        for column, (row, why) in self.needed_columns.items():
            self.error(
                None,
                self._header_row(rows),
                column,
                f"the column is missing; it is required {why} (first needed at row {row})",
            )
        existing = self._existing(list(groups))
        skipped: list[str] = []
        cases: list[PlannedCase] = []
        for reference, case_rows in groups.items():
            if reference in existing:
                if self.skip_existing:
                    # Left as it is, but its rows are checked like the rest: the whole
                    # file is checked, and any error stops the import.
                    skipped.append(reference)
                    self._case(reference, case_rows)
                    continue
                self.error(
                    reference,
                    case_rows[0].n,
                    "reference",
                    f"{reference} is already in the database (use {OPTION_FITS} skips "
                    "existing cases to import the rest)",
                )
            planned = self._case(reference, case_rows)
            if planned is not None:
                cases.append(planned)
        errors = sorted(e for group in self.errors.values() for e in group)
        used = self._used_new_refs(cases) if not errors else []
        return ImportPlan(cases, errors, skipped, used, len(rows))

    def _header_row(self, rows: Sequence[RawRow]) -> int:
        return rows.header_row if isinstance(rows, RawRows) else 1

    def _check_header(self, rows: Sequence[RawRow]) -> list[str]:
        if isinstance(rows, RawRows):
            header = list(rows.header)
            at = rows.header_row
            for index, first in sorted(rows.unnamed.items()):
                self.error(
                    None,
                    first,
                    f"column {column_letter(index)}",
                    "this column has values but no name in the header row; name it or clear it",
                )
            for problem in rows.problems:
                self.errors.setdefault(None, []).append(problem)
        else:
            header = list(dict.fromkeys(name for raw in rows for name in raw.values))
            at = 1
        seen: dict[str, int] = {}
        for index, name in enumerate(header):
            if not name:
                continue
            if name in seen:
                self.error(
                    None,
                    at,
                    name,
                    f"the column appears twice (columns {column_letter(seen[name])} and "
                    f"{column_letter(index)}); keep one",
                )
                continue
            seen[name] = index
            if name not in _COLUMN_ORDER:
                hint = ""
                if ";" in name:
                    hint = (
                        "; the file seems to use ';' between values: save it comma-separated "
                        "(CSV UTF-8)"
                    )
                self.error(
                    None,
                    at,
                    name,
                    f"'{name}' is not a column of the import format{hint}. The columns are: "
                    + ", ".join(COLUMNS),
                )
        for name in ALWAYS_REQUIRED:
            if name not in seen:
                self.error(None, at, name, "the column is missing; every file needs it")
        return [name for name in header if name]

    def _existing(self, references: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(references), 500):
            chunk = references[start : start + 500]
            found.update(
                self.session.scalars(sa.select(Case.reference).where(Case.reference.in_(chunk)))
            )
        return found

    # -------------------------------------------------------------- one row

    def _date(self, r: _Row, cells: Mapping[str, Cell], column: str) -> dt.date | None:
        value = cells.get(column, "")
        parsed = _as_date(value)
        if parsed is None:
            text = value.strip() if isinstance(value, str) else ""
            if text:
                _mark(r, column)
                self.error(
                    r.reference, r.n, column, f"{text} is not a date; use 2024-03-14 or 14/03/2024"
                )
            return None
        if parsed > self.today:
            _mark(r, column)
            self.error(
                r.reference,
                r.n,
                column,
                f"{parsed.isoformat()} is in the future (today is {self.today.isoformat()})",
            )
            return None
        return parsed

    def _choice(
        self, r: _Row, cells: Mapping[str, Cell], column: str, values: Mapping[str, Any], what: str
    ) -> Any:
        text = _text(cells.get(column, ""))
        if not text.strip():
            return None
        found = values.get(text)  # already written as the format writes it
        if found is None:
            found = values.get(normalised(text))
        if found is None:
            _mark(r, column)
            self.error(
                r.reference,
                r.n,
                column,
                f"'{text.strip()}' is not {what}; use {_choices(v.value for v in values.values())}",
            )
        return found

    def _name(self, r: _Row, cells: Mapping[str, Cell], column: str, limit: int = _NAME_MAX) -> str:
        text = _text(cells.get(column, "")).strip()
        if "\x00" in text:
            _mark(r, column)
            self.error(r.reference, r.n, column, "contains a NUL character; remove it")
            return ""
        if len(text) > limit:
            _mark(r, column)
            self.error(
                r.reference,
                r.n,
                column,
                f"is {len(text)} characters long; the most is {limit}",
            )
            return ""
        return text

    def _list(self, r: _Row, cells: Mapping[str, Cell], column: str) -> tuple[str, ...]:
        text = _text(cells.get(column, ""))
        if not text:
            return ()
        names: list[str] = []
        for piece in text.split(";"):
            name = piece.strip()
            if not name:
                continue
            if len(name) > _NAME_MAX or "\x00" in name:
                _mark(r, column)
                self.error(
                    r.reference,
                    r.n,
                    column,
                    f"'{name[:40]}…' is not a name (too long, or a NUL character)",
                )
                continue
            names.append(name)
        return tuple(names)

    def _cells(self, raw: RawRow) -> Mapping[str, Cell]:
        """The row's cells by column name: for a row of a file read here, a dictionary
        made in one step from the row's own values."""
        values = raw.values
        if type(values) is _Cells:
            if values._index is not self._index_of:
                self._index_of = values._index
                names = list(values._index)
                positions = [values._index[name] for name in names]
                self._row_names = names if len(names) > 1 else []
                self._getter = operator.itemgetter(*positions)
                self._needed = max(positions, default=0) + 1
            cells = values._cells
            if self._row_names and len(cells) >= self._needed:
                return dict(zip(self._row_names, self._getter(cells), strict=True))
        return values

    def _parse(self, raw: RawRow) -> _Row:
        cells = self._cells(raw)
        reference = _text(cells.get("reference", "")).strip()
        r = _Row(raw.row, reference)
        if not reference:
            self.required(r, "reference", "on every row")
        elif len(reference) > _REFERENCE_MAX or "\x00" in reference:
            self.error(
                None,
                r.n,
                "reference",
                f"'{reference[:60]}' is not a reference (at most {_REFERENCE_MAX} characters)",
            )
            r.reference = ""
        r.kind = self._choice(r, cells, "kind", _KINDS, "a kind")
        r.procedure = self._choice(r, cells, "procedure", _PROCEDURES, "a procedure")
        r.received = self._date(r, cells, "received")
        r.directorate = self._name(r, cells, "directorate")
        r.service_area = self._name(r, cells, "service_area")
        r.team = self._name(r, cells, "team")
        r.stage = self._choice(r, cells, "stage", _STAGES, "a stage")
        r.started = self._date(r, cells, "stage_started")
        r.closed = self._date(r, cells, "stage_closed")
        r.acknowledged = self._date(r, cells, "acknowledged")
        r.outcome = self._choice(r, cells, "outcome", _OUTCOMES, "an outcome")
        r.decision = self._choice(r, cells, "lgsco_decision", _DECISIONS, "an Ombudsman decision")
        r.natures = self._list(r, cells, "natures")
        r.categories = self._list(r, cells, "service_categories")
        r.complainant_name = self._name(r, cells, "complainant_name")
        r.complainant_email = self._name(r, cells, "complainant_email", _EMAIL_MAX)
        r.summary = _text(cells.get("summary", ""))  # exactly as written
        if "\x00" in r.summary:
            self.error(r.reference, r.n, "summary", "contains a NUL character; remove it")
        self._numbers(r, cells)
        for column, parsed in (
            ("kind", r.kind),
            ("procedure", r.procedure),
            ("received", r.received),
        ):
            if parsed is None and column not in r.bad:
                self.required(r, column, "on every row")
        if not r.service_area and "service_area" not in r.bad:
            self.required(r, "service_area", "on every row")
        if r.procedure == Procedure.CORPORATE and not r.directorate and "directorate" not in r.bad:
            self.required(r, "directorate", "for corporate cases")
        if r.complainant_email:
            if not is_email(r.complainant_email):
                self.error(
                    r.reference,
                    r.n,
                    "complainant_email",
                    f"'{r.complainant_email}' is not an email address",
                )
            if not r.complainant_name and "complainant_name" not in r.bad:
                self.error(
                    r.reference,
                    r.n,
                    "complainant_email",
                    "given without complainant_name; give the complainant's name too",
                )
        if r.categories and r.procedure not in (None, Procedure.ADULT):
            self.error(
                r.reference,
                r.n,
                "service_categories",
                "service categories are for adult social care cases only; leave it empty",
            )
        if r.kind == Kind.COMPLAINT:
            self._complaint_row(r, cells)
        elif r.kind is not None:
            for column in (*STAGE_COLUMNS, "natures"):
                if column not in r.bad and _gives(r, column, cells):
                    self.error(
                        r.reference,
                        r.n,
                        column,
                        f"a {r.kind.value} has no stages or complaint points; leave {column} empty",
                    )
        return r

    def _numbers(self, r: _Row, cells: Mapping[str, Cell]) -> None:
        text = _text(cells.get("suspended_working_days", "")).strip()
        if text:
            if _WHOLE.match(text) and int(Decimal(text)) > MAX_SUSPENDED_DAYS:
                _mark(r, "suspended_working_days")
                self.error(
                    r.reference,
                    r.n,
                    "suspended_working_days",
                    f"{text} working days is more than a clock can be suspended for (at most "
                    f"{MAX_SUSPENDED_DAYS:,}); check the number",
                )
            elif _WHOLE.match(text):
                r.suspended = int(Decimal(text))
            else:
                _mark(r, "suspended_working_days")
                self.error(
                    r.reference,
                    r.n,
                    "suspended_working_days",
                    f"{text} is not a whole number of working days (0 or more)",
                )
        text = _text(cells.get("lgsco_payment", "")).strip()
        if text:
            try:
                pence = pounds_to_pence(text)
            except MoneyError:
                pence = None
            if pence is not None:
                if pence > MAX_PAYMENT_PENCE:
                    _mark(r, "lgsco_payment")
                    self.error(
                        r.reference,
                        r.n,
                        "lgsco_payment",
                        f"{text} is more than the largest amount the database can hold "
                        f"({format_money(MAX_PAYMENT_PENCE)}); check the amount",
                    )
                else:
                    r.payment_pence = pence
            else:
                _mark(r, "lgsco_payment")
                self.error(
                    r.reference,
                    r.n,
                    "lgsco_payment",
                    f"{text} is not an amount in pounds; write it like 1250.00 (0 or more, at "
                    "most 2 decimals)",
                )

    def _complaint_row(self, r: _Row, cells: Mapping[str, Cell]) -> None:
        if r.stage is None and "stage" not in r.bad:
            self.required(r, "stage", "for complaints")
        if r.started is None and "stage_started" not in r.bad:
            self.required(r, "stage_started", "for complaints")
        if r.stage is not None and r.procedure is not None:
            allowed = STAGES_BY_PROCEDURE[r.procedure]
            if r.stage not in allowed:
                _mark(r, "stage")
                self.error(
                    r.reference,
                    r.n,
                    "stage",
                    f"'{r.stage.value}' is not a stage of {_procedure_noun(r.procedure)} "
                    f"complaint; use {_choices(s.value for s in allowed)}",
                )
        lgsco = r.stage == StageCode.LGSCO
        if lgsco:
            if r.outcome is not None:
                self.error(
                    r.reference,
                    r.n,
                    "outcome",
                    "an lgsco row has no outcome; put the Ombudsman's decision in lgsco_decision",
                )
            if r.decision is not None and r.closed is None and "stage_closed" not in r.bad:
                self.error(
                    r.reference,
                    r.n,
                    "lgsco_decision",
                    "a decision needs the date it was made in stage_closed",
                )
            if (
                r.payment_pence
                and r.decision is None
                and r.closed is not None
                and not {"lgsco_decision", "lgsco_payment", "stage_closed"} & r.bad
            ):
                # Payments are counted by the date of the decision they follow: one on a
                # closed stage with no decision would be counted in no year. (On a stage
                # still open it is counted once the decision is recorded, as in the
                # program.)
                self.error(
                    r.reference,
                    r.n,
                    "lgsco_payment",
                    "a payment follows the Ombudsman's decision; give the decision in "
                    "lgsco_decision (the date in stage_closed is the day it was made)",
                )
            if r.suspended:
                self.error(
                    r.reference,
                    r.n,
                    "suspended_working_days",
                    "the Ombudsman's stage has no clock of the council's to suspend; leave it "
                    "empty",
                )
        else:
            if r.closed is not None and r.outcome is None and "outcome" not in r.bad:
                self.required(r, "outcome", "when stage_closed is set")
            if r.outcome is not None and r.closed is None and "stage_closed" not in r.bad:
                self.error(
                    r.reference,
                    r.n,
                    "outcome",
                    "given without stage_closed; a stage has an outcome once it has closed",
                )
            if r.stage is not None or "stage" in r.bad:
                for column in ("lgsco_decision", "lgsco_payment"):
                    if column not in r.bad and _gives(r, column, cells):
                        self.error(
                            r.reference,
                            r.n,
                            column,
                            f"only an lgsco row has {column.replace('_', ' ')}; leave it empty",
                        )
        began = _began(r)
        if r.acknowledged is not None:
            if lgsco:
                self.error(
                    r.reference,
                    r.n,
                    "acknowledged",
                    "the Ombudsman's stage is not acknowledged by the council; leave it empty",
                )
            elif began is not None and r.acknowledged < began:
                self.error(
                    r.reference,
                    r.n,
                    "acknowledged",
                    f"{r.acknowledged.isoformat()} is before the stage started "
                    f"({began.isoformat()})",
                )
            elif r.closed is not None and r.acknowledged > r.closed:
                self.error(
                    r.reference,
                    r.n,
                    "acknowledged",
                    f"{r.acknowledged.isoformat()} is after the stage closed "
                    f"({r.closed.isoformat()})",
                )
        if began is not None and r.closed is not None and r.closed < began:
            self.error(
                r.reference,
                r.n,
                "stage_closed",
                f"{r.closed.isoformat()} is before the stage started ({began.isoformat()})",
            )
        if r.received is not None and r.started is not None and r.started < r.received:
            self.error(
                r.reference,
                r.n,
                "stage_started",
                f"{r.started.isoformat()} is before the case was received "
                f"({r.received.isoformat()})",
            )

    # -------------------------------------------------------------- one case

    def _same(self, reference: str, rows: list[_Row], column: str, label: str) -> None:
        first = rows[0]
        value = getattr(first, label)
        if value is None:
            return
        for r in rows[1:]:
            other = getattr(r, label)
            if other is not None and other != value:
                shown = value.isoformat() if isinstance(value, dt.date) else value.value
                self.error(
                    reference,
                    r.n,
                    column,
                    f"{reference} has {column} {shown} on row {first.n}; every row of a case "
                    f"must have the same {column}",
                )

    def _one_name(
        self, reference: str, rows: list[_Row], column: str, *, names: bool = True
    ) -> tuple[str, int]:
        """The case's value of a per-case column: the first row that gives one; a row
        giving a different one is an error. ``names`` compare as reference data names
        do; other text compares without its surrounding spaces (and is kept as given)."""
        chosen, at = "", 0
        for r in rows:
            value: str = getattr(r, column)
            if not value.strip():
                continue
            if not chosen:
                chosen, at = value, r.n
                continue
            if names:
                same = ref.normalise(value) == ref.normalise(chosen)
            else:
                same = value.strip() == chosen.strip()
            if not same:
                self.error(
                    reference,
                    r.n,
                    column,
                    f"'{_short(value)}' differs from '{_short(chosen)}' on row {at}; every row "
                    f"of a case must have the same {column} (or leave it empty)",
                )
        return chosen, at

    def _case(self, reference: str, rows: list[_Row]) -> PlannedCase | None:
        for column in ("kind", "procedure", "received"):
            self._same(reference, rows, column, column)
        first = rows[0]
        kind, procedure, received = first.kind, first.procedure, first.received
        if kind is not None and kind != Kind.COMPLAINT and len(rows) > 1:
            for r in rows[1:]:
                self.error(
                    reference,
                    r.n,
                    "reference",
                    f"{reference} is a {kind.value} (row {first.n}), which has exactly one row",
                )
        directorate_name, directorate_row = self._one_name(reference, rows, "directorate")
        area_name, area_row = self._one_name(reference, rows, "service_area")
        team_name, team_row = self._one_name(reference, rows, "team")
        name, _ = self._one_name(reference, rows, "complainant_name", names=False)
        email, _ = self._one_name(reference, rows, "complainant_email", names=False)
        summary = _summary(rows)
        consistent = all((r.kind, r.procedure) == (kind, procedure) for r in rows)
        if kind == Kind.COMPLAINT and procedure is not None and consistent:
            rows = _in_stage_order(rows)
            self._stage_order(reference, procedure, rows)
        if procedure is None or kind is None:
            return None
        directorate: RefId | None = None
        if directorate_name:
            directorate = self._directorate(reference, directorate_row, directorate_name)
        area: RefId | None = None
        if area_name:
            area = self._service_area(
                reference, area_row, procedure, area_name, directorate, directorate_name
            )
        team: RefId | None = None
        if team_name:
            team = self._team(reference, team_row, procedure, team_name, area)
        natures = self._names(reference, rows, procedure, "natures")
        categories: list[RefId] = []
        if procedure == Procedure.ADULT:  # elsewhere already an error on its row
            categories = self._names(reference, rows, procedure, "service_categories")
        # A case with any error is not planned (nothing is written when there is one),
        # nor one when a column it needs is missing from the file (an error of the file's).
        if self.errors.get(reference) or self.needed_columns or received is None or area is None:
            return None
        stages = self._stages(reference, procedure, rows) if kind == Kind.COMPLAINT else ()
        if self.errors.get(reference):
            return None
        if kind == Kind.COMPLAINT:
            last = stages[-1]
            status = CaseStatus.CLOSED if last.closed else CaseStatus.OPEN
            closed_on = last.closed_on
        else:
            status, closed_on = CaseStatus.CLOSED, received
        return PlannedCase(
            row=first.n,
            reference=reference,
            kind=kind,
            procedure=procedure,
            received_on=received,
            directorate=directorate,
            service_area=area,
            team=team,
            natures=tuple(natures),
            service_categories=tuple(categories),
            complainant_name=name or None,
            complainant_email=email or None,
            summary=summary,
            stages=tuple(stages),
            status=status,
            closed_on=closed_on,
        )

    def _stage_order(self, reference: str, procedure: Procedure, rows: list[_Row]) -> None:
        """The workflow's order: a first stage, each next stage the one after it, at most
        one Ombudsman stage and it comes last; an earlier stage closed, with an outcome
        that can escalate, and closed before the next one started."""
        previous: _Row | None = None
        lgsco_row: _Row | None = None
        for r in rows:
            if r.stage is None or "stage" in r.bad:
                return  # already reported on its row
            if lgsco_row is not None:
                self.error(
                    reference,
                    r.n,
                    "stage",
                    f"the lgsco row (row {lgsco_row.n}) must be the last row of {reference}; "
                    f"row {r.n} comes after it",
                )
                return
            if r.stage == StageCode.LGSCO:
                lgsco_row = r
                if previous is None:
                    firsts = _first_stages(procedure)
                    self.error(
                        reference,
                        r.n,
                        "stage",
                        f"{reference} starts with the lgsco stage; the Ombudsman looks at a "
                        f"complaint after the council's stage {firsts}, so give that row first",
                    )
                    return
            elif previous is None:
                if r.stage not in FIRST_STAGES[procedure]:
                    firsts = _first_stages(procedure)
                    self.error(
                        reference,
                        r.n,
                        "stage",
                        f"{reference} starts at {_stage_name(procedure, r.stage)}; "
                        f"{_procedure_noun(procedure)} complaint starts at {firsts}",
                    )
                    return
            else:
                assert previous.stage is not None
                expected = NEXT_STAGE[procedure].get(previous.stage)
                if r.stage != expected:
                    if expected is None:
                        reason = (
                            f"{_stage_name(procedure, previous.stage)} (row {previous.n}) is "
                            f"the last council stage of {_procedure_noun(procedure)} "
                            "complaint; only an lgsco row can follow it"
                        )
                    else:
                        reason = (
                            f"after {_stage_name(procedure, previous.stage)} (row {previous.n}) "
                            f"comes {_stage_name(procedure, expected)}, not "
                            f"{_stage_name(procedure, r.stage)}; stages go in order without "
                            "gaps, each once"
                        )
                    # Reported; the rows after it are still checked, so that every
                    # error of the file is listed at once.
                    self.error(reference, r.n, "stage", reason)
            if previous is not None:
                self._follows(reference, previous, r)
            previous = r

    def _follows(self, reference: str, previous: _Row, r: _Row) -> None:
        assert previous.stage is not None and r.stage is not None
        name = _stage_name(None, previous.stage)
        if previous.closed is None:
            if "stage_closed" not in previous.bad:
                self.error(
                    reference,
                    previous.n,
                    "stage_closed",
                    f"{name} is followed by {_stage_name(None, r.stage)} (row {r.n}), so it "
                    "must have closed: give the date",
                )
            return
        if previous.outcome in _NOT_ESCALATED:
            self.error(
                reference,
                previous.n,
                "outcome",
                f"a {previous.outcome.value} stage cannot be escalated, but "
                f"{_stage_name(None, r.stage)} (row {r.n}) follows it",
            )
        if r.started is not None and r.started < previous.closed:
            self.error(
                reference,
                r.n,
                "stage_started",
                f"{r.started.isoformat()} is before {name} closed "
                f"({previous.closed.isoformat()}, row {previous.n})",
            )

    # -------------------------------------------------------------- reference data

    def _new(self, key: tuple[Any, ...], new: NewReference) -> NewReference:
        found = self.new_refs.get(key)
        if found is None:
            self.new_refs[key] = found = new
        return found

    def _missing(self, reason: str) -> str:
        return (
            f"{reason.rstrip('.')}; check the spelling, or import with {OPTION_FITS} adds "
            "missing reference data"
        )

    def _directorate(self, reference: str, row: int, name: str) -> RefId | None:
        try:
            return ref.directorate_id(self.index, name)
        except ValidationError as exc:
            if self.add_missing:
                return self._new(
                    ("directorate", ref.normalise(name)), NewReference("directorate", None, name)
                )
            self.error(reference, row, "directorate", self._missing(exc.message))
            return None

    def _service_area(
        self,
        reference: str,
        row: int,
        procedure: Procedure,
        name: str,
        directorate: RefId | None,
        directorate_name: str,
    ) -> RefId | None:
        key = ref.normalise(name)
        known = (procedure, key) in self.index.service_areas
        corporate = procedure == Procedure.CORPORATE
        if corporate and directorate is None:
            if directorate_name and not known and not self.add_missing:
                self.error(
                    reference,
                    row,
                    "service_area",
                    self._missing(
                        f"There is no {procedure.label.lower()} service area called '{name}'"
                    ),
                )
            return None
        within = directorate if corporate else None
        if isinstance(within, NewReference):
            # A new directorate has no service areas yet: this one is new too.
            return self._new_area(procedure, name, within)
        try:
            area = ref.service_area_id(self.index, procedure, name, within)
        except ValidationError as exc:
            if self.add_missing and not known:
                return self._new_area(procedure, name, within)
            reason = exc.message if known else self._missing(exc.message)
            self.error(reference, row, "service_area", reason)
            return None
        return area

    def _new_area(self, procedure: Procedure, name: str, directorate: RefId | None) -> NewReference:
        key = ("service area", procedure, directorate, ref.normalise(name))
        return self._new(key, NewReference("service area", procedure, name, directorate))

    def _team(
        self, reference: str, row: int, procedure: Procedure, name: str, area: RefId | None
    ) -> RefId | None:
        try:
            return ref.team_id(self.index, procedure, name)
        except ValidationError as exc:
            if self.add_missing:
                return self._new(
                    ("team", procedure, ref.normalise(name)),
                    NewReference("team", procedure, name, area),
                )
            self.error(reference, row, "team", self._missing(exc.message))
            return None

    def _names(
        self, reference: str, rows: list[_Row], procedure: Procedure, column: str
    ) -> list[RefId]:
        found: dict[Any, RefId] = {}
        # How many points of each nature: as many as one row names it (a case's rows
        # may each repeat its natures, which does not add points; "A;A" is two points,
        # "each becomes a complaint point"). A service category is named once.
        times: dict[Any, int] = {}
        table = "nature" if column == "natures" else "service category"
        lookup = ref.nature_id if column == "natures" else ref.service_category_id
        for r in rows:
            names = r.natures if column == "natures" else r.categories
            in_row = Counter(ref.normalise(name) for name in names)
            for key, n in in_row.items():
                times[key] = max(times.get(key, 0), n if column == "natures" else 1)
            for name in names:
                key = ref.normalise(name)
                if key in found:
                    continue
                try:
                    found[key] = lookup(self.index, procedure, name)
                except ValidationError as exc:
                    if self.add_missing:
                        found[key] = self._new(
                            (table, procedure, key), NewReference(table, procedure, name)
                        )
                    else:
                        self.error(reference, r.n, column, self._missing(exc.message))
        return [ref_id for key, ref_id in found.items() for _ in range(times[key])]

    def _used_new_refs(self, cases: list[PlannedCase]) -> list[NewReference]:
        """The new names the planned cases use, parents first, each once."""
        order = {"directorate": 0, "service area": 1, "team": 2, "nature": 3, "service category": 4}
        used: dict[int, NewReference] = {}

        def visit(value: RefId | None) -> None:
            if isinstance(value, NewReference) and id(value) not in used:
                visit(value.parent)
                used[id(value)] = value

        for case in cases:
            for value in (case.directorate, case.service_area, case.team):
                visit(value)
            for value in (*case.natures, *case.service_categories):
                visit(value)
        return sorted(used.values(), key=lambda n: order[n.table])

    # -------------------------------------------------------------- stages and clocks

    def _timescales(
        self, procedure: Procedure, stage: StageCode, received: dt.date
    ) -> StageTimescales:
        """The stage's rules under the policy in force on the day the case was received
        (read once per policy, not once per case)."""
        if self._policies is None:
            self._policies = policy_book(self.session)
        policy = self._policies.policy_for(procedure, received)
        key = (procedure, stage, policy.id if policy is not None else None)
        if key not in self._rules:
            self._rules[key] = timescales(self.session, procedure, stage, received)
        return self._rules[key]

    def calendar(self, procedure: Procedure) -> WorkingCalendar:
        """The calendar ``procedure``'s clocks count in (statutory ones: no closure days)."""
        found = self._calendars.get(procedure)
        if found is None:
            key = skips_closure_days(procedure)
            shared = next(
                (c for p, c in self._calendars.items() if skips_closure_days(p) == key), None
            )
            found = shared or working_calendar(self.session, procedure)
            self._calendars[procedure] = found
        return found

    def _stages(
        self, reference: str, procedure: Procedure, rows: list[_Row]
    ) -> tuple[PlannedStage, ...]:
        planned: list[PlannedStage] = []
        for seq, r in enumerate(rows, start=1):
            assert r.stage is not None and r.started is not None
            following = rows[seq] if seq < len(rows) else None
            next_requested = None
            if following is not None and following.stage != StageCode.LGSCO:
                next_requested = following.started
            assert r.received is not None  # the case's rows agree on it, checked before
            rules = self._timescales(procedure, r.stage, r.received)
            try:
                stage = self._stage(procedure, r, seq, rules, next_requested)
            except ValidationError as exc:
                self.error(reference, r.n, "stage", exc.message)
                continue
            except (CalendarError, DeadlineError) as exc:
                self.error(reference, r.n, "stage_started", str(exc))
                continue
            planned.append(stage)
        return tuple(planned)

    def _stage(
        self,
        procedure: Procedure,
        r: _Row,
        seq: int,
        rules: StageTimescales,
        next_requested: dt.date | None,
    ) -> PlannedStage:
        assert r.stage is not None and r.started is not None
        cal = self.calendar(procedure)
        start = r.started
        if r.stage == StageCode.LGSCO:
            # As the workflow's escalation: no council clock; the enquiry answer is due.
            enquiry_due = (
                cal.add_working_days(start, rules.lgsco_enquiry_response)
                if rules.lgsco_enquiry_response is not None
                else None
            )
            return PlannedStage(
                row=r.n,
                seq=seq,
                stage=r.stage,
                started_on=start,
                closed_on=r.closed,
                outcome=None,
                suspended_days=0,
                timescale_days=None,
                due_on=None,
                acknowledge_due_on=None,
                outer_limit_on=None,
                statement_agreed_on=None,
                council_response_on=None,
                next_stage_requested_on=None,
                lgsco_decision=r.decision,
                lgsco_payment_pence=r.payment_pence,
                enquiry_response_due_on=enquiry_due,
            )
        # As services.clock.start_clock, with the suspended working days the file gives.
        base = base_timescale(rules)
        if not cal.knows(start):
            raise CalendarError(
                f"{start.isoformat()} is outside the years the calendar knows "
                f"({cal.first_year} to {cal.last_year})"
            )
        # A first stage's clock runs from the day the complaint was received, whenever
        # the file says the stage started (IMPORT_FORMAT.md: stage_started is "the date
        # this stage was requested (Stage 1: received)"; a case recorded in the program
        # starts it so): the adult procedure's periods, acknowledged "not later than 3
        # working days after the day on which it receives the complaint" (SI 2009/309
        # reg. 13(2)), the default completion and the six months; Stage 1's 10 or 20
        # working days, and the Complaint Handling Code's acknowledgement "within 5
        # working days of receipt". The file's own date is kept as the request.
        assert r.received is not None
        counted_from = _began(r) or start
        # The file's stage_started for a first stage, where it is not the day received.
        file_started = start if start != counted_from else None
        start = counted_from
        ack_due = None
        if rules.acknowledge is not None:
            ack_due = cal.add_working_days(counted_from, rules.acknowledge)
        acknowledged = r.acknowledged
        clock_start = counted_from
        if rules.from_acknowledgement and rules.acknowledge is not None:
            # The Complaint Handling Code: the response is due from the acknowledgement;
            # until there is one, from the last day it was allowed (as the workflow).
            ack_due, clock_start = clock_from_acknowledgement(
                cal, counted_from, rules.acknowledge, acknowledged, r.closed
            )
        suspended, not_counted = r.suspended, 0
        not_suspended = rules.not_suspended_because
        if not_suspended:
            # "No suspension" (PRODUCT.md: the adult procedure). A stage under a policy
            # that lets nobody stop its clock now (the Complaint Handling Code's) keeps
            # the days the file gives, as history (the review panel's too).
            suspended, not_counted = 0, r.suspended
        due = compute_due_date(cal, clock_start, base + suspended)
        # "Six months beginning on the day on which the complaint was received" (SI
        # 2009/309 reg. 14(4)): from the day received, whenever the stage started.
        outer = (
            six_months_beginning_with(r.received, rules.outer_limit_months)
            if rules.outer_limit_months is not None
            else None
        )
        panel = is_review_panel(procedure, r.stage)
        return PlannedStage(
            row=r.n,
            seq=seq,
            stage=r.stage,
            started_on=start,
            closed_on=r.closed,
            outcome=r.outcome if r.closed is not None else None,
            suspended_days=suspended,
            not_counted_suspended_days=not_counted,
            not_suspended_because=not_suspended if not_counted else "",
            timescale_days=base,
            due_on=due,
            acknowledge_due_on=ack_due,
            outer_limit_on=outer,
            # The file has no date for the statement of complaint: none is made up (the
            # clock is taken as started on the request, as stage_started says).
            statement_agreed_on=None,
            council_response_on=r.closed if panel else None,
            next_stage_requested_on=next_requested,
            panel_due_on=due if panel else None,
            acknowledged_on=acknowledged,
            clock_started_on=clock_start if clock_start != start else None,
            file_started_on=file_started,
        )


def check_import(
    session: Session,
    rows: Sequence[RawRow],
    *,
    skip_existing: bool,
    add_missing_reference_data: bool,
    today: dt.date,
    progress: Step | None = None,
) -> ImportPlan:
    """Check every row and column of the file; nothing is written.

    ``rows`` from :func:`read_rows` (its header is checked too) or any list of
    :class:`RawRow`. Returns the plan: the cases to write (complete only when there is
    no error), the references skipped (``skip_existing``), the reference data to add
    (``add_missing_reference_data``) and every error, in row order.
    """
    checker = _Checker(
        session,
        skip_existing=skip_existing,
        add_missing=add_missing_reference_data,
        today=today,
        progress=progress,
    )
    with _collector_paused():
        return checker.run(rows)


# ------------------------------------------------------------------------ writing


class _Writer:
    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor
        self.ids: dict[int, int] = {}  # id(NewReference) -> its new row's id

    def resolve(self, value: RefId) -> int:
        return value if isinstance(value, int) else self.ids[id(value)]

    def maybe(self, value: RefId | None) -> int | None:
        return None if value is None else self.resolve(value)

    def reference_data(self, new: list[NewReference], cases: Sequence[PlannedCase]) -> None:
        """Add the new names; a new service area is for complaints and for compliments as
        the cases that use it are."""
        complaint_areas = {id(c.service_area) for c in cases if c.kind != Kind.COMPLIMENT}
        compliment_areas = {id(c.service_area) for c in cases if c.kind == Kind.COMPLIMENT}
        models: dict[str, Any] = {
            "directorate": Directorate,
            "service area": ServiceArea,
            "team": Team,
            "nature": Nature,
            "service category": ServiceCategory,
        }
        for table in ("directorate", "service area", "team", "nature", "service category"):
            group = [n for n in new if n.table == table]
            if not group:
                continue
            model = models[table]
            last = self.session.scalar(sa.select(sa.func.max(model.sort_order))) or 0
            rows: list[Any] = []
            for i, item in enumerate(group, start=1):
                common: dict[str, Any] = {
                    "name": item.name,
                    "sort_order": int(last) + i,
                    "updated_by": self.actor,
                }
                if table == "directorate":
                    rows.append(Directorate(**common))
                elif table == "service area":
                    assert item.procedure is not None
                    rows.append(
                        ServiceArea(
                            procedure=item.procedure,
                            directorate_id=self.maybe(item.parent),
                            for_complaints=id(item) in complaint_areas,
                            for_compliments=id(item) in compliment_areas,
                            **common,
                        )
                    )
                elif table == "team":
                    rows.append(
                        Team(
                            procedure=item.procedure,
                            service_area_id=self.maybe(item.parent),
                            **common,
                        )
                    )
                else:
                    rows.append(model(procedure=item.procedure, **common))
            self.session.add_all(rows)
            self.session.flush()
            for item, row in zip(group, rows, strict=True):
                self.ids[id(item)] = row.id

    def cases(self, planned: Sequence[PlannedCase], progress: Step | None = None) -> int | None:
        """Write every planned case with bulk inserts and return the first case's id:
        ids are taken here (after the rows already there; on PostgreSQL drawn from each
        table's id sequence, so nobody else's rows can take one), so every link is known
        before anything is written. Each table's rows are made as
        they are written (a few thousand at a time: SQLite's ``executemany``,
        PostgreSQL's ``COPY``), never all at once. The rows get no audit events of their
        own: :func:`write_plan` records one event for the import naming every case."""
        from crm_desktop.services.demo.writer import Writer, table_of

        session = self.session
        sqlite = session.get_bind().dialect.name == "sqlite"
        total = len(planned)
        if progress is not None:  # the last moment to stop before anything is written
            progress(0, total, f"Preparing case 1 of {total:,}…")
        bulk = Writer(session)
        counts = _row_counts(planned)
        ids = {
            model: bulk.reserve_ids(table_of(model), counts[model])
            for model in (Case, Person, CaseParty, ComplaintPoint, Stage)
        }
        now = utcnow()
        actor = self.actor
        who = {"updated_by": actor, "updated_at": now, "version": 1}
        rows = _Rows(self, planned, ids, sqlite)
        tables: list[
            tuple[
                type[Any], tuple[str, ...], Callable[[], Iterator[tuple[Any, ...]]], dict[str, Any]
            ]
        ] = [
            (
                Case,
                _CASE_COLUMNS,
                rows.cases,
                {"imported": True, "created_by": actor, "created_at": now, **who},
            ),
            (Person, ("id", "full_name", "email"), rows.people, who),
            (
                CaseParty,
                ("id", "case_id", "person_id"),
                rows.parties,
                {"role": PartyRole.COMPLAINANT, **who},
            ),
            (
                ComplaintPoint,
                ("id", "case_id", "seq", "nature_id"),
                rows.points,
                {"description": "", **who},
            ),
            (CaseServiceCategory, ("case_id", "service_category_id"), rows.categories, {}),
            (
                Stage,
                _STAGE_COLUMNS,
                rows.stages,
                {"updated_by": actor, "updated_at": now, "version": 1},
            ),
            (PointOutcome, ("point_id", "stage_id", "outcome"), rows.outcomes, who),
            (LgscoDetail, _DETAIL_COLUMNS, rows.details, who),
            (
                DueDateChange,
                ("stage_id", "field", "after", "reason"),
                rows.changes,
                {"cause": ACTION_IMPORT, "before": None, "changed_by": actor, "changed_at": now},
            ),
        ]
        rows_total = max(sum(counts.values()), 1)
        done = 0

        def written(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                shown = total * done // rows_total
                progress(shown, total, f"Writing case {shown:,} of {total:,}…")

        for model, names, make, same in tables:
            if counts[model]:
                _insert(session, table_of(model), names, make(), same, sqlite, written)
        return ids[Case][0] if ids[Case] else None


def _row_counts(planned: Sequence[PlannedCase]) -> dict[type[Any], int]:
    """How many rows each table gets."""
    stages = points = outcomes = details = changes = people = categories = 0
    for p in planned:
        natures = len(p.natures)
        points += natures
        categories += len(p.service_categories)
        people += p.complainant_name is not None
        stages += len(p.stages)
        for s in p.stages:
            if s.stage == StageCode.LGSCO:
                details += 1
                continue
            if natures and s.outcome is not None:
                outcomes += natures
            changes += (
                (s.due_on is not None)
                + (s.acknowledge_due_on is not None)
                + (s.outer_limit_on is not None)
            )
    return {
        Case: len(planned),
        Person: people,
        CaseParty: people,
        ComplaintPoint: points,
        CaseServiceCategory: categories,
        Stage: stages,
        PointOutcome: outcomes,
        LgscoDetail: details,
        DueDateChange: changes,
    }


class _Days(dict[dt.date | None, Any]):
    """Dates as the driver stores them (on SQLite ``YYYY-MM-DD``), each made once."""

    def __init__(self, sqlite: bool) -> None:
        super().__init__({None: None})
        self.sqlite = sqlite

    def __missing__(self, day: dt.date) -> Any:
        self[day] = stored = day.isoformat() if self.sqlite else day
        return stored


class _Rows:
    """Each table's rows for the planned cases, made one at a time in the form the
    database's driver stores (an enum as its text value, being a ``StrEnum``; on SQLite a
    date as ``YYYY-MM-DD``). Ids are the ones taken for each table, in increasing order,
    given out in the order of the cases and stages (usually one run, but not always: a
    row's id is always looked up, never worked out from the first), so every table's walk
    over the cases gives the same ids."""

    def __init__(
        self,
        writer: _Writer,
        planned: Sequence[PlannedCase],
        ids: Mapping[type[Any], Sequence[int]],
        sqlite: bool,
    ) -> None:
        self.writer = writer
        self.planned = planned
        self.ids = ids
        # A date as the driver stores it (on SQLite its text), each worked out once.
        self.day: Callable[[dt.date | None], Any] = _Days(sqlite).__getitem__

    def cases(self) -> Iterator[tuple[Any, ...]]:
        day, maybe, resolve = self.day, self.writer.maybe, self.writer.resolve
        stage_ids = self.ids[Stage]
        stages = 0
        for p, case_id in zip(self.planned, self.ids[Case], strict=True):
            stages += len(p.stages)
            yield (
                case_id,
                p.reference,
                p.kind,
                p.procedure,
                day(p.received_on),
                maybe(p.directorate),
                resolve(p.service_area),
                maybe(p.team),
                p.summary,
                p.status,
                day(p.closed_on),
                p.complainant_name,
                stage_ids[stages - 1] if p.stages else None,
            )

    def people(self) -> Iterator[tuple[Any, ...]]:
        person_ids = iter(self.ids[Person])
        for p in self.planned:
            if p.complainant_name is not None:
                yield (next(person_ids), p.complainant_name, p.complainant_email)

    def parties(self) -> Iterator[tuple[Any, ...]]:
        person_ids, party_ids = iter(self.ids[Person]), iter(self.ids[CaseParty])
        for p, case_id in zip(self.planned, self.ids[Case], strict=True):
            if p.complainant_name is not None:
                yield (next(party_ids), case_id, next(person_ids))

    def points(self) -> Iterator[tuple[Any, ...]]:
        resolve = self.writer.resolve
        point_ids = iter(self.ids[ComplaintPoint])
        for p, case_id in zip(self.planned, self.ids[Case], strict=True):
            for seq, nature in enumerate(p.natures, start=1):
                yield (next(point_ids), case_id, seq, resolve(nature))

    def categories(self) -> Iterator[tuple[Any, ...]]:
        resolve = self.writer.resolve
        for p, case_id in zip(self.planned, self.ids[Case], strict=True):
            for category in p.service_categories:
                yield (case_id, resolve(category))

    def stages(self) -> Iterator[tuple[Any, ...]]:
        day = self.day
        stage_ids = iter(self.ids[Stage])
        closed, still_open = StageStatus.CLOSED, StageStatus.OPEN
        for p, case_id in zip(self.planned, self.ids[Case], strict=True):
            previous: int | None = None
            for s in p.stages:
                stage_id = next(stage_ids)
                lgsco = s.stage == StageCode.LGSCO
                yield (
                    stage_id,
                    case_id,
                    s.seq,
                    s.stage,
                    previous,
                    closed if s.closed_on is not None else still_open,
                    day(s.started_on),
                    None if lgsco else day(s.acknowledged_on),
                    day(s.acknowledge_due_on),
                    day(s.statement_agreed_on),
                    day(s.clock_started_on or s.started_on),
                    s.timescale_days,
                    s.suspended_days,
                    s.suspended_days,  # all of them undated: the file gives no dates
                    day(s.due_on),
                    day(s.outer_limit_on),
                    day(s.closed_on),
                    s.outcome,
                    day(s.next_stage_requested_on),
                    day(s.council_response_on),
                    day(s.panel_due_on),
                )
                previous = stage_id

    def outcomes(self) -> Iterator[tuple[Any, ...]]:
        point_ids, stage_ids = self.ids[ComplaintPoint], iter(self.ids[Stage])
        first_point = 0  # where this case's points start among the points' ids
        for p in self.planned:
            for s in p.stages:
                stage_id = next(stage_ids)
                for n, outcome in enumerate(p.point_outcomes(s)):
                    yield (point_ids[first_point + n], stage_id, outcome)
            first_point += len(p.natures)

    def details(self) -> Iterator[tuple[Any, ...]]:
        day = self.day
        stage_ids = iter(self.ids[Stage])
        for p in self.planned:
            for s in p.stages:
                stage_id = next(stage_ids)
                if s.stage != StageCode.LGSCO:
                    continue
                decision = s.lgsco_decision
                yield (
                    stage_id,
                    day(s.started_on),
                    day(s.enquiry_response_due_on),
                    decision,
                    day(s.closed_on) if decision is not None else None,
                    decision == LgscoDecision.PUBLIC_REPORT,
                    s.lgsco_payment_pence,
                )

    def changes(self) -> Iterator[tuple[Any, ...]]:
        day = self.day
        stage_ids = iter(self.ids[Stage])
        for p in self.planned:
            for s in p.stages:
                stage_id = next(stage_ids)
                if s.stage == StageCode.LGSCO:
                    continue
                why = _clock_reason(s)
                if s.due_on is not None:
                    yield (stage_id, FIELD_DUE, day(s.due_on), why)
                if s.acknowledge_due_on is not None:
                    yield (stage_id, FIELD_ACKNOWLEDGE_DUE, day(s.acknowledge_due_on), why)
                if s.outer_limit_on is not None:
                    yield (stage_id, FIELD_OUTER_LIMIT, day(s.outer_limit_on), why)


_CASE_COLUMNS = (
    "id",
    "reference",
    "kind",
    "procedure",
    "received_on",
    "directorate_id",
    "service_area_id",
    "team_id",
    "summary",
    "status",
    "closed_on",
    "complainant_name",
    "current_stage_id",
)
_STAGE_COLUMNS = (
    "id",
    "case_id",
    "seq",
    "stage",
    "previous_stage_id",
    "status",
    "requested_on",
    "acknowledged_on",
    "acknowledge_due_on",
    "statement_agreed_on",
    "started_on",
    "timescale_days",
    "suspended_days",
    "undated_suspended_days",
    "due_on",
    "outer_limit_on",
    "closed_on",
    "outcome",
    "next_stage_requested_on",
    "council_response_on",
    "panel_due_on",
)
_DETAIL_COLUMNS = (
    "stage_id",
    "enquiry_received_on",
    "enquiry_response_due_on",
    "decision",
    "decision_on",
    "public_report",
    "imported_payment_pence",
)


_INSERT_CHUNK = 20_000


def _insert(
    session: Session,
    table: sa.Table,
    names: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
    same: Mapping[str, Any],
    sqlite: bool,
    written: Callable[[int], None],
) -> None:
    """Insert ``rows`` (values of the columns ``names``, already in the form the driver
    stores) with the driver's own bulk statement, a chunk at a time (PostgreSQL's
    ``COPY``, or, for a login the table's row-level security applies to, which ``COPY``
    refuses, ``INSERT`` statements; SQLite's ``executemany``); ``same`` gives the
    columns every row shares (those the table does not have are left out), and columns
    with a Python-side default get it, so the rows read back exactly as rows the ORM
    wrote. ``written(n)`` after each chunk."""
    connection = session.connection()
    shared = {k: v for k, v in same.items() if k in table.c}
    shared = {**_defaults(table, {**dict.fromkeys(names), **shared}), **shared}
    tail = tuple(
        value
        if value is None or (convert := _converter(table.c[name].type, sqlite)) is None
        else convert(value)
        for name, value in shared.items()
    )
    columns = (*names, *shared)
    quote = connection.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in columns)})"
    driver = connection.connection.driver_connection
    assert driver is not None
    if (
        not sqlite
        and not connection.exec_driver_sql(
            "SELECT row_security_active(%s::regclass)", (f"public.{quote(table.name)}",)
        ).scalar()
    ):
        # PostgreSQL: COPY, many times faster than one INSERT a row (psycopg 3).
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            n = 0
            for values in rows:
                copy.write_row(values + tail)
                n += 1
                if n == _INSERT_CHUNK:
                    written(n)
                    n = 0
            written(n)
        return
    mark = "?" if sqlite else "%s"
    statement = f"INSERT INTO {target} VALUES ({', '.join(mark for _ in columns)})"
    cursor = driver.cursor()
    try:
        while True:
            chunk = [values + tail for values in itertools.islice(rows, _INSERT_CHUNK)]
            if not chunk:
                break
            cursor.executemany(statement, chunk)
            written(len(chunk))
    finally:
        cursor.close()


def _defaults(table: sa.Table, given: Mapping[str, Any]) -> dict[str, Any]:
    """The Python-side defaults of the columns ``given`` leaves out (the ORM and Core
    fill these in; a statement of the driver's own does not)."""
    found: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        default = column.default
        if isinstance(default, sa.ColumnDefault):
            found[column.name] = default.arg(None) if default.is_callable else default.arg
    return found


def _converter(kind: sa.types.TypeEngine[Any], sqlite: bool) -> Callable[[Any], Any] | None:
    if isinstance(kind, sa.Enum):
        return lambda v: v.value if hasattr(v, "value") else v
    if isinstance(kind, sa.DateTime):
        return (lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f")) if sqlite else None
    if isinstance(kind, sa.Date):
        return (lambda v: v.isoformat()) if sqlite else None
    if isinstance(kind, sa.Boolean):
        return (lambda v: int(bool(v))) if sqlite else bool
    return None


def _clock_reason(s: PlannedStage) -> str:
    if s.clock_started_on is None:
        started = f"the clock started on {format_date(s.started_on)}"
    elif s.acknowledged_on == s.clock_started_on:
        started = (
            "the response clock started with the acknowledgement on "
            f"{format_date(s.clock_started_on)}"
        )
    else:
        started = (
            "no acknowledgement is recorded, so the response clock counts from "
            f"{format_date(s.clock_started_on)}"
        )
    why = f"Imported: {started}, with {working_days_text(s.timescale_days or 0)}"
    if s.suspended_days:
        why += f", and was suspended for {working_days_text(s.suspended_days)}"
    why += "."
    if s.not_counted_suspended_days:
        why += (
            f" The file gave {working_days_text(s.not_counted_suspended_days)} suspended; "
            f"{s.not_suspended_because}, so they do not move the due date."
        )
    if s.file_started_on is not None:
        why += (
            f" The file gave {format_date(s.file_started_on)} as the day this stage started; "
            f"a first stage starts on the day the case was received "
            f"({format_date(s.started_on)})."
        )
    return why


# ------------------------------------------------------------------------ running


def _result(source: str, dry_run: bool, plan: ImportPlan) -> ImportResult:
    if plan.errors:
        return ImportResult(
            source=source,
            dry_run=dry_run,
            cases_by_type={},
            stages=0,
            points=0,
            lgsco_decisions=0,
            lgsco_payments_pence=0,
            skipped=tuple(plan.skipped),
            added_reference_data=(),
            errors=tuple(plan.errors),
            rows=plan.rows,
        )
    return ImportResult(
        source=source,
        dry_run=dry_run,
        cases_by_type=plan.cases_by_type,
        stages=plan.stage_count,
        points=plan.point_count,
        lgsco_decisions=plan.lgsco_decisions,
        lgsco_payments_pence=plan.lgsco_payments_pence,
        skipped=tuple(plan.skipped),
        added_reference_data=tuple(n.describe() for n in plan.new_reference_data),
        errors=(),
        rows=plan.rows,
        suspension_not_counted=tuple(
            c.reference for c in plan.cases if any(s.not_counted_suspended_days for s in c.stages)
        ),
        started_when_received=tuple(
            c.reference for c in plan.cases if any(s.file_started_on for s in c.stages)
        ),
    )


def import_in_session(
    session: Session,
    rows: Sequence[RawRow],
    *,
    dry_run: bool,
    skip_existing: bool,
    add_missing_reference_data: bool,
    actor: str,
    today: dt.date,
    source: str = "",
    progress: Step | None = None,
) -> ImportResult:
    """Check the rows and, unless this is a dry run or there is any error, write them in
    ``session`` (the caller's write transaction, so the check and the writing see the
    same database). ``actor`` is recorded as who made each row."""
    plan = check_import(
        session,
        rows,
        skip_existing=skip_existing,
        add_missing_reference_data=add_missing_reference_data,
        today=today,
        progress=progress,
    )
    if dry_run or plan.errors:
        return _result(source, dry_run, plan)
    write_plan(session, plan, actor, source, getattr(rows, "sha256", None), progress)
    return _result(source, False, plan)


def plan_result(source: str, plan: ImportPlan) -> ImportResult:
    """What a checked plan would import (or, with errors, why nothing can be)."""
    return _result(source, False, plan)


def apply_plan(
    session: Session,
    plan: ImportPlan,
    *,
    actor: str,
    source: str,
    sha256: str | None,
    progress: Step | None = None,
) -> ImportResult:
    """Write a plan checked earlier in another (read) transaction, in ``session``'s
    write transaction: first, what may have changed since the check is looked at again
    (a reference someone has since added, a new name someone has since added to the
    reference data); if anything has, nothing is written and the result says so."""
    errors = _changed_since_check(session, plan)
    if errors:
        return _result(source, False, replace(plan, errors=errors))
    write_plan(session, plan, actor, source, sha256, progress)
    return _result(source, False, plan)


# The file's column that names each kind of reference data.
_FILE_COLUMN = {
    "directorate": "directorate",
    "service area": "service_area",
    "team": "team",
    "nature": "natures",
    "service category": "service_categories",
}


def _changed_since_check(session: Session, plan: ImportPlan) -> list[ImportRowError]:
    errors: list[ImportRowError] = []
    rows = {c.reference: c.row for c in plan.cases}
    references = list(rows)
    for start in range(0, len(references), 500):
        chunk = references[start : start + 500]
        for reference in session.scalars(
            sa.select(Case.reference).where(Case.reference.in_(chunk))
        ):
            errors.append(
                _row_error(
                    rows[reference],
                    "reference",
                    f"{reference} was added to the database after the file was checked; "
                    "run the import again",
                )
            )
    models: dict[str, Any] = {
        "directorate": Directorate,
        "service area": ServiceArea,
        "team": Team,
        "nature": Nature,
        "service category": ServiceCategory,
    }
    # The reference data the cases name must still be there, and stays until this
    # transaction ends (PostgreSQL: FOR KEY SHARE, as a foreign key check holds it).
    used: dict[str, dict[int, int]] = {table: {} for table in models}
    for case in plan.cases:
        for table, value in (
            ("directorate", case.directorate),
            ("service area", case.service_area),
            ("team", case.team),
            *(("nature", n) for n in case.natures),
            *(("service category", c) for c in case.service_categories),
        ):
            if isinstance(value, int):
                used[table].setdefault(value, case.row)
    # Held only for the owner, whose rows may be written without the foreign keys'
    # triggers (_row_triggers_off); for anyone else those triggers hold them.
    hold = session.get_bind().dialect.name == "postgresql" and bool(
        session.scalar(sa.text("SELECT crm_is_owner()"))
    )
    for table, first_rows in used.items():
        if not first_rows:
            continue
        model = models[table]
        ids = sorted(first_rows)
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            query = sa.select(model.id).where(model.id.in_(ids[start : start + 500]))
            if hold:
                query = query.with_for_update(read=True, key_share=True)
            found.update(session.scalars(query))
        for missing in sorted(set(ids) - found):
            errors.append(
                _row_error(
                    first_rows[missing],
                    _FILE_COLUMN[table],
                    f"a {table} this row names was removed from the reference data after "
                    "the file was checked; run the import again",
                )
            )
    for new in plan.new_reference_data:
        model = models[new.table]
        if isinstance(new.parent, NewReference):
            continue  # under a new one: its parent is checked (nothing is under it yet)
        # Where a name is unique: natures, teams and categories per procedure, service
        # areas per procedure and directorate ("Communication" is a corporate nature
        # and an adult one), directorates alone.
        query = (
            sa.select(sa.func.count())
            .select_from(model)
            .where(sa.func.lower(model.name) == new.name.strip().lower())
        )
        if new.procedure is not None and "procedure" in model.__table__.c:
            query = query.where(model.__table__.c.procedure == new.procedure)
        if new.table == "service area":
            directorate = model.__table__.c.directorate_id
            query = query.where(
                directorate.is_(None) if new.parent is None else directorate == new.parent
            )
        if session.scalar(query):
            errors.append(
                _row_error(
                    1,
                    new.table.replace(" ", "_"),
                    f"{new.describe()} was added to the reference data after the file was "
                    "checked; run the import again",
                )
            )
    return sorted(errors)


# SQLite's page cache while an import writes (KiB): large enough that the indexes being
# filled stay in memory rather than spill to the journal half-way, small next to the
# rows the import already holds. Put back as it was afterwards.
_IMPORT_CACHE_KIB = 32 * 1024


@contextmanager
def _larger_cache(session: Session) -> Iterator[None]:
    """SQLite: a larger page cache for this connection while the import writes."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


@contextmanager
def _row_triggers_off(session: Session) -> Iterator[None]:
    """PostgreSQL, the database owner's login, where the server lets it set
    ``session_replication_role`` (a superuser, or a login granted that): the triggers of
    the tables the import fills do not fire for this transaction's bulk rows (set back
    before it commits). For the owner's bulk rows the audit triggers would only look up,
    row by row, that they have nothing to record (``crm.audit_rows``); the import's own
    event records them. The foreign keys those rows have outside the import are checked
    and held (``FOR KEY SHARE``) by :func:`_changed_since_check`; the links among the
    import's own rows are made here, from the ids reserved for them. No table lock is
    taken: other users' work does not wait. Any other login keeps every trigger (its
    rows are audited one by one)."""
    if session.get_bind().dialect.name != "postgresql" or not session.scalar(
        sa.text("SELECT crm_is_owner()")
    ):
        yield
        return
    try:
        with session.begin_nested():
            session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    except sa.exc.DBAPIError:  # not allowed to: the triggers stay
        yield
        return
    yield
    session.execute(sa.text("SET LOCAL session_replication_role = origin"))


def write_plan(
    session: Session,
    plan: ImportPlan,
    actor: str,
    source: str,
    sha256: str | None,
    progress: Step | None = None,
) -> None:
    """Write a checked plan (no errors) in ``session``'s transaction: the new reference
    data (each row audited), the cases in bulk, and one audit event for the import that
    names the file, its SHA-256 and every case reference."""
    if not plan.cases and not plan.new_reference_data:
        return  # every case was there already: nothing to write, nothing to record
    writer = _Writer(session, actor)
    writer.reference_data(plan.new_reference_data, plan.cases)
    session.flush()
    with (
        rows_not_audited(session),
        _row_triggers_off(session),
        _larger_cache(session),
        _collector_paused(),
    ):
        first_id = writer.cases(plan.cases, progress)
    record_events(
        session,
        [
            {
                "occurred_at": utcnow(),
                "username": actor,
                "action": ACTION_IMPORT,
                "entity": "representation",
                "entity_id": None,
                "case_id": None,
                "before": None,
                "after": json.dumps(
                    {
                        "file": source,
                        "sha256": sha256,
                        "cases": len(plan.cases),
                        "first_case_id": first_id,
                        "references": [c.reference for c in plan.cases],
                        "skipped": plan.skipped,
                        "stages": plan.stage_count,
                        "points": plan.point_count,
                    },
                    ensure_ascii=False,
                ),
            },
        ],
    )


def import_rows(
    database: Database,
    rows: Sequence[RawRow],
    *,
    dry_run: bool,
    skip_existing: bool,
    add_missing_reference_data: bool,
    actor: str,
    today: dt.date,
    source: str = "",
) -> ImportResult:
    """Check the rows and, unless there is an error or this is a dry run, import them.

    All or nothing: the file is checked in a read transaction, then written in one
    write transaction (:func:`apply_plan`), and with any error nothing is written. A
    dry run makes the same check on a read session and returns the same result a real
    run would, without writing.
    """

    def work(session: Session) -> ImportResult:
        return import_in_session(
            session,
            rows,
            dry_run=dry_run,
            skip_existing=skip_existing,
            add_missing_reference_data=add_missing_reference_data,
            actor=actor,
            today=today,
            source=source,
        )

    if dry_run:
        with database.session() as session:
            return work(session)
    # Checked in a read transaction (others keep working meanwhile), then written in one
    # short write transaction that first looks again at what may have changed.
    with database.session() as session:
        plan = check_import(
            session,
            rows,
            skip_existing=skip_existing,
            add_missing_reference_data=add_missing_reference_data,
            today=today,
        )
    if plan.errors:
        return _result(source, False, plan)
    sha256 = getattr(rows, "sha256", None)
    return database.write(
        lambda session: apply_plan(session, plan, actor=actor, source=source, sha256=sha256),
        actor=actor,
    )


def run_import(
    database: Database,
    path: str | Path,
    *,
    dry_run: bool,
    skip_existing: bool,
    add_missing_reference_data: bool,
    actor: str,
    today: dt.date,
) -> ImportResult:
    """Read ``path`` (:func:`read_rows`) and import it (:func:`import_rows`).

    A file that cannot be read raises :class:`ImportFileError`; everything wrong inside
    the file comes back in the result's ``errors`` (and then nothing was written).
    """
    rows = read_rows(path)
    return import_rows(
        database,
        rows,
        dry_run=dry_run,
        skip_existing=skip_existing,
        add_missing_reference_data=add_missing_reference_data,
        actor=actor,
        today=today,
        source=str(path),
    )


# ------------------------------------------------------------------------ summary


_SHOWN_SKIPPED = 10


def _breakdown(result: ImportResult) -> str:
    parts: list[str] = []
    for kind in Kind:
        total = result.cases_of(kind)
        if not total:
            continue
        by_procedure = ", ".join(
            f"{result.cases_of(kind, p):,} {p.value}" for p in Procedure if result.cases_of(kind, p)
        )
        parts.append(f"{counted(total, kind.value)} ({by_procedure})")
    return "; ".join(parts)


def summary(result: ImportResult) -> str:
    """One paragraph: what was (or would be) imported, and what was skipped."""
    verb = "Would import" if result.dry_run else "Imported"
    text = f"{verb} {counted(result.cases, 'case')} from {result.source}"
    if result.cases:
        text += f": {_breakdown(result)}"
    text += (
        f", with {counted(result.stages, 'stage')} and {counted(result.points, 'complaint point')}"
    )
    if result.lgsco_decisions or result.lgsco_payments_pence:
        text += (
            f" ({counted(result.lgsco_decisions, 'Ombudsman decision')}, "
            f"{format_money(result.lgsco_payments_pence)} in Ombudsman payments)"
        )
    text += "."
    if result.skipped:
        shown = first_of(result.skipped, _SHOWN_SKIPPED)
        was = "would be" if result.dry_run else ("was" if len(result.skipped) == 1 else "were")
        text += (
            f" {counted(len(result.skipped), 'case')} already in the database {was} skipped: "
            f"{shown}."
        )
    else:
        text += " No cases were skipped."
    if result.added_reference_data:
        one = len(result.added_reference_data) == 1
        added = "would be added" if result.dry_run else ("was added" if one else "were added")
        text += (
            f" {counted(len(result.added_reference_data), 'reference data name')} {added}: "
            + ", ".join(result.added_reference_data)
            + "."
        )
    if result.suspension_not_counted:
        text += f" {not_counted_text(result.suspension_not_counted, _SHOWN_SKIPPED)}"
    if result.started_when_received:
        text += f" {started_when_received_text(result.started_when_received, _SHOWN_SKIPPED)}"
    if result.dry_run:
        text += " This was a dry run: nothing was written."
    return text


def first_of(references: Sequence[str], shown: int) -> str:
    """The first ``shown`` references, and how many more there are."""
    listed = ", ".join(references[:shown])
    more = len(references) - shown
    return listed + (f" and {more:,} more" if more > 0 else "")


def started_when_received_text(references: Sequence[str], shown: int) -> str:
    """The sentence that names the cases whose first stage was taken as started on the
    day received, not on the file's stage_started."""
    listed = first_of(references, shown)
    cases = counted(len(references), "case")
    return (
        f"For {cases} the file gives a first stage a stage_started other than the day "
        "received; a first stage starts on the day received, and its clocks count from "
        "then (under the Complaint Handling Code, its acknowledgement's) rather than from "
        f"the file's date, which is kept in the due date's history: {listed}."
    )


def not_counted_text(references: Sequence[str], shown: int) -> str:
    """The sentence that names the cases whose suspended days were not counted."""
    listed = first_of(references, shown)
    cases = counted(len(references), "adult complaint")
    return (
        f"The suspended working days the file gives for {cases} were not counted, as the "
        f"adult procedure has no suspension: {listed}."
    )
