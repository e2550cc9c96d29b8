"""Importing historical cases (IMPORT_FORMAT.md): checking a file, and importing it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crm_desktop.operations.core import (
    NO_PROGRESS,
    Change,
    OpContext,
    Progress,
    operation,
    reporting,
)
from crm_desktop.operations.policy import Permission
from crm_desktop.services import importer

__all__ = ["CheckedFile", "check_file", "check_rows", "import_rows"]


@dataclass(frozen=True)
class CheckedFile:
    """A file read and checked: its rows (to import exactly what was checked) and what
    importing them would do."""

    rows: importer.RawRows
    result: importer.ImportResult


@operation(Permission.IMPORT_CASES)
def check_file(
    ctx: OpContext,
    path: Path,
    skip_existing: bool = False,
    add_missing_reference_data: bool = False,
    progress: Progress = NO_PROGRESS,
) -> CheckedFile:
    """Read a file of historical cases and check it as the import would; nothing is written."""
    reporting(progress)(0, 0, "Reading the file…")
    rows = importer.read_rows(path)
    result = check_rows(
        ctx, rows, str(path), skip_existing, add_missing_reference_data, progress=progress
    )
    return CheckedFile(rows, result)


@operation(Permission.IMPORT_CASES)
def check_rows(
    ctx: OpContext,
    rows: importer.RawRows,
    source: str,
    skip_existing: bool = False,
    add_missing_reference_data: bool = False,
    progress: Progress = NO_PROGRESS,
) -> importer.ImportResult:
    """Check rows read from a file as the import would (a dry run); nothing is written."""
    return _run(ctx, rows, source, skip_existing, add_missing_reference_data, progress, True)


@operation(
    Permission.IMPORT_CASES,
    changes=(Change.CASES, Change.REFERENCE_DATA),
    own_transactions=True,
)
def import_rows(
    ctx: OpContext,
    rows: importer.RawRows,
    source: str,
    skip_existing: bool = False,
    add_missing_reference_data: bool = False,
    progress: Progress = NO_PROGRESS,
) -> importer.ImportResult:
    """Import historical cases: every row of the file, or nothing when any row is wrong.

    The file is checked in a read transaction, so others keep working while it runs;
    the checked cases are then written in one short write transaction, which first
    looks again at what may have changed since the check (all or nothing still)."""
    step = reporting(progress)
    actor = f"import:{ctx.actor.username}"
    plan = importer.check_import(
        ctx.session,
        rows,
        skip_existing=skip_existing,
        add_missing_reference_data=add_missing_reference_data,
        today=ctx.today,
        progress=step,
    )
    if plan.errors:
        result = importer.plan_result(source, plan)
    else:
        sha256 = getattr(rows, "sha256", None)
        result = ctx.write(
            lambda session: importer.apply_plan(
                session, plan, actor=actor, source=source, sha256=sha256, progress=step
            )
        )
    changed = []
    if result.ok and result.cases:
        changed.append(Change.CASES)
    if result.ok and result.added_reference_data:
        changed.append(Change.REFERENCE_DATA)
    ctx.report_changes(*changed)
    return result


def _run(
    ctx: OpContext,
    rows: importer.RawRows,
    source: str,
    skip_existing: bool,
    add_missing_reference_data: bool,
    progress: Progress,
    dry_run: bool,
) -> importer.ImportResult:
    return importer.import_in_session(
        ctx.session,
        rows,
        dry_run=dry_run,
        skip_existing=skip_existing,
        add_missing_reference_data=add_missing_reference_data,
        actor=f"import:{ctx.actor.username}",
        today=ctx.today,
        source=source,
        progress=reporting(progress),
    )
