"""Everything the case form shows about one case, read in one session as plain data.

The desktop program's runner calls :func:`load_case_detail` off the GUI thread and the
case form gets frozen dataclasses, never live ORM objects. It reads through the other
services where they exist (workflow state and actions, the clock, the timeline) and
reads the case's own rows directly otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import event_values
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    AuditEvent,
    Case,
    CaseParty,
    ComplaintPoint,
    Directorate,
    LgscoDetail,
    Nature,
    Person,
    PointOutcome,
    ServiceArea,
    Stage,
    StageSuspension,
    Team,
    User,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Channel,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
)
from crm_desktop.domain.formatting import (
    format_date,
    format_local_time,
    suspended_text,
    working_days_text,
)
from crm_desktop.domain.workflow import Action, State
from crm_desktop.errors import NotFound, UserFacingError
from crm_desktop.services import clock
from crm_desktop.services.audit_words import AuditWords, field_label
from crm_desktop.services.cases import is_late_complaint
from crm_desktop.services.procedure_policies import StoredPolicy, policy_for
from crm_desktop.services.timeline import TimelineEntry, case_import, case_timeline
from crm_desktop.services.workflow import available_actions, case_state

DUE_SOON = 5  # working days


@dataclass(frozen=True)
class PointView:
    id: int
    seq: int
    nature: str
    description: str
    outcome: str  # the outcome at the current stage (label), "" if none yet
    earlier: str  # outcomes at earlier stages, e.g. "Stage 1: Upheld"


@dataclass(frozen=True)
class PartyView:
    person_id: int
    role: str
    name: str
    email: str
    phone: str
    flag: str  # "Persistent/vexatious (review 1 Jan 2025)" or ""


@dataclass(frozen=True)
class AssignmentView:
    stage: str
    role: str
    person: str
    status: str
    offered_on: dt.date
    report_due_on: dt.date | None


@dataclass(frozen=True)
class ActionItemView:
    id: int
    action: str
    owner: str
    agreed_with: str
    due_on: dt.date | None
    done_on: dt.date | None
    evidence: str


@dataclass(frozen=True)
class HistoryView:
    at: str  # local time, "14 Mar 2024 10:31"
    who: str
    what: str
    details: str


@dataclass(frozen=True)
class StageView:
    id: int
    code: str
    label: str
    state: str
    status: str
    requested_on: dt.date | None
    acknowledged_on: dt.date | None
    acknowledge_due_on: dt.date | None
    started_on: dt.date | None
    due_on: dt.date | None
    outer_limit_on: dt.date | None
    closed_on: dt.date | None
    outcome: str
    days_left: int | None
    clock_text: str  # "3 working days left", "2 working days overdue", "Clock suspended ..."
    tone: str | None  # "overdue", "due soon", "suspended" or None
    lgsco: str  # the Ombudsman's reference and decision, for an Ombudsman stage
    # The acknowledgement against its due date ("... a breach of paragraph 6.2 ..." when
    # late under the Complaint Handling Code); "" when the stage has no due date for it.
    acknowledgement: str = ""
    acknowledgement_late: bool = False
    # The due date counts provisionally from the last day the acknowledgement is allowed.
    due_provisional: bool = False
    policy: str = ""  # the procedure policy the case follows, for a stage it covers
    responder: str = ""  # who responds (or responded) at this stage, when recorded
    # A suspended clock: the day it stopped, and the day it is expected to restart if given.
    suspended_since: dt.date | None = None
    suspended_until: dt.date | None = None

    @property
    def suspended_label(self) -> str:
        """``Suspended until 14 Mar 2025`` (or ``since`` the day it stopped); "" when the
        clock is not suspended."""
        if self.status != StageStatus.SUSPENDED.value:
            return ""
        return suspended_text(self.suspended_since, self.suspended_until)


@dataclass(frozen=True)
class CaseDetail:
    id: int
    reference: str
    kind: str
    procedure: str
    channel: str | None
    received_on: dt.date
    events_on: dt.date | None
    noticed_on: dt.date | None
    directorate: str | None
    service_area: str | None
    team: str | None
    summary: str
    desired_outcome: str
    status: str
    closed_on: dt.date | None
    owner: str
    version: int
    updated_by: str  # who last changed it, by the name colleagues know them by
    late_complaint: bool
    late_decision: str
    reply_text: str
    stage: StageView | None
    stages: tuple[StageView, ...]
    actions: tuple[Action, ...]
    points: tuple[PointView, ...]
    parties: tuple[PartyView, ...]
    assignments: tuple[AssignmentView, ...]
    action_items: tuple[ActionItemView, ...]
    timeline: tuple[TimelineEntry, ...]
    history: tuple[HistoryView, ...]

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def procedure_label(self) -> str:
        return Procedure(self.procedure).label

    @property
    def is_complaint(self) -> bool:
        return self.kind == Kind.COMPLAINT.value

    @property
    def title(self) -> str:
        return f"{self.reference} · {self.kind_label} · {self.procedure_label}"


def _stage_view(
    session: Session, stage: Stage, case: Case, today: dt.date, policy: StoredPolicy | None
) -> StageView:
    """One stage of the case; ``policy`` is the version the case follows (one per case)."""
    code = StageCode(stage.stage)
    state = case_state(session, case).value if case.current_stage_id == stage.id else ""
    days_left: int | None = None
    tone: str | None = None
    since: StageSuspension | None = None
    if stage.status == StageStatus.SUSPENDED:
        since = session.scalar(
            sa.select(StageSuspension)
            .where(StageSuspension.stage_id == stage.id, StageSuspension.ends_on.is_(None))
            .limit(1)
        )
        clock_text = "Clock suspended"
        if since is not None:
            clock_text = f"Clock suspended since {format_date(since.starts_on)} ({since.reason})"
            if since.expected_resume_on is not None:
                clock_text += f", expected to restart on {format_date(since.expected_resume_on)}"
        tone = "suspended"
    elif stage.closed_on is not None:
        clock_text = f"Responded on {format_date(stage.closed_on)}"
        if stage.due_on is not None:
            clock_text += " (in time)" if stage.closed_on <= stage.due_on else " (late)"
    elif stage.started_on is None:
        clock_text = "The clock has not started"
        if code == StageCode.STAGE_2 and case.procedure == Procedure.CHILDREN:
            clock_text += ": it starts when the statement of complaint is agreed"
    elif stage.due_on is None:
        # Started, with no response deadline of the council's: the Ombudsman's stage,
        # whose dates the Ombudsman sets (its enquiry response date is shown with it).
        clock_text = f"Running since {format_date(stage.started_on)}"
        if code == StageCode.LGSCO:
            clock_text = (
                f"With the Ombudsman since {format_date(stage.started_on)}: the Ombudsman "
                "sets the dates"
            )
    else:
        try:
            status = clock.stage_clock_status(session, stage.id, today)
        except UserFacingError:
            status = None
        if status is None:
            clock_text = ""
        else:
            days_left = status.working_days_left
            if status.overdue:
                clock_text = f"Overdue by {working_days_text(-days_left)}"
                if days_left == 0:
                    clock_text = "Overdue (it was due on the last working day)"
                tone = "overdue"
            elif days_left == 0:
                clock_text = "Due today"
                tone = "due soon"
            else:
                clock_text = f"{working_days_text(days_left)} left"
                if status.due_soon or days_left <= DUE_SOON:
                    tone = "due soon"
    lgsco = ""
    if code == StageCode.LGSCO:
        detail = session.get(LgscoDetail, stage.id)
        if detail is not None:
            parts = []
            if detail.lgsco_reference:
                parts.append(f"Ombudsman reference {detail.lgsco_reference}")
            if detail.enquiry_response_due_on:
                parts.append(f"enquiry response due {format_date(detail.enquiry_response_due_on)}")
            if detail.decision:
                parts.append(f"decision: {LgscoDecision(detail.decision).label}")
            lgsco = "; ".join(parts)
    acknowledgement = ""
    acknowledgement_late = False
    if code != StageCode.LGSCO:
        check = clock.acknowledgement_check(session, stage.id, today)
        if check is not None:
            acknowledgement, acknowledgement_late = check.text, check.late
    if code == StageCode.LGSCO:
        policy = None
    policy_name = policy.name if policy is not None and policy.rules.stage(code) else ""
    provisional = (
        stage.acknowledged_on is None
        and stage.acknowledge_due_on is not None
        and stage.started_on == stage.acknowledge_due_on
        and stage.closed_on is None
        and bool(policy_name)
    )
    responder = session.get(User, stage.responder_id) if stage.responder_id else None
    return StageView(
        id=stage.id,
        code=code.value,
        label=code.label,
        state=state,
        status=StageStatus(stage.status).value,
        requested_on=stage.requested_on,
        acknowledged_on=stage.acknowledged_on,
        acknowledge_due_on=stage.acknowledge_due_on,
        started_on=stage.started_on,
        due_on=stage.due_on,
        outer_limit_on=stage.outer_limit_on,
        closed_on=stage.closed_on,
        outcome=Outcome(stage.outcome).label if stage.outcome else "",
        days_left=days_left,
        clock_text=clock_text,
        tone=tone,
        lgsco=lgsco,
        acknowledgement=acknowledgement,
        acknowledgement_late=acknowledgement_late,
        due_provisional=provisional,
        policy=policy_name,
        responder=(responder.display_name or responder.username) if responder else "",
        suspended_since=since.starts_on if since is not None else None,
        suspended_until=since.expected_resume_on if since is not None else None,
    )


_ENTITY_WORDS = {
    "representation": "Case",
    "stage": "Stage",
    "complaint_point": "Complaint point",
    "point_outcome": "Point outcome",
    "case_party": "Person on the case",
    "person": "Person",
    "due_date_change": "Due date change",
    "stage_suspension": "Suspension",
    "stage_extension": "Extension",
    "stage_grading": "Grading",
    "assignment": "Appointment",
    "lgsco_detail": "Ombudsman details",
    "lgsco_remedy": "Ombudsman remedy",
    "lgsco_payment": "Ombudsman payment",
    "action_item": "Action-plan item",
    "correspondence": "Correspondence",
    "attachment": "Attachment",
    "workflow": "Action",
}
_SKIP_KEYS = {
    "version",
    "updated_at",
    "updated_by",
    "created_at",
    "created_by",
    "changed_at",
    "changed_by",
    "id",
}
_VERBS = {"create": "added", "update": "changed", "delete": "removed"}


# The program's own words for a value, shown with a capital in the History tab as every
# choice is ("Status: Open → Closed", "Closed on: None → 4 Mar 2024", "Cause: Resume").
_PROGRAM_WORDS = frozenset({"none", "yes", "no"})
_PROGRAM_CODES = frozenset({"cause", "field"})  # a due date change's cause and which date


def _shown(key: str, text: str) -> str:
    if text in _PROGRAM_WORDS or key in _PROGRAM_CODES:
        return text[:1].upper() + text[1:]
    return text


def _fields_text(words: AuditWords, items: list[tuple[str, Any]]) -> str:
    return "; ".join(
        f"{field_label(key).capitalize()}: {_shown(key, text)}"
        for key, value in items
        if key not in _SKIP_KEYS and (text := words.value(key, value)) is not None
    )


def _history(session: Session, case_id: int) -> list[HistoryView]:
    words = AuditWords(session)
    rows = []
    created = False
    for event in session.scalars(
        sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id.desc())
    ):
        created = created or (event.entity == "representation" and event.action == "create")
        entity = _ENTITY_WORDS.get(event.entity, event.entity.replace("_", " ").capitalize())
        after, before = event_values(event.after), event_values(event.before)
        if event.entity == "workflow":
            try:
                what = Action(event.action).label
            except ValueError:
                what = event.action.capitalize()
            details = _fields_text(words, sorted(after.items()))
        else:
            verb = _VERBS.get(event.action)
            what = f"{entity} {verb}" if verb else f"{entity}: {event.action}"
            if event.action == "update":
                changes = []
                for key in sorted(k for k in after if k not in _SKIP_KEYS):
                    new = words.value(key, after[key])
                    if new is None:
                        continue
                    old = words.value(key, before.get(key)) or "none"
                    changes.append(
                        f"{field_label(key).capitalize()}: {_shown(key, old)} → {_shown(key, new)}"
                    )
                if not changes:
                    continue  # only its version or a link moved on: nothing a person changed
                details = "; ".join(changes)
            else:
                details = _fields_text(
                    words, sorted((k, v) for k, v in after.items() if v not in (None, "", []))
                )
        rows.append(
            HistoryView(
                format_local_time(event.occurred_at), words.who(event.username), what, details
            )
        )
    case = None if created else session.get(Case, case_id)
    came_in = case_import(session, case) if case is not None else None
    if came_in is not None:
        # One event records the whole import; the case's history still starts with it.
        assert case is not None
        details = "; ".join(
            part
            for part in (
                f"File: {came_in.file}" if came_in.file else "",
                f"SHA-256: {came_in.sha256}" if came_in.sha256 else "",
                f"Reference: {case.reference}",
            )
            if part
        )
        rows.append(
            HistoryView(
                format_local_time(came_in.at), words.who(came_in.username), "Case imported", details
            )
        )
    return rows


def load_case_detail(session: Session, case_id: int, today: dt.date) -> CaseDetail:
    """Everything the case window shows; ``actions`` are those the procedure's table
    allows now (the access policy takes away what the reader's role may not do)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    names = {
        "directorate": session.get(Directorate, case.directorate_id)
        if case.directorate_id
        else None,
        "area": session.get(ServiceArea, case.service_area_id) if case.service_area_id else None,
        "team": session.get(Team, case.team_id) if case.team_id else None,
        "owner": session.get(User, case.owner_id) if case.owner_id else None,
    }
    stage_rows = list(
        session.scalars(sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq))
    )
    policy = policy_for(session, case.procedure, case.received_on)
    stages = [_stage_view(session, s, case, today, policy) for s in stage_rows]
    current = next((s for s in stages if s.id == case.current_stage_id), None)
    stage_labels = {s.id: s.label for s in stages}

    natures = dict(session.execute(sa.select(Nature.id, Nature.name)).all())
    points = []
    for point in session.scalars(
        sa.select(ComplaintPoint)
        .where(ComplaintPoint.case_id == case.id)
        .order_by(ComplaintPoint.seq)
    ):
        outcomes = list(
            session.scalars(sa.select(PointOutcome).where(PointOutcome.point_id == point.id))
        )
        now = next((o for o in outcomes if o.stage_id == case.current_stage_id), None)
        earlier = "; ".join(
            f"{stage_labels.get(o.stage_id, 'Stage')}: {Outcome(o.outcome).label}"
            for o in outcomes
            if o.stage_id != case.current_stage_id
        )
        points.append(
            PointView(
                point.id,
                point.seq,
                natures.get(point.nature_id, "") if point.nature_id else "",
                point.description or "",
                Outcome(now.outcome).label if now else "",
                earlier,
            )
        )

    parties = []
    for party, person in session.execute(
        sa.select(CaseParty, Person)
        .join(Person, Person.id == CaseParty.person_id)
        .where(CaseParty.case_id == case.id)
        .order_by(CaseParty.id)
    ):
        flag = ""
        if person.vexatious:
            flag = "Persistent or vexatious complainant"
            if person.vexatious_review_on:
                flag += f" (review {format_date(person.vexatious_review_on)})"
            if person.contact_arrangements:
                flag += f". Contact: {person.contact_arrangements}"
        parties.append(
            PartyView(
                person.id,
                PartyRole(party.role).value.capitalize(),
                person.full_name,
                person.email or "",
                person.phone or "",
                flag,
            )
        )

    assignments = [
        AssignmentView(
            stage_labels.get(a.stage_id, ""),
            AssignmentRole(a.role).label,
            person.full_name,
            AssignmentStatus(a.status).label,
            a.offered_on,
            a.report_due_on,
        )
        for a, person in session.execute(
            sa.select(Assignment, Person)
            .join(Person, Person.id == Assignment.person_id)
            .join(Stage, Stage.id == Assignment.stage_id)
            .where(Stage.case_id == case.id)
            .order_by(Stage.seq, Assignment.id)
        )
    ]
    items = [
        ActionItemView(
            i.id, i.action, i.owner, i.agreed_with or "", i.due_on, i.done_on, i.evidence or ""
        )
        for i in session.scalars(
            sa.select(ActionItem).where(ActionItem.case_id == case.id).order_by(ActionItem.id)
        )
    ]
    actions = tuple(available_actions(session, case.id))
    directorate = names["directorate"]
    area = names["area"]
    team = names["team"]
    owner = names["owner"]
    return CaseDetail(
        id=case.id,
        reference=case.reference,
        kind=Kind(case.kind).value,
        procedure=Procedure(case.procedure).value,
        channel=Channel(case.channel).value if case.channel else None,
        received_on=case.received_on,
        events_on=case.events_on,
        noticed_on=case.noticed_on,
        directorate=directorate.name if isinstance(directorate, Directorate) else None,
        service_area=area.name if isinstance(area, ServiceArea) else None,
        team=team.name if isinstance(team, Team) else None,
        summary=case.summary or "",
        desired_outcome=case.desired_outcome or "",
        status=CaseStatus(case.status).value,
        closed_on=case.closed_on,
        owner=owner.display_name if isinstance(owner, User) else "",
        version=case.version,
        updated_by=AuditWords(session).who(case.updated_by),  # the name, not the username
        late_complaint=is_late_complaint(
            case.received_on, case.events_on, case.noticed_on, case.procedure
        ),
        late_decision=case.late_complaint_decision or "",
        reply_text=case.reply_text or "",
        stage=current,
        stages=tuple(stages),
        actions=actions,
        points=tuple(points),
        parties=tuple(parties),
        assignments=tuple(assignments),
        action_items=tuple(items),
        timeline=tuple(reversed(case_timeline(session, case.id))),
        history=tuple(_history(session, case.id)),
    )


def state_label(state: str) -> str:
    """A state as the stage panel shows it: 'Awaiting acknowledgement'."""
    if not state:
        return ""
    text = State(state).value
    return text[:1].upper() + text[1:]  # "With the Ombudsman": names keep their capital
