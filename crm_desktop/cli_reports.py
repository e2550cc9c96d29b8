"""``crm-desktop report annual``: the annual report as a PDF, and as an XLSX workbook.

    crm-desktop --database URL report annual --year 2022
        [--procedure children|adult|corporate|all] --out FILE.pdf [--xlsx FILE.xlsx]
        [--html FILE.html]

``--year 2022`` is the financial year 2022/23 (1 April 2022 to 31 March 2023), shown
beside 2021/22 (IMPORT_FORMAT.md). The report is written by the same operation the
Reports page uses (:func:`crm_desktop.operations.reports.write_annual_report`): each
file is written to a temporary file beside it and renamed into place only when every
file asked for is complete, so a failure never leaves a half-written report and never
spoils an earlier one of the same name.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crm_desktop.cli import open_for_command, run_command
from crm_desktop.domain.enums import Procedure
from crm_desktop.errors import ValidationError
from crm_desktop.reports.annual import FIRST_YEAR, LAST_YEAR, ReportFiles

__all__ = ["register"]

PROCEDURE_CHOICES = ("children", "adult", "corporate", "all")


def register(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report",
        help="reports: the annual report as PDF and XLSX",
        description="Produce reports from the cases in the database.",
    )
    kinds = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    annual = kinds.add_parser(
        "annual",
        help="the annual report for a financial year, beside the year before",
        description="Write the annual report on comments, compliments and complaints for "
        "a financial year (1 April to 31 March) with the previous year beside it: a PDF, "
        "and with --xlsx the same figures as a workbook.",
    )
    # Checked in the handler, not by argparse, so that a mistake is one line on stderr.
    annual.add_argument(
        "--year",
        required=True,
        metavar="YYYY",
        help=f"the year the financial year starts in: 2022 means 2022/23 "
        f"({FIRST_YEAR} to {LAST_YEAR})",
    )
    annual.add_argument(
        "--procedure",
        default="all",
        metavar="|".join(PROCEDURE_CHOICES),
        help="which procedure's tables (default: all)",
    )
    annual.add_argument("--out", required=True, type=Path, metavar="FILE.pdf", help="the PDF")
    annual.add_argument(
        "--xlsx", type=Path, default=None, metavar="FILE.xlsx", help="also write a workbook"
    )
    annual.add_argument(
        "--html",
        type=Path,
        default=None,
        metavar="FILE.html",
        help="also write the report as one accessible web page, for the council's website",
    )
    annual.set_defaults(handler=cmd_report_annual)
    code = kinds.add_parser(
        "code",
        help="the Complaint Handling Code's annual complaints performance and service "
        "improvement report",
        description="Write the Complaint Handling Code's annual complaints performance and "
        "service improvement report for a financial year the Code covers (2026 or later): a "
        "PDF, with --xlsx its tables as a workbook, with --html one accessible web page.",
    )
    code.add_argument(
        "--year", required=True, metavar="YYYY", help="the year the financial year starts in"
    )
    code.add_argument("--out", required=True, type=Path, metavar="FILE.pdf", help="the PDF")
    code.add_argument(
        "--xlsx", type=Path, default=None, metavar="FILE.xlsx", help="also write a workbook"
    )
    code.add_argument(
        "--html", type=Path, default=None, metavar="FILE.html", help="also write a web page"
    )
    code.set_defaults(handler=cmd_report_code)


def parse_year(text: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            f"--year must be a year from {FIRST_YEAR} to {LAST_YEAR}, the year the financial "
            f"year starts in (2022 means 2022/23); got '{text}'.",
            "year",
        )
    return year


def parse_procedures(text: str) -> list[Procedure] | None:
    """The procedures asked for; None for all."""
    choice = text.strip().lower()
    if choice not in PROCEDURE_CHOICES:
        raise ValidationError(
            f"--procedure must be one of {', '.join(PROCEDURE_CHOICES)}; got '{text}'.",
            "procedure",
        )
    return None if choice == "all" else [Procedure(choice)]


def cmd_report_annual(args: argparse.Namespace) -> int:
    from crm_desktop.operations import reports

    year = parse_year(str(args.year))
    procedures = parse_procedures(str(args.procedure))
    database = open_for_command(args, must_exist=True)
    try:
        written = run_command(
            database,
            args,
            reports.write_annual_report,
            year,
            procedures,
            args.out,
            args.xlsx,
            web_page=args.html,
        )
    finally:
        database.dispose()
    print(f"Annual report {written.year.label} ({written.which}) written to {written.pdf}")
    _print_others(written)
    return 0


def cmd_report_code(args: argparse.Namespace) -> int:
    from crm_desktop.operations import reports

    year = parse_year(str(args.year))
    database = open_for_command(args, must_exist=True)
    try:
        written = run_command(
            database,
            args,
            reports.write_annual_report,
            year,
            None,
            args.out,
            args.xlsx,
            web_page=args.html,
            kind="code",
        )
    finally:
        database.dispose()
    print(f"{written.name} written to {written.pdf}")
    _print_others(written)
    return 0


def _print_others(written: ReportFiles) -> None:
    if written.workbook is not None:
        print(f"Workbook written to {written.workbook}")
    if written.web_page is not None:
        print(f"Web page written to {written.web_page}")
