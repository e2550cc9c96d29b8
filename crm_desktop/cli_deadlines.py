"""``crm-desktop calendar ...`` and ``crm-desktop queue ...``: working days and deadline
queues on the command line.

    crm-desktop calendar add 2024-03-14 10        2024-03-28 (Thu 28 Mar 2024)
    crm-desktop calendar between 2024-03-14 2024-03-28   10
    crm-desktop calendar holidays 2024            one line per non-working weekday
    crm-desktop queue overdue --as-of 2024-03-14 --format csv

The first token of ``calendar add`` and every date in CSV output are ``YYYY-MM-DD`` so
scripts can read them. Council closure days come from the database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from crm_desktop.cli import command_actor, open_for_command, parse_date
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError

__all__ = ["CSV_COLUMNS", "human_date", "register"]

CSV_COLUMNS = ("reference", "procedure", "stage", "due", "working_days_left")
# Fixed English names: %a follows the process locale (see domain.formatting).
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def human_date(d: dt.date) -> str:
    """``2024-03-28 (Thu 28 Mar 2024)``: machine-readable first, then as people write it."""
    return f"{d.isoformat()} ({_WEEKDAYS[d.weekday()]} {format_date(d)})"


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def register(subparsers: Any) -> None:
    calendar = subparsers.add_parser(
        "calendar",
        help="working days: count forward, count between dates, list holidays",
        description="Working days in England and Wales, with the council's closure days.",
    )
    actions = calendar.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="the date N working days after DATE",
        description="Print the N-th working day after DATE (DATE itself is day 0).",
    )
    add.add_argument("date", type=parse_date, metavar="DATE", help="2024-03-14 or 14/03/2024")
    add.add_argument("n", type=_whole_number, metavar="N", help="working days (0 or more)")
    add.set_defaults(handler=cmd_calendar_add)

    between = actions.add_parser(
        "between",
        help="working days after A up to and including B",
        description="Print the number of working days after A up to and including B.",
    )
    between.add_argument("start", type=parse_date, metavar="A", help="2024-03-14 or 14/03/2024")
    between.add_argument("end", type=parse_date, metavar="B", help="on or after A")
    between.set_defaults(handler=cmd_calendar_between)

    holidays = actions.add_parser(
        "holidays",
        help="the non-working weekdays of a year, with their names",
        description="List the bank holidays, Christmas Day, Good Friday and council closure "
        "days of YEAR that fall on weekdays.",
    )
    holidays.add_argument("year", type=_whole_number, metavar="YEAR")
    holidays.set_defaults(handler=cmd_calendar_holidays)

    from crm_desktop.services.queues import DEFAULT_WITHIN, QUEUES

    queue = subparsers.add_parser(
        "queue",
        help="a deadline queue: " + ", ".join(QUEUES),
        description="Print a deadline queue, most at risk of a breach first. Queues: "
        + "; ".join(f"{name} ({spec.title})" for name, spec in QUEUES.items())
        + ".",
    )
    queue.add_argument("name", metavar="NAME", help="one of: " + ", ".join(QUEUES))
    queue.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="the day to count from (default: today)",
    )
    queue.add_argument("--user", metavar="USERNAME", help="whose cases (needed for my-open)")
    queue.add_argument(
        "--within",
        type=_whole_number,
        default=None,
        metavar="N",
        help=f"working days ahead, for due-soon and action-items (default {DEFAULT_WITHIN})",
    )
    queue.add_argument(
        "--limit", type=_whole_number, default=None, metavar="N", help="show at most N rows"
    )
    queue.add_argument("--format", choices=("table", "csv"), default="table")
    queue.set_defaults(handler=cmd_queue)


def _calendar(args: argparse.Namespace) -> WorkingCalendar:
    from crm_desktop.services.calendar_service import working_calendar

    database = open_for_command(args)
    try:
        with database.session() as session:
            return working_calendar(session)
    finally:
        database.dispose()


def _refuse(exc: CalendarError) -> ValidationError:
    return ValidationError(str(exc))


def cmd_calendar_add(args: argparse.Namespace) -> int:
    start: dt.date = args.date
    n: int = args.n
    if n < 0:
        raise ValidationError(
            f"Cannot count back: the number of working days must be 0 or more (got {n})."
        )
    cal = _calendar(args)
    try:
        answer = cal.add_working_days(start, n)
    except CalendarError as exc:
        raise _refuse(exc) from None
    print(answer.isoformat())
    return 0


def cmd_calendar_between(args: argparse.Namespace) -> int:
    start: dt.date = args.start
    end: dt.date = args.end
    if end < start:
        raise ValidationError(
            f"Cannot count working days from {format_date(start)} to {format_date(end)}: "
            "the end date is before the start date."
        )
    cal = _calendar(args)
    try:
        count = cal.working_days_between(start, end)
    except CalendarError as exc:
        raise _refuse(exc) from None
    print(count)
    return 0


def cmd_calendar_holidays(args: argparse.Namespace) -> int:
    cal = _calendar(args)
    try:
        days = cal.non_working_days(args.year)
    except CalendarError as exc:
        raise _refuse(exc) from None
    for day, name in days:
        print(f"{human_date(day)}  {name}")
    return 0


def _procedure_label(code: str) -> str:
    try:
        return Procedure(code).label
    except ValueError:
        return code


def _stage_label(code: str) -> str:
    try:
        return StageCode(code).label
    except ValueError:
        return code


def _write_csv(rows: Sequence[Any], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.reference,
                row.procedure,
                row.stage,
                "" if row.due is None else row.due.isoformat(),
                "" if row.working_days_left is None else row.working_days_left,
            )
        )


def _write_table(title: str, as_of: dt.date, rows: Sequence[Any], out: TextIO) -> None:
    print(f"{title}, as of {format_date(as_of)}: {len(rows)} row{'s' * (len(rows) != 1)}", file=out)
    if not rows:
        return
    header = ("Reference", "Procedure", "Stage", "Due", "Days left", "Owner", "Detail")
    body = [
        (
            row.reference,
            _procedure_label(row.procedure),
            _stage_label(row.stage),
            "" if row.due is None else format_date(row.due),
            "" if row.working_days_left is None else str(row.working_days_left),
            row.owner or "",
            row.detail if len(row.detail) <= 70 else row.detail[:69] + "…",
        )
        for row in rows
    ]
    widths = [max(len(header[i]), *(len(line[i]) for line in body)) for i in range(len(header))]
    right = {4}
    print(file=out)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    print(line(header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for cells in body:
        print(line(cells), file=out)


def cmd_queue(args: argparse.Namespace) -> int:
    from crm_desktop.services.queues import QUEUES, run_queue

    name: str = args.name
    spec = QUEUES.get(name)
    if spec is None:
        raise ValidationError(
            f"There is no queue called '{name}'. The queues are: {', '.join(QUEUES)}."
        )
    if args.within is not None and args.within < 0:
        raise ValidationError(f"--within must be 0 working days or more (got {args.within}).")
    if args.limit is not None and args.limit < 1:
        raise ValidationError(f"--limit must be 1 or more (got {args.limit}).")
    as_of: dt.date = args.as_of or dt.date.today()
    database = open_for_command(args)
    try:
        user = args.user
        if spec.needs_user and not user:
            # The command's own user: --as, or the user whose own login is connected.
            actor = command_actor(database, args)
            if actor.user_id is None:
                raise ValidationError(f"The '{name}' queue needs --user USERNAME.")
            user = actor.username
        with database.session() as session:
            rows = run_queue(session, name, as_of, user=user, within=args.within, limit=args.limit)
    finally:
        database.dispose()
    if args.format == "csv":
        _write_csv(rows, sys.stdout)
    else:
        title = spec.title
        if spec.takes_within:
            from crm_desktop.services.queues import DEFAULT_WITHIN

            within = DEFAULT_WITHIN if args.within is None else args.within
            title = title.replace("N working days", f"{within} working days")
            if name == "action-items":
                title += f" within {within} working days or overdue"
        _write_table(title, as_of, rows, sys.stdout)
    return 0
