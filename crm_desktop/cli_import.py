"""``crm-desktop import cases FILE``: historical cases from a CSV or XLSX file.

    crm-desktop --database URL import cases FILE [--dry-run] [--skip-existing]
                                                 [--add-missing-reference-data]

The file format is IMPORT_FORMAT.md's. Exit status 0 with a one-paragraph summary on
standard output when the file imports (or, with ``--dry-run``, would import) cleanly;
2 with every error on standard error otherwise, one per line
(``row N, COLUMN: reason``), then a last line saying nothing was imported. A file that
cannot be read at all is one line on standard error, exit status 2, and the database is
not opened.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import Any

from crm_desktop.cli import open_for_command
from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.services.importer import ImportResult, import_rows, read_rows

__all__ = ["register", "summary"]

EXIT_REFUSED = 2
_SHOWN_SKIPPED = 10


def register(subparsers: Any) -> None:
    command = subparsers.add_parser(
        "import",
        help="import historical data from a file",
        description="Import historical data from a file.",
    )
    what = command.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    cases = what.add_parser(
        "cases",
        help="historical cases from a CSV or XLSX file (one row per stage)",
        description="Import historical complaints, compliments and comments from a CSV (UTF-8) "
        "or XLSX file in the import format: one row per stage of a case. The whole file is "
        "checked first; if anything is wrong, nothing is imported and every error is listed.",
    )
    cases.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    cases.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file and report what would be imported, without writing anything",
    )
    cases.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave cases whose reference is already in the database as they are (otherwise "
        "such a reference is an error)",
    )
    cases.add_argument(
        "--add-missing-reference-data",
        action="store_true",
        help="add directorates, service areas, teams, natures and service categories the file "
        "names but the database does not have (otherwise an unknown name is an error)",
    )
    cases.set_defaults(handler=cmd_import_cases)


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        user = ""
    return f"import:{user}" if user else "import"


def cmd_import_cases(args: argparse.Namespace) -> int:
    rows = read_rows(args.file)  # an unreadable file stops here, before the database opens
    database = open_for_command(args)
    try:
        result = import_rows(
            database,
            rows,
            dry_run=args.dry_run,
            skip_existing=args.skip_existing,
            add_missing_reference_data=args.add_missing_reference_data,
            actor=_actor(),
            today=dt.date.today(),
            source=args.file,
        )
    finally:
        database.dispose()
    if not result.ok:
        for error in result.errors:
            print(error, file=sys.stderr)
        count = len(result.errors)
        print(
            f"Nothing was imported: {count} error{'s' * (count != 1)} in {args.file}. Correct "
            "the file and run the import again.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    print(summary(result))
    return 0


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _breakdown(result: ImportResult) -> str:
    parts: list[str] = []
    for kind in Kind:
        total = result.cases_of(kind)
        if not total:
            continue
        by_procedure = ", ".join(
            f"{result.cases_of(kind, p):,} {p.value}" for p in Procedure if result.cases_of(kind, p)
        )
        parts.append(f"{_plural(total, kind.value)} ({by_procedure})")
    return "; ".join(parts)


def summary(result: ImportResult) -> str:
    """One paragraph: what was (or would be) imported, and what was skipped."""
    verb = "Would import" if result.dry_run else "Imported"
    text = f"{verb} {_plural(result.cases, 'case')} from {result.source}"
    if result.cases:
        text += f": {_breakdown(result)}"
    text += (
        f", with {_plural(result.stages, 'stage')} and {_plural(result.points, 'complaint point')}"
    )
    if result.lgsco_decisions or result.lgsco_payments_pence:
        pounds = result.lgsco_payments_pence / 100
        text += (
            f" ({_plural(result.lgsco_decisions, 'Ombudsman decision')}, "
            f"£{pounds:,.2f} in Ombudsman payments)"
        )
    text += "."
    if result.skipped:
        shown = ", ".join(result.skipped[:_SHOWN_SKIPPED])
        more = len(result.skipped) - _SHOWN_SKIPPED
        if more > 0:
            shown += f" and {more:,} more"
        was = "would be" if result.dry_run else "were"
        text += (
            f" {_plural(len(result.skipped), 'case')} already in the database {was} skipped: "
            f"{shown}."
        )
    else:
        text += " No cases were skipped."
    if result.added_reference_data:
        added = "would be added" if result.dry_run else "were added"
        text += (
            f" {_plural(len(result.added_reference_data), 'reference data name')} {added}: "
            + ", ".join(result.added_reference_data)
            + "."
        )
    if result.dry_run:
        text += " This was a dry run: nothing was written."
    return text
