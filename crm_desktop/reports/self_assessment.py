"""The council's self-assessment against the Complaint Handling Code (Code 8.1), kept per
financial year with its history, pre-filled with what the program can measure.

Each provision of the Code (:data:`crm_desktop.domain.code_provisions.PROVISIONS`) is
answered: complies (yes, partly, no), evidence, explanation, action and its owner. Every
save that changes an answer keeps a copy of it (:class:`CodeSelfAssessmentChange`), so
the history of each year's answers is there to read.

For the provisions the cases can show (6.2 and 6.3, 6.4, and Stage 2 likewise) the
checklist carries the measured figures for the year beside the council's answer, with
the references of the cases that missed: "47 of 50 acknowledged within 5 working days
(94.0%); late: COR-2026-00012, ...". Until the council answers such a provision, its
"complies" is suggested from the figures: yes when every case met the rule, no when
none did, partly otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy.orm import Session

from crm_desktop.db.models_code import CodeSelfAssessment, CodeSelfAssessmentChange
from crm_desktop.domain.access import Actor
from crm_desktop.domain.code_provisions import (
    COMPLIES,
    PROVISIONS,
    Complies,
    Measure,
    Provision,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date, format_decimal
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.files import atomic_write, check_target
from crm_desktop.reports.code_figures import (
    StageMeasures,
    code_keys,
    corporate_procedures,
    measure,
    stage_facts,
)
from crm_desktop.reports.safe_cells import new_workbook, save_workbook, spreadsheet_text

__all__ = [
    "Answer",
    "Change",
    "Row",
    "SelfAssessment",
    "history",
    "load_self_assessment",
    "save_self_assessment",
    "write_self_assessment_xlsx",
]

MAX_TEXT = 10_000
LATE_LISTED = 30  # the references of at most this many missed cases are listed


@dataclass(frozen=True)
class Answer:
    """What the council says about one provision; ``version`` is the version it was read
    at (None: there was no answer yet)."""

    provision: str
    complies: str | None = None
    evidence: str = ""
    explanation: str = ""
    action: str = ""
    owner: str = ""
    version: int | None = None


@dataclass(frozen=True)
class Measured:
    """What the cases show for a provision in the year."""

    cases: int  # the cases the rule applied to
    met: int  # how many met it
    missed: tuple[str, ...]  # references of those that did not
    text: str

    @property
    def suggested(self) -> str | None:
        if not self.cases:
            return None
        if self.met == self.cases:
            return Complies.YES.value
        return Complies.NO.value if self.met == 0 else Complies.PARTLY.value


@dataclass(frozen=True)
class Row:
    provision: Provision
    answer: Answer
    saved: bool  # the council has answered it (else ``answer`` is the pre-filled one)
    measured: Measured | None
    updated_by: str | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class SelfAssessment:
    year: int
    as_of: dt.date
    rows: tuple[Row, ...]
    # Corporate procedure versions that took effect in the year: the Code (8.3) asks for
    # a self-assessment after a change in procedures.
    procedure_changes: tuple[str, ...] = ()

    @property
    def change_note(self) -> str:
        if not self.procedure_changes:
            return ""
        return (
            "The corporate procedure changed in the year ("
            + "; ".join(self.procedure_changes)
            + "): the Code (8.3) asks for a self-assessment after a change in procedures."
        )

    def row(self, key: str) -> Row:
        for row in self.rows:
            if row.provision.key == key:
                return row
        raise KeyError(key)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.saved)


@dataclass(frozen=True)
class Change:
    provision: str
    complies: str | None
    evidence: str
    explanation: str
    action: str
    owner: str
    changed_by: str | None
    changed_at: dt.datetime


def _share(part: int, whole: int) -> str:
    return f"{format_decimal(100.0 * part / whole, 1)}%"


def _missed_text(missed: Sequence[str], what: str) -> str:
    if not missed:
        return ""
    shown = ", ".join(missed[:LATE_LISTED])
    more = f" and {len(missed) - LATE_LISTED} more" if len(missed) > LATE_LISTED else ""
    return f"; {what}: {shown}{more}"


def _measured(kind: Measure, figures: StageMeasures | None) -> Measured:
    if figures is None:
        return Measured(0, 0, (), "No cases under the Code in this year.")
    if kind in (Measure.STAGE1_ACKNOWLEDGED, Measure.STAGE2_ACKNOWLEDGED):
        n, met, missed = (
            figures.acknowledgements_due,
            figures.acknowledged_in_time,
            figures.acknowledged_late,
        )
        if not n:
            return Measured(0, 0, (), "No acknowledgement was due in this year.")
        text = f"{met} of {n} acknowledged within 5 working days ({_share(met, n)})"
        return Measured(n, met, missed, text + _missed_text(missed, "late"))
    if kind in (Measure.STAGE1_RESPONDED, Measure.STAGE2_RESPONDED):
        n, met, missed = figures.responses, figures.responded_in_time, figures.responded_late
        if not n:
            return Measured(0, 0, (), "No response was sent in this year.")
        text = (
            f"{met} of {n} responses within {figures.limit} working days of the "
            f"acknowledgement ({_share(met, n)})"
        )
        text += _missed_text(figures.after_extension, "late")
        text += _missed_text(figures.late_within_extension, "later, within an extension (6.4)")
        return Measured(n, met, missed, text)
    n = figures.extended
    longer = figures.extended_beyond_limit
    missed = figures.beyond_without_good_reason
    if not n:
        return Measured(0, 0, (), "No response sent in this year was extended.")
    text = (
        f"{n - len(longer)} of {n} extensions within {figures.extension_limit} working days "
        f"({_share(n - len(longer), n)})"
    )
    with_reason = [r for r in longer if r not in missed]
    # 6.4: "no more than 10 working days without good reason".
    text += _missed_text(with_reason, "longer with a good reason recorded (6.4 allows it)")
    text += _missed_text(missed, "longer without a good reason recorded")
    return Measured(n, n - len(missed), missed, text)


_STAGE_OF = {
    Measure.STAGE1_ACKNOWLEDGED: "1",
    Measure.STAGE1_RESPONDED: "1",
    Measure.STAGE1_EXTENSIONS: "1",
    Measure.STAGE2_ACKNOWLEDGED: "2",
    Measure.STAGE2_RESPONDED: "2",
    Measure.STAGE2_EXTENSIONS: "2",
}


Step = Callable[[int, int, str], None]
"""``step(done, total, text)``: how far long work has got (it may raise to stop it)."""


def _no_step(done: int, total: int, text: str = "") -> None:
    pass


# The self-assessment's steps: the saved answers, the year's stages, each stage measured.
STEPS = 4


def measured_provisions(
    session: Session, year: int, as_of: dt.date, progress: Step = _no_step
) -> dict[str, Measured]:
    """What the cases show for each provision the program can measure, for the year.
    ``progress`` hears of each step (steps 1 to 3 of :data:`STEPS`)."""
    fy = FinancialYear(year)
    progress(1, STEPS, "Reading the year's Stage 1 and Stage 2 complaints…")
    facts = stage_facts(session, fy.start, fy.end)
    keys = code_keys(corporate_procedures(session))
    figures: dict[str, StageMeasures | None] = {}
    for done, stage in enumerate(("1", "2"), 2):
        progress(done, STEPS, f"Measuring {len(facts):,} stages against Stage {stage}'s rules…")
        figures[stage] = measure(facts, year, keys, stage, as_of)
    return {
        p.key: _measured(p.measure, figures[_STAGE_OF[p.measure]])
        for p in PROVISIONS
        if p.measure is not None
    }


def load_self_assessment(
    session: Session, year: int, as_of: dt.date, progress: Step = _no_step
) -> SelfAssessment:
    """The year's checklist: each provision with the council's answer (or the pre-filled
    one) and, where the cases can show it, the measured figures. ``progress`` hears of
    each of the :data:`STEPS` steps."""
    progress(0, STEPS, "Reading the saved answers…")
    saved = {
        row.provision: row
        for row in session.scalars(
            sa.select(CodeSelfAssessment).where(CodeSelfAssessment.financial_year == year)
        )
    }
    measured = measured_provisions(session, year, as_of, progress)
    progress(STEPS, STEPS, "Putting the checklist together…")
    fy = FinancialYear(year)
    changes = tuple(
        f"{p.name} from {format_date(p.starts)}"
        for p in corporate_procedures(session)
        if p.starts is not None and fy.start <= p.starts <= fy.end
    )
    rows = []
    for provision in PROVISIONS:
        found = saved.get(provision.key)
        figures = measured.get(provision.key)
        if found is not None:
            answer = Answer(
                provision.key,
                found.complies,
                found.evidence,
                found.explanation,
                found.action,
                found.owner,
                found.version,
            )
            rows.append(Row(provision, answer, True, figures, found.updated_by, found.updated_at))
        else:
            suggested = figures.suggested if figures is not None else None
            evidence = figures.text if figures is not None and figures.cases else ""
            rows.append(Row(provision, Answer(provision.key, suggested, evidence), False, figures))
    return SelfAssessment(year, as_of, tuple(rows), changes)


def _clean(answer: Answer) -> Answer:
    known = {p.key for p in PROVISIONS}
    if answer.provision not in known:
        raise ValidationError(
            f"'{answer.provision}' is not a provision of the Code's checklist.", "provision"
        )
    complies = (answer.complies or "").strip().lower() or None
    if complies is not None and complies not in COMPLIES:
        raise ValidationError(
            f"For {answer.provision}, say whether the council complies: yes, partly or no "
            f"(or leave it empty); got '{answer.complies}'.",
            "complies",
        )
    for name in ("evidence", "explanation", "action"):
        if len(getattr(answer, name)) > MAX_TEXT:
            raise ValidationError(
                f"The {name} for {answer.provision} is longer than {MAX_TEXT:,} characters.", name
            )
    if len(answer.owner) > 200:
        raise ValidationError(
            f"The owner for {answer.provision} is longer than 200 characters.", "owner"
        )
    return replace(answer, complies=complies, owner=answer.owner.strip())


FIELDS = ("complies", "evidence", "explanation", "action", "owner")


def save_self_assessment(
    session: Session, year: int, answers: Sequence[Answer], actor: Actor, as_of: dt.date
) -> SelfAssessment:
    """Save the answers given for ``year``, as ``actor``: every answer is checked first,
    nothing is saved if one is wrong or was changed by someone else since it was read.
    An answer the same as the one saved changes nothing. Each change is kept in the
    history."""
    cleaned = [_clean(a) for a in answers]
    if len({a.provision for a in cleaned}) < len(cleaned):
        raise ValidationError("A provision is answered twice; answer each once.", "provision")
    existing = {
        row.provision: row
        for row in session.scalars(
            sa.select(CodeSelfAssessment)
            .where(CodeSelfAssessment.financial_year == year)
            .with_for_update()
        )
    }
    for answer in cleaned:
        row = existing.get(answer.provision)
        if row is None and answer.version is not None:
            raise ConflictError(
                f"The answer for {answer.provision} was removed since you opened it; "
                "open the self-assessment again."
            )
        if row is not None:
            row.check_version(answer.version, f"the answer for {answer.provision}")
    now_changed = []
    for answer in cleaned:
        row = existing.get(answer.provision)
        values = {name: getattr(answer, name) for name in FIELDS}
        if row is None:
            if not any(values[name] for name in FIELDS):
                continue
            session.add(
                CodeSelfAssessment(
                    financial_year=year,
                    provision=answer.provision,
                    updated_by=actor.username,
                    **values,
                )
            )
        elif all(getattr(row, name) == values[name] for name in FIELDS):
            continue
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_by = actor.username
        now_changed.append(answer)
    for answer in now_changed:
        session.add(
            CodeSelfAssessmentChange(
                financial_year=year,
                provision=answer.provision,
                changed_by=actor.username,
                **{name: getattr(answer, name) for name in FIELDS},
            )
        )
    session.flush()
    return load_self_assessment(session, year, as_of)


def history(session: Session, year: int) -> list[Change]:
    """Every saved change of the year's answers, oldest first."""
    return [
        Change(
            r.provision,
            r.complies,
            r.evidence,
            r.explanation,
            r.action,
            r.owner,
            r.changed_by,
            r.changed_at,
        )
        for r in session.scalars(
            sa.select(CodeSelfAssessmentChange)
            .where(CodeSelfAssessmentChange.financial_year == year)
            .order_by(CodeSelfAssessmentChange.id)
        )
    ]


