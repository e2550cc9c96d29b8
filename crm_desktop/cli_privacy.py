"""``crm-desktop privacy ...``: retention, legal hold, subject access, the access log.

    crm-desktop privacy review [--as-of DATE]
    crm-desktop privacy anonymise CASE_REF --reason TEXT
    crm-desktop privacy delete CASE_REF --reason TEXT
    crm-desktop privacy hold CASE_REF --reason TEXT
    crm-desktop privacy release CASE_REF --reason TEXT
    crm-desktop privacy purge [--as-of DATE] --reason TEXT [--dry-run]
    crm-desktop privacy sar PERSON_ID --out FILE.zip [--reference REF]
    crm-desktop privacy access-log [--case REF] [--user USERNAME] [--limit N]
    crm-desktop privacy population CHARACTERISTIC CATEGORY PERCENT|none

Every command takes ``--as USERNAME`` to act as a user of the program (their role must
allow it: managers only). Without it the command acts as the operating-system account
that runs it, with an administrator's rights: anyone who can run it against the database
can already change anything in it. Either way the name is what the logs record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import Any

from sqlalchemy.orm import Session

from crm_desktop.cli import open_for_command, parse_date, positive_int
from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="act as this user of the program (default: your computer account, as admin)",
    )
    privacy = subparsers.add_parser(
        "privacy",
        help="data protection: retention review, anonymise, legal hold, subject access",
        description="Data protection: the retention schedule, legal holds, subject access "
        "exports and the access log. Managers only.",
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)

    review = actions.add_parser(
        "review", parents=[common], help="cases whose retention period has ended"
    )
    review.add_argument("--as-of", type=parse_date, default=None, metavar="DATE")
    review.set_defaults(handler=cmd_review)

    for name, handler, text in (
        ("anonymise", cmd_anonymise, "remove a closed case's personal data, keep its figures"),
        ("delete", cmd_delete, "delete a closed case and all its records"),
        ("hold", cmd_hold, "place a legal hold: the case cannot be anonymised or deleted"),
        ("release", cmd_release, "release a legal hold"),
    ):
        action = actions.add_parser(name, parents=[common], help=text, description=text)
        action.add_argument("reference", metavar="CASE_REF")
        action.add_argument("--reason", required=True, help="why (kept with the record)")
        action.set_defaults(handler=handler)

    purge = actions.add_parser(
        "purge",
        parents=[common],
        help="apply the retention schedule: anonymise or delete every case due",
    )
    purge.add_argument("--as-of", type=parse_date, default=None, metavar="DATE")
    purge.add_argument("--reason", required=True)
    purge.add_argument("--dry-run", action="store_true", help="list what would be done")
    purge.set_defaults(handler=cmd_purge)

    sar = actions.add_parser(
        "sar", parents=[common], help="subject access: everything held about a person, as a ZIP"
    )
    sar.add_argument("person_id", type=positive_int, metavar="PERSON_ID")
    sar.add_argument("--out", required=True, metavar="FILE.zip")
    sar.add_argument("--reference", help="the request's reference, shown in the index")
    sar.set_defaults(handler=cmd_sar)

    log = actions.add_parser("access-log", parents=[common], help="who opened which case")
    log.add_argument("--case", metavar="CASE_REF")
    log.add_argument("--user", metavar="USERNAME")
    log.add_argument("--limit", type=positive_int, default=200)
    log.set_defaults(handler=cmd_access_log)

    population = actions.add_parser(
        "population",
        parents=[common],
        help="set the population share of an equality monitoring category",
    )
    population.add_argument("characteristic", metavar="CHARACTERISTIC")
    population.add_argument("category", metavar="CATEGORY")
    population.add_argument("percent", metavar="PERCENT", help="0 to 100, or 'none'")
    population.set_defaults(handler=cmd_population)


# ------------------------------------------------------------------------- helpers


def _actor(session: Session, args: argparse.Namespace) -> Actor:
    if args.as_user:
        import sqlalchemy as sa

        from crm_desktop.db.models import User
        from crm_desktop.services.users import actor_for

        user = session.scalar(sa.select(User).where(User.username == args.as_user.strip().lower()))
        if user is None:
            raise ValidationError(f"There is no user called {args.as_user}.", "as")
        if not user.active:
            raise ValidationError(f"The user {user.username} is not active.", "as")
        return actor_for(user)
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = ""
    return Actor(f"cli:{login}" if login else "cli", UserRole.ADMIN)


def _today(args: argparse.Namespace) -> dt.date:
    as_of: dt.date | None = getattr(args, "as_of", None)
    return as_of or dt.date.today()


def _remove_files(database: Database, names: tuple[str, ...]) -> int:
    if not names:
        return 0
    from crm_desktop.privacy.retention import remove_stored_files
    from crm_desktop.services.attachments import store_folder

    with database.session() as session:
        store = store_folder(session, database.url)
    return len(remove_stored_files(store, names))


# ------------------------------------------------------------------------ commands


def cmd_review(args: argparse.Namespace) -> int:
    from crm_desktop.privacy.retention import retention_review

    as_of = _today(args)
    database = open_for_command(args)
    try:
        with database.session() as session:
            items = retention_review(session, _actor(session, args), as_of)
    finally:
        database.dispose()
    if not items:
        print(f"Nothing is due for anonymisation or deletion on {format_date(as_of)}.")
        return 0
    print(f"{'reference':<16} {'kind':<10} {'closed':<11} {'due':<11} {'action':<10} hold")
    for item in items:
        hold = f"ON HOLD: {item.hold_reason}" if item.legal_hold else ""
        print(
            f"{item.reference:<16} {item.kind.value:<10} {item.closed_on.isoformat():<11} "
            f"{item.due_on.isoformat():<11} {item.method.value:<10} {hold}".rstrip()
        )
    held = sum(1 for i in items if i.legal_hold)
    print(f"{len(items)} due on {format_date(as_of)}, {held} of them on legal hold.")
    return 0


def _case_action(args: argparse.Namespace, what: str) -> int:
    from crm_desktop.privacy import retention
    from crm_desktop.privacy.common import case_id_for_reference

    database = open_for_command(args)
    try:

        def work(session: Session) -> Any:
            actor = _actor(session, args)
            case_id = case_id_for_reference(session, args.reference)
            if what == "anonymise":
                return retention.anonymise_case(session, actor, case_id, args.reason)
            if what == "delete":
                return retention.delete_case(session, actor, case_id, args.reason)
            if what == "hold":
                return retention.place_legal_hold(session, actor, case_id, args.reason)
            return retention.release_legal_hold(session, actor, case_id, args.reason)

        result = database.write(work)
        if isinstance(result, retention.RetentionResult):
            removed = _remove_files(database, result.files_to_remove)
            done = "Anonymised" if what == "anonymise" else "Deleted"
            print(
                f"{done} {result.reference}: {result.persons_anonymised} people anonymised, "
                f"{result.persons_deleted} deleted, {removed} attachment files removed."
            )
        elif what == "hold":
            print(f"{args.reference.upper()} is on legal hold.")
        else:
            print(f"The legal hold on {args.reference.upper()} is released.")
    finally:
        database.dispose()
    return 0


def cmd_anonymise(args: argparse.Namespace) -> int:
    return _case_action(args, "anonymise")


def cmd_delete(args: argparse.Namespace) -> int:
    return _case_action(args, "delete")


def cmd_hold(args: argparse.Namespace) -> int:
    return _case_action(args, "hold")


def cmd_release(args: argparse.Namespace) -> int:
    return _case_action(args, "release")


def cmd_purge(args: argparse.Namespace) -> int:
    from crm_desktop.privacy.retention import purge, retention_review

    as_of = _today(args)
    database = open_for_command(args)
    try:
        if args.dry_run:
            with database.session() as session:
                items = retention_review(session, _actor(session, args), as_of)
            for item in items:
                what = "kept (legal hold)" if item.legal_hold else f"would {item.method.value}"
                print(f"{item.reference}: {what}")
            print(f"{len(items)} due on {format_date(as_of)}; nothing was changed.")
            return 0
        result = database.write(
            lambda session: purge(session, _actor(session, args), as_of, args.reason)
        )
        removed = _remove_files(database, result.files_to_remove)
    finally:
        database.dispose()
    for done in result.done:
        print(f"{done.reference}: {done.method.value}d")
    for item in result.held:
        print(f"{item.reference}: kept, on legal hold ({item.hold_reason or 'no reason'})")
    print(
        f"{len(result.done)} cases done, {len(result.held)} kept on legal hold, "
        f"{result.access_entries_deleted} access log entries deleted, "
        f"{removed} attachment files removed."
    )
    return 0


def cmd_sar(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crm_desktop.privacy.subject_access import subject_access_export
    from crm_desktop.services.attachments import store_folder

    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise ValidationError("Give the export a file name ending in .zip.", "out")
    database = open_for_command(args)
    try:

        def work(session: Session) -> Any:
            return subject_access_export(
                session,
                _actor(session, args),
                args.person_id,
                out,
                store=store_folder(session, database.url),
                request_reference=args.reference,
            )

        result = database.write(work)
    finally:
        database.dispose()
    print(
        f"Wrote {result.path}: {len(result.cases)} cases, {len(result.files)} files, "
        f"{result.redactions} third-party redactions (logged). SHA-256 {result.sha256}"
    )
    for name in result.attachments_not_included:
        print(f"crm-desktop: warning: attachment not included: {name}", file=sys.stderr)
    return 0


def cmd_access_log(args: argparse.Namespace) -> int:
    from crm_desktop.privacy.access_log import access_log
    from crm_desktop.privacy.common import case_id_for_reference

    database = open_for_command(args)
    try:
        with database.session() as session:
            actor = _actor(session, args)
            case_id = case_id_for_reference(session, args.case) if args.case else None
            entries = access_log(
                session, actor, case_id=case_id, username=args.user, limit=args.limit
            )
    finally:
        database.dispose()
    if not entries:
        print("Nobody has opened a case that matches.")
        return 0
    for entry in entries:
        reference = entry.reference or f"(deleted case {entry.case_id})"
        print(
            f"{entry.opened_at:%Y-%m-%d %H:%M:%S} UTC  {entry.username:<20} "
            f"{entry.role:<18} {reference}"
        )
    return 0


def cmd_population(args: argparse.Namespace) -> int:
    from crm_desktop.db.models_privacy import Characteristic
    from crm_desktop.privacy.equality import set_population_share

    try:
        characteristic = Characteristic(args.characteristic.strip().lower().replace(" ", "_"))
    except ValueError:
        names = ", ".join(c.value for c in Characteristic)
        raise ValidationError(f"Choose a characteristic: {names}.", "characteristic") from None
    text = args.percent.strip().rstrip("%")
    try:
        percent = None if text.lower() == "none" else float(text)
    except ValueError:
        raise ValidationError(f"'{args.percent}' is not a percentage.", "percent") from None
    database = open_for_command(args)
    try:
        view = database.write(
            lambda session: set_population_share(
                session, _actor(session, args), characteristic, args.category, percent
            )
        )
    finally:
        database.dispose()
    shown = "not set" if view.population_percent is None else f"{view.population_percent}%"
    print(f"{characteristic.label}, {view.label}: population share {shown}.")
    return 0
