"""Reminders before deadlines, the daily digest, and the LGSCO remedy escalation chain.

``crm-desktop reminders run`` (cron or Task Scheduler, every few minutes) calls
:func:`run_reminders`, which does two things:

1. **Plan** (one short write transaction): find every deadline within the lead time
   (``reminders.lead_working_days``, default 3 working days) and, once, the first
   working days after it passed; for each person responsible, add an in-app
   notification and queue an email (:mod:`crm_desktop.correspondence.outbox`). The
   deadlines and who is responsible:

   ======================  ====================================  ==========================
   deadline                date                                  responsible
   ======================  ====================================  ==========================
   stage response          ``stage.due_on`` (clock running)      stage handler, else case
                                                                 owner; and the responder
   acknowledgement         ``stage.acknowledge_due_on``          stage handler, else owner
   investigator's report   ``assignment.report_due_on``          the assignee (their user
                                                                 account, else their email)
   action-plan item        ``action_item.due_on``                the user named as owner,
                                                                 else the case owner
   LGSCO remedy            ``lgsco_remedy.deadline_on``          remedy owner, else case
                                                                 owner
   ======================  ====================================  ==========================

   Each remedy not completed also climbs the escalation chain (para. 17-18 of the
   source document): level 1 when the escalation share of the time from agreement to
   deadline has passed (reference data, default 75%), to the senior officers
   (``escalation.senior_officers``); level 2 on the deadline (or
   ``escalation.second_after_working_days`` later), to the director(s) and the chief
   executive. The level reached is recorded on the remedy (``escalation_level``) and
   each escalation email in the case's correspondence.

   Once a day (from ``reminders.digest_time``), each user with an email address and
   something due gets a digest of their deadlines due soon or overdue.

   Every notification and email has a key naming the reminder, the deadline *and its
   date*, and the recipient, unique in its table: a reminder is planned once however
   often the command runs, and again only if the deadline moves.

2. **Deliver** the outbox (:func:`crm_desktop.correspondence.outbox.deliver`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.correspondence import outbox
from crm_desktop.correspondence.dates import format_date_long
from crm_desktop.correspondence.fields import (
    case_context,
    council_fields,
    remedy_fields,
    time_left_text,
)
from crm_desktop.correspondence.mail import Transport, new_message_id, transport_for
from crm_desktop.correspondence.notifications import add_notifications
from crm_desktop.correspondence.rendering import namespace, render
from crm_desktop.correspondence.settings import CorrespondenceSettings, load_settings
from crm_desktop.correspondence.templates import ensure_templates, load_template
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    Correspondence,
    LgscoRemedy,
    Person,
    Stage,
    StageTimescale,
    User,
)
from crm_desktop.db.models_correspondence import Notification, OutboxMessage
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.eligibility import role_label
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CorrespondenceChannel,
    CorrespondenceDirection,
    Procedure,
    StageCode,
    TimescaleRule,
    UserRole,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.statutory import review_panel_step, skips_closure_days
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.queues import (
    DEFAULT_ESCALATION_PERCENT,
    EscalationPoint,
    escalation_points,
    working_days_left_by_procedure,
)
from crm_desktop.services.stage_states import acknowledgement_owed, current_stage, running_clock

__all__ = [
    "OVERDUE_NOTICE_DAYS",
    "Deadline",
    "PlanReport",
    "Recipient",
    "RunReport",
    "WaitingMessage",
    "collect_deadlines",
    "digest_due",
    "pending_outbox",
    "plan_reminders",
    "run_reminders",
]

RUNNER = outbox.RUNNER
# A deadline that has passed gets one "overdue" notice while it is at most this many
# working days late (so turning reminders on does not send one for every old case).
OVERDUE_NOTICE_DAYS = 5
_LOOK_BACK = dt.timedelta(days=31)  # more than OVERDUE_NOTICE_DAYS working days


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int | None
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline someone is responsible for."""

    kind: str  # stage-due, acknowledge, report, action, remedy
    source_id: int
    case_id: int
    reference: str
    stage_id: int | None
    due_on: dt.date
    days_left: int
    what: str
    recipients: tuple[Recipient, ...]


