"""``crm-desktop import cases FILE``: historical cases from a CSV or XLSX file.

    crm-desktop --database URL import cases FILE [--dry-run] [--skip-existing]
                                                 [--add-missing-reference-data]

The file format is IMPORT_FORMAT.md's. Exit status 0 with a one-paragraph summary on
standard output when the file imports (or, with ``--dry-run``, would import) cleanly;
2 with the errors on standard error otherwise, one per line
(``row N, COLUMN: reason``, every one), then a last line saying nothing was
imported. A file that
cannot be read at all is one line on standard error, exit status 2, and the database is
not opened.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path
from typing import Any

from crm_desktop.cli import PrintedProgress, open_for_command, run_command
from crm_desktop.db import witness
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.engine import resolve_database_url
from crm_desktop.operations.core import NO_PROGRESS
from crm_desktop.services.importer import read_rows, summary
from crm_desktop.urls import parse_url, sqlite_file

__all__ = ["register"]

EXIT_REFUSED = 2


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


def cmd_import_cases(args: argparse.Namespace) -> int:
    from crm_desktop.operations import imports

    rows = read_rows(args.file)  # an unreadable file stops here, before the database opens
    op = imports.check_rows if args.dry_run else imports.import_rows
    # How far it has got, in a terminal only: standard error otherwise holds the errors.
    progress = PrintedProgress("rows") if sys.stderr.isatty() else NO_PROGRESS
    target = sqlite_file(parse_url(resolve_database_url(args.database)))
    with contextlib.ExitStack() as scratch:
        if args.dry_run and target is not None and not target.exists():
            # A dry run writes nothing, not even a new database: the file is checked
            # against a new one in a folder deleted afterwards.
            # (Standard error stays empty: scripts read anything there as a failure.)
            folder = Path(scratch.enter_context(tempfile.TemporaryDirectory()))
            database = open_database(f"sqlite:///{folder / 'dry-run.db'}")
            scratch.callback(witness.forget, folder / "dry-run.db")
        else:
            database = open_for_command(args)
        return _import(args, database, op, rows, progress)


def _import(
    args: argparse.Namespace,
    database: Database,
    op: Any,
    rows: Any,
    progress: Any,
) -> int:
    try:
        result = run_command(
            database,
            args,
            op,
            rows,
            args.file,
            args.skip_existing,
            args.add_missing_reference_data,
            progress=progress,
        )
    finally:
        database.dispose()
        if isinstance(progress, PrintedProgress):
            progress.end()
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