HEADINGS = (
    "Section",
    "Provision",
    "What it asks",
    "Complies",
    "Measured from the cases",
    "Evidence",
    "Explanation",
    "Action",
    "Owner",
    "Answered",
)


def table_rows(assessment: SelfAssessment) -> list[tuple[str, ...]]:
    """The checklist as rows of text, in :data:`HEADINGS` order."""
    out: list[tuple[str, ...]] = []
    for row in assessment.rows:
        a = row.answer
        complies = Complies(a.complies).label if a.complies else ""
        if complies and not row.saved:
            complies += " (suggested)"
        answered = ""
        if row.saved and row.updated_at is not None:
            answered = f"{format_date(row.updated_at.date())} by {row.updated_by or 'unknown'}"
        out.append(
            (
                row.provision.section,
                row.provision.label,
                row.provision.asks,
                complies,
                row.measured.text if row.measured is not None else "",
                a.evidence,
                a.explanation,
                a.action,
                a.owner,
                answered,
            )
        )
    return out


def write_self_assessment_xlsx(
    assessment: SelfAssessment, changes: Sequence[Change], out: Path
) -> Path:
    """The checklist (and its history) as an XLSX workbook, every text cell neutralised
    (:func:`~crm_desktop.reports.safe_cells.spreadsheet_text`), written whole or not at
    all."""
    target = check_target(out, "the workbook")
    book = new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Self-assessment"
    label = FinancialYear(assessment.year).label
    sheet.append([f"Self-assessment against the Complaint Handling Code {label}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Measured from the cases as at {format_date(assessment.as_of)}."])
    sheet.append([])
    sheet.append(list(HEADINGS))
    header = PatternFill("solid", fgColor="1F3864")
    for cell in sheet[4]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in table_rows(assessment):
        sheet.append([spreadsheet_text(v) for v in values])
    widths = (28, 16, 50, 16, 50, 40, 40, 40, 20, 24)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C5"
    log = book.create_sheet("History")
    log.append(["Provision", "Complies", "Evidence", "Explanation", "Action", "Owner", "By", "On"])
    for cell in log[1]:
        cell.font = Font(bold=True)
    for change in changes:
        log.append(
            [
                spreadsheet_text(change.provision),
                spreadsheet_text(change.complies or ""),
                spreadsheet_text(change.evidence),
                spreadsheet_text(change.explanation),
                spreadsheet_text(change.action),
                spreadsheet_text(change.owner),
                spreadsheet_text(change.changed_by or ""),
                change.changed_at,
            ]
        )
    with atomic_write(target) as temporary:
        save_workbook(book, temporary)
    return target
