"""``crm-desktop backup``, ``restore`` and ``audit verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crm_desktop.cli import open_for_command, run_command
from crm_desktop.db.database import attach_database
from crm_desktop.db.engine import resolve_database_url


def register(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to a new file while others keep working (SQLite)"
    )
    backup.add_argument("out", type=Path)
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (everyone must close the program)"
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=cmd_restore)
    audit = commands.add_parser("audit", help="the tamper-evident history of changes")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    actions.add_parser(
        "verify", help="check no event was edited, deleted or reordered (exit 1 if any was)"
    ).set_defaults(handler=cmd_audit_verify)


def cmd_backup(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance

    # The file as it is: a backup neither upgrades nor changes the database first.
    database = attach_database(resolve_database_url(args.database))
    try:
        result = run_command(database, args, maintenance.back_up, args.out)
    finally:
        database.dispose()
    print(f"Backed up {result.pages:,} pages ({result.size_bytes / 1e6:.1f} MB) to {result.path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance

    # Not opened: the database being replaced may be damaged, or missing.
    database = attach_database(resolve_database_url(args.database))
    try:
        kept = run_command(database, args, maintenance.restore_backup, args.file)
    finally:
        database.dispose()
    if kept is not None:
        print(f"The database it replaced is kept as {kept}")
    print(f"Restored {args.file}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance

    database = open_for_command(args)
    try:
        trail = run_command(database, args, maintenance.check_audit_trail)
    finally:
        database.dispose()
    if not trail.problems:
        print(
            f"The audit trail is intact: {trail.events:,} events, each linked to the one before."
        )
        return 0
    for problem in trail.problems:
        print(f"event {problem.event_id} {problem.problem}", file=sys.stderr)
    print(
        f"The audit trail has been tampered with ({len(trail.problems)} problems). Keep this "
        "database as evidence and restore the latest good backup.",
        file=sys.stderr,
    )
    return 1
