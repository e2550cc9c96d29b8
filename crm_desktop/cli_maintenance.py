"""``crm-desktop backup``, ``restore`` and ``audit verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_desktop.cli import open_for_command, run_command
from crm_desktop.db.database import attach_database
from crm_desktop.db.engine import resolve_database_url
from crm_desktop.db.witness import parse_witness
from crm_desktop.domain.formatting import counted
from crm_desktop.errors import ValidationError

if TYPE_CHECKING:
    from crm_desktop.services.maintenance import AuditVerification


def register(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to a new file while others keep working (SQLite)"
    )
    backup.add_argument("out", type=Path)
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser(
        "restore",
        help="replace the database with a checked backup (the replaced one is kept beside it)",
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=cmd_restore)
    audit = commands.add_parser("audit", help="the tamper-evident history of changes")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="check no event was edited, deleted or reordered, against the chain and every "
        "witness kept of it (exit 1 if any was; 3 if no witness but this account's earlier "
        "checks was found, so a cut cannot be ruled out)",
    )
    verify.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="a head printed in an annual report or by a backup: the trail must still have "
        "that event (may be given more than once)",
    )
    verify.set_defaults(handler=cmd_audit_verify)


def cmd_backup(args: argparse.Namespace) -> int:
    from crm_desktop.db.audit import describe_head
    from crm_desktop.operations import maintenance

    # The file as it is: a backup neither upgrades nor changes the database first.
    database = attach_database(resolve_database_url(args.database))
    try:
        result = run_command(database, args, maintenance.back_up, args.out)
    finally:
        database.dispose()
    print(f"Backed up {result.pages:,} pages ({result.size_bytes / 1e6:.1f} MB) to {result.path}")
    print(f"The copy holds {describe_head(result.audit_head)}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance
    from crm_desktop.services.backup import removals_undone

    # Not opened: the database being replaced may be damaged, or missing.
    database = attach_database(resolve_database_url(args.database))
    try:
        kept = run_command(database, args, maintenance.restore_backup, args.file)
    finally:
        database.dispose()
    if kept is not None:
        print(f"The database it replaced is kept as {kept}")
    print(f"Restored {args.file}")
    undone = removals_undone(kept, args.file) if kept is not None else []
    if undone:
        print(
            f"{counted(len(undone), 'case')} {'was' if len(undone) == 1 else 'were'} "
            "anonymised or deleted after the backup was made, so "
            "the restore brought their personal data back. Anonymise or delete each again "
            "(crm-desktop privacy anonymise|delete REF --reason ...):"
        )
        for removal in undone:
            print(
                f"  {removal.reference or '(no reference)'}: {removal.kind} at "
                f"{removal.occurred_at[:16]} UTC ({removal.reason})"
            )
    return 0


# ``audit verify``: the events link up, but no witness of the file was found, or only
# this account's earlier checks: a cut made before them cannot be ruled out.
UNWITNESSED = 3


def _witnessed(result: AuditVerification) -> str:
    """The end of ``audit verify``'s sentence for a trail found whole: what the
    witnesses it was held to vouch for, and what they cannot."""
    if not result.witnesses or result.witnessed_to is None:
        return "."
    text = (
        f", checked against {counted(result.witnesses, 'witness', 'witnesses')} (the newest "
        f"saw event {result.witnessed_to:,})."
    )
    after = (result.last_event or 0) - result.witnessed_to
    if after > 0:
        text += (
            f" The last {counted(after, 'event')} came after every witness found, so nothing "
            "vouches for them yet."
        )
    if result.only_checks:
        text += (
            " Every witness found is an earlier audit verify from this account: nothing was "
            "cut or rewritten since that check, but a change made before it cannot be ruled "
            "out. Check from an account that writes to this database, or give the head "
            "printed on a report or by a backup (--witness)."
        )
    return text


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance

    try:
        given = [parse_witness(text) for text in args.witness]
    except ValueError as exc:
        raise ValidationError(
            f"--witness {exc} is not a head: give it as the event number, a colon and the "
            "64-character fingerprint, as a report or backup prints it (1234:0a1b...).",
            "witness",
        ) from None
    database = open_for_command(args, must_exist=True)
    try:
        result = run_command(database, args, maintenance.check_audit_trail, given)
    finally:
        database.dispose()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if not result.problems and result.unwitnessed:
        print(
            f"The events link up ({result.events:,} events, each linked to the one before), "
            "but no witness of this file was found, so a trail cut short, or rewritten and "
            "chained again, cannot be ruled out (see the note)."
        )
        return UNWITNESSED
    if not result.problems:
        print(
            f"The audit trail is intact: {result.events:,} events, each linked to the one "
            f"before{_witnessed(result)}"
        )
        return UNWITNESSED if result.only_checks else 0
    for problem in result.problems:
        print(problem.describe(), file=sys.stderr)
    print(
        f"The audit trail has been tampered with ({counted(len(result.problems), 'problem')}). "
        "Keep this "
        "database as evidence and restore the latest good backup.",
        file=sys.stderr,
    )
    return 1
