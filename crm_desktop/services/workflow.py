"""Moving a case through its procedure: one entry point, :func:`perform`.

``perform`` finds the case's state, asks the procedure's transition table
(:mod:`crm_desktop.domain.workflow`) whether the action is allowed, applies the guards
that need data, makes the change (clock changes through the deadline engine in
:mod:`crm_desktop.services.clock`), records a workflow event in the audit trail, and
checks that the case landed in the state the table promised. Any refusal is raised
before anything is changed, and ``Database.write`` rolls the transaction back, so a
refused action leaves the case exactly as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import ACTOR_KEY, record_events
from crm_desktop.db.base import utcnow
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    ComplaintPoint,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Person,
    PointOutcome,
    Stage,
    StageGrading,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.eligibility import (
    ACCEPTED_STATUSES,
    PANEL_ROLES,
    PANEL_SIZE,
    required_roles,
    role_label,
    roles_at,
    with_article,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Kind,
    LgscoDecision,
    Outcome,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    UserRole,
)
from crm_desktop.domain.formatting import format_date, working_days_text
from crm_desktop.domain.procedure_policy import StageRules
from crm_desktop.domain.statutory import response_received_on
from crm_desktop.domain.workflow import (
    ACTION_FORMS,
    ADULT_GRADES,
    ENDING_OUTCOMES,
    NEXT_STAGE,
    RUNNING_STATES,
    UPHELD_OUTCOMES,
    Action,
    StageFacts,
    State,
    allowed_actions,
    outcome_from_points,
    stage_state,
)
from crm_desktop.errors import IllegalTransition, NotFound, ValidationError
from crm_desktop.services import clock
from crm_desktop.services.calendar_service import timescales, working_calendar
from crm_desktop.services.cases import check_not_future, load_case, touch
from crm_desktop.services.investigators import not_eligible_now
from crm_desktop.services.procedure_policies import policy_for


@dataclass(frozen=True)
class ActionInput:
    """What the officer entered for an action; each action uses the fields it needs."""

    on: dt.date  # the date it happened
    reason: str = ""
    note: str | None = None
    working_days: int | None = None  # extend
    agreed_with_complainant: bool = False  # extend
    beyond_limit_reason: str | None = None  # extend: a manager's reason to pass the limit
    suspension_reason: SuspensionReason | None = None  # suspend
    expected_resume_on: dt.date | None = None  # suspend: the day it should restart
    grade: StageCode | None = None  # regrade
    outcome_override: Outcome | None = None  # respond: overrides the points' outcome
    panel_report_on: dt.date | None = None  # respond at children's Stage 3
    response_received_on: dt.date | None = None  # respond: the complainant received it
    agreed_until: dt.date | None = None  # agree period (adult): its last day
    lgsco_response_due_on: dt.date | None = None  # the Ombudsman's own response date
    lgsco_decision: LgscoDecision | None = None
    lgsco_reference: str | None = None
    reply_text: str | None = None  # comments
    override_window: bool = False  # a manager accepting a late request for the next stage


_FIELDS = frozenset(f.name for f in dataclasses.fields(ActionInput))
assert all(i.name in _FIELDS for form in ACTION_FORMS.values() for i in form.inputs), (
    "every input an action asks for is a field of ActionInput"
)


def _missing(data: ActionInput, name: str) -> bool:
    value = getattr(data, name)
    return value is None or (isinstance(value, str) and not value.strip())


def check_required_inputs(action: Action, data: ActionInput, stage: StageCode | None) -> None:
    """Refuse an input the action requires (:data:`ACTION_FORMS`) that is missing, naming
    the field."""
    for item in ACTION_FORMS[action].asks(stage):
        if item.missing is not None and _missing(data, item.name):
            raise ValidationError(item.missing, item.name)


@dataclass(frozen=True)
class TransitionResult:
    case_id: int
    action: Action
    state: State
    stage_id: int | None
    version: int
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- state


def _facts(session: Session, case: Case, stage: Stage | None) -> StageFacts:
    if stage is None:
        return StageFacts(
            kind=Kind(case.kind),
            case_closed=case.status == CaseStatus.CLOSED,
            replied=case.reply_received_on is not None,
        )
    decided = False
    if stage.stage == StageCode.LGSCO:
        detail = session.get(LgscoDetail, stage.id)
        decided = detail is not None and detail.decision is not None
    return StageFacts(
        kind=Kind(case.kind),
        case_closed=case.status == CaseStatus.CLOSED,
        stage=StageCode(stage.stage),
        acknowledged=stage.acknowledged_on is not None,
        started=stage.started_on is not None,
        suspended=stage.status == StageStatus.SUSPENDED,
        closed=stage.status == StageStatus.CLOSED,
        outcome=Outcome(stage.outcome) if stage.outcome else None,
        next_stage_requested=stage.next_stage_requested_on is not None,
        panel_held=stage.panel_on is not None,
        lgsco_decided=decided,
    )


def current_stage(session: Session, case: Case) -> Stage | None:
    return session.get(Stage, case.current_stage_id) if case.current_stage_id else None


def case_state(session: Session, case: Case) -> State:
    return stage_state(_facts(session, case, current_stage(session, case)))


def available_actions(session: Session, case_id: int) -> list[Action]:
    """The actions the procedure's table allows now (the access policy then takes away
    what the actor's role may not do)."""
    case = load_case(session, case_id)
    stage = current_stage(session, case)
    table = allowed_actions(
        Kind(case.kind),
        Procedure(case.procedure),
        StageCode(stage.stage) if stage else None,
        case_state(session, case),
    )
    return [a for a in table if a != Action.SUSPEND or not _no_suspension(session, case, stage)]


