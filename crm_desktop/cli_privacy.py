"""``crm-desktop privacy ...``: retention, legal hold, subject access, the access log.

    crm-desktop privacy review [--as-of DATE]
    crm-desktop privacy anonymise CASE_REF --reason TEXT
    crm-desktop privacy delete CASE_REF --reason TEXT
    crm-desktop privacy hold CASE_REF --reason TEXT
    crm-desktop privacy release CASE_REF --reason TEXT
    crm-desktop privacy purge [--as-of DATE] --reason TEXT [--dry-run]
    crm-desktop privacy people TEXT
    crm-desktop privacy sar PERSON_ID --out FILE.zip [--reference REF]
    crm-desktop privacy access-log [--case REF] [--user USERNAME] [--limit N]
    crm-desktop privacy population [CHARACTERISTIC CATEGORY PERCENT|none]

Each command is one operation (:mod:`crm_desktop.operations.privacy`) run for the
command's user: ``crm-desktop --as USERNAME privacy ...`` acts as that user of the
program (their role must allow it: managers only); without ``--as``, the user of the
PostgreSQL login, or on a SQLite file the command-line administrator (anyone who can
open the file can already change anything in it). That name is what the logs record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from crm_desktop.cli import command_database, parse_date, positive_int, run_command
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    privacy = subparsers.add_parser(
        "privacy",
        help="data protection: retention review, anonymise, legal hold, subject access",
        description="Data protection: the retention schedule, legal holds, subject access "
        "exports and the access log. Managers only.",
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)

    review = actions.add_parser("review", help="cases whose retention period has ended")
    review.add_argument("--as-of", type=parse_date, default=None, metavar="DATE")
    review.set_defaults(handler=cmd_review)

    for name, handler, text in (
        ("anonymise", cmd_anonymise, "remove a closed case's personal data, keep its figures"),
        ("delete", cmd_delete, "delete a closed case and all its records"),
        ("hold", cmd_hold, "place a legal hold: the case cannot be anonymised or deleted"),
        ("release", cmd_release, "release a legal hold"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("reference", metavar="CASE_REF")
        action.add_argument("--reason", required=True, help="why (kept with the record)")
        action.set_defaults(handler=handler)

    purge = actions.add_parser(
        "purge",
        help="apply the retention schedule: anonymise or delete every case due",
    )
    purge.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="the day to apply the schedule as of (default today; a later day only with --dry-run)",
    )
    purge.add_argument("--reason", required=True)
    purge.add_argument("--dry-run", action="store_true", help="list what would be done")
    purge.set_defaults(handler=cmd_purge)

    people = actions.add_parser(
        "people",
        help="find a person (part of a name, email, postcode, or a case reference) and "
        "their PERSON_ID for sar",
    )
    people.add_argument("text")
    people.set_defaults(handler=cmd_people)

    sar = actions.add_parser("sar", help="subject access: everything held about a person, as a ZIP")
    sar.add_argument("person_id", type=positive_int, metavar="PERSON_ID")
    sar.add_argument("--out", required=True, metavar="FILE.zip")
    sar.add_argument("--reference", help="the request's reference, shown in the index")
    sar.set_defaults(handler=cmd_sar)

    log = actions.add_parser("access-log", help="who opened which case")
    log.add_argument("--case", metavar="CASE_REF")
    log.add_argument("--user", metavar="USERNAME")
    log.add_argument("--limit", type=positive_int, default=200)
    log.set_defaults(handler=cmd_access_log)

    population = actions.add_parser(
        "population",
        help="list the population shares of the equality monitoring categories, or set one",
    )
    population.add_argument("characteristic", metavar="CHARACTERISTIC", nargs="?")
    population.add_argument("category", metavar="CATEGORY", nargs="?")
    population.add_argument("percent", metavar="PERCENT", nargs="?", help="0 to 100, or 'none'")
    population.set_defaults(handler=cmd_population)


# ------------------------------------------------------------------------- helpers


def _today(args: argparse.Namespace) -> dt.date:
    as_of: dt.date | None = getattr(args, "as_of", None)
    return as_of or dt.date.today()


# ------------------------------------------------------------------------ commands


def cmd_review(args: argparse.Namespace) -> int:
    from crm_desktop.operations.privacy import retention_review

    as_of = _today(args)
    with command_database(args, must_exist=True) as database:
        items = run_command(database, args, retention_review)
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


def _removal(args: argparse.Namespace, what: str) -> int:
    from crm_desktop.operations import privacy

    op = privacy.anonymise_case if what == "anonymise" else privacy.delete_case
    with command_database(args, must_exist=True) as database:
        result = run_command(database, args, op, args.reference, args.reason)
    done = "Anonymised" if what == "anonymise" else "Deleted"
    print(
        f"{done} {result.reference}: {result.persons_anonymised} people anonymised, "
        f"{result.persons_deleted} deleted, {result.files_removed} attachment files removed."
    )
    return 0


def _hold(args: argparse.Namespace, place: bool) -> int:
    from crm_desktop.operations import privacy

    op = privacy.place_legal_hold if place else privacy.release_legal_hold
    with command_database(args, must_exist=True) as database:
        run_command(database, args, op, args.reference, args.reason)
    if place:
        print(f"{args.reference.upper()} is on legal hold.")
    else:
        print(f"The legal hold on {args.reference.upper()} is released.")
    return 0


def cmd_anonymise(args: argparse.Namespace) -> int:
    return _removal(args, "anonymise")


def cmd_delete(args: argparse.Namespace) -> int:
    return _removal(args, "delete")


def cmd_hold(args: argparse.Namespace) -> int:
    return _hold(args, place=True)


def cmd_release(args: argparse.Namespace) -> int:
    return _hold(args, place=False)


def cmd_purge(args: argparse.Namespace) -> int:
    from crm_desktop.operations.privacy import purge, retention_review

    as_of = _today(args)
    if not args.dry_run and as_of > dt.date.today():
        # Cases not yet due would be anonymised or deleted, for good.
        raise ValidationError(
            f"--as-of {as_of.isoformat()} is after today: a purge acts only on cases due "
            "by today. Nothing was changed; add --dry-run (or use privacy review) to see "
            "what will be due then.",
            "as_of",
        )
    with command_database(args, must_exist=True) as database:
        if args.dry_run:
            items = run_command(database, args, retention_review)
            for item in items:
                what = "kept (legal hold)" if item.legal_hold else f"would {item.method.value}"
                print(f"{item.reference}: {what}")
            print(f"{len(items)} due on {format_date(as_of)}; nothing was changed.")
            return 0
        result = run_command(database, args, purge, args.reason)
    for done in result.done:
        print(f"{done.reference}: {done.method.value}d")
    for item in result.held:
        print(f"{item.reference}: kept, on legal hold ({item.hold_reason or 'no reason'})")
    print(
        f"{len(result.done)} cases done, {len(result.held)} kept on legal hold, "
        f"{result.access_entries_deleted} access log entries deleted, "
        f"{result.files_removed} attachment files removed."
    )
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    from crm_desktop.operations.privacy import find_people

    with command_database(args, must_exist=True) as database:
        found = run_command(database, args, find_people, args.text)
    if not found:
        print("Nobody found: try part of the name, or a case reference.")
        return 0
    for person in found:
        print(f"{person.id}\t{person.name}\t{person.detail}")
    return 0


def cmd_sar(args: argparse.Namespace) -> int:
    from crm_desktop.operations.privacy import subject_access_export

    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise ValidationError("Give the export a file name ending in .zip.", "out")
    with command_database(args, must_exist=True) as database:
        result = run_command(
            database, args, subject_access_export, args.person_id, out, args.reference
        )
    print(
        f"Wrote {result.path}: {len(result.cases)} cases, {len(result.files)} files, "
        f"{result.redactions} third-party redactions (logged). SHA-256 {result.sha256}"
    )
    for name in result.attachments_not_included:
        print(f"crm-desktop: warning: attachment not included: {name}", file=sys.stderr)
    if result.mentioned_in:
        print(
            "crm-desktop: note: other cases name this person in their text (not included; "
            f"read them and decide what to release): {', '.join(result.mentioned_in)}",
            file=sys.stderr,
        )
    return 0


def cmd_access_log(args: argparse.Namespace) -> int:
    from crm_desktop.operations.privacy import access_log

    with command_database(args, must_exist=True) as database:
        entries = run_command(database, args, access_log, args.case, args.user, args.limit)
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
    from crm_desktop.operations.privacy import population_shares, set_population_share

    given = [args.characteristic, args.category, args.percent]
    if not any(given):
        with command_database(args, must_exist=True) as database:
            shares = run_command(database, args, population_shares)
        for characteristic, offered in shares.items():
            for category in offered:
                if category.is_prefer_not_to_say:
                    continue
                shown = (
                    "not set"
                    if category.population_percent is None
                    else f"{category.population_percent}%"
                )
                print(f"{characteristic.label}, {category.label}: {shown}")
        return 0
    if not all(given):
        raise ValidationError(
            "Give the characteristic, the category and the percentage (or 'none'), or "
            "nothing to list them all.",
            "percent",
        )
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
    with command_database(args) as database:
        view = run_command(
            database, args, set_population_share, characteristic, args.category, percent
        )
    shown = "not set" if view.population_percent is None else f"{view.population_percent}%"
    print(f"{characteristic.label}, {view.label}: population share {shown}.")
    return 0
