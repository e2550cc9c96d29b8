"""The annual report, exports, baseline figures and commentary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from crm_desktop.domain.enums import Procedure
from crm_desktop.operations.core import (
    NO_PROGRESS,
    Change,
    OpContext,
    Progress,
    operation,
    reporting,
)
from crm_desktop.operations.policy import Permission
from crm_desktop.reports import annual, baseline, commentary, exports

__all__ = [
    "cases_in_year",
    "commentary_for",
    "export_data",
    "load_baseline",
    "ombudsman_letter",
    "save_baseline_template",
    "save_commentary",
    "save_ombudsman_letter",
    "write_annual_report",
]


@operation(Permission.RUN_REPORTS)
def cases_in_year(ctx: OpContext, year: int, procedures: Sequence[Procedure] | None) -> int:
    """How many cases the annual report for a financial year would count."""
    return annual.cases_in_year(ctx.session, year, procedures)


@operation(Permission.RUN_REPORTS)
def write_annual_report(
    ctx: OpContext,
    year: int,
    procedures: Sequence[Procedure] | None,
    pdf: Path,
    workbook: Path | None = None,
    progress: Progress = NO_PROGRESS,
    web_page: Path | None = None,
    kind: str = "annual",
) -> annual.ReportFiles:
    """Write the annual report for a financial year as a PDF (and a workbook and an
    accessible web page, if asked). ``kind`` "code": the Complaint Handling Code's
    annual complaints performance and service improvement report."""
    return annual.write_annual_report(
        ctx.session,
        year,
        procedures,
        pdf,
        workbook,
        web_page=web_page,
        kind=kind,
        progress=reporting(progress),
    )


@operation(Permission.RUN_REPORTS)
def export_data(
    ctx: OpContext,
    what: str,
    out: Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Progress = NO_PROGRESS,
) -> int:
    """Export cases, complaint points or stages to a CSV or XLSX file; how many rows."""
    step = reporting(progress)
    return exports.export(
        ctx.session,
        what,
        out,
        start=start,
        end=end,
        progress=lambda count: step(0, 0, f"{count:,} {what} written…"),
    )


@operation(Permission.RUN_REPORTS)
def commentary_for(ctx: OpContext, year: int) -> dict[str, str]:
    """The annual report's commentary for a financial year, section by section."""
    return commentary.load_commentary(ctx.session, year)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def save_commentary(ctx: OpContext, year: int, texts: Mapping[str, str]) -> dict[str, str]:
    """Save the annual report's commentary for a financial year; every section's text."""
    return commentary.save_commentary(ctx.session, year, texts, ctx.actor)


@operation(Permission.EDIT_REPORT_INPUTS)
def save_baseline_template(ctx: OpContext, year: int, out: Path) -> Path:
    """Save a CSV of every table and row that takes a baseline figure, to fill in."""
    return baseline.write_baseline_template(ctx.session, year, out)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def load_baseline(ctx: OpContext, path: Path) -> baseline.BaselineResult:
    """Load a filled-in baseline file: all of it, or nothing when any row is wrong."""
    result = baseline.load_baseline_csv(ctx.session, path)
    if result.errors:
        ctx.report_changes()
    return result


@operation(Permission.RUN_REPORTS)
def ombudsman_letter(ctx: OpContext, year: int) -> dict[tuple[str, str], float]:
    """The Ombudsman's published figures entered for a financial year (its annual review
    letter): (measure, figure): value."""
    return baseline.letter_figures(ctx.session, year)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def save_ombudsman_letter(
    ctx: OpContext, year: int, figures: Mapping[tuple[str, str], float | None]
) -> int:
    """Save the Ombudsman's published figures for a financial year; how many."""
    return baseline.save_letter_figures(ctx.session, year, figures)
