"""``crm-desktop selfcheck``: check this installation works (see :mod:`crm_desktop.selfcheck`).

    crm-desktop selfcheck [--cases N] [--no-window]

Works on a throwaway database in a temporary folder (``--database`` is not used);
exit status 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
from typing import Any

from crm_desktop.cli import positive_int
from crm_desktop.selfcheck import DEFAULT_CASES, run_selfcheck

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "selfcheck",
        help="check this installation works: database, migrations, demo data, PDF, window",
        description="Create a throwaway database in a temporary folder, migrate it, load "
        "demo data, render the annual report to PDF and open the main window offscreen, "
        "printing each step. Your own database and settings are not touched. Exit status "
        "0 when every step passed, 1 otherwise.",
    )
    parser.add_argument(
        "--cases",
        type=positive_int,
        default=DEFAULT_CASES,
        help=f"how many demo cases to make (default {DEFAULT_CASES})",
    )
    parser.add_argument(
        "--no-window",
        action="store_true",
        help="skip the desktop window step (a machine without Qt's libraries)",
    )
    parser.set_defaults(handler=cmd_selfcheck)


def cmd_selfcheck(args: argparse.Namespace) -> int:
    desktop = args.desktop() if args.desktop is not None and not args.no_window else None
    results = run_selfcheck(
        args.cases,
        window=not args.no_window,
        window_check=desktop.window_check if desktop is not None else None,
    )
    return 0 if all(result.ok for result in results) else 1
