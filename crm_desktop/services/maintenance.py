"""Database health: integrity checks the CLI and the periodic check run."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from crm_desktop.db import migrate
from crm_desktop.db.base import Base
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Stage


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
    return report
