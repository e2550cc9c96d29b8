"""A council closure day added (or removed) while corporate clocks run moves their
dates: corporate clocks skip closure days (PRODUCT.md, "Working days"), whichever was
recorded first, the case or the closure day. The statutory clocks, answered stages and
clocks that end before the day keep theirs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import FIELD_DUE, Case, DueDateChange, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.operations import admin, run_operation
from crm_desktop.operations.core import Change
from tests.core.test_importer import CHILDREN, do_import, row, write_csv

MANAGER = Actor("manager", UserRole.MANAGER)
TODAY = dt.date(2026, 12, 2)
CLOSED = dt.date(2026, 12, 3)  # a Thursday

CODE = {"received": "2026-12-01", "stage_started": "2026-12-01", "stage_closed": "", "outcome": ""}


def _dates(database: Database) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    with database.session() as session:
        return {
            reference: (ack_due, due)
            for reference, ack_due, due in session.execute(
                sa.select(Case.reference, Stage.acknowledge_due_on, Stage.due_on).join(
                    Stage, Stage.id == Case.current_stage_id
                )
            )
        }


def test_running_corporate_clocks_count_a_closure_day_added_later(
    any_database: Database, tmp_path: Path
) -> None:
    rows = [
        # The Complaint Handling Code, received Tue 1 Dec 2026 and not acknowledged:
        # acknowledgement due 5 working days later, Tue 8 Dec; the response 10 after
        # that (provisionally), Tue 22 Dec.
        row(CODE, reference="T-WAITING"),
        # Acknowledged Wed 2 Dec: the response is due 10 working days after, Wed 16 Dec.
        row(CODE, reference="T-ACKNOWLEDGED", acknowledged="2026-12-02"),
        # Answered on Wed 2 Dec: its dates are history.
        row(CODE, reference="T-ANSWERED", stage_closed="2026-12-02", outcome="upheld"),
        # Received Mon 2 Nov 2026, not acknowledged: acknowledgement due Mon 9 Nov, the
        # response 10 working days after it, Mon 23 Nov: before the closure day.
        row(reference="T-ENDED-BEFORE", received="2026-11-02", stage_started="2026-11-02",
            stage_closed="", outcome=""),
        # Children's Stage 1 from Tue 1 Dec: the statutory calendar knows no closure days.
        row(CHILDREN, CODE, reference="T-CHILDREN"),
    ]  # fmt: skip
    result = do_import(any_database, write_csv(tmp_path / "c.csv", rows), today=TODAY)
    assert result.ok, [str(e) for e in result.errors]
    before = _dates(any_database)
    assert before["T-WAITING"] == (dt.date(2026, 12, 8), dt.date(2026, 12, 22))
    assert before["T-ACKNOWLEDGED"][1] == dt.date(2026, 12, 16)
    assert before["T-ENDED-BEFORE"] == (dt.date(2026, 11, 9), dt.date(2026, 11, 23))

    added = run_operation(any_database, MANAGER, TODAY, admin.add_closure_day, CLOSED, "Training")
    assert added.value.stages_moved == 2
    assert added.changes.kinds == {Change.CALENDAR, Change.CASES}  # lists show the new dates
    after = _dates(any_database)
    # One working day fewer in each window that holds Thu 3 Dec.
    assert after["T-WAITING"] == (dt.date(2026, 12, 9), dt.date(2026, 12, 23))
    assert after["T-ACKNOWLEDGED"] == (before["T-ACKNOWLEDGED"][0], dt.date(2026, 12, 17))
    for unchanged in ("T-ANSWERED", "T-ENDED-BEFORE", "T-CHILDREN"):
        assert after[unchanged] == before[unchanged], unchanged
    with any_database.session() as session:
        recorded = session.execute(
            sa.select(Case.reference, DueDateChange.before, DueDateChange.after)
            .join(Stage, Stage.id == DueDateChange.stage_id)
            .join(Case, Case.id == Stage.case_id)
            .where(DueDateChange.cause == "calendar", DueDateChange.field == FIELD_DUE)
            .order_by(Case.reference)
        ).all()
        reason = session.scalar(
            sa.select(DueDateChange.reason).where(DueDateChange.cause == "calendar").limit(1)
        )
    assert [tuple(r) for r in recorded] == [
        ("T-ACKNOWLEDGED", dt.date(2026, 12, 16), dt.date(2026, 12, 17)),
        ("T-WAITING", dt.date(2026, 12, 22), dt.date(2026, 12, 23)),
    ]
    assert reason is not None and "closure day on 3 Dec 2026 (Training) was added" in reason

    # Removed again: the dates go back.
    run_operation(any_database, MANAGER, TODAY, admin.remove_closure_day_on, CLOSED)
    assert _dates(any_database) == before


def test_a_closure_day_added_first_gives_the_same_dates(
    any_database: Database, tmp_path: Path
) -> None:
    run_operation(any_database, MANAGER, TODAY, admin.add_closure_day, CLOSED, "Training")
    rows = [row(CODE, reference="T-WAITING")]
    assert do_import(any_database, write_csv(tmp_path / "c.csv", rows), today=TODAY).ok
    assert _dates(any_database)["T-WAITING"] == (dt.date(2026, 12, 9), dt.date(2026, 12, 23))


def test_a_clock_under_the_councils_earlier_rules_counts_it_too(
    any_database: Database, tmp_path: Path
) -> None:
    # Received Tue 31 Mar 2026 (the council's 2023 procedure): acknowledgement due 3
    # working days later, Tue 7 Apr (Good Friday 3 Apr and Easter Monday 6 Apr skipped);
    # the response 20 working days after receipt, Thu 30 Apr.
    rows = [
        row(
            reference="T-2023",
            received="2026-03-31",
            stage_started="2026-03-31",
            stage_closed="",
            outcome="",
        )
    ]
    assert do_import(any_database, write_csv(tmp_path / "c.csv", rows), today=TODAY).ok
    assert _dates(any_database)["T-2023"] == (dt.date(2026, 4, 7), dt.date(2026, 4, 30))
    run_operation(any_database, MANAGER, TODAY, admin.add_closure_day, dt.date(2026, 4, 1), "Move")
    assert _dates(any_database)["T-2023"] == (dt.date(2026, 4, 8), dt.date(2026, 5, 1))
