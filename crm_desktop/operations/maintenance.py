"""Backups, restores, database checks, the audit trail's check and demo data.

These work on the database as a whole (``ctx.database``), some in transactions of their
own: a backup copies the file while others keep working, a restore replaces it, demo
data is written in one large transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crm_desktop.db import witness
from crm_desktop.operations.core import (
    NO_PROGRESS,
    Change,
    OpContext,
    Progress,
    operation,
    reporting,
)
from crm_desktop.operations.policy import Permission
from crm_desktop.services import backup, maintenance
from crm_desktop.services.demo import DEMO_PASSWORD, DemoSummary, generate_demo

__all__ = [
    "back_up",
    "check_audit_trail",
    "check_database",
    "daily_check",
    "load_demo_data",
    "restore_backup",
]

_MAINTAIN = Permission.MAINTAIN_DATABASE


@operation(_MAINTAIN)
def check_database(ctx: OpContext) -> maintenance.CheckReport:
    """Check the database for damage: its storage, schema and the links between records."""
    return maintenance.check_database(ctx.require_database())


@operation(Permission.DAILY_CHECK, own_transactions=True)
def daily_check(ctx: OpContext) -> maintenance.CheckReport | None:
    """The once-a-day database check, when it is due (started in the background at sign-in)."""
    return maintenance.periodic_check(ctx.require_database())


@operation(_MAINTAIN, own_transactions=True)
def check_audit_trail(
    ctx: OpContext, witnesses: list[witness.Witness] | None = None
) -> maintenance.AuditVerification:
    """Check that no event of the audit trail was edited, deleted, reordered or cut off,
    against every witness of it that can be found."""
    return maintenance.verify_audit_trail(ctx.require_database(), witnesses)


@operation(_MAINTAIN, own_transactions=True)
def back_up(ctx: OpContext, out: Path, progress: Progress = NO_PROGRESS) -> backup.BackupResult:
    """Copy the database to a new file while others keep working (SQLite)."""
    step = reporting(progress)
    return backup.backup(
        ctx.require_database().url,
        out,
        lambda done, total: step(done, total, "Copying the database…"),
    )


@operation(_MAINTAIN, changes=tuple(Change), own_transactions=True)
def restore_backup(ctx: OpContext, backup_file: Path) -> Path | None:
    """Put a backup in place of the database; where the file it replaced is kept."""
    database = ctx.require_database()
    database.dispose()  # this program's own connections must not hold the file
    return backup.restore(backup_file, database.url)


@operation(
    _MAINTAIN,
    changes=(Change.CASES, Change.APPOINTMENTS, Change.POOL, Change.USERS),
    own_transactions=True,
)
def load_demo_data(
    ctx: OpContext,
    cases: int,
    seed: int = 1,
    end: dt.date | None = None,
    progress: Progress = NO_PROGRESS,
    password: str = DEMO_PASSWORD,
) -> DemoSummary:
    """Add realistic made-up cases (the same seed and last day give the same data) and
    the demo accounts, which sign in with ``password``."""
    step = reporting(progress)
    return generate_demo(
        ctx.require_database(),
        cases,
        seed,
        end or ctx.today,
        lambda done, total: step(done, total, f"{done:,} of {total:,} cases"),
        password=password,
    )
