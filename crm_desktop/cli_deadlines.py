"""``crm-desktop calendar ...`` and ``crm-desktop queue ...``: working days and deadline
queues on the command line.

    crm-desktop calendar add 2024-03-14 10        2024-03-28 (Thu 28 Mar 2024)
    crm-desktop calendar between 2024-03-14 2024-03-28   10
    crm-desktop calendar holidays 2024            one line per non-working weekday
    crm-desktop calendar add 2024-12-20 5 --procedure children
    crm-desktop calendar closure add 2024-12-27 "Council closure"
    crm-desktop calendar closure remove 2024-12-27
    crm-desktop calendar closure list
    crm-desktop queue overdue --as-of 2024-03-14 --format csv

The first token of ``calendar add`` and every date in CSV output are ``YYYY-MM-DD`` so
scripts can read them. Council closure days come from the database; they are not working
days for corporate clocks (``--procedure corporate``, the default) and are working days
for the statutory children's and adult's clocks (``--procedure children`` or ``adult``),
as the regulations count.

Each command runs one operation (:mod:`crm_desktop.operations.deadlines`) as the
command's user (``--as``, the user of the PostgreSQL login, or the command line's
administrator): a queue holds only the cases that user may see, and ``queue my-open``
lists that user's own cases unless ``--user`` names someone else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from crm_desktop.cli import open_for_command, parse_date, run_command
from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError
from crm_desktop.operations import admin, deadlines
from crm_desktop.operations.core import Operation
from crm_desktop.reports.safe_cells import csv_writer
from crm_desktop.services.reference_admin import stages_moved_text

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
    _procedure_option(add)
    add.set_defaults(handler=cmd_calendar_add)

    between = actions.add_parser(
        "between",
        help="working days after A up to and including B",
        description="Print the number of working days after A up to and including B.",
    )
    between.add_argument("start", type=parse_date, metavar="A", help="2024-03-14 or 14/03/2024")
    between.add_argument("end", type=parse_date, metavar="B", help="on or after A")
    _procedure_option(between)
    between.set_defaults(handler=cmd_calendar_between)

    holidays = actions.add_parser(
        "holidays",
        help="the non-working weekdays of a year, with their names",
        description="List the bank holidays, Christmas Day, Good Friday and council closure "
        "days of YEAR that fall on weekdays.",
    )
    holidays.add_argument("year", type=_whole_number, metavar="YEAR")
    _procedure_option(holidays)
    holidays.set_defaults(handler=cmd_calendar_holidays)

    closure = actions.add_parser(
        "closure",
        help="council closure days: add, remove, list",
        description="Council closure days (a manager's). Corporate clocks skip them; the "
        "statutory children's and adult's clocks count them as working days.",
    )
    closure_actions = closure.add_subparsers(
        dest="closure_command", metavar="ACTION", required=True
    )
    closure_add = closure_actions.add_parser("add", help="add a closure day")
    closure_add.add_argument("date", type=parse_date, metavar="DATE")
    closure_add.add_argument("name", metavar="NAME", help='e.g. "Council closure"')
    closure_add.set_defaults(handler=cmd_closure_add)
    closure_remove = closure_actions.add_parser("remove", help="remove a closure day")
    closure_remove.add_argument("date", type=parse_date, metavar="DATE")
    closure_remove.set_defaults(handler=cmd_closure_remove)
    closure_list = closure_actions.add_parser("list", help="list the closure days")
    closure_list.set_defaults(handler=cmd_closure_list)

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
        help="the day to count the working days from (default: today); due-soon, "
        "overdue and awaiting-acknowledgement list the cases as they stood that day by "
        "the dates recorded (received by then; answered, acknowledged or closed later: "
        "still open), the other queues as they stand now",
    )
    queue.add_argument(
        "--user",
        metavar="USERNAME",
        help="whose open cases my-open lists (default: the user the command acts as)",
    )
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


def _procedure_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--procedure",
        choices=[p.value for p in Procedure],
        default=Procedure.CORPORATE.value,
        help="whose clocks to count for (default corporate: closure days skipped; children "
        "and adult count closure days as working days)",
    )


def _run(args: argparse.Namespace, op: Operation[..., Any], *op_args: Any, **kw: Any) -> Any:
    database = open_for_command(args, must_exist=True)
    try:
        return run_command(database, args, op, *op_args, **kw)
    finally:
        database.dispose()


def cmd_calendar_add(args: argparse.Namespace) -> int:
    procedure = Procedure(args.procedure)
    print(_run(args, deadlines.add_working_days, args.date, args.n, procedure).isoformat())
    return 0


def cmd_calendar_between(args: argparse.Namespace) -> int:
    procedure = Procedure(args.procedure)
    print(_run(args, deadlines.working_days_between, args.start, args.end, procedure))
    return 0


def cmd_calendar_holidays(args: argparse.Namespace) -> int:
    for day, name in _run(args, deadlines.non_working_days, args.year, Procedure(args.procedure)):
        print(f"{human_date(day)}  {name}")
    return 0


def cmd_closure_add(args: argparse.Namespace) -> int:
    row = _run(args, admin.add_closure_day, args.date, args.name)
    print(f"Added closure day {human_date(row.day)}  {row.name}")
    _print_moved(row.stages_moved)
    return 0


def _print_moved(stages_moved: int) -> None:
    if stages_moved:
        print(stages_moved_text(stages_moved))


def cmd_closure_remove(args: argparse.Namespace) -> int:
    row = _run(args, admin.remove_closure_day_on, args.date)
    print(f"Removed closure day {human_date(row.day)}  {row.name}")
    _print_moved(row.stages_moved)
    return 0


def cmd_closure_list(args: argparse.Namespace) -> int:
    for row in _run(args, admin.closure_days):
        print(f"{human_date(row.day)}  {row.name}")
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
    writer = csv_writer(out, lineterminator="\n")
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
    from crm_desktop.services.queues import queue_spec

    spec = queue_spec(args.name)
    # Said with the option's name, before the database is opened.
    if args.within is not None and args.within < 0:
        raise ValidationError(f"--within must be 0 working days or more (got {args.within}).")
    if args.limit is not None and args.limit < 1:
        raise ValidationError(f"--limit must be 1 or more (got {args.limit}).")
    as_of: dt.date = args.as_of or dt.date.today()
    database = open_for_command(args, must_exist=True)  # a queue only reads
    try:
        rows = run_command(
            database,
            args,
            deadlines.queue,
            spec.name,
            within=args.within,
            limit=args.limit,
            user=args.user,
            as_it_stood=args.as_of is not None,
        )
    finally:
        database.dispose()
    if args.format == "csv":
        _write_csv(rows, sys.stdout)
    else:
        _write_table(spec.heading(args.within), as_of, rows, sys.stdout)
    return 0