def _no_suspension(session: Session, case: Case, stage: Stage | None) -> str:
    """Why the policy the case is handled under does not let its stage's clock be
    suspended (the Complaint Handling Code's do not); empty when it does."""
    if stage is None:
        return ""
    policy = policy_for(session, case.procedure, case.received_on)
    rules = policy.rules.stage(stage.stage) if policy is not None else None
    if policy is None or rules is None or rules.suspension:
        return ""
    where = rules.provision("extension")
    return (
        f"Cases under “{policy.name}” do not have their clock suspended: if more time is "
        f"needed, extend it instead{f' ({where})' if where else ''} and tell the "
        "complainant why."
    )


# ------------------------------------------------------------------------ perform


def perform(
    session: Session,
    case_id: int,
    expected_version: int,
    action: Action,
    data: ActionInput,
    actor: Actor,
    today: dt.date,
) -> TransitionResult:
    """Take ``action`` on the case, if its procedure's table allows it now."""
    case = load_case(session, case_id, expected_version)
    stage = current_stage(session, case)
    kind, procedure = Kind(case.kind), Procedure(case.procedure)
    state = stage_state(_facts(session, case, stage))
    code = StageCode(stage.stage) if stage else None
    allowed = allowed_actions(kind, procedure, code, state)
    if action not in allowed:
        where = f"{code.label}: " if code else ""
        options = ", ".join(a.label.lower() for a in allowed) or "nothing"
        raise IllegalTransition(
            f"You cannot {action.value} this case now ({where}{state.value}). "
            f"What can be done now: {options}."
        )
    if action == Action.SUSPEND and (why := _no_suspension(session, case, stage)):
        raise IllegalTransition(why)
    check_required_inputs(action, data, code)
    check_not_future(data.on, today, "date")
    if data.response_received_on is not None and data.response_received_on > today:
        raise ValidationError(
            f"The day the complainant received the response "
            f"({format_date(data.response_received_on)}) is in the future. Leave it empty "
            "until they have it: it is taken as the day after it was sent.",
            "response_received_on",
        )
    if data.on < case.received_on:
        raise ValidationError(
            f"The date ({format_date(data.on)}) is before the case was received "
            f"({format_date(case.received_on)}).",
            "on",
        )
    if stage is not None and stage.requested_on is not None and data.on < stage.requested_on:
        raise ValidationError(
            f"The date ({format_date(data.on)}) is before {StageCode(stage.stage).label} was "
            f"asked for ({format_date(stage.requested_on)}).",
            "on",
        )
    warnings: list[str] = []
    handler = _HANDLERS[action]
    stage_id = handler(session, case, stage, data, actor, warnings)
    touch(case, actor)
    session.flush()
    _record_workflow_event(session, case, action, data, actor, stage_id)
    new_state = case_state(session, case)
    expected = allowed[action]
    if expected == State.AWAITING_START and stage is not None and stage.started_on is not None:
        # An imported children's Stage 2 whose clock the file started on its request (it
        # has no statement of complaint): acknowledged, it is in progress.
        expected = State.IN_PROGRESS
    if expected == State.REOPENED:
        assert new_state in RUNNING_STATES, (action, new_state)
    else:
        assert new_state == expected, (action, state, new_state, expected)
    return TransitionResult(
        case.id, action, new_state, case.current_stage_id, case.version, tuple(warnings)
    )


def _record_workflow_event(
    session: Session,
    case: Case,
    action: Action,
    data: ActionInput,
    actor: Actor,
    stage_id: int | None,
) -> None:
    details: dict[str, object] = {"on": data.on.isoformat()}
    for key in (
        "reason",
        "note",
        "working_days",
        "lgsco_reference",
        "reply_text",
        "beyond_limit_reason",
    ):
        value = getattr(data, key)
        if value not in (None, ""):
            details[key] = value
    for key in ("suspension_reason", "grade", "outcome_override", "lgsco_decision"):
        value = getattr(data, key)
        if value is not None:
            details[key] = value.value
    for key in (
        "panel_report_on",
        "response_received_on",
        "agreed_until",
        "lgsco_response_due_on",
        "expected_resume_on",
    ):
        day = getattr(data, key)
        if day is not None:
            details[key] = day.isoformat()
    if data.override_window:
        details["override_window"] = True
    session.info.setdefault(ACTOR_KEY, actor.username)
    record_events(
        session,
        [
            {
                "occurred_at": utcnow(),
                "username": actor.username,
                "action": action.value,
                "entity": "workflow",
                "entity_id": str(stage_id) if stage_id else None,
                "case_id": case.id,
                "before": None,
                "after": json.dumps(details, sort_keys=True, ensure_ascii=False),
            }
        ],
    )


# ------------------------------------------------------------------------ handlers
# Each handler gets the case, its current stage, the input and the actor; it checks its
# guards first, then changes the case, and returns the id of the stage it worked on.


def _stage(stage: Stage | None) -> Stage:
    assert stage is not None, "the table only allows this action on a stage"
    return stage


