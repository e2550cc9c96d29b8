"""Random walks through the workflow keep the invariants (hypothesis)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_desktop.db.audit import _jsonable
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    AuditEvent,
    ComplaintPoint,
    PointOutcome,
    Stage,
    StageExtension,
    StageSuspension,
)
from crm_desktop.domain.deadlines import Extension, Suspension, compute_due_date
from crm_desktop.domain.enums import StageCode, StageStatus
from crm_desktop.domain.workflow import Action, allowed_actions
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import working_calendar
from tests.core.test_stage_states import sql_states
from tests.workflow_driver import MANAGER, STARTS, Driver, Handle, snapshot

AUDITED = (
    "representation",
    "stage",
    "complaint_point",
    "point_outcome",
    "stage_suspension",
    "stage_extension",
    "due_date_change",
    "case_party",
    "assignment",
    "lgsco_detail",
    "stage_grading",
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    path: Path = tmp_path_factory.mktemp("walks") / "crm.db"
    database: Database = open_database(f"sqlite:///{path}")
    try:
        yield Driver(database)
    finally:
        database.dispose()


def check_invariants(driver: Driver, handle: Handle) -> None:
    state = driver.state(handle)[1]
    in_sql = sql_states(driver.db, handle.case_id)[handle.case_id]
    assert in_sql == {state}, "the state's SQL condition disagrees with stage_state"
    with driver.db.session() as session:
        stages = session.scalars(
            sa.select(Stage).where(Stage.case_id == handle.case_id).order_by(Stage.seq)
        ).all()
        open_stages = [s for s in stages if s.status != StageStatus.CLOSED]
        assert len(open_stages) <= 1, "more than one open stage"
        points = session.scalars(
            sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == handle.case_id)
        ).all()
        cal = working_calendar(session)
        for stage in stages:
            if stage.status == StageStatus.CLOSED and stage.stage != StageCode.LGSCO:
                assert stage.outcome is not None, "closed stage without an outcome"
                with_outcome = session.scalars(
                    sa.select(PointOutcome.point_id).where(PointOutcome.stage_id == stage.id)
                ).all()
                assert set(with_outcome) == set(points), "closed stage with a point unanswered"
            if stage.started_on is not None and stage.timescale_days is not None:
                suspensions = session.scalars(
                    sa.select(StageSuspension).where(
                        StageSuspension.stage_id == stage.id, StageSuspension.ends_on.is_not(None)
                    )
                ).all()
                extensions = session.scalars(
                    sa.select(StageExtension).where(StageExtension.stage_id == stage.id)
                ).all()
                expected = compute_due_date(
                    cal,
                    stage.started_on,
                    stage.timescale_days,
                    [Suspension(s.starts_on, s.ends_on, s.reason.value) for s in suspensions],
                    [Extension(e.working_days, e.reason) for e in extensions],
                )
                assert stage.due_on == expected, "due date disagrees with the deadline engine"


def replay_matches(driver: Driver, case_id: int) -> None:
    """Rebuild every row of the case from its audit events alone; compare with the data."""
    rebuilt: dict[tuple[str, str], dict[str, Any]] = {}
    with driver.db.session() as session:
        for event in session.scalars(
            sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        ):
            if event.entity == "workflow":
                continue
            key = (event.entity, event.entity_id or "")
            if event.action == "create":
                rebuilt[key] = json.loads(event.after or "{}")
            elif event.action == "update":
                rebuilt[key].update(json.loads(event.after or "{}"))
            else:
                rebuilt.pop(key)
        actual: dict[tuple[str, str], dict[str, Any]] = {}
        from crm_desktop.db.base import Base

        stage_ids = session.scalars(sa.select(Stage.id).where(Stage.case_id == case_id)).all()
        for name in AUDITED:
            table = Base.metadata.tables[name]
            if name == "representation":
                where = table.c.id == case_id
            elif "case_id" in table.c:
                where = table.c.case_id == case_id
            else:
                where = table.c.stage_id.in_(stage_ids)
            for row in session.execute(sa.select(table).where(where)).mappings():
                pk = ":".join(str(_jsonable(row[c.name])) for c in table.primary_key)
                actual[(name, pk)] = {
                    k: _jsonable(v) for k, v in row.items() if k not in ("updated_at", "updated_by")
                }
    rebuilt = {k: v for k, v in rebuilt.items() if k[0] in AUDITED}
    assert rebuilt == actual


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=st.sampled_from(STARTS), choices=st.lists(st.integers(0, 10_000), max_size=18))
def test_random_walks_keep_the_invariants(driver: Driver, start: Any, choices: list[int]) -> None:
    handle = driver.create(start)
    check_invariants(driver, handle)
    for choice in choices:
        code, state = driver.state(handle)
        allowed = sorted(allowed_actions(start.kind, start.procedure, code, state))
        if not allowed:
            break
        action = allowed[choice % len(allowed)]
        before = snapshot(driver.db, handle.case_id)
        try:
            driver.do(handle, action, actor=MANAGER if action == Action.REOPEN else None)
        except ValidationError:
            # A guard refused (an extension past the limit, say): nothing may change.
            driver.refresh(handle)
            after = snapshot(driver.db, handle.case_id)
            # Prerequisites (point outcomes, appointments) may have been added first.
            assert after["stage"] == before["stage"]
            assert after["stage_extension"] == before["stage_extension"]
            assert after["due_date_change"] == before["due_date_change"]
        check_invariants(driver, handle)
    replay_matches(driver, handle.case_id)
