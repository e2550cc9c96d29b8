"""``crm-desktop reminders ...``: reminders, escalations and the email outbox.

    crm-desktop reminders run [--as-of DATE]   plan due reminders, then send the outbox
    crm-desktop reminders status                what is queued, retrying or failed
    crm-desktop reminders retry-failed          put failed emails back in the queue

``reminders run`` is made to be scheduled every few minutes (cron, Windows Task
Scheduler): a reminder is sent once however often, and however many at a time, it
runs; a run that is killed half-way is picked up by the next one; a failed send is
retried with back-off. The daily digest goes from the first run at or after the
``reminders.digest_time`` setting (default 07:00), or whenever ``--as-of`` is given.

Each is one operation (:mod:`crm_desktop.operations.correspondence`) for the command's
user (``crm-desktop --as USERNAME reminders ...``; a scheduled run without ``--as`` acts
as the command-line administrator, or the user of its PostgreSQL login): a manager's or
administrator's work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from crm_desktop.cli import command_database, parse_date, positive_int, run_command

__all__ = ["register"]


def register(subparsers: Any) -> None:
    reminders = subparsers.add_parser(
        "reminders",
        help="deadline reminders, LGSCO remedy escalations and the email outbox",
        description="Deadline reminders, the daily digest, LGSCO remedy escalations and "
        "the email outbox. Schedule 'reminders run' every few minutes.",
    )
    actions = reminders.add_subparsers(dest="reminders_command", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="plan the reminders due, then send the outbox (safe to run at any time)",
        description="Plan the reminders, escalations and digests due, then send every email "
        "waiting in the outbox. Safe to run often and at the same time as another run.",
    )
    run.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="the day to count from (default: today; also sends that day's digest)",
    )
    run.add_argument("--no-digest", action="store_true", help="do not plan the daily digest")
    run.add_argument(
        "--max-messages",
        type=positive_int,
        default=None,
        metavar="N",
        help="send at most N emails in this run (the rest wait for the next)",
    )
    run.set_defaults(handler=cmd_run)
    status = actions.add_parser("status", help="emails queued, retrying and failed")
    status.set_defaults(handler=cmd_status)
    retry = actions.add_parser(
        "retry-failed", help="put the emails that failed for good back in the queue"
    )
    retry.set_defaults(handler=cmd_retry_failed)


def _outbox_line(counts: dict[str, int]) -> str:
    return (
        f"Outbox: {counts['pending']} waiting, {counts['sending']} being sent, "
        f"{counts['failed']} failed, {counts['sent']} sent."
    )


def cmd_run(args: argparse.Namespace) -> int:
    from crm_desktop.operations.correspondence import run_reminders

    # --as-of (the day the run counts from) also sends that day's digest.
    as_of: dt.date = args.as_of or dt.date.today()
    digest = False if args.no_digest else True if args.as_of is not None else None
    with command_database(args, must_exist=True) as database:
        report = run_command(database, args, run_reminders, digest, args.max_messages)
    plan, sent = report.plan, report.delivery
    print(
        f"Reminders for {as_of.isoformat()}: {plan.notifications} notifications, "
        f"{plan.emails} emails queued ({plan.escalations} escalations, {plan.digests} "
        f"digests); sent {sent.sent}, retrying {sent.retrying}, failed {sent.failed}."
    )
    print(_outbox_line(report.outbox))
    for warning in plan.warnings:
        print(f"crm-desktop: warning: {warning}", file=sys.stderr)
    for error in sent.errors:
        print(f"crm-desktop: email not sent: {error}", file=sys.stderr)
    if sent.stopped_early:
        print(
            "crm-desktop: the mail server could not be reached; the rest wait for the next run.",
            file=sys.stderr,
        )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from crm_desktop.operations.correspondence import outbox_status

    with command_database(args, must_exist=True) as database:
        status = run_command(database, args, outbox_status)
    print(_outbox_line(status.counts))
    for row in status.waiting:
        line = f"{row.status:8} {row.kind:10} {row.to_address}  {row.subject}"
        if row.status != "sending":
            line += f"  (attempts {row.attempts}, next {row.next_attempt_at:%Y-%m-%d %H:%M} UTC)"
        if row.last_error:
            line += f"  last error: {row.last_error}"
        print(line)
    return 0


def cmd_retry_failed(args: argparse.Namespace) -> int:
    from crm_desktop.operations.correspondence import retry_failed_emails

    with command_database(args, must_exist=True) as database:
        count = run_command(database, args, retry_failed_emails)
    print(f"{count} failed email{'s' * (count != 1)} put back in the queue.")
    return 0
