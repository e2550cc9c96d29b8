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

REPORT_KINDS = ("annual", "code")

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
    web_page: Path | None = None
    kind: str = "annual"

    @property
    def name(self) -> str:
        """What the report is called, for a message."""
        if self.kind == "code":
            return f"The Complaint Handling Code report {self.year.label}"
        return f"The annual report {self.year.label}"

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
    web_page: Path | None = None,
    kind: str = "annual",
    progress: Step | None = None,
    now: dt.datetime | None = None,
) -> ReportFiles:
    """Write the annual report for the financial year starting in ``year`` (beside the
    year before) as a PDF at ``pdf``; with ``workbook``, as an XLSX workbook too; with
    ``web_page``, as one accessible HTML page too.

    ``kind`` "code" writes the Complaint Handling Code's annual complaints performance
    and service improvement report instead (corporate complaints only; ``procedures`` is
    not used). ``progress`` is told how far the work has got, from 0 to 100.
    """
    # Looked up when called, so a test can put a broken renderer in their place.
    from crm_desktop.reports import html as html_module
    from crm_desktop.reports import pdf as pdf_module
    from crm_desktop.reports import xlsx as xlsx_module
    from crm_desktop.reports.figures import annual_report

    def step(done: int, total: int, text: str) -> None:
        if progress is not None:
            progress(done, total, text)

    financial_year = check_year(year)
    if kind == "code":
        from crm_desktop.reports.code_report import check_code_year

        check_code_year(year)
    if kind not in REPORT_KINDS:
        raise ValidationError(f"There is no report called '{kind}'.", "kind")
    chosen = tuple(procedures) if procedures else None
    targets = [check_target(pdf, "the report")]
    if workbook is not None:
        targets.append(check_target(workbook, "the workbook"))
    if web_page is not None:
        targets.append(check_target(web_page, "the web page"))
    if len({t.resolve() for t in targets}) < len(targets):
        raise ValidationError(
            "Two of the files have the same name; give each file its own name.",
            "workbook" if workbook is not None else "web_page",
        )
    step(0, 100, f"Counting the figures for {financial_year.label}…")
    if kind == "code":
        from crm_desktop.reports.code_report import code_report

        report = code_report(session, year, now)
        chosen = (Procedure.CORPORATE,)
    else:
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
        if web_page is not None:
            step(95, 100, "Writing the web page…")
            html_module.render_html(report, temporaries[-1])
        step(100, 100, "Saving…")
    source = sqlite_file(session.get_bind().engine.url)
    head = chain_head(session)
    if source is not None and head is not None:
        # The report prints the head it was made from; this account keeps it too.
        witness.note_report(source, head, targets[0])
    return ReportFiles(
        financial_year,
        chosen,
        targets[0],
        targets[1] if workbook is not None else None,
        targets[-1] if web_page is not None else None,
        kind,
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