# --------------------------------------------------------------------------- collecting


@dataclass
class _People:
    users: dict[int, User]
    by_name: dict[str, User]

    @classmethod
    def load(cls, session: Session) -> _People:
        users = {u.id: u for u in session.scalars(sa.select(User).where(User.active.is_(True)))}
        by_name: dict[str, User] = {}
        for user in users.values():
            by_name.setdefault(user.username.lower(), user)
            by_name.setdefault(user.display_name.strip().lower(), user)
        return cls(users, by_name)

    def recipient(self, user_id: int | None) -> Recipient | None:
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        return Recipient(user.id, user.display_name, user.email or None)

    def first(self, *user_ids: int | None) -> tuple[Recipient, ...]:
        for user_id in user_ids:
            found = self.recipient(user_id)
            if found is not None:
                return (found,)
        return ()

    def managers(self) -> tuple[Recipient, ...]:
        """Who is told of a deadline nobody is responsible for: the team's managers."""
        return tuple(
            Recipient(u.id, u.display_name, u.email or None)
            for u in self.users.values()
            if UserRole(u.role) == UserRole.MANAGER
        )


def _may_see(user: User, case: Case) -> bool:
    """Whether ``user`` may see ``case``: staff every case, a service responder the cases
    of their service area; an investigator is never sent another case's details by name
    (their own cases reach them as their appointments)."""
    role = UserRole(user.role)
    if role == UserRole.SERVICE_RESPONDER:
        return user.service_area_id is not None and user.service_area_id == case.service_area_id
    return role in (UserRole.OFFICER, UserRole.MANAGER, UserRole.ADMIN)


def _merge(*groups: Iterable[Recipient]) -> tuple[Recipient, ...]:
    seen: dict[tuple[int | None, str | None], Recipient] = {}
    for group in groups:
        for r in group:
            seen.setdefault((r.user_id, None if r.user_id else r.email), r)
    return tuple(seen.values())


