"""Drives cases through the workflow for tests: prerequisites, inputs, paths to any state."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    Assignment,
    Case,
    CaseParty,
    ComplaintPoint,
    DueDateChange,
    LgscoDetail,
    Person,
    PointOutcome,
    Stage,
    StageExtension,
    StageGrading,
    StageSuspension,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Kind,
    LgscoDecision,
    Procedure,
    StageCode,
    SuspensionReason,
    UserRole,
)
from crm_desktop.domain.workflow import (
    ADULT_GRADES,
    NEXT_STAGE,
    Action,
    State,
    allowed_actions,
)
from crm_desktop.operations import run_operation, workflow
from crm_desktop.services.cases import (
    NewCase,
    PersonInput,
    PointInput,
    create_case,
    set_point_outcome,
)
from crm_desktop.services.workflow import ActionInput, TransitionResult, case_state

TODAY = dt.date(2026, 6, 30)
RECEIVED = dt.date(2024, 3, 1)
OFFICER = Actor("officer1", UserRole.OFFICER)
MANAGER = Actor("manager", UserRole.MANAGER)

AREAS = {
    Procedure.CHILDREN: ("Through Care", None, ["Decision Making", "Staff Attitude / Behaviour"]),
    Procedure.ADULT: ("Urgent Care", None, ["Direct Payments", "Lack of Service"]),
    Procedure.CORPORATE: ("Contact Centre", "COaCH", ["Communication", "Decision Making"]),
}


@dataclass(frozen=True)
class Start:
    """Where a kind of case begins: what to create and the first node."""

    kind: Kind
    procedure: Procedure
    grade: StageCode | None = None

    @property
    def name(self) -> str:
        grade = f"-{self.grade.value}" if self.grade else ""
        return f"{self.kind.value}-{self.procedure.value}{grade}"

    @property
    def first_node(self) -> tuple[StageCode | None, State]:
        if self.kind == Kind.COMPLAINT:
            code = self.grade or StageCode.STAGE_1
            return code, State.AWAITING_ACKNOWLEDGEMENT
        return None, State.RECEIVED


STARTS = [
    Start(Kind.COMPLAINT, Procedure.CHILDREN),
    Start(Kind.COMPLAINT, Procedure.CORPORATE),
    *(Start(Kind.COMPLAINT, Procedure.ADULT, grade) for grade in sorted(ADULT_GRADES)),
    Start(Kind.COMPLIMENT, Procedure.CORPORATE),
    Start(Kind.COMMENT, Procedure.CORPORATE),
]

Node = tuple[StageCode | None, State]


def next_code(procedure: Procedure, code: StageCode | None, action: Action) -> StageCode | None:
    if action == Action.ESCALATE and code is not None:
        return NEXT_STAGE[procedure][code]
    if action == Action.ESCALATE_TO_LGSCO:
        return StageCode.LGSCO
    return code


def paths(start: Start) -> dict[Node, list[Action]]:
    """The shortest action path from the start to every node the table can reach."""
    first = start.first_node
    found: dict[Node, list[Action]] = {first: []}
    queue: deque[Node] = deque([first])
    while queue:
        code, state = queue.popleft()
        for action, target in allowed_actions(start.kind, start.procedure, code, state).items():
            if target == State.REOPENED or action == Action.REGRADE:
                continue
            node = (next_code(start.procedure, code, action), target)
            if node not in found:
                found[node] = [*found[(code, state)], action]
                queue.append(node)
    return found


@dataclass
class Handle:
    case_id: int
    version: int
    start: Start
    day: dt.date
    results: list[TransitionResult] = field(default_factory=list)

    def tick(self) -> dt.date:
        self.day += dt.timedelta(days=1)
        return self.day


class Driver:
    def __init__(self, database: Database) -> None:
        self.db = database
        self.people = 0

    def create(self, start: Start, received: dt.date = RECEIVED) -> Handle:
        area, directorate, natures = AREAS[start.procedure]
        new = NewCase(
            kind=start.kind,
            procedure=start.procedure,
            received_on=received,
            service_area=area,
            directorate=directorate,
            complainant=PersonInput("C. O'Neil", email="c.oneil@example.org"),
            points=[PointInput(n) for n in natures] if start.kind == Kind.COMPLAINT else [],
            grade=start.grade,
            summary="Test case",
        )
        created = self.db.write(lambda s: create_case(s, new, OFFICER, TODAY), actor="officer1")
        return Handle(created.case_id, created.version, start, received)

    def refresh(self, handle: Handle) -> None:
        with self.db.session() as session:
            case = session.get(Case, handle.case_id)
            assert case is not None
            handle.version = case.version

    def state(self, handle: Handle) -> tuple[StageCode | None, State]:
        with self.db.session() as session:
            case = session.get(Case, handle.case_id)
            assert case is not None
            stage = session.get(Stage, case.current_stage_id) if case.current_stage_id else None
            return (StageCode(stage.stage) if stage else None), case_state(session, case)

    # -- prerequisites the guards look for -------------------------------------------

    def give_point_outcomes(self, handle: Handle, outcomes: list[str] | None = None) -> None:
        with self.db.session() as session:
            points = session.scalars(
                sa.select(ComplaintPoint.id)
                .where(ComplaintPoint.case_id == handle.case_id)
                .order_by(ComplaintPoint.seq)
            ).all()
        for i, point in enumerate(points):
            outcome = (outcomes or ["upheld", "not upheld"])[i % len(outcomes or [0, 0])]
            self.db.write(
                lambda s, p=point, o=outcome: set_point_outcome(
                    s, handle.case_id, handle.version, p, o, OFFICER
                ),
                actor="officer1",
            )
            self.refresh(handle)

    def appoint(self, handle: Handle, role: AssignmentRole, count: int = 1) -> list[int]:
        def work(session: Session) -> list[int]:
            case = session.get(Case, handle.case_id)
            assert case is not None and case.current_stage_id is not None
            ids = []
            for _ in range(count):
                self.people += 1
                person = Person(full_name=f"Investigator {self.people}", is_investigator=True)
                session.add(person)
                session.flush()
                session.add(
                    Assignment(
                        stage_id=case.current_stage_id,
                        person_id=person.id,
                        role=role,
                        status=AssignmentStatus.ACCEPTED,
                        offered_on=handle.day,
                    )
                )
                ids.append(person.id)
            return ids

        ids = self.db.write(work, actor="officer1")
        self.refresh(handle)
        return ids

    # -- actions ---------------------------------------------------------------------

    def standard_input(self, handle: Handle, action: Action, code: StageCode | None) -> ActionInput:
        on = handle.tick()
        extra: dict[str, Any] = {}
        if action == Action.SUSPEND:
            extra["suspension_reason"] = SuspensionReason.AWAITING_INFORMATION
        elif action == Action.EXTEND:
            extra.update(working_days=2, reason="Complex case, agreed with the complainant")
        elif action in (Action.WITHDRAW, Action.DISCONTINUE, Action.REDIRECT, Action.REOPEN):
            extra["reason"] = "As the complainant asked"
        elif action == Action.REGRADE:
            others = sorted(g for g in ADULT_GRADES if g != code)
            extra.update(grade=others[0], reason="More serious than first thought")
        elif action == Action.RECORD_LGSCO_DECISION:
            extra["lgsco_decision"] = LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE
        elif action == Action.RECORD_REPLY:
            extra["reply_text"] = "Thank you; passed to the service."
        elif action == Action.AGREE_PERIOD:
            # Well after the six months beginning with the day received end.
            extra["agreed_until"] = on + dt.timedelta(days=200)
        elif action == Action.RESPOND and code == StageCode.STAGE_3:
            # The council's response clock runs from the panel's report (reg. 20(3)).
            with self.db.session() as session:
                case = session.get(Case, handle.case_id)
                assert case is not None
                stage = session.get(Stage, case.current_stage_id)
                if stage is not None and stage.panel_report_on is None:
                    extra["panel_report_on"] = on
        return ActionInput(on=on, **extra)

    def prepare(self, handle: Handle, action: Action, code: StageCode | None) -> None:
        if action == Action.RESPOND:
            self.give_point_outcomes(handle)
        elif action == Action.START_INVESTIGATION:
            self.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
            self.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)
        elif action == Action.HOLD_PANEL:
            self.appoint(handle, AssignmentRole.PANEL_MEMBER, 3)

    def do(
        self,
        handle: Handle,
        action: Action,
        data: ActionInput | None = None,
        actor: Actor | None = None,
        prepare: bool = True,
    ) -> TransitionResult:
        code, _ = self.state(handle)
        if prepare:
            self.prepare(handle, action, code)
        data = data or self.standard_input(handle, action, code)
        # Later steps come after a date a test gave (the program refuses, for example,
        # a response dated before a suspension it follows ended).
        handle.day = max(handle.day, data.on)
        who = actor or (MANAGER if action == Action.REOPEN else OFFICER)
        result = run_operation(
            self.db, who, TODAY, workflow.perform, handle.case_id, handle.version, action, data
        ).value
        handle.version = result.version
        handle.results.append(result)
        return result

    def walk(self, start: Start, path: list[Action]) -> Handle:
        handle = self.create(start)
        for action in path:
            self.do(handle, action)
        return handle


SNAPSHOT_MODELS = (
    Case,
    CaseParty,
    ComplaintPoint,
    PointOutcome,
    Stage,
    StageSuspension,
    StageExtension,
    StageGrading,
    DueDateChange,
    Assignment,
    LgscoDetail,
)


def snapshot(database: Database, case_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to a case, for 'nothing changed' checks."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with database.session() as session:
        stage_ids = session.scalars(sa.select(Stage.id).where(Stage.case_id == case_id)).all()
        point_ids = session.scalars(
            sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case_id)
        ).all()
        for model in SNAPSHOT_MODELS:
            table = model.__table__
            if model is Case:
                where = table.c.id == case_id
            elif "case_id" in table.c:
                where = table.c.case_id == case_id
            elif "point_id" in table.c:
                where = table.c.point_id.in_(point_ids)
            else:
                where = table.c.stage_id.in_(stage_ids)
            rows = session.execute(sa.select(table).where(where).order_by(*table.primary_key))
            result[table.name] = [tuple(r) for r in rows]
    return result
