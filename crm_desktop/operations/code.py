"""The Complaint Handling Code's yearly work: the self-assessment against the Code, the
year's report inputs (the Ombudsman's annual letter, the governing body's response) and
findings of non-compliance recorded from the Ombudsman's decisions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.operations.core import (
    NO_PROGRESS,
    Change,
    OpContext,
    Progress,
    operation,
    reporting,
)
from crm_desktop.operations.policy import Permission
from crm_desktop.reports import code_inputs, self_assessment
from crm_desktop.services import code_findings

__all__ = [
    "code_findings_for",
    "code_year_inputs",
    "export_self_assessment",
    "load_letter_figures",
    "record_code_finding",
    "save_code_year_inputs",
    "save_self_assessment",
    "self_assessment_for",
    "self_assessment_history",
]


@operation(Permission.RUN_REPORTS)
def self_assessment_for(
    ctx: OpContext, year: int, progress: Progress = NO_PROGRESS
) -> self_assessment.SelfAssessment:
    """The year's self-assessment against the Code, pre-filled with what the cases show.
    Reports each step; cancelled, it stops (it only reads)."""
    return self_assessment.load_self_assessment(
        ctx.session, year, ctx.today, progress=reporting(progress)
    )


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def save_self_assessment(
    ctx: OpContext, year: int, answers: Sequence[self_assessment.Answer]
) -> self_assessment.SelfAssessment:
    """Save answers of the year's self-assessment (all of them, or none)."""
    return self_assessment.save_self_assessment(ctx.session, year, answers, ctx.actor, ctx.today)


@operation(Permission.RUN_REPORTS)
def self_assessment_history(ctx: OpContext, year: int) -> list[self_assessment.Change]:
    """Every saved change of the year's self-assessment, oldest first."""
    return self_assessment.history(ctx.session, year)


@operation(Permission.RUN_REPORTS)
def export_self_assessment(
    ctx: OpContext, year: int, out: Path, progress: Progress = NO_PROGRESS
) -> Path:
    """The year's self-assessment and its history as an XLSX workbook. Reports each step;
    cancelled before the workbook is written, no file is saved."""
    step = reporting(progress)
    assessment = self_assessment.load_self_assessment(ctx.session, year, ctx.today, step)
    step(self_assessment.STEPS, self_assessment.STEPS, "Reading the history of answers…")
    changes = self_assessment.history(ctx.session, year)
    step(self_assessment.STEPS, self_assessment.STEPS, "Writing the spreadsheet…")
    return self_assessment.write_self_assessment_xlsx(assessment, changes, out)


@operation(Permission.RUN_REPORTS)
def code_year_inputs(ctx: OpContext, year: int) -> code_inputs.CodeYearInputs:
    """The year's Ombudsman annual letter and governing body's response."""
    return code_inputs.load_code_year(ctx.session, year)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def save_code_year_inputs(
    ctx: OpContext, inputs: code_inputs.CodeYearInputs
) -> code_inputs.CodeYearInputs:
    """Save the year's Ombudsman annual letter and governing body's response."""
    return code_inputs.save_code_year(ctx.session, inputs, ctx.actor)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def load_letter_figures(
    ctx: OpContext,
    year: int,
    path: Path,
    letter_text: Path | None = None,
    progress: Progress = NO_PROGRESS,
) -> code_inputs.CodeYearInputs:
    """Load the annual letter's figures from a CSV file (and its text from a text file).
    Reports each step; cancelled, nothing is saved (the transaction is rolled back)."""
    step = reporting(progress)
    total = 4 if letter_text is not None else 3
    step(0, total, "Reading the year's saved inputs…")
    inputs = code_inputs.load_code_year(ctx.session, year)
    step(1, total, f"Reading the figures from {path.name}…")
    inputs = code_inputs.read_letter_figures(path, inputs)
    if letter_text is not None:
        step(2, total, f"Reading the letter's text from {letter_text.name}…")
        inputs = code_inputs.with_letter_text(inputs, letter_text)
    step(total - 1, total, "Saving the figures…")
    saved = code_inputs.save_code_year(ctx.session, inputs, ctx.actor)
    step(total, total, "Saved.")
    return saved


@operation(Permission.RUN_REPORTS)
def code_findings_for(ctx: OpContext, year: int) -> list[code_findings.Finding]:
    """The findings of non-compliance with the Code on the year's Ombudsman decisions."""
    fy = FinancialYear(year)
    return code_findings.findings(ctx.session, fy.start, fy.end)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def record_code_finding(ctx: OpContext, reference: str, finding: str) -> int:
    """Record the Ombudsman's finding of non-compliance with the Code on a case's
    decision (empty: none)."""
    return code_findings.record_code_finding(ctx.session, reference, finding, ctx.actor)
