"""Who may do what: the one access policy every operation asks, and the screens too.

Two questions, answered here and nowhere else:

1. **May this role do this kind of thing?** :data:`ROLE_PERMISSIONS` is the table;
   :func:`allows` reads it and :func:`require` refuses with :class:`PermissionRefused`.
2. **May this actor see this case?** :class:`Authoriser` knows the actor's case scope:
   staff (officers, managers, administrators) see every case; an investigator only the
   cases they hold a live appointment on (offered, accepted, report received); a
   service responder only the cases of their own service area. Records that belong to
   a case (stage, point, appointment, letter, attachment, remedy, payment, action
   item) are checked through their case, before anything else is read. A record that
   does not exist is refused to a restricted actor in the same words as one they may
   not see, so a refusal never tells them whether it exists.

Operations declare their permission and which of their arguments are ids of which kind
(:class:`Scope`); :mod:`crm_desktop.operations.core` calls :meth:`Authoriser.require`
and :meth:`Authoriser.require_scope` before the operation's own code runs. The screens
ask :func:`allows` (and the case's ``available_actions``) what to offer; they never
re-derive a rule from the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Attachment,
    Case,
    ComplaintPoint,
    Correspondence,
    LgscoPayment,
    LgscoRemedy,
    ServiceArea,
    Stage,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.eligibility import LIVE_STATUSES, with_article
from crm_desktop.domain.enums import UserRole
from crm_desktop.domain.workflow import Action
from crm_desktop.errors import NotFound, PermissionRefused
from crm_desktop.services.cases import lock_case

__all__ = [
    "ACTION_PERMISSIONS",
    "NOT_ASSIGNED",
    "ROLE_PERMISSIONS",
    "ActionItemId",
    "AssignmentId",
    "AttachmentId",
    "Authoriser",
    "CaseId",
    "CaseReference",
    "CaseVersion",
    "CorrespondenceId",
    "PaymentId",
    "Permission",
    "PointId",
    "RemedyId",
    "Scope",
    "StageId",
    "action_permission",
    "allows",
    "permitted_actions",
    "require",
]


class Permission(StrEnum):
    """A kind of work; the value completes "Your role cannot ..."."""

    SEE_CASES = "see cases"
    WORK_CASES = "record cases or move them through their procedure"
    MANAGER_DECISIONS = "take decisions reserved to a manager"
    SEND_CORRESPONDENCE = "send letters or emails"
    ADD_ATTACHMENTS = "add documents to a case"
    MANAGE_POOL = "manage the investigator pool"
    APPOINT_INVESTIGATORS = "appoint investigators"
    OWN_APPOINTMENTS = "work on investigation appointments"
    RUN_REPORTS = "run reports, queues or exports"
    EDIT_REPORT_INPUTS = "change report commentary, baseline or population figures"
    MANAGE_REFERENCE_DATA = "change reference data, timescales or closure days"
    MANAGE_TEMPLATES = "change letter templates, the letterhead or mail settings"
    MANAGE_USERS = "manage user accounts"
    SEE_EQUALITY = "see equality monitoring answers"
    MANAGE_PRIVACY = "review retention, place legal holds or answer subject access requests"
    IMPORT_CASES = "import historical cases"
    MAINTAIN_DATABASE = "back up, restore or check the database"
    RUN_REMINDERS = "run reminders or the outbox"
    SEE_NOTIFICATIONS = "see notifications"
    DAILY_CHECK = "start the daily database check"  # the program's own, at sign-in
    OWN_PASSWORD = "change their own password"


_OFFICER = frozenset(
    {
        Permission.SEE_CASES,
        Permission.WORK_CASES,
        Permission.SEND_CORRESPONDENCE,
        Permission.ADD_ATTACHMENTS,
        Permission.MANAGE_POOL,
        Permission.APPOINT_INVESTIGATORS,
        Permission.OWN_APPOINTMENTS,
        Permission.RUN_REPORTS,
        Permission.SEE_NOTIFICATIONS,
        Permission.DAILY_CHECK,
        Permission.OWN_PASSWORD,
    }
)
_MANAGER = _OFFICER | {
    Permission.MANAGER_DECISIONS,
    Permission.EDIT_REPORT_INPUTS,
    Permission.MANAGE_REFERENCE_DATA,
    Permission.MANAGE_TEMPLATES,
    Permission.SEE_EQUALITY,
    Permission.MANAGE_PRIVACY,
    Permission.IMPORT_CASES,
    Permission.RUN_REMINDERS,
}

ROLE_PERMISSIONS: Mapping[UserRole, frozenset[Permission]] = {
    UserRole.OFFICER: _OFFICER,
    UserRole.SERVICE_RESPONDER: frozenset(
        {
            Permission.SEE_CASES,
            Permission.SEND_CORRESPONDENCE,
            Permission.ADD_ATTACHMENTS,
            Permission.SEE_NOTIFICATIONS,
            Permission.DAILY_CHECK,
            Permission.OWN_PASSWORD,
        }
    ),
    UserRole.MANAGER: _MANAGER,
    # Only an administrator changes users and roles (a manager who could would make
    # anyone, themselves included, an administrator).
    UserRole.ADMIN: _MANAGER | {Permission.MANAGE_USERS, Permission.MAINTAIN_DATABASE},
    UserRole.INVESTIGATOR: frozenset(
        {
            Permission.OWN_APPOINTMENTS,
            Permission.ADD_ATTACHMENTS,
            Permission.SEE_NOTIFICATIONS,
            Permission.DAILY_CHECK,
            Permission.OWN_PASSWORD,
        }
    ),
}
"""What each role may do. The one table: operations, screens and tests read it."""

ROLE_NAMES: Mapping[UserRole, str] = {
    UserRole.OFFICER: "consumer relations officer",
    UserRole.SERVICE_RESPONDER: "service area responder",
    UserRole.MANAGER: "manager",
    UserRole.ADMIN: "administrator",
    UserRole.INVESTIGATOR: "investigator",
}


def role_title(role: str) -> str:
    """A user's role (its stored value) as people say it at the start of a line or in a
    column: "Consumer relations officer", "Administrator"."""
    try:
        return ROLE_NAMES[UserRole(role)].capitalize()
    except ValueError:
        return role


NOT_ASSIGNED = "You can only open the cases assigned to you."
NOT_YOUR_SERVICE = "You can only open the cases of your own service area."
NOT_SIGNED_IN = "Sign in first: nothing can be done without a signed-in user."


def allows(actor: Actor | None, permission: Permission) -> bool:
    """True when the actor's role may do ``permission`` (False when nobody is signed in)."""
    return actor is not None and permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor | None, permission: Permission) -> Actor:
    """The actor, if their role may do ``permission``; else :class:`PermissionRefused`."""
    if actor is None:
        raise PermissionRefused(NOT_SIGNED_IN)
    if not allows(actor, permission):
        role = ROLE_NAMES.get(actor.role, actor.role.value)
        # Who to ask: a manager, unless the work is beyond a manager's role too.
        ask = (
            "a manager" if permission in ROLE_PERMISSIONS[UserRole.MANAGER] else "an administrator"
        )
        raise PermissionRefused(
            f"As {with_article(role)} you cannot {permission.value}. Ask {ask} if you need it done."
        )
    return actor


