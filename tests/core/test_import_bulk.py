"""The import at bulk speed keeps its promises: checked while others keep working,
written in one short transaction that looks again at what changed meanwhile, all or
nothing, and audited (one event for the import naming the file's SHA-256 and every
reference; each imported case's timeline and history still start with it)."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import verify_chain
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import AuditEvent, Case, Directorate, Nature
from crm_desktop.domain.enums import Procedure
from crm_desktop.operations import imports
from crm_desktop.operations.core import run_operation
from crm_desktop.services.case_view import load_case_detail
from crm_desktop.services.importer import read_rows
from crm_desktop.services.timeline import case_timeline
from crm_desktop.services.users import command_line_actor
from tests.core.test_importer import row, table_counts, write_csv
from tests.factories import add_case

TODAY = dt.date(2026, 1, 15)


class Steps:
    """A progress that runs ``during`` once, the first time the check reports."""

    def __init__(self, during: object) -> None:
        self.during = during
        self.texts: list[str] = []

    def report(self, done: int, total: int, text: str = "") -> None:
        self.texts.append(text)
        if text.startswith("Checking") and self.during is not None:
            during, self.during = self.during, None
            assert callable(during)
            during()

    def check(self) -> None:
        pass


def _import(database: Database, path: Path, progress: Steps) -> object:
    with database.session() as session:
        actor = command_line_actor(session)
    rows = read_rows(path)
    return run_operation(
        database, actor, TODAY, imports.import_rows, rows, str(path), progress=progress
    ).value


def test_others_can_write_while_the_file_is_checked(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"B-{n}") for n in range(30)])
    other = open_database(str(database.engine.url))
    wrote: list[bool] = []

    def someone_else_writes() -> None:
        other.write(lambda s: s.add(Directorate(name="Added during the check")))
        wrote.append(True)

    try:
        steps = Steps(someone_else_writes)
        result = _import(database, path, steps)
    finally:
        other.dispose()
    assert wrote == [True]
    assert result.ok and result.cases == 30  # type: ignore[attr-defined]
    assert any(t.startswith("Writing case") for t in steps.texts)


def test_a_reference_added_after_the_check_stops_the_whole_import(
    database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"R-{n}") for n in range(10)])
    other = open_database(str(database.engine.url))

    def someone_adds_r5() -> None:
        other.write(lambda s: add_case(s, reference="R-5"))

    try:
        before = table_counts(database)
        result = _import(database, path, Steps(someone_adds_r5))
    finally:
        other.dispose()
    assert not result.ok  # type: ignore[attr-defined]
    errors = [str(e) for e in result.errors]  # type: ignore[attr-defined]
    assert (
        len(errors) == 1 and "R-5 was added to the database after the file was checked" in errors[0]
    )
    after = table_counts(database)
    assert after["representation"] == before["representation"] + 1  # only R-5, by the other user


def test_the_import_is_audited_with_one_event_naming_the_file_and_every_reference(
    any_database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"A-{n}") for n in range(25)])
    result = _import(any_database, path, Steps(None))
    assert result.ok  # type: ignore[attr-defined]
    with any_database.session() as session:
        assert verify_chain(session) == []
        summary = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).one()
        details = json.loads(summary.after or "{}")
        assert details["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert sorted(details["references"]) == sorted(f"A-{n}" for n in range(25))
        assert details["file"] == str(path)
        # The import is the one event: the cases' rows get none of their own.
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == (
            session.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.id < summary.id)
            )
            + 1
        )


def test_an_imported_case_says_in_its_timeline_and_history_that_it_was_imported(
    any_database: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [row(reference=f"A-{n}") for n in (1, 10, 11)] + [row(reference="A_1")],
    )
    assert _import(any_database, path, Steps(None)).ok  # type: ignore[attr-defined]
    with any_database.session() as session:
        event_id = session.scalars(
            sa.select(AuditEvent.id).where(AuditEvent.action == "import")
        ).one()
        case = session.scalars(sa.select(Case).where(Case.reference == "A-1")).one()
        first = case_timeline(session, case.id)[0]
        assert first.event_id == event_id
        assert first.text.startswith(f"Case A-1 imported from {path} (complaint, received ")
        history = load_case_detail(session, case.id, TODAY).history
        assert history[-1].what == "Case imported"
        assert f"File: {path}" in history[-1].details
        assert hashlib.sha256(path.read_bytes()).hexdigest() in history[-1].details
        # A case added by hand is not said to have been imported.
        other = add_case(session, reference="BYHAND-1")
        session.flush()
        assert all("imported" not in e.text for e in case_timeline(session, other.id))


def test_the_import_reports_its_progress_to_the_last_case(
    database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"P-{n}") for n in range(1200)])
    reported: list[tuple[int, int, str]] = []

    class Recorder(Steps):
        def report(self, done: int, total: int, text: str = "") -> None:
            reported.append((done, total, text))

    assert _import(database, path, Recorder(None)).ok  # type: ignore[attr-defined]
    checking = [(d, t) for d, t, text in reported if text.startswith("Checking row")]
    writing = [(d, t) for d, t, text in reported if text.startswith("Writing case")]
    assert len(checking) >= 3 and all(t == 1200 for _, t in checking)
    assert writing and all(t == 1200 for _, t in writing)
    assert [d for d, _ in writing] == sorted(d for d, _ in writing)
    assert writing[-1][0] == 1200


def test_the_cycle_collector_runs_again_after_an_import(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"G-{n}") for n in range(5)])
    assert gc.isenabled()
    assert _import(database, path, Steps(None)).ok  # type: ignore[attr-defined]
    assert gc.isenabled()
    bad = write_csv(tmp_path / "bad.csv", [row(reference="G-9", kind="nonsense")])
    assert not _import(database, bad, Steps(None)).ok  # type: ignore[attr-defined]
    assert gc.isenabled()
    gc.disable()
    try:  # one that was paused already stays paused
        read_rows(path)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reference_data_removed_after_the_check_stops_the_whole_import(
    any_database: Database, tmp_path: Path
) -> None:
    with any_database.session() as session:
        used = session.scalars(sa.select(Nature.id).where(Nature.name == "Communication")).first()
        assert used is not None
        spare_id = any_database.write(lambda s: _add_nature(s, "Only in this file"), actor="system")
    path = write_csv(
        tmp_path / "cases.csv",
        [row(reference="N-1"), row(reference="N-2", natures="Only in this file")],
    )
    other = open_database(str(any_database.engine.url))

    def someone_removes_it() -> None:
        other.write(
            lambda s: s.execute(sa.delete(Nature).where(Nature.id == spare_id)), actor="system"
        )

    try:
        before = table_counts(any_database)
        result = _import(any_database, path, Steps(someone_removes_it))
    finally:
        other.dispose()
    assert not result.ok  # type: ignore[attr-defined]
    errors = [str(e) for e in result.errors]  # type: ignore[attr-defined]
    assert errors == [
        "row 3, natures: a nature this row names was removed from the reference data after "
        "the file was checked; run the import again"
    ]
    after = table_counts(any_database)
    assert after["representation"] == before["representation"]


def _add_nature(session: Session, name: str) -> int:
    nature = Nature(procedure=Procedure.CORPORATE, name=name, sort_order=999)
    session.add(nature)
    session.flush()
    return nature.id
