"""The ``crm-desktop`` command.

With no subcommand it starts the desktop program. Errors the user can fix are printed as
one line on standard error with a non-zero exit status; nothing is left half done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from crm_desktop import __version__
from crm_desktop.db.database import Database, attach_database, open_database
from crm_desktop.db.engine import resolve_database_url
from crm_desktop.desktop import Loader
from crm_desktop.domain.access import Actor
from crm_desktop.errors import DamagedDatabase, UserFacingError, ValidationError
from crm_desktop.logs import configure_logging, excepthook_for_command_line
from crm_desktop.operations.core import Operation, run_operation

Handler = Callable[[argparse.Namespace], int]
P = ParamSpec("P")
T = TypeVar("T")

# Modules that add their own commands: each has ``register(subparsers)`` and sets
# ``handler`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "crm_desktop.cli_deadlines",
    "crm_desktop.cli_import",
    "crm_desktop.cli_exports",
    "crm_desktop.cli_users",
    "crm_desktop.cli_maintenance",
    "crm_desktop.cli_reports",
    "crm_desktop.cli_selfcheck",
    "crm_desktop.cli_reminders",
    "crm_desktop.cli_privacy",
    "crm_desktop.cli_letters",
    "crm_desktop.cli_policies",
    "crm_desktop.cli_code",
)


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(
        f"'{text}' is not a date; write it as 2024-03-14 or 14/03/2024"
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-desktop",
        description="Complaints, compliments and comments for a council's consumer relations "
        "team. With no command, starts the desktop program.",
    )
    parser.add_argument("--version", action="version", version=f"crm-desktop {__version__}")
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="act as this CRM Desktop user (default: the user whose database login you "
        "connect with; on a SQLite file, the file's administrator)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="database URL: sqlite:///path/to/file.db or postgresql+psycopg://user@host/db "
        "(default: $CRM_DATABASE_URL, else the site settings, else a file in your data "
        "folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="database upkeep")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the database schema").set_defaults(
        handler=cmd_db_upgrade
    )
    db_commands.add_parser(
        "check", help="check the database for damage (exit status 1 if any is found)"
    ).set_defaults(handler=cmd_db_check)
    db_commands.add_parser("where", help="print the database in use").set_defaults(
        handler=cmd_db_where
    )

    demo = commands.add_parser("demo", help="fill the database with realistic made-up cases")
    demo.add_argument("--cases", type=positive_int, default=5000, help="how many (default 5000)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    demo.add_argument(
        "--end",
        type=parse_date,
        default=None,
        help="last day of the data (default: today); the same seed and end give the same data",
    )
    demo.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the demo accounts' password from standard input (default: the documented "
        "demo password)",
    )
    demo.set_defaults(handler=cmd_demo)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def read_password(from_stdin: bool) -> str:
    """A new password: one line of standard input, or typed twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Type it again: ") != first:
        raise ValidationError("The two passwords are not the same. Nothing was changed.")
    return first


def open_for_command(args: argparse.Namespace, *, must_exist: bool = False) -> Database:
    """Open the database named by --database (or the default) and print its warnings.

    ``must_exist``: a command that only reads (a check, a report, an export, a queue)
    refuses a SQLite file that is not there rather than create an empty one and report
    on it; the commands that set a database up (``db upgrade``, ``demo``, ``import``,
    ``user add``) and the desktop's first start create it."""
    database = open_database(resolve_database_url(args.database), create=not must_exist)
    for warning in database.warnings:
        print(f"crm-desktop: warning: {warning}", file=sys.stderr)
    return database


@contextmanager
def command_database(args: argparse.Namespace, *, must_exist: bool = False) -> Iterator[Database]:
    """:func:`open_for_command`, disposed of when the command is done with it."""
    database = open_for_command(args, must_exist=must_exist)
    try:
        yield database
    finally:
        database.dispose()


def command_actor(database: Database, args: argparse.Namespace) -> Actor:
    """Who a command acts as: ``--as USERNAME`` (an active user), else the CRM Desktop
    user whose own PostgreSQL login the command connected with, else the command-line
    administrator (whoever may open the SQLite file, or the database's owner login).
    Never a made-up user: a name that is not an active user is refused."""
    from crm_desktop.services.users import command_line_actor

    with database.session() as session:
        return command_line_actor(session, getattr(args, "as_user", None))