ACTION_PERMISSIONS: Mapping[Action, Permission] = {Action.REOPEN: Permission.MANAGER_DECISIONS}
"""Workflow actions that need more than :attr:`Permission.WORK_CASES`."""


def action_permission(action: Action) -> Permission:
    return ACTION_PERMISSIONS.get(action, Permission.WORK_CASES)


def permitted_actions(actor: Actor | None, actions: Iterable[Action]) -> list[Action]:
    """The actions (as the procedure's table allows them) the actor's role may take."""
    if not allows(actor, Permission.WORK_CASES):
        return []
    return [a for a in actions if allows(actor, action_permission(a))]


# ------------------------------------------------------------------------ scopes


class Scope(StrEnum):
    """The kind of record an operation argument identifies; each belongs to a case."""

    CASE = "case"
    CASE_REFERENCE = "case reference"
    STAGE = "stage"
    POINT = "complaint point"
    ASSIGNMENT = "appointment"
    CORRESPONDENCE = "letter or email"
    ATTACHMENT = "attachment"
    REMEDY = "remedy"
    PAYMENT = "payment"
    ACTION_ITEM = "action item"


CaseId = Annotated[int, Scope.CASE]


class OpenedVersion:
    """Marks an operation's argument as the version of the case the user opened: the
    operation saves the case, refused if someone else changed it since."""


