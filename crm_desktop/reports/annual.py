"""The annual report written to files: one function for the command line and the Reports
page.

:func:`write_annual_report` counts the figures for a financial year (beside the year
before), lays out the PDF and, when asked, the XLSX workbook, each into a temporary file
beside its target (:func:`crm_desktop.files.atomic_writes`), and renames them into place
only when every file asked for is complete. A failure, or the user cancelling through
``progress``, never leaves a half-written report and never spoils an earlier one of the
same name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import witness
from crm_desktop.db.audit import chain_head
from crm_desktop.db.models import Case, Stage
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.errors import ValidationError
from crm_desktop.files import atomic_writes, check_target
from crm_desktop.urls import sqlite_file

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "ReportFiles",
    "Step",
    "cases_in_year",
    "check_year",
    "write_annual_report",
]

FIRST_YEAR = 2000
LAST_YEAR = 2044  # 2044/45 ends in 2045, the last year of the working-day calendar

Step = Callable[[int, int, str], None]
"""``step(done, total, text)``: how far the work has got; it may raise to stop the work
(the user cancelled), and then nothing is saved."""


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_annual_report` wrote."""

    year: FinancialYear
    procedures: tuple[Procedure, ...] | None  # None: every procedure
    pdf: Path
    workbook: Path | None

    @property
    def which(self) -> str:
        """The procedures it covers: "all procedures", or their names."""
        if self.procedures is None:
            return "all procedures"
        return ", ".join(p.label for p in self.procedures)


def check_year(year: int) -> FinancialYear:
    """The financial year starting in ``year``, if the report can be made for it."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            f"The annual report covers the years {FinancialYear(FIRST_YEAR).label} to "
            f"{FinancialYear(LAST_YEAR).label}; choose one of those.",
            "year",
        )
    return FinancialYear(year)


def write_annual_report(
    session: Session,
    year: int,
    procedures: Sequence[Procedure] | None,
    pdf: Path,
    workbook: Path | None = None,
    *,
    progress: Step | None = None,
    now: dt.datetime | None = None,
) -> ReportFiles:
    """Write the annual report for the financial year starting in ``year`` (beside the
    year before) as a PDF at ``pdf`` and, with ``workbook``, as an XLSX workbook too.

    ``procedures`` chooses the procedures' sections (None: all). ``progress`` is told
    how far the work has got, from 0 to 100, between steps.
    """
    # Looked up when called, so a test can put a broken renderer in their place.
    from crm_desktop.reports import pdf as pdf_module
    from crm_desktop.reports import xlsx as xlsx_module
    from crm_desktop.reports.figures import annual_report

    def step(done: int, total: int, text: str) -> None:
        if progress is not None:
            progress(done, total, text)

    financial_year = check_year(year)
    chosen = tuple(procedures) if procedures else None
    targets = [check_target(pdf, "the report")]
    if workbook is not None:
        targets.append(check_target(workbook, "the workbook"))
        if targets[0].resolve() == targets[1].resolve():
            raise ValidationError(
                "The PDF and the workbook have the same name; give them two names.", "workbook"
            )
    step(0, 100, f"Counting the figures for {financial_year.label}…")
    report = annual_report(session, year, chosen, now)
    pdf_share = 80 if workbook is not None else 90

    def pdf_step(done: int, total: int) -> None:
        step(10 + pdf_share * done // max(total, 1), 100, "Laying out the PDF…")

    def xlsx_step(done: int, total: int) -> None:
        step(90 + 10 * done // max(total, 1), 100, "Writing the spreadsheet…")

    with atomic_writes(targets) as temporaries:
        pdf_module.render_pdf(report, temporaries[0], pdf_step)
        if workbook is not None:
            xlsx_module.render_xlsx(report, temporaries[1], xlsx_step)
        step(100, 100, "Saving…")
    source = sqlite_file(session.get_bind().engine.url)
    head = chain_head(session)
    if source is not None and head is not None:
        # The report prints the head it was made from; this account keeps it too.
        witness.note_report(source, head, targets[0])
    return ReportFiles(
        financial_year, chosen, targets[0], targets[1] if workbook is not None else None
    )


def cases_in_year(session: Session, year: int, procedures: Sequence[Procedure] | None) -> int:
    """How many cases the report for ``year`` counts: received in the financial year, or
    with a stage closed in it (of ``procedures``, or all). Zero: the report would be
    tables of zeros, which the person asking should hear before it is made."""
    fy = FinancialYear(year)
    closed_in_year = sa.select(Stage.case_id).where(Stage.closed_on.between(fy.start, fy.end))
    query = sa.select(sa.func.count(Case.id)).where(
        sa.or_(Case.received_on.between(fy.start, fy.end), Case.id.in_(closed_in_year))
    )
    if procedures:
        query = query.where(Case.procedure.in_([Procedure(p) for p in procedures]))
    return int(session.scalar(query) or 0)
