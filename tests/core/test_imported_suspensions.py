"""Suspended working days an import file gives (a number, no dates) stay part of the
stage's clock: the case screen's explanation shows them, and working the due date out
again (an acknowledgement, a suspension resumed) keeps them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from crm_desktop.db import migrate
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Stage
from crm_desktop.domain.enums import SuspensionReason
from crm_desktop.domain.workflow import Action
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.clock import explain_stage_due_date, stage_clock_status
from crm_desktop.services.workflow import ActionInput, perform
from tests.core.test_importer import CHILDREN, OFFICER, do_import, row, write_csv


def _stage(database: Database, reference: str) -> Stage:
    with database.session() as session:
        stage: Stage = session.scalars(
            sa.select(Stage).join(Case, Case.id == Stage.case_id).where(Case.reference == reference)
        ).one()
        return stage


def _move(database: Database, reference: str, action: Action, data: ActionInput) -> None:
    with database.session() as session:
        case_id, version = session.execute(
            sa.select(Case.id, Case.version).where(Case.reference == reference)
        ).one()
    database.write(
        lambda s: perform(s, case_id, version, action, data, OFFICER, data.on),
        actor="officer1",
    )


def _acknowledge_and_suspend(database: Database) -> None:
    """The imported children's stage acknowledged on Tue 5 Nov 2024 and suspended on
    Tue 19 Nov."""
    _move(database, "T-CH-U", Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 11, 5)))
    _move(
        database,
        "T-CH-U",
        Action.SUSPEND,
        ActionInput(
            on=dt.date(2024, 11, 19), suspension_reason=SuspensionReason.AWAITING_INFORMATION
        ),
    )


def _import(database: Database, tmp_path: Path) -> None:
    rows = [
        # Children's Stage 1 from Mon 4 Nov 2024: 10 working days, Mon 18 Nov; 5 more
        # suspended before it was imported: Mon 25 Nov (no bank holiday in November).
        row(
            CHILDREN,
            reference="T-CH-U",
            received="2024-11-04",
            stage_started="2024-11-04",
            stage_closed="",
            outcome="",
            suspended_working_days="5",
        ),
        # The Complaint Handling Code: received Wed 15 Apr 2026, not yet acknowledged,
        # 2 working days given as suspended (nobody can stop a Code clock in the
        # program, but the file's history is kept).
        row(
            reference="T-CODE-U",
            received="2026-04-15",
            stage_started="2026-04-15",
            stage_closed="",
            outcome="",
            suspended_working_days="2",
        ),
    ]
    result = do_import(
        database, write_csv(tmp_path / "undated.csv", rows), today=dt.date(2026, 4, 16)
    )
    assert result.ok, [str(e) for e in result.errors]


def test_the_explanation_and_the_clock_count_imported_suspended_days(
    any_database: Database, tmp_path: Path
) -> None:
    _import(any_database, tmp_path)
    stage = _stage(any_database, "T-CH-U")
    assert (stage.due_on, stage.suspended_days, stage.undated_suspended_days) == (
        dt.date(2024, 11, 25),
        5,
        5,
    )
    with any_database.session() as session:
        lines = explain_stage_due_date(session, stage.id, dt.date(2024, 11, 20))
        status = stage_clock_status(session, stage.id, dt.date(2024, 11, 20))
    assert (
        "Suspended for 5 working days before the case was imported (the file gives no "
        "dates): added." in lines
    )
    assert "Working days counted: 15 (10 timescale + 5 suspended)." in lines
    assert lines[-1] == "Due date: 25 Nov 2024."
    assert not status.overdue and status.working_days_left == 3  # 21, 22, 25 Nov


def test_a_suspension_resumed_keeps_the_imported_days(
    any_database: Database, tmp_path: Path
) -> None:
    _import(any_database, tmp_path)
    _acknowledge_and_suspend(any_database)
    _move(any_database, "T-CH-U", Action.RESUME, ActionInput(on=dt.date(2024, 11, 21)))
    stage = _stage(any_database, "T-CH-U")
    dated = stage.suspended_days - 5
    assert dated > 0 and stage.undated_suspended_days == 5
    with any_database.session() as session:
        cal = working_calendar(session, "children")
        lines = explain_stage_due_date(session, stage.id, dt.date(2024, 11, 22))
    assert stage.due_on == cal.add_working_days(dt.date(2024, 11, 4), 10 + 5 + dated)
    assert f"Working days counted: {15 + dated} (10 timescale + {5 + dated} suspended)." in lines


def test_a_code_stage_keeps_the_imported_days(any_database: Database, tmp_path: Path) -> None:
    """The days the file gave on a Complaint Handling Code stage move its due date
    (PRODUCT.md: "the due date moves by the suspended working days"), and come back when
    the acknowledgement works it out again (the Code's report counts them too)."""
    _import(any_database, tmp_path)
    before = _stage(any_database, "T-CODE-U")
    # Provisionally from Wed 22 Apr, the acknowledgement's last day: 10 + 2 working days,
    # over the bank holiday on Mon 4 May: Mon 11 May.
    assert (before.acknowledge_due_on, before.due_on, before.suspended_days) == (
        dt.date(2026, 4, 22),
        dt.date(2026, 5, 11),
        2,
    )
    _move(any_database, "T-CODE-U", Action.ACKNOWLEDGE, ActionInput(on=dt.date(2026, 4, 20)))
    after = _stage(any_database, "T-CODE-U")
    # 10 + 2 working days after Mon 20 Apr is Thu 7 May (4 May a bank holiday).
    assert (after.started_on, after.due_on, after.suspended_days) == (
        dt.date(2026, 4, 20),
        dt.date(2026, 5, 7),
        2,
    )


def test_an_upgrade_finds_the_imported_days(any_database: Database, tmp_path: Path) -> None:
    _import(any_database, tmp_path)
    recorded = _stage(any_database, "T-CH-U")
    # Suspended again when the program is upgraded: the suspension still running has
    # not added its days, so the stage's suspended days are still the file's.
    _acknowledge_and_suspend(any_database)

    def suspended_in_the_program(session: sa.orm.Session) -> None:
        # A case recorded in the program never has undated days, whatever it holds.
        case = session.scalars(sa.select(Case).where(Case.reference == "T-CODE-U")).one()
        case.imported = False

    any_database.write(suspended_in_the_program)
    migrate.downgrade(any_database.engine, "0012")
    migrate.upgrade(any_database.engine)
    assert _stage(any_database, "T-CH-U").undated_suspended_days == 5
    assert _stage(any_database, "T-CH-U").due_on == recorded.due_on
    assert _stage(any_database, "T-CODE-U").undated_suspended_days == 0
    _move(any_database, "T-CH-U", Action.RESUME, ActionInput(on=dt.date(2024, 11, 21)))
    resumed = _stage(any_database, "T-CH-U")
    assert resumed.suspended_days > 5 and resumed.due_on is not None
    assert recorded.due_on is not None and resumed.due_on > recorded.due_on