CaseVersion = Annotated[int, OpenedVersion]
CaseReference = Annotated[str, Scope.CASE_REFERENCE]
StageId = Annotated[int, Scope.STAGE]
PointId = Annotated[int, Scope.POINT]
AssignmentId = Annotated[int, Scope.ASSIGNMENT]
CorrespondenceId = Annotated[int, Scope.CORRESPONDENCE]
AttachmentId = Annotated[int, Scope.ATTACHMENT]
RemedyId = Annotated[int, Scope.REMEDY]
PaymentId = Annotated[int, Scope.PAYMENT]
ActionItemId = Annotated[int, Scope.ACTION_ITEM]


def _case_of(scope: Scope, value: int | str) -> sa.Select[Any]:
    """A query for the case a record of ``scope`` belongs to."""
    if scope == Scope.CASE:
        return sa.select(Case.id).where(Case.id == value)
    if scope == Scope.CASE_REFERENCE:
        return sa.select(Case.id).where(Case.reference == str(value).strip().upper())
    if scope == Scope.STAGE:
        return sa.select(Stage.case_id).where(Stage.id == value)
    if scope == Scope.POINT:
        return sa.select(ComplaintPoint.case_id).where(ComplaintPoint.id == value)
    if scope == Scope.ASSIGNMENT:
        return (
            sa.select(Stage.case_id)
            .join(Assignment, Assignment.stage_id == Stage.id)
            .where(Assignment.id == value)
        )
    if scope == Scope.CORRESPONDENCE:
        return sa.select(Correspondence.case_id).where(Correspondence.id == value)
    if scope == Scope.ATTACHMENT:
        return sa.select(Attachment.case_id).where(Attachment.id == value)
    if scope == Scope.REMEDY:
        return (
            sa.select(Stage.case_id)
            .join(LgscoRemedy, LgscoRemedy.stage_id == Stage.id)
            .where(LgscoRemedy.id == value)
        )
    if scope == Scope.PAYMENT:
        return (
            sa.select(Stage.case_id)
            .join(LgscoPayment, LgscoPayment.stage_id == Stage.id)
            .where(LgscoPayment.id == value)
        )
    if scope == Scope.ACTION_ITEM:
        return sa.select(ActionItem.case_id).where(ActionItem.id == value)
    raise AssertionError(scope)  # pragma: no cover - every scope is handled above


