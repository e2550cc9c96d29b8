"""Database health: integrity checks the CLI and the periodic check run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import calendar_table, migrate
from crm_desktop.db.base import Base, utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Setting, Stage
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(database: Database) -> CheckReport:
    """Storage integrity (SQLite), schema version, and the links the program relies on."""
    report = CheckReport()
    with database.engine.connect() as connection:
        if database.is_sqlite:
            rows = connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
            messages = [str(row[0]) for row in rows]
            if messages != ["ok"]:
                report.problems.extend(f"Storage damaged: {m}" for m in messages[:20])
            report.checked.append("storage integrity (PRAGMA integrity_check)")
            for row in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:20]:
                report.problems.append(
                    f"Broken link: {row[0]} row {row[1]} refers to a missing {row[2]} record"
                )
            report.checked.append("links between tables (PRAGMA foreign_key_check)")
        revision = migrate.current_revision(connection)
        if revision != migrate.head_revision():
            report.problems.append(
                f"Schema is at {revision}, this program expects {migrate.head_revision()}: "
                "run crm-desktop db upgrade."
            )
        report.checked.append("schema version")
        for table in Base.metadata.sorted_tables:
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        report.checked.append(f"every table readable ({len(Base.metadata.sorted_tables)})")
        orphans = connection.execute(
            sa.select(sa.func.count())
            .select_from(Case)
            .outerjoin(Stage, Stage.id == Case.current_stage_id)
            .where(Case.current_stage_id.is_not(None))
            .where(sa.or_(Stage.id.is_(None), Stage.case_id != Case.id))
        ).scalar_one()
        if orphans:
            report.problems.append(f"{orphans} cases point at a current stage that is not theirs")
        report.checked.append("each case's current stage")
    try:
        with database.session() as session:
            wrong = calendar_table.first_wrong_day(session)
    except ValidationError as exc:
        report.problems.append(
            f"The working-day calendar cannot be built: {exc} Remove that day in Admin, "
            "Closure days."
        )
    else:
        if wrong is not None:
            report.problems.append(
                "The database's copy of the working-day calendar is wrong from "
                f"{format_date(wrong)}. Open the database with the program as a member of "
                "staff to rewrite it."
            )
    report.checked.append("the calendar table matches the working calendar")
    return report


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