def _acknowledge(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    since = stage.requested_on or stage.started_on or case.received_on
    if data.on < since:
        raise ValidationError(
            f"The acknowledgement ({format_date(data.on)}) cannot be before the stage was "
            f"asked for ({format_date(since)}).",
            "on",
        )
    _view, late = clock.acknowledge_clock(session, stage.id, data.on, actor.username)
    if late:
        warnings.append(late)
    return stage.id


def _suspend(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert data.suspension_reason is not None  # required: checked by perform
    clock.suspend_clock(
        session,
        stage.id,
        data.on,
        data.suspension_reason,
        data.note,
        actor.username,
        expected_resume_on=data.expected_resume_on,
    )
    return stage.id


def _resume(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    clock.resume_clock(session, stage.id, data.on, actor.username)
    return stage.id


def _extend(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert data.working_days is not None  # required: checked by perform
    if (
        stage.due_on is not None
        and data.on > stage.due_on
        and not any(s.ends_on is None for s in stage.suspensions)
        and _under_the_code(session, case)
    ):
        # Under the Complaint Handling Code, more time is decided, and the complainant
        # told, before the response is due (5.5 and 6.4): afterwards the response is
        # late, and an extension would hide it. (An adult complaint's time is extended
        # by agreement within the six months, and the statutory and the council's 2023
        # procedures set no such rule.)
        raise ValidationError(
            f"The response was due on {format_date(stage.due_on)}: an extension must be "
            f"agreed by then, and {format_date(data.on)} is later. If it was agreed in "
            "time, give the day it was agreed; if not, the response is late: record it "
            "when it is sent.",
            "on",
        )
    clock.extend_clock(
        session,
        stage.id,
        data.working_days,
        data.reason,
        actor.username,
        data.agreed_with_complainant,
        data.beyond_limit_reason,
    )
    return stage.id


def _under_the_code(session: Session, case: Case) -> bool:
    """Whether the case is handled under the Complaint Handling Code (its procedure's
    policy in force on the day it was received took effect on or after the Code's)."""
    policy = policy_for(session, case.procedure, case.received_on)
    return policy is not None and policy.is_code


def _accepted(session: Session, stage_id: int, roles: Iterable[AssignmentRole]) -> list[Assignment]:
    return list(
        session.scalars(
            sa.select(Assignment).where(
                Assignment.stage_id == stage_id,
                Assignment.role.in_(tuple(roles)),
                Assignment.status.in_(ACCEPTED_STATUSES),
            )
        )
    )


def _start_investigation(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    needed = required_roles(Procedure(case.procedure), StageCode(stage.stage))
    accepted = _accepted(session, stage.id, needed)
    held = {AssignmentRole(a.role) for a in accepted}
    missing = [with_article(role_label(role)) for role in needed if role not in held]
    if missing:
        raise ValidationError(
            f"A {StageCode(stage.stage).label} investigation needs "
            f"{' and '.join(with_article(role_label(role)) for role in needed)} who have accepted. "
            f"Still missing: {' and '.join(missing)}."
        )
    # The statement may have been agreed before the acknowledgement went out (at a
    # meeting on the day of the request): its own date starts the clock. Not before the
    # request (perform's check of every action's date).
    reasons = not_eligible_now(
        session,
        case,
        stage,
        ((a.person_id, AssignmentRole(a.role)) for a in accepted),
        data.on,
    )
    if reasons:
        raise ValidationError(
            "The Investigating Officer and the Independent Person must be eligible when the "
            "investigation starts: "
            + " ".join(reasons)
            + " Replace them (People tab, Appoint…), then start the investigation."
        )
    stage.statement_agreed_on = data.on
    clock.start_clock(session, stage.id, data.on, actor.username)
    return stage.id


def _hold_panel(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    panel = _accepted(session, stage.id, PANEL_ROLES)
    if len(panel) < PANEL_SIZE:
        raise ValidationError(
            f"A review panel needs {PANEL_SIZE} panel members who have accepted; "
            f"{len(panel)} {'has' if len(panel) == 1 else 'have'} so far."
        )
    if stage.previous_stage_id is not None:
        stage_two_ips = {
            a.person_id
            for a in _accepted(
                session, stage.previous_stage_id, (AssignmentRole.INDEPENDENT_PERSON,)
            )
        }
        if stage_two_ips & {a.person_id for a in panel}:
            raise ValidationError(
                "The Independent Person from Stage 2 cannot sit on the review panel."
            )
    reasons = not_eligible_now(
        session, case, stage, ((a.person_id, AssignmentRole(a.role)) for a in panel), data.on
    )
    if reasons:
        raise ValidationError(
            "The panel must be three independent people when it meets (reg. 19(2)): "
            + " ".join(reasons)
            + " Replace them (People tab, Appoint…), then record the meeting."
        )
    step = clock.record_panel(session, stage.id, data.on, actor.username)
    if step.late_by:
        assert step.due is not None
        warnings.append(
            f"The panel met {step.late_by} working day{'s' * (step.late_by != 1)} after it was "
            f"due ({format_date(step.due)}): the regulations give 30 working days from the "
            "request (reg. 19(4))."
        )
    return stage.id


def _record_panel_report(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    if stage.panel_report_on is not None:
        raise ValidationError(
            f"The panel's report was already recorded as received on "
            f"{format_date(stage.panel_report_on)}.",
            "on",
        )
    _panel_report_received(stage, data.on, actor, warnings, session)
    return stage.id


def _panel_report_received(
    stage: Stage, on: dt.date, actor: Actor, warnings: list[str], session: Session
) -> None:
    step = clock.record_panel_report(session, stage.id, on, actor.username)
    if step.late_by:
        assert step.due is not None
        warnings.append(
            f"The panel's report came {step.late_by} working day"
            f"{'s' * (step.late_by != 1)} after it was due ({format_date(step.due)}): the "
            "regulations give 5 working days from the meeting (reg. 20(2))."
        )


def _point_outcomes(session: Session, case: Case, stage: Stage) -> dict[int, Outcome | None]:
    rows = session.execute(
        sa.select(ComplaintPoint.seq, PointOutcome.outcome)
        .outerjoin(
            PointOutcome,
            sa.and_(PointOutcome.point_id == ComplaintPoint.id, PointOutcome.stage_id == stage.id),
        )
        .where(ComplaintPoint.case_id == case.id)
        .order_by(ComplaintPoint.seq)
    ).all()
    return {seq: (Outcome(outcome) if outcome else None) for seq, outcome in rows}


def _respond(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    if stage.acknowledged_on is not None and data.on < stage.acknowledged_on:
        # A withdrawal may cross the acknowledgement in the post; the council's own
        # response comes after its acknowledgement.
        raise ValidationError(
            f"The response cannot be dated {format_date(data.on)}, before the "
            f"acknowledgement ({format_date(stage.acknowledged_on)}). Enter the day it "
            "was sent.",
            "on",
        )
    outcomes = _point_outcomes(session, case, stage)
    missing = [str(seq) for seq, outcome in outcomes.items() if outcome is None]
    if missing:
        noun = "point" if len(missing) == 1 else "points"
        raise ValidationError(
            f"Record an outcome for complaint {noun} {', '.join(missing)} before the "
            f"{stage.stage.label} response.",
            "points",
        )
    derived = outcome_from_points([o for o in outcomes.values() if o is not None])
    outcome = derived
    if data.outcome_override is not None and data.outcome_override != derived:
        if data.outcome_override in ENDING_OUTCOMES.values():
            raise ValidationError(
                "To withdraw, discontinue or redirect, use that action instead of respond.",
                "outcome_override",
            )
        if not data.reason.strip():
            raise ValidationError(
                f"The points give '{derived.value}'. Say why the stage outcome should be "
                f"'{data.outcome_override.value}' instead.",
                "reason",
            )
        outcome = data.outcome_override
        stage.outcome_override_reason = data.reason.strip()
    if stage.stage == StageCode.STAGE_3:
        if stage.panel_report_on is None:
            if data.panel_report_on is None:
                raise ValidationError(
                    "Enter the day the panel's report was received: the council's response "
                    "is due within 15 working days of it (reg. 20(3)).",
                    "panel_report_on",
                )
            _panel_report_received(stage, data.panel_report_on, actor, warnings, session)
        elif data.panel_report_on not in (None, stage.panel_report_on):
            raise ValidationError(
                f"The panel's report was already recorded as received on "
                f"{format_date(stage.panel_report_on)}.",
                "panel_report_on",
            )
        assert stage.panel_report_on is not None
        if data.on < stage.panel_report_on:
            raise ValidationError(
                "The council's response cannot be before the panel's report was received.",
                "on",
            )
        stage.council_response_on = data.on
    _record_responder(session, case, stage, actor)
    warnings.extend(_reports_outstanding(session, case, stage))
    if data.response_received_on is not None and data.response_received_on < data.on:
        raise ValidationError(
            "The complainant cannot have received the response before it was sent.",
            "response_received_on",
        )
    # The outcome is the stage's before it closes (see _end).
    stage.outcome = outcome
    clock.close_clock(session, stage.id, data.on, actor.username)
    stage.response_received_on = response_received_on(data.on, data.response_received_on)
    return stage.id


def _reports_outstanding(session: Session, case: Case, stage: Stage) -> list[str]:
    """A warning for each Investigating Officer or Independent Person on the stage whose
    report is not recorded as received: the response is meant to follow it."""
    if not roles_at(Procedure(case.procedure), StageCode(stage.stage)):
        return []  # a stage that appoints nobody: nothing to read
    return [
        f"The {role_label(AssignmentRole(a.role))}'s report ({name}) is not recorded as "
        "received. Record it on the People tab (Appoint…, Report received) when it comes."
        for a, name in session.execute(
            sa.select(Assignment, Person.full_name)
            .join(Person, Person.id == Assignment.person_id)
            .where(
                Assignment.stage_id == stage.id,
                Assignment.role.in_(
                    (AssignmentRole.INVESTIGATING_OFFICER, AssignmentRole.INDEPENDENT_PERSON)
                ),
                Assignment.status == AssignmentStatus.ACCEPTED,
            )
            .order_by(Assignment.id)
        )
    ]


def _record_response_received(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert stage.closed_on is not None
    if data.on < stage.closed_on:
        raise ValidationError(
            f"The complainant cannot have received the response before it was sent "
            f"({format_date(stage.closed_on)}).",
            "on",
        )
    stage.response_received_on = data.on
    return stage.id


def _agree_period(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert data.agreed_until is not None  # required: checked by perform
    clock.agree_period(
        session, stage.id, data.on, data.agreed_until, actor.username, data.note or ""
    )
    return stage.id


def _end(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
    outcome: Outcome,
) -> int:
    stage = _stage(stage)
    recorded = {
        row.point_id: row
        for row in session.scalars(sa.select(PointOutcome).where(PointOutcome.stage_id == stage.id))
    }
    for point_id in session.scalars(
        sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case.id)
    ):
        existing = recorded.get(point_id)
        if existing is None:
            session.add(PointOutcome(point_id=point_id, stage_id=stage.id, outcome=outcome))
        else:
            existing.outcome = outcome
    # The points' outcomes, and the stage's own, are written while the stage is still
    # open: once it has responded only a manager changes them (on PostgreSQL the
    # database holds to that, and closing the clock may write the stage at once).
    session.flush()
    stage.outcome = outcome
    stage.notes = _append_note(stage.notes, data.on, f"{outcome.label}: {data.reason.strip()}")
    clock.close_clock(session, stage.id, data.on, actor.username)
    return stage.id


def _append_note(existing: str | None, on: dt.date, text: str) -> str:
    line = f"{format_date(on)}: {text}"
    return f"{existing}\n{line}" if existing else line


def _regrade(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert data.grade is not None  # required: checked by perform
    if data.grade not in ADULT_GRADES:
        raise ValidationError(
            f"{data.grade.label} is not a grade of adult complaints: choose Low risk, "
            "Moderate/High risk or Informal.",
            "grade",
        )
    if data.grade == stage.stage:
        raise ValidationError(f"The complaint is already graded {data.grade.label}.", "grade")
    session.add(
        StageGrading(
            stage_id=stage.id,
            from_grade=stage.stage,
            to_grade=data.grade,
            reason=data.reason.strip(),
            changed_by=actor.username,
        )
    )
    stage.stage = data.grade
    return stage.id


def _request_next_stage(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert stage.closed_on is not None
    if data.on < stage.closed_on:
        raise ValidationError(
            f"The request cannot be before the {stage.stage.label} response "
            f"({format_date(stage.closed_on)}).",
            "on",
        )
    window = timescales(
        session, Procedure(case.procedure), StageCode(stage.stage), case.received_on
    ).next_stage_window
    if window is not None:
        # The window counts from the day the complainant received the response.
        received = response_received_on(stage.closed_on, stage.response_received_on)
        last_day = working_calendar(session, case.procedure).add_working_days(received, window)
        if data.on > last_day:
            late = (
                f"The request came on {format_date(data.on)}, after the window closed on "
                f"{format_date(last_day)} ({window} working days after the complainant "
                f"received the response on {format_date(received)})."
            )
            if not data.override_window:
                raise ValidationError(
                    late + " A manager can accept it with a reason.", "override_window"
                )
            if not data.reason.strip():
                raise ValidationError(late + " Say why it is accepted.", "reason")
            stage.next_stage_window_override = f"{actor.username}: {data.reason.strip()}"
            warnings.append(late + " Accepted by a manager.")
    stage.next_stage_requested_on = data.on
    return stage.id


def _open_stage(
    session: Session, case: Case, previous: Stage, code: StageCode, requested_on: dt.date
) -> Stage:
    seq = (
        session.scalar(sa.select(sa.func.max(Stage.seq)).where(Stage.case_id == case.id)) or 0
    ) + 1
    stage = Stage(
        case_id=case.id,
        seq=seq,
        stage=code,
        previous_stage_id=previous.id,
        requested_on=requested_on,
        # A new stage has no suspensions or extensions: nothing to read back for them.
        suspensions=[],
        extensions=[],
    )
    session.add(stage)
    session.flush()
    case.current_stage_id = stage.id
    return stage


def _escalate(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    procedure = Procedure(case.procedure)
    code = NEXT_STAGE[procedure][StageCode(stage.stage)]
    assert stage.next_stage_requested_on is not None
    if data.on < stage.next_stage_requested_on:
        raise ValidationError("The next stage cannot open before it was asked for.", "on")
    new = _open_stage(session, case, stage, code, stage.next_stage_requested_on)
    if procedure == Procedure.CHILDREN and code == StageCode.STAGE_2:
        # The Stage 2 clock starts when the statement of complaint is agreed; until
        # then only the acknowledgement is due.
        ack = timescales(session, procedure, code, case.received_on).acknowledge
        if ack is not None:
            asked = new.requested_on or data.on
            due = working_calendar(session, procedure).add_working_days(asked, ack)
            clock.set_acknowledgement_due(
                session,
                new,
                due,
                f"Asked for on {format_date(asked)}: to be acknowledged within "
                f"{working_days_text(ack)}. The investigation's clock starts when the "
                "statement of complaint is agreed.",
                actor.username,
            )
    else:
        clock.start_clock(session, new.id, new.requested_on or data.on, actor.username)
    return new.id


def _escalate_to_lgsco(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    # An enquiry may be dated before the response (a premature complaint to the
    # Ombudsman, recorded once the stage was answered): its real date is kept.
    new = _open_stage(session, case, stage, StageCode.LGSCO, data.on)
    new.started_on = data.on
    rules = timescales(session, Procedure(case.procedure), StageCode.LGSCO, case.received_on)
    if data.lgsco_response_due_on is not None:
        # The Ombudsman's own response date wins.
        if data.lgsco_response_due_on < data.on:
            raise ValidationError(
                "The Ombudsman's response date cannot be before the enquiry arrived.",
                "lgsco_response_due_on",
            )
        due: dt.date | None = data.lgsco_response_due_on
    elif rules.lgsco_enquiry_response is not None:
        due = working_calendar(session, case.procedure).add_working_days(
            data.on, rules.lgsco_enquiry_response
        )
    else:
        due = None
    session.add(
        LgscoDetail(
            stage_id=new.id,
            lgsco_reference=(data.lgsco_reference or "").strip() or None,
            enquiry_received_on=data.on,
            enquiry_response_due_on=due,
            enquiry_due_from_ombudsman=data.lgsco_response_due_on is not None,
        )
    )
    return new.id


def _record_lgsco_decision(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int:
    stage = _stage(stage)
    assert data.lgsco_decision is not None  # required: checked by perform
    detail = session.get(LgscoDetail, stage.id)
    if detail is None:
        detail = LgscoDetail(stage_id=stage.id)
        session.add(detail)
    if stage.started_on and data.on < stage.started_on:
        raise ValidationError("The decision cannot be before the Ombudsman's enquiry.", "on")
    detail.decision = data.lgsco_decision
    detail.decision_on = data.on
    detail.public_report = data.lgsco_decision == LgscoDecision.PUBLIC_REPORT
    stage.closed_on = data.on
    stage.status = StageStatus.CLOSED
    return stage.id


def _record_reply(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int | None:
    case.reply_text = (data.reply_text or "").strip()
    case.reply_received_on = data.on
    return None


def _close_case(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int | None:
    if stage is not None and stage.closed_on and data.on < stage.closed_on:
        raise ValidationError(
            f"The case cannot close before its last stage did ({format_date(stage.closed_on)}).",
            "on",
        )
    if case.reply_received_on is not None and data.on < case.reply_received_on:
        raise ValidationError(
            f"The comment cannot close before its reply was received "
            f"({format_date(case.reply_received_on)}).",
            "on",
        )
    case.status = CaseStatus.CLOSED
    case.closed_on = data.on
    return stage.id if stage else None


def _reopen(
    session: Session,
    case: Case,
    stage: Stage | None,
    data: ActionInput,
    actor: Actor,
    warnings: list[str],
) -> int | None:
    closed = max(
        (d for d in (case.closed_on, stage.closed_on if stage else None) if d is not None),
        default=None,
    )
    if closed is not None and data.on < closed:
        raise ValidationError(
            f"A case cannot be reopened before it was closed ({format_date(closed)}).", "on"
        )
    case.status = CaseStatus.OPEN
    case.closed_on = None
    if stage is not None and stage.stage != StageCode.LGSCO and stage.closed_on is not None:
        stage.notes = _append_note(
            stage.notes,
            data.on,
            f"Reopened by {actor.username} (was "
            f"{stage.outcome.value if stage.outcome else 'closed'} on "
            f"{format_date(stage.closed_on)}): {data.reason.strip()}",
        )
        if stage.acknowledged_on is None and stage.started_on is not None:
            # Answered without an acknowledgement on record (imported history, or ended
            # before one was sent): the response stood for it, as the figures count it,
            # so the reopened stage is not owed an acknowledgement again.
            stage.acknowledged_on = stage.closed_on
        stage.closed_on = None
        stage.outcome = None
        stage.outcome_override_reason = None
        stage.next_stage_requested_on = None
        stage.next_stage_window_override = None
        stage.response_received_on = None
        stage.status = StageStatus.OPEN
        if stage.panel_on is not None and stage.stage == StageCode.STAGE_3:
            stage.council_response_on = None
        # Outcomes the ending gave every point go; findings the officer recorded stay.
        for ended in session.scalars(
            sa.select(PointOutcome).where(
                PointOutcome.stage_id == stage.id,
                PointOutcome.outcome.in_(tuple(ENDING_OUTCOMES.values())),
            )
        ):
            session.delete(ended)
    return stage.id if stage else None


_HANDLERS = {
    Action.ACKNOWLEDGE: _acknowledge,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.EXTEND: _extend,
    Action.START_INVESTIGATION: _start_investigation,
    Action.HOLD_PANEL: _hold_panel,
    Action.RECORD_PANEL_REPORT: _record_panel_report,
    Action.RECORD_RESPONSE_RECEIVED: _record_response_received,
    Action.AGREE_PERIOD: _agree_period,
    Action.RESPOND: _respond,
    Action.WITHDRAW: lambda s, c, st, d, a, w: _end(s, c, st, d, a, w, Outcome.WITHDRAWN),
    Action.DISCONTINUE: lambda s, c, st, d, a, w: _end(s, c, st, d, a, w, Outcome.DISCONTINUED),
    Action.REDIRECT: lambda s, c, st, d, a, w: _end(s, c, st, d, a, w, Outcome.REDIRECTED),
    Action.REGRADE: _regrade,
    Action.REQUEST_NEXT_STAGE: _request_next_stage,
    Action.ESCALATE: _escalate,
    Action.ESCALATE_TO_LGSCO: _escalate_to_lgsco,
    Action.RECORD_LGSCO_DECISION: _record_lgsco_decision,
    Action.RECORD_REPLY: _record_reply,
    Action.CLOSE_CASE: _close_case,
    Action.REOPEN: _reopen,
}
assert set(_HANDLERS) == set(Action), "every action has a handler"


# ------------------------------------------------------------------ the responder


def _policy_stage(session: Session, case: Case, stage: Stage) -> StageRules | None:
    if stage.stage == StageCode.LGSCO:
        return None
    return timescales(
        session, Procedure(case.procedure), StageCode(stage.stage), case.received_on
    ).policy_stage


def same_responder_problem(
    session: Session, case: Case, stage: Stage, responder_id: int | None
) -> str | None:
    """Why ``responder_id`` may not respond at ``stage`` (None: they may): under a policy
    whose stage must be answered by someone other than the previous stage's responder
    (the Complaint Handling Code's Stage 2), the previous stage's responder."""
    rules = _policy_stage(session, case, stage)
    if rules is None or not rules.different_responder or responder_id is None:
        return None
    previous = session.get(Stage, stage.previous_stage_id) if stage.previous_stage_id else None
    if previous is None or previous.responder_id != responder_id:
        return None
    user = session.get(User, responder_id)
    who = user.display_name or user.username if user is not None else "This person"
    where = rules.provision("responder")
    under = f" ({where})" if where else ""
    return (
        f"{who} responded at {StageCode(previous.stage).label}; {StageCode(stage.stage).label} "
        f"must be considered by someone else{under}."
    )


def _record_responder(session: Session, case: Case, stage: Stage, actor: Actor) -> None:
    """A stage its procedure policy covers records who responded: the responder chosen
    for it, else whoever records the response."""
    if _policy_stage(session, case, stage) is None:
        return
    if stage.responder_id is None:
        problem = same_responder_problem(session, case, stage, actor.user_id)
        if problem:
            raise ValidationError(
                f"{problem} Choose a different responder for this stage (a manager can "
                "allow the same person, with a reason).",
                "responder",
            )
        stage.responder_id = actor.user_id


@dataclass(frozen=True)
class ResponderChoice:
    """Someone who may be chosen to respond at the case's current stage; ``problem`` says
    why not (the previous stage's responder where the policy forbids it), so that only a
    manager, with a reason, may choose them."""

    user_id: int
    name: str
    current: bool  # the stage's responder now
    problem: str | None


def responder_choices(session: Session, case_id: int) -> list[ResponderChoice]:
    """The active staff (not investigators) who could respond at the case's current
    stage, with the rule each breaks, if any."""
    case = load_case(session, case_id)
    stage = current_stage(session, case)
    if stage is None or stage.stage == StageCode.LGSCO or stage.closed_on is not None:
        return []
    users = session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role != UserRole.INVESTIGATOR)
        .order_by(User.display_name, User.id)
    )
    return [
        ResponderChoice(
            user.id,
            user.display_name or user.username,
            user.id == stage.responder_id,
            same_responder_problem(session, case, stage, user.id),
        )
        for user in users
    ]


@dataclass(frozen=True)
class ResponderResult:
    case_id: int
    stage_id: int
    responder_id: int
    version: int
    override: str | None  # the manager's recorded reason, when one allowed the same person


def set_responder(
    session: Session,
    case_id: int,
    expected_version: int,
    responder_id: int,
    actor: Actor,
    today: dt.date,
    override_reason: str = "",
) -> ResponderResult:
    """Choose who responds at the case's current stage.

    Refused, with the reason, when the policy says the stage must be answered by someone
    other than the previous stage's responder and it is the same person, unless
    ``override_reason`` is given (a manager's decision: the operation checks the role),
    which is kept in the stage's notes and the audit trail.
    """
    case = load_case(session, case_id, expected_version)
    stage = current_stage(session, case)
    if stage is None or stage.stage == StageCode.LGSCO:
        raise ValidationError("This case has no council stage to choose a responder for.")
    if stage.closed_on is not None:
        raise ValidationError(
            f"The {StageCode(stage.stage).label} response was sent on "
            f"{format_date(stage.closed_on)}; its responder can no longer change."
        )
    user = session.get(User, responder_id)
    if user is None or not user.active:
        raise ValidationError("Choose an active user as the responder.", "responder")
    problem = same_responder_problem(session, case, stage, responder_id)
    reason = override_reason.strip()
    override = None
    if problem:
        if not reason:
            raise ValidationError(
                f"{problem} Choose someone else, or a manager can allow it with a reason.",
                "responder",
            )
        override = reason
        stage.notes = _append_note(
            stage.notes,
            today,
            f"Same responder as the stage before allowed by {actor.username}: {reason}",
        )
    stage.responder_id = responder_id
    stage.updated_by = actor.username
    touch(case, actor)
    session.flush()
    return ResponderResult(case.id, stage.id, responder_id, case.version, override)


# ------------------------------------------------------------------- the Ombudsman


def _lgsco_stage(session: Session, stage_id: int) -> tuple[Stage, LgscoDetail]:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.stage != StageCode.LGSCO:
        raise NotFound("That is not an Ombudsman stage.")
    detail = session.get(LgscoDetail, stage.id)
    if detail is None:
        detail = LgscoDetail(stage_id=stage.id)
        session.add(detail)
        session.flush()
    return stage, detail


def _not_before_enquiry(
    stage: Stage, detail: LgscoDetail, on: dt.date, what: str, field: str
) -> None:
    """Remedies and payments follow the Ombudsman's enquiry."""
    enquiry = detail.enquiry_received_on or stage.started_on or stage.requested_on
    if enquiry is not None and on < enquiry:
        raise ValidationError(
            f"{what} on {format_date(on)}, before the Ombudsman's enquiry "
            f"({format_date(enquiry)}).",
            field,
        )


def record_enquiry_response(
    session: Session, stage_id: int, responded_on: dt.date, actor: Actor, today: dt.date
) -> None:
    _stage_row, detail = _lgsco_stage(session, stage_id)
    check_not_future(responded_on, today, "response date")
    if detail.enquiry_received_on and responded_on < detail.enquiry_received_on:
        raise ValidationError("The response cannot be before the enquiry arrived.", "on")
    detail.enquiry_responded_on = responded_on
    detail.updated_by = actor.username
    session.flush()


def add_remedy(
    session: Session,
    stage_id: int,
    description: str,
    agreed_on: dt.date,
    deadline_on: dt.date,
    actor: Actor,
    today: dt.date,
) -> int:
    """A remedy the council agreed with the Ombudsman, with its deadline."""
    stage, detail = _lgsco_stage(session, stage_id)
    if not description.strip():
        raise ValidationError("Describe the remedy.", "description")
    check_not_future(agreed_on, today, "agreed date")
    _not_before_enquiry(stage, detail, agreed_on, "A remedy cannot be agreed", "agreed")
    if deadline_on < agreed_on:
        raise ValidationError("The remedy's deadline cannot be before it was agreed.", "deadline")
    remedy = LgscoRemedy(
        stage_id=stage.id,
        description=description.strip(),
        agreed_on=agreed_on,
        deadline_on=deadline_on,
        owner_id=actor.user_id,
        updated_by=actor.username,
    )
    session.add(remedy)
    session.flush()
    return remedy.id


def complete_remedy(
    session: Session,
    remedy_id: int,
    completed_on: dt.date,
    evidence_sent_on: dt.date | None,
    actor: Actor,
    today: dt.date,
) -> bool:
    """Record a remedy done (and the evidence sent); returns whether it was late."""
    remedy = session.get(LgscoRemedy, remedy_id)
    if remedy is None:
        raise NotFound("That remedy no longer exists.")
    check_not_future(completed_on, today, "completion date")
    if completed_on < remedy.agreed_on:
        raise ValidationError("A remedy cannot be completed before it was agreed.", "on")
    if evidence_sent_on is not None:
        check_not_future(evidence_sent_on, today, "evidence date")
        if evidence_sent_on < completed_on:
            raise ValidationError(
                "The evidence cannot be sent before the remedy was completed.", "evidence"
            )
    remedy.completed_on = completed_on
    remedy.evidence_sent_on = evidence_sent_on
    # Late when the evidence reached the Ombudsman (or, without it, the remedy was
    # completed) after the agreed deadline.
    remedy.late = (evidence_sent_on or completed_on) > remedy.deadline_on
    remedy.updated_by = actor.username
    session.flush()
    return remedy.late


def add_payment(
    session: Session,
    stage_id: int,
    amount_pence: int,
    paid_on: dt.date | None,
    actor: Actor,
    today: dt.date,
    payee: str | None = None,
    remedy_id: int | None = None,
) -> int:
    stage, detail = _lgsco_stage(session, stage_id)
    if amount_pence <= 0:
        raise ValidationError("A payment must be more than £0.00.", "amount")
    if paid_on is not None:
        check_not_future(paid_on, today, "payment date")
        _not_before_enquiry(stage, detail, paid_on, "A payment cannot be made", "paid_on")
    if remedy_id is not None:
        remedy = session.get(LgscoRemedy, remedy_id)
        if remedy is None or remedy.stage_id != stage.id:
            raise ValidationError("That remedy is not part of this Ombudsman case.", "remedy")
        if paid_on is not None and paid_on < remedy.agreed_on:
            raise ValidationError(
                f"A payment for a remedy cannot be made before the remedy was agreed "
                f"({format_date(remedy.agreed_on)}).",
                "paid_on",
            )
    payment = LgscoPayment(
        stage_id=stage.id,
        remedy_id=remedy_id,
        amount_pence=amount_pence,
        paid_on=paid_on,
        payee=payee,
        updated_by=actor.username,
    )
    session.add(payment)
    session.flush()
    return payment.id


# ------------------------------------------------------------ learning from complaints


def add_action_item(
    session: Session,
    case_id: int,
    action: str,
    owner: str,
    actor: Actor,
    agreed_with: str | None = None,
    due_on: dt.date | None = None,
) -> int:
    """An action-plan item; only an upheld or partially upheld complaint carries them."""
    case = load_case(session, case_id)
    upheld = session.scalar(
        sa.select(sa.func.count()).where(
            Stage.case_id == case.id,
            Stage.outcome.in_(UPHELD_OUTCOMES),
        )
    )
    lgsco_upheld = session.scalar(
        sa.select(sa.func.count())
        .select_from(LgscoDetail)
        .join(Stage, Stage.id == LgscoDetail.stage_id)
        .where(
            Stage.case_id == case.id,
            LgscoDetail.decision.in_(
                (
                    LgscoDecision.UPHELD_NO_FURTHER_ACTION,
                    LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
                    LgscoDecision.PUBLIC_REPORT,
                )
            ),
        )
    )
    if not upheld and not lgsco_upheld:
        raise ValidationError(
            "Action-plan items belong to an upheld or partially upheld complaint; this one "
            "has no such outcome yet."
        )
    if not action.strip():
        raise ValidationError("Describe the action.", "action")
    if not owner.strip():
        raise ValidationError("Say who owns the action.", "owner")
    if due_on is not None and due_on < case.received_on:
        raise ValidationError(
            f"The action cannot be due ({format_date(due_on)}) before the complaint was "
            f"received ({format_date(case.received_on)}).",
            "due_on",
        )
    item = ActionItem(
        case_id=case.id,
        stage_id=case.current_stage_id,
        action=action.strip(),
        owner=owner.strip(),
        agreed_with=(agreed_with or "").strip() or None,
        due_on=due_on,
        updated_by=actor.username,
    )
    session.add(item)
    session.flush()
    return item.id


def complete_action_item(
    session: Session,
    item_id: int,
    done_on: dt.date,
    evidence: str,
    actor: Actor,
    today: dt.date,
    learning_example: bool = False,
) -> None:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound("That action-plan item no longer exists.")
    check_not_future(done_on, today, "done date")
    received = session.scalar(sa.select(Case.received_on).where(Case.id == item.case_id))
    if received is not None and done_on < received:
        raise ValidationError(
            f"The action cannot be done ({format_date(done_on)}) before the complaint was "
            f"received ({format_date(received)}).",
            "done_on",
        )
    if not evidence.strip():
        raise ValidationError("Record the evidence that the action was done.", "evidence")
    item.done_on = done_on
    item.evidence = evidence.strip()
    item.learning_example = learning_example
    item.updated_by = actor.username
    session.flush()