class Authoriser:
    """The policy applied to one actor within one session (one operation).

    It remembers the actor's case scope for the life of the operation, so checking
    several ids costs one query each at most.
    """

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self._user: tuple[int | None, int | None] | None = None
        self._assigned: frozenset[int] | None = None
        self._cases: list[Case] = []  # cases read for the checks, kept for the operation

    # ---------------------------------------------------------------- role checks

    def allows(self, permission: Permission) -> bool:
        return allows(self.actor, permission)

    def require(self, permission: Permission) -> None:
        require(self.actor, permission)

    # ---------------------------------------------------------------- case scope

    @property
    def sees_every_case(self) -> bool:
        """Staff see every case; investigators and service responders see some."""
        return self.actor.role not in (UserRole.INVESTIGATOR, UserRole.SERVICE_RESPONDER)

    def _linked(self) -> tuple[int | None, int | None]:
        """(person id, service area id) of the actor's user account."""
        if self._user is None:
            if self.actor.user_id is not None:
                where = User.id == self.actor.user_id
            else:
                where = User.username == self.actor.username.strip().lower()
            row = self.session.execute(
                sa.select(User.person_id, User.service_area_id).where(where)
            ).first()
            self._user = (row[0], row[1]) if row is not None else (None, None)
        return self._user

    @property
    def person_id(self) -> int | None:
        """The investigator pool record the actor's account is linked to, if any."""
        return self._linked()[0]

    def assigned_case_ids(self) -> frozenset[int]:
        """The cases the actor holds a live appointment on (any role may have some)."""
        if self._assigned is None:
            person_id = self.person_id
            if person_id is None:
                self._assigned = frozenset()
            else:
                self._assigned = frozenset(
                    self.session.scalars(
                        sa.select(Stage.case_id)
                        .join(Assignment, Assignment.stage_id == Stage.id)
                        .where(
                            Assignment.person_id == person_id,
                            Assignment.status.in_(LIVE_STATUSES),
                        )
                        .distinct()
                    )
                )
        return self._assigned

    def service_area_name(self) -> str | None:
        """The one service area whose cases a service responder sees (``"\0"``, which
        matches none, when their account has none); None for everyone else."""
        if self.actor.role != UserRole.SERVICE_RESPONDER:
            return None
        area = self._linked()[1]
        if area is None:
            return "\0"
        name: str | None = self.session.scalar(
            sa.select(ServiceArea.name).where(ServiceArea.id == area)
        )
        return name if name is not None else "\0"

    def case_filter(self) -> sa.ColumnElement[bool]:
        """A WHERE clause on ``Case`` selecting the cases the actor may see."""
        if self.sees_every_case:
            return sa.true()
        if self.actor.role == UserRole.INVESTIGATOR:
            return Case.id.in_(self.assigned_case_ids())
        area = self._linked()[1]
        return Case.service_area_id == area if area is not None else sa.false()

    def may_see_case(self, case_id: int) -> bool:
        if self.sees_every_case:
            return True
        if self.actor.role == UserRole.INVESTIGATOR:
            return case_id in self.assigned_case_ids()
        area = self._linked()[1]
        return area is not None and bool(
            self.session.scalar(
                sa.select(sa.literal(True)).where(Case.id == case_id, Case.service_area_id == area)
            )
        )

    def _refusal(self) -> PermissionRefused:
        if self.actor.role == UserRole.SERVICE_RESPONDER:
            return PermissionRefused(NOT_YOUR_SERVICE)
        return PermissionRefused(NOT_ASSIGNED)

    def require_case(self, case_id: int) -> None:
        """Refuse a case the actor may not see (or that does not exist)."""
        if self.sees_every_case:
            if self.session.get(Case, case_id) is None:
                raise NotFound("That case no longer exists; it may have been deleted.")
            return
        if not self.may_see_case(case_id):
            raise self._refusal()

    def require_scope(self, scope: Scope, value: int | str, *, saving: bool = False) -> int:
        """The case the record belongs to, once the actor may see it; else refused.

        ``saving``: the operation saves this case as the user opened it (it has a
        :data:`CaseVersion`), so a staff member's case is read as last committed and
        locked for the save (:func:`~crm_desktop.services.cases.lock_case`); the save
        then reads it from the session. Investigators and service responders save no
        case and may not lock case rows; opening a case, a letter or an attachment
        locks nothing, so it never waits for another officer's save.
        """
        case_id: int | None
        if scope == Scope.CASE:
            # The case itself, read whole: the operation reads it next, from the session.
            case = (
                lock_case(self.session, int(value))
                if saving and self.sees_every_case
                else self.session.get(Case, value)
            )
            case_id = case.id if case is not None else None
            if case is not None:
                # The session keeps only weak references to unchanged rows.
                self._cases.append(case)
        else:
            case_id = self.session.scalar(_case_of(scope, value))
        if case_id is None:
            if not self.sees_every_case:
                raise self._refusal()
            if scope == Scope.CASE_REFERENCE:
                raise NotFound(
                    f"There is no case with the reference {str(value).strip().upper()}. "
                    "Check the reference and try again."
                )
            raise NotFound(f"That {scope.value} no longer exists; it may have been deleted.")
        if not self.may_see_case(case_id):
            raise self._refusal()
        return case_id

    def require_own_assignment(self, assignment_id: int) -> None:
        """Refuse an appointment that is not the actor's own (staff may act on any)."""
        if self.allows(Permission.APPOINT_INVESTIGATORS):
            return
        person_id = self.person_id
        owner = self.session.scalar(
            sa.select(Assignment.person_id).where(Assignment.id == assignment_id)
        )
        if person_id is None or owner != person_id:
            raise PermissionRefused("You can only work on your own appointments.")

    def visible(self, case_ids: Iterable[int]) -> list[int]:
        """The given cases the actor may see, in the given order."""
        if self.sees_every_case:
            return list(case_ids)
        return [case_id for case_id in case_ids if self.may_see_case(case_id)]