def run_command(
    database: Database,
    args: argparse.Namespace,
    op: Operation[P, T],
    *op_args: P.args,
    **op_kwargs: P.kwargs,
) -> T:
    """Run one operation for the command's actor; its plain value."""
    today: dt.date = getattr(args, "as_of", None) or dt.date.today()
    actor = command_actor(database, args)
    return run_operation(database, actor, today, op, *op_args, **op_kwargs).value


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    database = open_for_command(args)
    try:
        print(f"Database is at the current schema: {database.display_url}")
    finally:
        database.dispose()
    return 0


def cmd_db_where(args: argparse.Namespace) -> int:
    from crm_desktop.db.engine import describe_url

    print(describe_url(resolve_database_url(args.database)))
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance

    try:
        database = open_for_command(args, must_exist=True)
    except DamagedDatabase:
        # Too damaged to open as usual (the calendar comparison, the upgrade): checked as
        # the file is, so the damage is reported rather than refused.
        database = attach_database(resolve_database_url(args.database))
    try:
        report = run_command(database, args, maintenance.check_database)
    finally:
        database.dispose()
    for line in report.checked:
        print(f"checked: {line}")
    if report.ok:
        print("Database is healthy.")
        return 0
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(
        "The database has problems: restore the latest backup, or ask IT for help.",
        file=sys.stderr,
    )
    return 1


class PrintedProgress:
    """How far long work has got, on standard error: one line rewritten in a terminal,
    a line at each quarter otherwise (a log keeps four lines, not thousands)."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.interactive = sys.stderr.isatty()
        self.quarter = -1

    def report(self, done: int, total: int, text: str = "") -> None:
        line = text.rstrip("…") if text else f"{done:,} of {total:,} {self.unit}"
        if self.interactive:
            print(f"\r  {line:<60}", end="", file=sys.stderr, flush=True)
            return
        quarter = 4 * done // max(total, 1)
        if quarter > self.quarter:
            self.quarter = quarter
            print(f"  {line}", file=sys.stderr, flush=True)

    def check(self) -> None:
        """Work on the command line stops with Ctrl+C, not through here."""

    def end(self) -> None:
        if self.interactive:
            print(file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    from crm_desktop.operations import maintenance
    from crm_desktop.services.demo import DEMO_PASSWORD
    from crm_desktop.services.users import check_password_rules

    password = read_password(True) if args.password_stdin else DEMO_PASSWORD
    check_password_rules(password)  # before the database is opened or created
    database = open_for_command(args)
    started = time.perf_counter()
    progress = PrintedProgress("cases")
    try:
        summary = run_command(
            database,
            args,
            maintenance.load_demo_data,
            args.cases,
            args.seed,
            args.end,
            progress=progress,
            password=password,
        )
    finally:
        database.dispose()
    progress.end()
    elapsed = time.perf_counter() - started
    print(f"Created {summary.cases:,} demo cases in {elapsed:.1f} s ({summary.open_cases:,} open).")
    made = [a for a in summary.accounts if a.created]
    kept = [a for a in summary.accounts if not a.created]
    if made:
        given = "the password you gave" if args.password_stdin else f"the password {password}"
        print(f"Sign in as one of these demo accounts, with {given}:")
        width = max(len(a.username) for a in made)
        for account in made:
            print(f"  {account.username:<{width}}  {account.display_name} ({account.role.value})")
    if kept:
        names = ", ".join(a.username for a in kept)
        print(f"These demo accounts were there already; their passwords are as they were: {names}.")
    return 0


def main(argv: Sequence[str] | None = None, desktop: Loader | None = None) -> int:
    """The ``crm-desktop`` command; ``desktop`` loads the desktop program (the launcher
    gives it: the core never imports the screens)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.desktop = desktop
    handler: Handler | None = getattr(args, "handler", None)
    configure_logging()
    try:
        if handler is None:
            if desktop is None:
                raise UserFacingError(
                    "Give a command (crm-desktop --help lists them); the desktop program "
                    "starts with crm-desktop on its own."
                )
            exit_code: int = desktop().run(resolve_database_url(args.database))
            return exit_code
        return handler(args)
    except UserFacingError as exc:
        print(f"crm-desktop: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("crm-desktop: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`crm-desktop queue overdue | head`): stop quietly, with
        # standard output pointed at nothing so Python's own flush at exit cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug: logged with its traceback, one line for the user
        return excepthook_for_command_line(exc)
