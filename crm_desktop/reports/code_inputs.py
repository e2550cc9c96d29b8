"""Each financial year's inputs to the Complaint Handling Code's annual report (Code
8.1, 8.2): the Ombudsman's annual letter about the council (its figures, entered or
loaded from a file, and its text), other reports of the Ombudsman about the council, who
the report goes to and their response, published alongside it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, fields, replace
from pathlib import Path

from sqlalchemy.orm import Session

from crm_desktop.db.models_code import CodeYear
from crm_desktop.domain.access import Actor
from crm_desktop.errors import ConflictError, ValidationError

__all__ = [
    "LETTER_FIGURES",
    "CodeYearInputs",
    "load_code_year",
    "read_letter_figures",
    "save_code_year",
    "with_letter_text",
]

MAX_TEXT = 100_000

# The figures of the Ombudsman's annual letter: field, label, kind ("count", "percent").
LETTER_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("letter_decisions", "Complaints and enquiries the Ombudsman decided", "count"),
    ("letter_investigations", "Detailed investigations", "count"),
    ("letter_upheld", "Complaints upheld", "count"),
    ("letter_upheld_percent", "Upheld, of those investigated", "percent"),
    ("letter_similar_upheld_percent", "Upheld: average of similar councils", "percent"),
    ("letter_compliance_percent", "Recommendations complied with", "percent"),
    ("letter_remedy_percent", "Upheld cases remedied before reaching the Ombudsman", "percent"),
)


@dataclass(frozen=True)
class CodeYearInputs:
    year: int
    governing_body: str = ""
    governing_body_response: str = ""
    letter_received_on: dt.date | None = None
    letter_decisions: int | None = None
    letter_investigations: int | None = None
    letter_upheld: int | None = None
    letter_upheld_percent: float | None = None
    letter_similar_upheld_percent: float | None = None
    letter_compliance_percent: float | None = None
    letter_remedy_percent: float | None = None
    letter_text: str = ""
    other_reports: str = ""
    version: int | None = None  # None: nothing saved for the year yet

    @property
    def has_letter(self) -> bool:
        return bool(self.letter_text.strip()) or any(
            getattr(self, name) is not None for name, _, _ in LETTER_FIGURES
        )


_STORED = [f.name for f in fields(CodeYearInputs) if f.name not in ("year", "version")]


def load_code_year(session: Session, year: int) -> CodeYearInputs:
    row = session.get(CodeYear, year)
    if row is None:
        return CodeYearInputs(year)
    return CodeYearInputs(
        year, **{name: getattr(row, name) for name in _STORED}, version=row.version
    )


def _check(inputs: CodeYearInputs) -> CodeYearInputs:
    for name, label, kind in LETTER_FIGURES:
        value = getattr(inputs, name)
        if value is None:
            continue
        if value < 0 or (kind == "percent" and value > 100):
            bound = "from 0 to 100" if kind == "percent" else "0 or more"
            raise ValidationError(f"{label} must be {bound}; got {value}.", name)
    for name in ("governing_body_response", "letter_text", "other_reports"):
        if len(getattr(inputs, name)) > MAX_TEXT:
            raise ValidationError(f"The text is longer than {MAX_TEXT:,} characters.", name)
    if len(inputs.governing_body) > 200:
        raise ValidationError("The governing body's name is longer than 200 characters.", "body")
    return replace(inputs, governing_body=inputs.governing_body.strip())


def save_code_year(session: Session, inputs: CodeYearInputs, actor: Actor) -> CodeYearInputs:
    """Save the year's inputs as ``actor`` (refused if someone saved them since they were
    read at ``inputs.version``)."""
    inputs = _check(inputs)
    row = session.get(CodeYear, inputs.year)
    if row is None:
        if inputs.version is not None:
            raise ConflictError("This year's report inputs were removed; open them again.")
        row = CodeYear(financial_year=inputs.year, updated_by=actor.username)
        session.add(row)
    else:
        row.check_version(inputs.version, f"the report inputs for {inputs.year}")
        row.updated_by = actor.username
    for name in _STORED:
        setattr(row, name, getattr(inputs, name))
    session.flush()
    return load_code_year(session, inputs.year)


def _date(text: str, number: int) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        f"Line {number}: '{text}' is not a date; write it as 2027-07-14 or 14/07/2027.", "file"
    )


def read_letter_figures(path: Path, inputs: CodeYearInputs) -> CodeYearInputs:
    """``inputs`` with the annual letter's figures from a CSV file of ``figure,value``
    rows (the figure by its field name or its label; "received" for the letter's date).
    Every row is checked; nothing is taken from a file with a wrong row."""
    by_name = {name: (name, kind) for name, _, kind in LETTER_FIGURES}
    by_name |= {label.lower(): (name, kind) for name, label, kind in LETTER_FIGURES}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.", "file") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} is not a UTF-8 text file.", "file") from exc
    values: dict[str, object] = {}
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise ValidationError(f"Line {number}: write 'figure,value'; got {row}.", "file")
        figure, text = row[0].strip(), row[1].strip().rstrip("%")
        if number == 1 and figure.lower() in ("figure", "field"):
            continue
        if figure.lower() in ("received", "letter_received_on"):
            values["letter_received_on"] = _date(text, number)
            continue
        found = by_name.get(figure) or by_name.get(figure.lower())
        if found is None:
            names = ", ".join(n for n, _, _ in LETTER_FIGURES)
            raise ValidationError(
                f"Line {number}: '{figure}' is not a figure of the letter; use one of "
                f"{names}, or 'received'.",
                "file",
            )
        name, kind = found
        try:
            values[name] = int(text) if kind == "count" else float(text)
        except ValueError:
            raise ValidationError(
                f"Line {number}: {figure} must be a number; got '{row[1]}'.", "file"
            ) from None
    return _check(replace(inputs, **values))  # type: ignore[arg-type]


def with_letter_text(inputs: CodeYearInputs, path: Path) -> CodeYearInputs:
    """``inputs`` with the annual letter's text read from a UTF-8 text file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.", "file") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path} is not a UTF-8 text file.", "file") from exc
    return _check(replace(inputs, letter_text=text.replace("\r\n", "\n").strip()))
