"""``crm-desktop report annual``: the annual report as a PDF, and as an XLSX workbook.

    crm-desktop --database URL report annual --year 2022
        [--procedure children|adult|corporate|all] --out FILE.pdf [--xlsx FILE.xlsx]

``--year 2022`` is the financial year 2022/23 (1 April 2022 to 31 March 2023), shown
beside 2021/22 (IMPORT_FORMAT.md). Each file is written to a temporary file beside it
and renamed into place only when every file asked for is complete, so a failure never
leaves a half-written report and never spoils an earlier one of the same name.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crm_desktop.cli import open_for_command
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.errors import UserFacingError, ValidationError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "register"]

FIRST_YEAR = 2000
LAST_YEAR = 2044  # 2044/45 ends in 2045, the last year of the working-day calendar
PROCEDURE_CHOICES = ("children", "adult", "corporate", "all")


class ReportWriteError(UserFacingError):
    """The report could not be written where it was asked for."""


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
    annual.set_defaults(handler=cmd_report_annual)


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


def check_target(path: Path) -> Path:
    """Refuse, before any work, a target that cannot be written."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportWriteError(f"{path} is a folder; give a file name for the report.")
    if not folder.is_dir():
        raise ReportWriteError(
            f"The folder {folder} does not exist. Create it first or choose another place."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportWriteError(
            f"Cannot write to the folder {folder}: permission denied. Choose a folder you "
            "can write to."
        )
    return path


@contextlib.contextmanager
def staged(targets: list[Path]) -> Iterator[list[Path]]:
    """Temporary files beside each target, renamed onto them when the block succeeds.

    If the block fails, the temporary files are removed and the targets are untouched.
    """
    temporaries: list[Path] = []
    try:
        for target in targets:
            # os.open rather than mkstemp: the file gets the user's usual permissions
            # (mkstemp's are owner-only), and O_EXCL still refuses to reuse a name.
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            temporaries.append(temporary)
        yield temporaries
        for temporary, target in zip(temporaries, targets, strict=True):
            try:
                os.replace(temporary, target)
            except PermissionError:
                raise ReportWriteError(
                    f"Cannot replace {target}: it may be open in another program. Close "
                    "it and try again."
                ) from None
    except OSError as exc:
        raise ReportWriteError(
            f"Cannot write the report beside {exc.filename or targets[0]}: {exc.strerror or exc}."
        ) from None
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def cmd_report_annual(args: argparse.Namespace) -> int:
    from crm_desktop.reports.figures import annual_report
    from crm_desktop.reports.pdf import render_pdf
    from crm_desktop.reports.xlsx import render_xlsx

    year = parse_year(str(args.year))
    procedures = parse_procedures(str(args.procedure))
    targets = [check_target(args.out)]
    writers: list[Callable[[Any, Path | BinaryIO], None]] = [render_pdf]
    if args.xlsx is not None:
        targets.append(check_target(args.xlsx))
        writers.append(render_xlsx)
        if targets[0].resolve() == targets[1].resolve():
            raise ValidationError("--out and --xlsx name the same file; give two names.")

    from crm_desktop.db import witness
    from crm_desktop.db.audit import chain_head
    from crm_desktop.db.engine import sqlite_file

    database = open_for_command(args)
    try:
        with database.session() as session:
            report = annual_report(session, year, procedures)
            head = chain_head(session)
        source = sqlite_file(database.engine.url)
    finally:
        database.dispose()

    with staged(targets) as temporaries:
        for write, temporary in zip(writers, temporaries, strict=True):
            write(report, temporary)
    if source is not None and head is not None:
        # The report prints the head it was made from; this account keeps it too.
        witness.note_report(source, head, targets[0])

    which = "all procedures" if procedures is None else procedures[0].label
    print(f"Annual report {FinancialYear(year).label} ({which}) written to {targets[0]}")
    if len(targets) > 1:
        print(f"Workbook written to {targets[1]}")
    return 0
