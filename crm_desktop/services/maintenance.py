"""Database health: integrity checks the CLI and the periodic check run."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import calendar_table, migrate, witness
from crm_desktop.db.audit import ChainProblem, chain_head, seal_holders, verify_chain
from crm_desktop.db.base import Base, utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.errors import classify
from crm_desktop.db.models import AuditEvent, Case, Setting, Stage
from crm_desktop.db.pg_security import may_read, may_write
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import (
    DamagedDatabase,
    DatabaseBusyError,
    PermissionRefused,
    ValidationError,
)
from crm_desktop.urls import sqlite_file


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_STORAGE = "storage integrity (PRAGMA integrity_check)"
_LINKS = "links between tables (PRAGMA foreign_key_check)"


def check_database(database: Database) -> CheckReport:
    """Storage integrity (SQLite), schema version, and the links the program relies on.

    Damaged pages are reported, never raised: each check that cannot read what it needs
    says so as a problem, and the checks after it still run.
    """
    report = CheckReport()
    with database.engine.connect() as connection:
        if database.is_sqlite:
            _step(
                report, "storage integrity (PRAGMA integrity_check)", lambda: _storage(connection)
            )
            _step(
                report,
                "links between tables (PRAGMA foreign_key_check)",
                lambda: _links(connection),
            )
        _step(report, "schema version", lambda: _schema(connection))
        readable: list[sa.Table] = []
        _step(report, "", lambda: _tables(connection, readable))
        everything = len(Base.metadata.sorted_tables)
        report.checked.append(
            f"every table readable ({everything})"
            if len(readable) == everything
            else f"every table this login may read ({len(readable)} of {everything})"
        )
        _step(report, "each case's current stage", lambda: _current_stages(connection))
        _step(
            report,
            "each Stage 1 starts on the day its case was received",
            lambda: _late_first_stages(connection),
        )
    _step(report, "the calendar table matches the working calendar", lambda: _calendar(database))
    return report


def _step(report: CheckReport, name: str, check: Callable[[], list[str]]) -> None:
    """Run one check; damage that stops it from reading is a problem it reports."""
    try:
        report.problems.extend(check())
    except (sa.exc.DBAPIError, sqlite3.DatabaseError, DamagedDatabase) as exc:
        found = classify(exc, "the database")
        if not isinstance(found, DamagedDatabase):
            raise
        orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc.__cause__ or exc
        if isinstance(orig, sa.exc.DBAPIError):
            orig = orig.orig
        what = f" ({name})" if name else ""
        report.problems.append(f"Storage damaged: a check{what} could not read the data: {orig}")
    if name:
        report.checked.append(name)


def _storage(connection: sa.Connection) -> list[str]:
    rows = connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
    messages = [line for row in rows for line in str(row[0]).splitlines() if line.strip()]
    if messages == ["ok"]:
        return []
    shown = [f"Storage damaged: {m}" for m in messages[:20]]
    if len(messages) > 20:
        shown.append(f"Storage damaged: … and {len(messages) - 20:,} more findings")
    return shown


def _links(connection: sa.Connection) -> list[str]:
    return [
        f"Broken link: {row[0]} row {row[1]} refers to a missing {row[2]} record"
        for row in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:20]
    ]


def _schema(connection: sa.Connection) -> list[str]:
    revision = migrate.current_revision(connection)
    if revision != migrate.head_revision():
        return [
            f"Schema is at {revision}, this program expects {migrate.head_revision()}: "
            "run crm-desktop db upgrade."
        ]
    return []


def _tables(connection: sa.Connection, readable: list[sa.Table]) -> list[str]:
    problems: list[str] = []
    for table in Base.metadata.sorted_tables:
        if not may_read(connection, table.name):
            continue
        try:
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        except (sa.exc.DBAPIError, sqlite3.DatabaseError) as exc:
            if not isinstance(classify(exc, "the database"), DamagedDatabase):
                raise
            problems.append(f"Storage damaged: the table {table.name} cannot be read")
            continue
        readable.append(table)
    return problems


def _current_stages(connection: sa.Connection) -> list[str]:
    orphans = connection.execute(
        sa.select(sa.func.count())
        .select_from(Case)
        .outerjoin(Stage, Stage.id == Case.current_stage_id)
        .where(Case.current_stage_id.is_not(None))
        .where(sa.or_(Stage.id.is_(None), Stage.case_id != Case.id))
    ).scalar_one()
    return [f"{orphans} cases point at a current stage that is not theirs"] if orphans else []


def _late_first_stages(connection: sa.Connection) -> list[str]:
    """Stage 1s recorded as started after their case was received: an earlier version's
    import took a file's later stage_started as the start of the clock, where a first
    stage starts on the day received (IMPORT_FORMAT.md); the program never records one
    so. Their due dates and timescales count from the later day."""
    query = (
        sa.select(Case.reference)
        .join(Stage, Stage.case_id == Case.id)
        .where(Stage.stage == "1", Stage.requested_on > Case.received_on)
        .order_by(Case.reference)
    )
    found = list(connection.execute(query.limit(21)).scalars())
    if not found:
        return []
    shown = ", ".join(found[:20]) + (" and more" if len(found) > 20 else "")
    return [
        "Stage 1 is recorded as starting after the case was received (imported by an "
        "earlier version, whose import took the file's later date), so its due date and "
        f"timescale count from that day: {shown}. Ask IT to correct the stage's dates, "
        "or delete the case and import it again."
    ]


def _calendar(database: Database) -> list[str]:
    try:
        with database.session() as session:
            wrong = calendar_table.first_wrong_day(session)
    except ValidationError as exc:
        return [
            f"The working-day calendar cannot be built: {exc} Remove that day in Admin, "
            "Closure days."
        ]
    if wrong is not None:
        return [
            "The database's copy of the working-day calendar is wrong from "
            f"{format_date(wrong)}. Open the database with the program as a manager to "
            "rewrite it."
        ]
    return []


@dataclass(frozen=True)
class AuditVerification:
    """What ``audit verify`` found: the events walked, the problems, notes that are not
    problems (events a restore lost), and how many witnesses were compared."""

    events: int
    problems: list[ChainProblem]
    notes: list[str]
    witnesses: int
    # A SQLite file with no witness found: the chain holds, but a cut or a rewrite
    # chained again would look the same.
    unwitnessed: bool = False
    # The newest event a witness saw, and the trail's last event: the events after the
    # first were written after every witness found, so nothing vouches for them yet.
    witnessed_to: int | None = None
    last_event: int | None = None
    # Every witness found was an earlier check from this account (none saw a write, a
    # backup or a report): nothing was cut or rewritten since that check, but what
    # happened before it cannot be ruled out.
    only_checks: bool = False


def verify_audit_trail(
    database: Database, given: list[witness.Witness] | None = None
) -> AuditVerification:
    """Check the chain, and the trail against every witness found: ``given`` (heads from
    reports or backups) and, for a SQLite file, those kept in this user's data folder.
    A trail found whole becomes this user's witness of it.

    On PostgreSQL only the owner's login reads every event (and seals the newest first):
    anyone else is refused, since a check of the events they may see proves nothing.
    """
    if not database.is_sqlite:
        with database.session() as session:
            owner = bool(session.scalar(sa.text("SELECT crm_is_owner()")))
        if not owner:
            raise PermissionRefused(
                "Only the database owner's login can check the whole audit trail. Run "
                "audit verify with it (ask IT)."
            )
        _seal_or_name_the_holder(database)
    path = sqlite_file(database.engine.url)
    found = list(given or [])
    unreadable: list[ChainProblem] = []
    if path is not None:
        kept, unreadable = witness.witnesses(path)
        found += kept
    with database.session() as session:
        if not sa.inspect(session.connection()).has_table(AuditEvent.__tablename__):
            # Only an edit outside the program removes it (the program never does).
            gone = ChainProblem(
                None,
                "the file has no audit trail at all: its table was removed outside the program",
            )
            return AuditVerification(0, [gone, *unreadable], [], len(found))
        problems = verify_chain(session)
        more, notes = witness.check(session, found)
        events = int(session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)
        head = chain_head(session)
    problems += more + unreadable
    unwitnessed = path is not None and not found and not unreadable
    if unwitnessed:
        notes.append(
            "no witness of this file was found: it has not been written, backed up or "
            "checked from this account, and no report's head was given with --witness. The "
            "events link up, but a trail cut short, or rewritten and chained again, would "
            "look the same. Run audit verify from an account that works on this database, "
            "or give the head printed on a report or by a backup (--witness)."
        )
    if path is not None and not problems:
        witness.note_verified(path, head)
    # The witnesses the trail was held to (those a restore superseded gave notes only).
    held = [w for w in found if not w.superseded]
    return AuditVerification(
        events,
        problems,
        notes,
        len(held),
        unwitnessed,
        witnessed_to=max((w.seq for w in held), default=None),
        last_event=head.seq if head is not None else None,
        only_checks=bool(held) and all(w.from_check for w in held),
    )


def _seal_or_name_the_holder(database: Database) -> None:
    """Seal without waiting; when another session holds the seal's lock, name it (a
    transaction left open after a seal keeps every other seal, and upgrades, waiting),
    so IT can end that session."""
    with database.engine.begin() as connection:
        if connection.execute(sa.text("SELECT crm_audit_seal(false)")).scalar_one() >= 0:
            return
        holders = seal_holders(connection)
    if holders:
        raise DatabaseBusyError(
            "The audit trail cannot be sealed: another session holds its lock and has not "
            f"ended its transaction: {'; '.join(holders)}. If it stays, end that session "
            "(as the owner: SELECT pg_terminate_backend(process)) and run audit verify "
            "again."
        )


LAST_CHECK_KEY = "maintenance.last_check"
CHECK_EVERY = dt.timedelta(days=1)


def periodic_check(database: Database, now: dt.datetime | None = None) -> CheckReport | None:
    """Run :func:`check_database` when the last check is more than a day old.

    The desktop program calls this in the background at start; the time of the last
    check is kept in the database, so one check a day serves the whole team. Returns
    the report when a check ran, None when it was not yet due.
    """
    now = now or utcnow()
    with database.session() as session:
        if not may_write(session.connection(), "setting"):
            return None  # on PostgreSQL, a manager's program checks for the team
        setting = session.get(Setting, LAST_CHECK_KEY)
        last = dt.datetime.fromisoformat(setting.value) if setting and setting.value else None
    if last is not None and now - last < CHECK_EVERY:
        return None
    report = check_database(database)

    def remember(session: Session) -> None:
        row = session.get(Setting, LAST_CHECK_KEY)
        if row is None:
            session.add(Setting(key=LAST_CHECK_KEY, value=now.isoformat()))
        else:
            row.value = now.isoformat()

    database.write(remember, actor="system")
    return report