def collect_deadlines(
    session: Session, as_of: dt.date, lead: int, *, since: dt.date | None
) -> list[Deadline]:
    """Every open deadline on or before ``lead`` working days after ``as_of`` (and on
    or after ``since``, if given), with who is responsible for it."""
    cal = working_calendar(session)
    if not cal.knows(as_of):
        raise ValidationError(
            f"{format_date(as_of)} is outside the years the calendar knows "
            f"({cal.first_year} to {cal.last_year})."
        )
    try:
        cutoff = cal.add_working_days(as_of, lead + 1)
    except CalendarError:
        raise ValidationError(
            f"Reminders on {format_date(as_of)} look {lead + 1} working days ahead, past "
            f"the end of the years the calendar knows ({cal.first_year} to "
            f"{cal.last_year}). Choose an earlier date."
        ) from None
    people = _People.load(session)
    low = since or dt.date.min
    found: list[tuple[str, int, int, str, int | None, dt.date, str, tuple[Recipient, ...]]] = []
    procedures: list[str] = []  # each row's case's procedure: its clock's calendar

    for stage, case in session.execute(
        sa.select(Stage, Case)
        .join(Case, current_stage())
        .where(
            running_clock(),
            Stage.due_on.is_not(None),
            Stage.due_on < cutoff,
            Stage.due_on >= low,
        )
    ):
        assert stage.due_on is not None
        who = _merge(
            people.first(stage.handler_id, case.owner_id), people.first(stage.responder_id)
        )
        what = (
            review_panel_step(stage.panel_on, stage.panel_report_on)
            if case.procedure == Procedure.CHILDREN and stage.stage == StageCode.STAGE_3
            else f"{StageCode(stage.stage).label} response"
        )
        procedures.append(str(case.procedure))
        found.append(
            ("stage-due", stage.id, case.id, case.reference, stage.id, stage.due_on, what, who)
        )

    for stage, case in session.execute(
        sa.select(Stage, Case)
        .join(Case, current_stage())
        .where(
            acknowledgement_owed(),
            Stage.acknowledge_due_on < cutoff,
            Stage.acknowledge_due_on >= low,
        )
    ):
        assert stage.acknowledge_due_on is not None
        who = people.first(stage.handler_id, case.owner_id)
        what = f"{StageCode(stage.stage).label} acknowledgement"
        procedures.append(str(case.procedure))
        found.append(
            (
                "acknowledge",
                stage.id,
                case.id,
                case.reference,
                stage.id,
                stage.acknowledge_due_on,
                what,
                who,
            )
        )

    linked = {u.person_id: u for u in people.users.values() if u.person_id is not None}
    for assignment, stage, case, person in session.execute(
        sa.select(Assignment, Stage, Case, Person)
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(
            Assignment.status == AssignmentStatus.ACCEPTED,
            Assignment.report_received_on.is_(None),
            Assignment.report_due_on.is_not(None),
            Assignment.report_due_on < cutoff,
            Assignment.report_due_on >= low,
        )
    ):
        assert assignment.report_due_on is not None
        user = linked.get(person.id)
        if user is not None:
            who = (Recipient(user.id, user.display_name, user.email or person.email),)
        elif person.email:
            who = (Recipient(None, person.full_name, person.email),)
        else:
            who = people.first(case.owner_id)
        what = f"{role_label(AssignmentRole(assignment.role))}'s report"
        procedures.append(str(case.procedure))
        found.append(
            (
                "report",
                assignment.id,
                case.id,
                case.reference,
                stage.id,
                assignment.report_due_on,
                what,
                who,
            )
        )

    for item, case in session.execute(
        sa.select(ActionItem, Case)
        .join(Case, Case.id == ActionItem.case_id)
        .where(
            ActionItem.done_on.is_(None),
            ActionItem.due_on.is_not(None),
            ActionItem.due_on < cutoff,
            ActionItem.due_on >= low,
        )
    ):
        assert item.due_on is not None
        named = people.by_name.get((item.owner or "").strip().lower())
        if named is not None and not _may_see(named, case):
            named = None  # an owner's name that is also an investigator's, say
        who = (
            (Recipient(named.id, named.display_name, named.email),)
            if named
            else people.first(case.owner_id)
        )
        action = " ".join(item.action.split())
        what = f"Action: {action if len(action) <= 80 else action[:79] + '…'}"
        procedures.append(str(case.procedure))
        found.append(
            ("action", item.id, case.id, case.reference, item.stage_id, item.due_on, what, who)
        )

    for remedy, stage, case in session.execute(
        sa.select(LgscoRemedy, Stage, Case)
        .join(Stage, Stage.id == LgscoRemedy.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .where(
            LgscoRemedy.completed_on.is_(None),
            LgscoRemedy.deadline_on < cutoff,
            LgscoRemedy.deadline_on >= low,
        )
    ):
        # Nobody responsible (no owner, or one no longer active): the managers are told,
        # rather than nobody.
        who = people.first(remedy.owner_id, case.owner_id) or people.managers()
        procedures.append(str(case.procedure))
        found.append(
            (
                "remedy",
                remedy.id,
                case.id,
                case.reference,
                stage.id,
                remedy.deadline_on,
                "Ombudsman remedy",
                who,
            )
        )

    # The cut-off is the corporate calendar's, the later one; a statutory clock's
    # deadline counts closure days as working days, so it may be beyond the lead.
    left = working_days_left_by_procedure(session, as_of, [row[5] for row in found], procedures)
    statutory_cutoff = working_calendar(session, Procedure.CHILDREN).add_working_days(
        as_of, lead + 1
    )
    result = [
        Deadline(kind, source, case_id, ref, stage_id, due, days, what, who)
        for (kind, source, case_id, ref, stage_id, due, what, who), days, procedure in zip(
            found, left, procedures, strict=True
        )
        if days is not None and (skips_closure_days(procedure) or due < statutory_cutoff)
    ]
    result.sort(key=lambda d: (d.due_on, d.reference, d.kind, d.source_id))
    return result


# --------------------------------------------------------------------------- planning


@dataclass
class PlanReport:
    notifications: int = 0
    emails: int = 0
    escalations: int = 0  # escalation emails queued
    digests: int = 0
    warnings: list[str] = field(default_factory=list)


class _Planner:
    def __init__(
        self,
        session: Session,
        as_of: dt.date,
        now: dt.datetime,
        settings: CorrespondenceSettings,
    ) -> None:
        self.session = session
        self.as_of = as_of
        self.now = now
        self.settings = settings
        self.sender = settings.sender or "crm-desktop@localhost"
        self.email_on = settings.email_configured
        self.report = PlanReport()
        self._templates: dict[str, tuple[str, str]] = {}
        self._overdue: set[str] | None = None

    def overdue_told(self, base: str) -> bool:
        """Whether an overdue notice went for the deadline ``base`` names (a run with a
        later day did it): a "days left" reminder for it would then be out of date."""
        if self._overdue is None:
            keys = self.session.scalars(
                sa.select(Notification.dedupe_key).where(
                    Notification.kind == "overdue", Notification.due_on >= self.as_of
                )
            )
            self._overdue = {key.rsplit(":user:", 1)[0] for key in keys if key}
        return base in self._overdue

    def template(self, key: str) -> tuple[str, str]:
        if key not in self._templates:
            text = load_template(self.session, key)
            self._templates[key] = (text.subject, text.body)
        return self._templates[key]

    def render(self, key: str, values: dict[str, Any]) -> tuple[str, str]:
        subject, body = self.template(key)
        return render(subject, values).strip(), render(body, values)

    def notify(self, rows: list[dict[str, Any]]) -> None:
        self.report.notifications += add_notifications(self.session, rows)

    def new_keys(self, keys: Iterable[str]) -> list[str]:
        keys = list(keys)
        have = outbox.existing_keys(self.session, outbox.TABLE, keys)
        return [k for k in keys if k not in have]

    def email(self, messages: list[outbox.NewMessage]) -> int:
        added = outbox.enqueue(self.session, messages, self.now)
        self.report.emails += added
        return added


def _deadline_values(planner: _Planner, deadline: Deadline, recipient: Recipient) -> dict[str, Any]:
    context = case_context(
        planner.session,
        deadline.case_id,
        today=planner.as_of,
        settings=planner.settings,
        officer=None,
        stage_id=deadline.stage_id,
    )
    values = dict(context.values)
    values["recipient"] = namespace({"name": recipient.name})
    values["deadline"] = namespace(
        {
            "what": deadline.what,
            "due_on": format_date_long(deadline.due_on),
            "time_left": time_left_text(deadline.days_left),
        }
    )
    return values


def _plan_deadline(planner: _Planner, deadline: Deadline, lead: int) -> None:
    if deadline.days_left > lead or deadline.days_left < -OVERDUE_NOTICE_DAYS:
        return
    phase = "reminder" if deadline.days_left >= 0 else "overdue"
    deadline_key = f"{deadline.kind}:{deadline.source_id}:{deadline.due_on.isoformat()}"
    if phase == "reminder" and planner.overdue_told(f"overdue:{deadline_key}"):
        return
    base = f"{phase}:{deadline_key}"
    text = (
        f"{deadline.reference}: {deadline.what} due {format_date(deadline.due_on)} "
        f"({time_left_text(deadline.days_left)})"
    )
    planner.notify(
        [
            {
                "dedupe_key": f"{base}:user:{r.user_id}",
                "user_id": r.user_id,
                "case_id": deadline.case_id,
                "kind": phase,
                "text": text,
                "due_on": deadline.due_on,
            }
            for r in deadline.recipients
            if r.user_id is not None
        ]
    )
    if not planner.email_on:
        return
    with_email = [r for r in deadline.recipients if r.email]
    keys = {f"{base}:email:{r.email.lower()}": r for r in with_email if r.email}
    messages = []
    for key in planner.new_keys(keys):
        recipient = keys[key]
        assert recipient.email is not None
        values = _deadline_values(planner, deadline, recipient)
        template = "deadline_reminder"
        if deadline.kind == "remedy":
            template = "lgsco_remedy_reminder"
            remedy = planner.session.get(LgscoRemedy, deadline.source_id)
            assert remedy is not None
            values["remedy"] = remedy_fields(planner.session, remedy, planner.as_of, None)
        subject, body = planner.render(template, values)
        messages.append(
            outbox.NewMessage(
                key,
                phase,
                recipient.email,
                subject,
                body,
                new_message_id(planner.sender),
                case_id=deadline.case_id,
                recipient_user_id=recipient.user_id,
            )
        )
    planner.email(messages)


def _escalation_percents(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(StageTimescale.procedure, StageTimescale.value).where(
            StageTimescale.stage == StageCode.LGSCO,
            StageTimescale.rule == TimescaleRule.REMEDY_ESCALATION_PERCENT,
        )
    ).all()
    return {str(getattr(p, "value", p)): int(v) for p, v in rows}


def _plan_escalations(planner: _Planner, cal: WorkingCalendar) -> None:
    session, as_of, settings = planner.session, planner.as_of, planner.settings
    rows = session.execute(
        sa.select(LgscoRemedy, Stage, Case)
        .join(Stage, Stage.id == LgscoRemedy.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .where(LgscoRemedy.completed_on.is_(None), LgscoRemedy.agreed_on <= as_of)
        .order_by(LgscoRemedy.deadline_on, LgscoRemedy.id)
    ).all()
    if not rows:
        return
    percents = _escalation_percents(session)
    wanted = [
        percents.get(str(case.procedure.value), DEFAULT_ESCALATION_PERCENT) for _, _, case in rows
    ]
    points: list[EscalationPoint | None] = [None] * len(rows)
    for skips in (True, False):
        indexes = [
            i for i, (_, _, case) in enumerate(rows) if skips_closure_days(case.procedure) == skips
        ]
        if not indexes:
            continue
        calendar = cal if skips else working_calendar(session, Procedure.CHILDREN)
        found = escalation_points(
            calendar,
            as_of,
            [rows[i][0].agreed_on for i in indexes],
            [rows[i][0].deadline_on for i in indexes],
            [wanted[i] for i in indexes],
        )
        for i, point in zip(indexes, found, strict=True):
            points[i] = point
    left = working_days_left_by_procedure(
        session,
        as_of,
        [remedy.deadline_on for remedy, _, _ in rows],
        [case.procedure for _, _, case in rows],
    )
    people = _People.load(session)
    missing: set[str] = set()
    for (remedy, _stage, case), point, days, percent in zip(
        rows, points, left, wanted, strict=True
    ):
        if point is None or days is None:
            continue
        levels: list[int] = []
        if point.past:
            levels.append(1)
        if days <= -settings.second_after_working_days:
            levels.append(2)
        for level in levels:
            if level == 1:
                addresses = settings.senior_officers
                audience = "the senior officers"
                if not addresses:
                    missing.add("senior officers (escalation.senior_officers)")
            else:
                addresses = settings.directors + settings.chief_executive
                audience = "the Director and the Chief Executive"
                if not addresses:
                    missing.add(
                        "director and chief executive (escalation.directors, "
                        "escalation.chief_executive)"
                    )
            base = f"escalation:{remedy.id}:{remedy.deadline_on.isoformat()}:level{level}"
            shown = "the deadline" if level == 2 else f"{percent}% of the time"
            text = (
                f"{case.reference}: Ombudsman remedy due {format_date(remedy.deadline_on)} "
                f"escalated to {audience.removeprefix('the ')} ({shown} passed)"
            )
            owners = _merge(people.first(remedy.owner_id), people.first(case.owner_id))
            planner.notify(
                [
                    {
                        "dedupe_key": f"{base}:user:{r.user_id}",
                        "user_id": r.user_id,
                        "case_id": case.id,
                        "kind": "escalation",
                        "text": text,
                        "due_on": remedy.deadline_on,
                    }
                    for r in owners
                    if r.user_id is not None
                ]
            )
            if addresses and planner.email_on:
                keys = {f"{base}:email:{a.lower()}": a for a in addresses}
                fresh = planner.new_keys(keys)
                if fresh:
                    values: dict[str, Any] = dict(
                        case_context(
                            session,
                            case.id,
                            today=as_of,
                            settings=settings,
                            officer=None,
                            stage_id=remedy.stage_id,
                        ).values
                    )
                    values["remedy"] = remedy_fields(session, remedy, as_of, point.point)
                    values["escalation"] = namespace(
                        {
                            "level": str(level),
                            "percent": f"{percent}%" if level == 1 else "All",
                            "audience": audience,
                        }
                    )
                    values["recipient"] = namespace({"name": "colleague"})
                    subject, body = planner.render("lgsco_remedy_escalation", values)
                    letter = Correspondence(
                        case_id=case.id,
                        stage_id=remedy.stage_id,
                        direction=CorrespondenceDirection.OUTGOING,
                        channel=CorrespondenceChannel.EMAIL,
                        template_key="lgsco_remedy_escalation",
                        recipient=", ".join(keys[k] for k in fresh)[:300],
                        subject=subject[:300],
                        body=body,
                        created_by=RUNNER,
                        updated_by=RUNNER,
                    )
                    session.add(letter)
                    session.flush()
                    planner.report.escalations += planner.email(
                        [
                            outbox.NewMessage(
                                key,
                                "escalation",
                                keys[key],
                                subject,
                                body,
                                new_message_id(planner.sender),
                                case_id=case.id,
                                correspondence_id=letter.id,
                            )
                            for key in fresh
                        ]
                    )
            if remedy.escalation_level < level:
                remedy.escalation_level = level
                remedy.updated_by = RUNNER
                session.flush()
    for who in sorted(missing):
        planner.report.warnings.append(
            f"Remedies reached an escalation point, but no {who} are set up to be told."
        )


def _plan_digests(planner: _Planner, deadlines: list[Deadline], lead: int) -> None:
    if not planner.email_on:
        return
    by_user: dict[int, list[Deadline]] = {}
    names: dict[int, Recipient] = {}
    for deadline in deadlines:
        if deadline.days_left > lead:
            continue
        for r in deadline.recipients:
            if r.user_id is not None and r.email:
                by_user.setdefault(r.user_id, []).append(deadline)
                names[r.user_id] = r
    keys = {f"digest:{user_id}:{planner.as_of.isoformat()}": user_id for user_id in by_user}
    fresh = planner.new_keys(keys)
    if not fresh:
        return
    t = Notification.__table__.c
    unread: dict[int, int] = dict(
        planner.session.execute(
            sa.select(t.user_id, sa.func.count())
            .where(t.read_at.is_(None), t.user_id.in_([keys[k] for k in fresh]))
            .group_by(t.user_id)
        ).all()
    )
    messages = []
    for key in fresh:
        user_id = keys[key]
        recipient = names[user_id]
        assert recipient.email is not None
        items = [
            namespace(
                {
                    "reference": d.reference,
                    "what": d.what,
                    "due_on": format_date_long(d.due_on),
                    "time_left": time_left_text(d.days_left),
                }
            )
            for d in by_user[user_id]
        ]
        values: dict[str, Any] = {
            "today": format_date_long(planner.as_of),
            "council": council_fields(planner.settings),
            "recipient": namespace({"name": recipient.name}),
            "digest": namespace(
                {"count": str(len(items)), "unread": str(int(unread.get(user_id, 0)))}
            ),
            "items": items,
        }
        subject, body = planner.render("daily_digest", values)
        messages.append(
            outbox.NewMessage(
                key,
                "digest",
                recipient.email,
                subject,
                body,
                new_message_id(planner.sender),
                recipient_user_id=user_id,
            )
        )
    planner.report.digests += planner.email(messages)


# How long a run waits for the PostgreSQL lock that keeps two reminder runs' planning
# apart (``crm_reminders_lock``: only managers and the owner may take it; an advisory
# lock's key, used before, any login could take and hold).
PLANNING_LOCK_WAIT = "60s"


def plan_reminders(
    session: Session, as_of: dt.date, now: dt.datetime, *, digest: bool = True
) -> PlanReport:
    """Plan every reminder, escalation and (if ``digest``) digest due on ``as_of``
    (inside one write transaction); what was added.

    Two runs at once plan one after the other: SQLite's writers are serialised anyway,
    and on PostgreSQL (where writes no longer share one lock) the planning takes a lock
    of its own for the transaction, so the second run finds what the first planned
    rather than updating the same rows beside it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"SET LOCAL lock_timeout = '{PLANNING_LOCK_WAIT}'"))
        session.execute(sa.text("SELECT crm_reminders_lock()"))
    ensure_templates(session)
    settings = load_settings(session)
    planner = _Planner(session, as_of, now, settings)
    lead = settings.lead_working_days
    cal = working_calendar(session)
    everything = collect_deadlines(
        session, as_of, lead, since=None if digest else as_of - _LOOK_BACK
    )
    recent_floor = as_of - _LOOK_BACK
    for deadline in everything:
        if deadline.due_on >= recent_floor:
            _plan_deadline(planner, deadline, lead)
    _plan_escalations(planner, cal)
    if digest:
        _plan_digests(planner, everything, lead)
    if not settings.email_configured:
        planner.report.warnings.append(
            "Email is not set up (no SMTP server or .eml folder): reminders are in-app only."
        )
    return planner.report


# --------------------------------------------------------------------------- running


@dataclass
class RunReport:
    plan: PlanReport
    delivery: outbox.DeliveryReport
    outbox: dict[str, int]


def run_reminders(
    database: Database,
    as_of: dt.date,
    *,
    digest: bool = True,
    clock: Callable[[], dt.datetime] = utcnow,
    transport: Transport | None = None,
    limit: int | None = None,
    lease: dt.timedelta = outbox.LEASE,
) -> RunReport:
    """Plan (one write), then deliver the outbox one message at a time."""
    plan = database.write(lambda s: plan_reminders(s, as_of, clock(), digest=digest), actor=RUNNER)
    with database.session() as session:
        settings = load_settings(session)
    transport = transport or transport_for(settings)
    delivery = outbox.DeliveryReport()
    if transport is not None:
        delivery = outbox.deliver(
            database,
            transport,
            settings.sender or "crm-desktop@localhost",
            clock=clock,
            lease=lease,
            limit=limit,
        )
    with database.session() as session:
        counts = outbox.outbox_counts(session)
    return RunReport(plan, delivery, counts)


def digest_due(session: Session, local_now: dt.datetime) -> bool:
    """Whether the daily digest is due at ``local_now`` (from ``reminders.digest_time``)."""
    return local_now.time() >= load_settings(session).digest_time


@dataclass(frozen=True, slots=True)
class WaitingMessage:
    """An email in the outbox not yet sent."""

    id: int
    status: str
    kind: str
    to_address: str
    subject: str
    attempts: int
    next_attempt_at: dt.datetime  # UTC
    last_error: str | None


def pending_outbox(session: Session) -> list[WaitingMessage]:
    """Messages not yet sent (for the status command), the next to be tried first."""
    t = OutboxMessage
    return [
        WaitingMessage(*row)
        for row in session.execute(
            sa.select(
                t.id,
                t.status,
                t.kind,
                t.to_address,
                t.subject,
                t.attempts,
                t.next_attempt_at,
                t.last_error,
            )
            .where(t.status != outbox.SENT)
            .order_by(t.next_attempt_at, t.id)
        )
    ]
