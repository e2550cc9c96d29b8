"""Who may be appointed to a complaint, and as what: pure rules, no database.

An appointment is a person, a role (Investigating Officer, Independent Person, review
panel member or chair) and a stage of a complaint. :func:`check` answers it with a
:class:`Verdict`: **allowed**, **warning** (a manager may still appoint, with a reason
that is recorded) or **refused** (nobody may), with every rule it looked at as a
:class:`Finding`: the reason in plain English and the rule it comes from.

The rules (PRODUCT.md, "Investigators and Independent Persons"; the source document's
paras. 49-52; the Children Act 1989 Representations Procedure (England) Regulations
2006):

- Only people in the investigator pool are appointed. Otherwise: refused.
- A role is only appointed where the procedure has it: an IO at children's Stage 2,
  adult Moderate/High risk and corporate Stage 2; an IP at children's Stage 2; a review
  panel at children's Stage 3. Otherwise: refused.
- One IO and one IP at a time on a stage; a panel of three, one of whom chairs
  (reg. 19(2)). A further appointment: refused (replace the person instead).
- Independent people (IP and panel): not an elected member, not a council officer
  (an employee, or someone whose leaving date is still to come), nor the spouse or civil
  partner of a member or officer (reg. 2): refused.
- Independent people: a former employee who left less than 3 years ago: refused (the
  council's own rule, para. 51). So is the spouse or civil partner of a former employee
  who left less than 3 years ago. **Boundary:** the refusal runs up to and including the
  day before the third anniversary of leaving, in calendar years; from the anniversary
  itself they are allowed. Left on 14 Mar 2021: refused up to and including 13 Mar 2024,
  allowed from 14 Mar 2024. Left on 29 Feb 2020: the anniversary is 28 Feb 2023 (a year
  without 29 Feb uses the last day of February), so refused up to 27 Feb 2023, allowed
  from 28 Feb 2023.
- The review panel: the Stage 2 IP of the complaint may not sit on it (reg. 19(3)):
  refused.
- IO: may be an employee, but not from the service complained about (the employee's
  home service area is the case's service area) nor in its line management (they manage
  that service area, or the directorate it belongs to): refused. An employee whose home
  service area is not recorded, or a case without a service area: warning (it cannot
  be checked).
- Nobody holds two roles on one complaint: a person who holds (or held, until they were
  replaced) one role on any stage of the complaint may not take a different one: refused.
  In particular an IP holds no other role on the same complaint (para. 51). A declined
  offer is not a role held. Nor may anyone who is a party to the case (complainant, the
  person it is about, on whose behalf, advocate, named staff) investigate or review it.
- Unavailable: ``unavailable_until`` is after the day asked about, or there is no such
  date and ``available`` is off (until further notice): warning. ``unavailable_until``
  is the day they are back: from that day there is no warning, whatever ``available``
  says (:func:`is_available`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from crm_desktop.domain.calendar import add_calendar_months
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    PartyRole,
    Procedure,
    StageCode,
)
from crm_desktop.domain.formatting import format_date, normalised

__all__ = [
    "ACCEPTED_STATUSES",
    "FORMER_EMPLOYEE_YEARS",
    "HELD_STATUSES",
    "INDEPENDENT_ROLES",
    "LIVE_STATUSES",
    "PANEL_ROLES",
    "PANEL_SIZE",
    "REQUIRED_ROLES",
    "CandidateFacts",
    "CaseFacts",
    "CaseParty",
    "Eligibility",
    "Finding",
    "HeldRole",
    "Verdict",
    "check",
    "former_employee_clear_on",
    "from_the_service",
    "required_roles",
    "role_label",
    "role_short_label",
    "roles_at",
    "with_article",
]

REGULATIONS = "Children Act 1989 Representations Procedure (England) Regulations 2006"

RULE_POOL = "Appointments are made from the council's investigator pool"
RULE_ROLE_AT_STAGE = (
    "Investigating Officers serve children's Stage 2, adult Moderate/High risk and "
    "corporate Stage 2 complaints; an Independent Person children's Stage 2; a review "
    "panel children's Stage 3 "
    f"({REGULATIONS}, reg. 17 and 19)"
)
RULE_ONE_PER_STAGE = (
    "One Investigating Officer and one Independent Person at a time on a stage; to change "
    "one, replace them"
)
RULE_IP_INDEPENDENT = (
    "Independent Person: not a member or officer of the council, nor the spouse or civil "
    f"partner of one ({REGULATIONS}, reg. 2)"
)
RULE_PANEL_INDEPENDENT = (
    "Review panel: three independent persons, one of whom chairs; none a member or "
    "officer of the council, nor the spouse or civil partner of one "
    f"({REGULATIONS}, reg. 19(2) and reg. 2)"
)
RULE_FORMER_EMPLOYEE = (
    "Independent people: not a former employee who left less than 3 years ago, nor the "
    "spouse or civil partner of one"
)
RULE_PANEL_NOT_STAGE_TWO_IP = (
    f"Review panel: the Stage 2 Independent Person may not sit on it ({REGULATIONS}, reg. 19(3))"
)
RULE_IP_NO_OTHER_ROLE = "Independent Person: holds no other role on the same complaint"
RULE_ONE_ROLE = (
    "One person, one role on a complaint: the investigation and its review stay separate "
    "(the Investigating Officer and the Independent Person speak to their reports at the "
    "review panel)"
)
RULE_NO_PART = "Whoever investigates or reviews a complaint must be impartial, with no part in it"
RULE_IO_SERVICE = (
    "Investigating Officer: may be an employee of the council, but not from the service "
    "complained about"
)
RULE_IO_LINE = (
    "Investigating Officer: not in the line management of the service complained about "
    "(its service area or the directorate it belongs to)"
)
RULE_AVAILABILITY = "Availability recorded in the investigator pool"

FORMER_EMPLOYEE_YEARS = 3
PANEL_SIZE = 3

PANEL_ROLES = frozenset({AssignmentRole.PANEL_MEMBER, AssignmentRole.PANEL_CHAIR})
INDEPENDENT_ROLES = PANEL_ROLES | {AssignmentRole.INDEPENDENT_PERSON}

# Appointments that are running or done: the person holds the role.
LIVE_STATUSES = frozenset(
    {AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED, AssignmentStatus.REPORT_RECEIVED}
)
# Appointments that count as a role held on the complaint: live ones and replaced ones
# (the person took part, as in para. 37). A declined offer is no role.
HELD_STATUSES = LIVE_STATUSES | {AssignmentStatus.REPLACED}
# Appointments the person has accepted (and may have reported on): the role is filled.
ACCEPTED_STATUSES = frozenset({AssignmentStatus.ACCEPTED, AssignmentStatus.REPORT_RECEIVED})

RULE_REQUIRED_ROLES = (
    "At children's Stage 2 an Independent Person is required, together with an "
    f"Investigating Officer ({REGULATIONS}, reg. 17); adult Moderate/High risk "
    "and corporate Stage 2 complaints may have an Investigating Officer"
)
REQUIRED_ROLES: Mapping[tuple[Procedure, StageCode], tuple[AssignmentRole, ...]] = {
    (Procedure.CHILDREN, StageCode.STAGE_2): (
        AssignmentRole.INVESTIGATING_OFFICER,
        AssignmentRole.INDEPENDENT_PERSON,
    ),
}
"""The roles a stage's investigation cannot start without, each accepted: the one
definition the workflow's guard and the "awaiting investigator" queue both read."""

_ROLE_STAGES: dict[AssignmentRole, frozenset[tuple[Procedure, StageCode]]] = {
    AssignmentRole.INVESTIGATING_OFFICER: frozenset(
        {
            (Procedure.CHILDREN, StageCode.STAGE_2),
            (Procedure.ADULT, StageCode.MODERATE_HIGH),
            (Procedure.CORPORATE, StageCode.STAGE_2),
        }
    ),
    AssignmentRole.INDEPENDENT_PERSON: frozenset({(Procedure.CHILDREN, StageCode.STAGE_2)}),
    AssignmentRole.PANEL_MEMBER: frozenset({(Procedure.CHILDREN, StageCode.STAGE_3)}),
    AssignmentRole.PANEL_CHAIR: frozenset({(Procedure.CHILDREN, StageCode.STAGE_3)}),
}

_ROLE_LABELS = {
    AssignmentRole.INVESTIGATING_OFFICER: "Investigating Officer",
    AssignmentRole.INDEPENDENT_PERSON: "Independent Person",
    AssignmentRole.PANEL_MEMBER: "review panel member",
    AssignmentRole.PANEL_CHAIR: "review panel chair",
}

_ROLE_SHORT_LABELS = {
    AssignmentRole.INVESTIGATING_OFFICER: "IO",
    AssignmentRole.INDEPENDENT_PERSON: "IP",
    AssignmentRole.PANEL_MEMBER: "panel member",
    AssignmentRole.PANEL_CHAIR: "panel chair",
}

_PARTY_LABELS = {
    PartyRole.COMPLAINANT: "the complainant",
    PartyRole.SUBJECT: "the person the complaint is about",
    PartyRole.ON_BEHALF_OF: "the person the complaint is made on behalf of",
    PartyRole.ADVOCATE: "the complainant's advocate",
    PartyRole.NAMED_STAFF: "a member of staff named in the complaint",
}


def role_label(role: AssignmentRole) -> str:
    """``Investigating Officer``, ``Independent Person``, ``review panel member``, ..."""
    return _ROLE_LABELS[role]


def role_short_label(role: AssignmentRole) -> str:
    """``IO``, ``IP``, ``panel member``, ``panel chair``: for a queue's narrow column."""
    return _ROLE_SHORT_LABELS[role]


def roles_at(procedure: Procedure, stage: StageCode) -> tuple[AssignmentRole, ...]:
    """The roles a stage of a procedure appoints (none for most stages)."""
    return tuple(role for role in AssignmentRole if (procedure, stage) in _ROLE_STAGES[role])


def required_roles(procedure: Procedure, stage: StageCode) -> tuple[AssignmentRole, ...]:
    """The roles the stage's investigation needs accepted (see :data:`REQUIRED_ROLES`)."""
    return REQUIRED_ROLES.get((procedure, stage), ())


def former_employee_clear_on(left_on: dt.date) -> dt.date:
    """The first day a former employee is no longer a recent one: the third anniversary of
    leaving, in calendar years (29 Feb 2020 gives 28 Feb 2023)."""
    return add_calendar_months(left_on, 12 * FORMER_EMPLOYEE_YEARS)


# --------------------------------------------------------------------------- answers


class Eligibility(StrEnum):
    """How an appointment stands, from best to worst."""

    ALLOWED = "allowed"
    WARNING = "warning"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            Eligibility.ALLOWED: "Allowed",
            Eligibility.WARNING: "Allowed only with a manager's override",
            Eligibility.REFUSED: "Not allowed",
        }[self]

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Eligibility.ALLOWED: 0, Eligibility.WARNING: 1, Eligibility.REFUSED: 2}


@dataclass(frozen=True)
class Finding:
    """One rule looked at: its outcome, the reason in plain English, the rule's source."""

    outcome: Eligibility
    reason: str
    rule: str

    @property
    def text(self) -> str:
        return f"{self.reason} Rule: {self.rule}."


@dataclass(frozen=True)
class Verdict:
    """The answer for one person, role and stage: the worst finding decides."""

    person_id: int | None
    name: str
    role: AssignmentRole
    outcome: Eligibility
    findings: tuple[Finding, ...]

    @property
    def refusals(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == Eligibility.REFUSED)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == Eligibility.WARNING)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons behind the outcome: refusals and warnings (none when allowed)."""
        return tuple(f.reason for f in self.findings if f.outcome != Eligibility.ALLOWED)

    @property
    def is_allowed(self) -> bool:
        return self.outcome == Eligibility.ALLOWED

    @property
    def needs_override(self) -> bool:
        return self.outcome == Eligibility.WARNING

    @property
    def is_refused(self) -> bool:
        return self.outcome == Eligibility.REFUSED

    def summary(self) -> str:
        """One paragraph: the outcome and its reasons, for a dialog or the command line."""
        head = f"{self.name} as {role_label(self.role)}: {self.outcome.label.lower()}."
        shown = self.refusals or self.warnings
        if not shown:
            return head
        return head + " " + " ".join(f.text for f in shown)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class CandidateFacts:
    """What the rules need to know about a person."""

    person_id: int | None
    name: str
    in_pool: bool = True
    email: str | None = None
    is_employee: bool = False
    home_service_area_id: int | None = None
    home_service_area_name: str | None = None
    # The service area a service responder's staff account answers for (whatever the
    # pool records as their home area).
    answers_for_service_area_id: int | None = None
    left_employment_on: dt.date | None = None
    is_elected_member: bool = False
    is_partner_of_member_or_officer: bool = False
    partner_left_employment_on: dt.date | None = None  # the partner is a former employee
    manages_directorate_id: int | None = None  # in that directorate's management line
    manages_service_area_id: int | None = None  # manages that service area
    available: bool = True
    unavailable_until: dt.date | None = None

    on_staff: bool = False  # signs in to the program as a member of staff

    def employed_on(self, day: dt.date) -> bool:
        """Whether they work for the council on ``day``: a member of staff who signs in
        does; otherwise a leaving date, once recorded, decides (an "employee" tick left
        on after it passed does not keep them on the staff); without one, the tick."""
        if self.on_staff:
            return True
        if self.left_employment_on is not None:
            return self.left_employment_on > day
        return self.is_employee


@dataclass(frozen=True)
class HeldRole:
    """A role someone holds (or held) on a stage of the complaint."""

    person_id: int
    name: str
    role: AssignmentRole
    status: AssignmentStatus
    stage_id: int
    stage: StageCode

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass(frozen=True)
class CaseParty:
    """A person's connection to the case itself (complainant, advocate, named staff...)."""

    person_id: int
    role: PartyRole
    name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about the complaint and the stage appointed to.

    ``held`` lists the appointments on every stage of the complaint whose status is in
    :data:`HELD_STATUSES` (declined offers left out); ``stage_two_ip_ids`` the people who
    are (or were) the Independent Person at Stage 2.
    """

    procedure: Procedure
    stage: StageCode
    stage_id: int | None = None
    reference: str = ""
    service_area_id: int | None = None
    service_area_name: str | None = None
    directorate_id: int | None = None  # the directorate the service complained about is in
    held: tuple[HeldRole, ...] = ()
    parties: tuple[CaseParty, ...] = ()
    stage_two_ip_ids: frozenset[int] = frozenset()


# --------------------------------------------------------------------------- the rules


def _family(role: AssignmentRole) -> str:
    return "panel" if role in PANEL_ROLES else role.value


def with_article(label: str) -> str:
    """``an Investigating Officer``, ``a review panel member``."""
    return f"an {label}" if label[:1].lower() in "aeiou" else f"a {label}"


def _held_text(held: HeldRole) -> str:
    """``is the Investigating Officer at Stage 2``, ``was ... (replaced)``, ..."""
    the = "a" if held.role in PANEL_ROLES else "the"
    what = f"{the} {role_label(held.role)} at {held.stage.label}"
    if held.status == AssignmentStatus.OFFERED:
        return f"has been offered the role of {what}"
    if held.status == AssignmentStatus.REPLACED:
        return f"was {what} (since replaced)"
    return f"is {what}"


def _pool(c: CandidateFacts) -> Iterable[Finding]:
    if not c.in_pool:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is not in the investigator pool. Add them to the pool first.",
            RULE_POOL,
        )


def _role_at_stage(role: AssignmentRole, case: CaseFacts) -> Iterable[Finding]:
    if (case.procedure, case.stage) in _ROLE_STAGES[role]:
        return
    where = ", ".join(role_label(r) for r in roles_at(case.procedure, case.stage))
    has = f"appoints: {where}" if where else "appoints no investigators or panel"
    yield Finding(
        Eligibility.REFUSED,
        f"{case.procedure.label} {case.stage.label} has no {role_label(role)} (this stage {has}).",
        RULE_ROLE_AT_STAGE,
    )


def _stage_places(c: CandidateFacts, role: AssignmentRole, case: CaseFacts) -> Iterable[Finding]:
    for mine in case.held:
        if (
            mine.live
            and mine.stage_id == case.stage_id
            and mine.person_id == c.person_id
            and _family(mine.role) == _family(role)
        ):
            yield Finding(
                Eligibility.REFUSED,
                f"{c.name} {_held_text(mine)} already.",
                RULE_ONE_PER_STAGE if role not in PANEL_ROLES else RULE_PANEL_INDEPENDENT,
            )
            return
    here = [
        h
        for h in case.held
        if h.live and h.stage_id == case.stage_id and h.person_id != c.person_id
    ]
    if role in PANEL_ROLES:
        panel = [h for h in here if h.role in PANEL_ROLES]
        names = ", ".join(h.name for h in panel)
        chairs = [h for h in panel if h.role == AssignmentRole.PANEL_CHAIR]
        if len(panel) >= PANEL_SIZE:
            yield Finding(
                Eligibility.REFUSED,
                f"The review panel already has {PANEL_SIZE} members ({names}). To change one, "
                "replace them.",
                RULE_PANEL_INDEPENDENT,
            )
        elif role == AssignmentRole.PANEL_CHAIR and chairs:
            yield Finding(
                Eligibility.REFUSED,
                f"The review panel already has a chair ({chairs[0].name}).",
                RULE_PANEL_INDEPENDENT,
            )
        elif role == AssignmentRole.PANEL_MEMBER and not chairs and len(panel) == PANEL_SIZE - 1:
            yield Finding(
                Eligibility.REFUSED,
                f"The review panel has {PANEL_SIZE - 1} members and no chair ({names}): "
                "appoint the last one as chair.",
                RULE_PANEL_INDEPENDENT,
            )
        return
    same = [h for h in here if h.role == role]
    if same:
        yield Finding(
            Eligibility.REFUSED,
            f"{case.stage.label} already has {with_article(role_label(role))}: {same[0].name} "
            f"{_held_text(same[0])}. To change them, replace them.",
            RULE_ONE_PER_STAGE,
        )


def _independence(c: CandidateFacts, role: AssignmentRole, today: dt.date) -> Iterable[Finding]:
    rule = (
        RULE_IP_INDEPENDENT
        if role == AssignmentRole.INDEPENDENT_PERSON
        else (RULE_PANEL_INDEPENDENT)
    )
    what = role_label(role)
    refused = False
    if c.is_elected_member:
        refused = True
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is an elected member of the council, so cannot be {with_article(what)}.",
            rule,
        )
    if c.employed_on(today):
        refused = True
        until = (
            f" (until {format_date(c.left_employment_on)})"
            if c.left_employment_on is not None
            else ""
        )
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is employed by the council{until}, so cannot be {with_article(what)}.",
            rule,
        )
    if c.is_partner_of_member_or_officer:
        refused = True
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is the spouse or civil partner of a member or officer of the council, "
            f"so cannot be {with_article(what)}.",
            rule,
        )
    if (
        c.left_employment_on is not None
        and c.left_employment_on <= today < former_employee_clear_on(c.left_employment_on)
    ):
        refused = True
        clear = former_employee_clear_on(c.left_employment_on)
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} left the council's employment on {format_date(c.left_employment_on)}, "
            f"less than {FORMER_EMPLOYEE_YEARS} years ago, so cannot be {with_article(what)} "
            f"before {format_date(clear)}.",
            RULE_FORMER_EMPLOYEE,
        )
    partner_left = c.partner_left_employment_on
    if partner_left is not None and today < former_employee_clear_on(partner_left):
        refused = True
        clear = former_employee_clear_on(partner_left)
        if partner_left > today:
            why = f"whose employment with the council ends on {format_date(partner_left)}"
        else:
            why = (
                f"who left the council's employment on {format_date(partner_left)}, less "
                f"than {FORMER_EMPLOYEE_YEARS} years ago"
            )
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is the spouse or civil partner of someone {why}, so cannot be "
            f"{with_article(what)} before {format_date(clear)}.",
            RULE_FORMER_EMPLOYEE,
        )
    if not refused:
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} is independent of the council: not a member or officer, nor the spouse "
            "or civil partner of one.",
            rule,
        )


def _stage_two_ip(c: CandidateFacts, role: AssignmentRole, case: CaseFacts) -> Iterable[Finding]:
    if role not in PANEL_ROLES:
        return
    if c.person_id is not None and c.person_id in case.stage_two_ip_ids:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} was the Independent Person at Stage 2 of this complaint, so cannot sit "
            "on its review panel.",
            RULE_PANEL_NOT_STAGE_TWO_IP,
        )
    else:
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} was not the Stage 2 Independent Person of this complaint.",
            RULE_PANEL_NOT_STAGE_TWO_IP,
        )


def _service(c: CandidateFacts, case: CaseFacts, today: dt.date) -> Iterable[Finding]:
    employed = c.employed_on(today)
    area = case.service_area_name or "the service complained about"
    if not employed:
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} is not a council employee, so is not from {area}.",
            RULE_IO_SERVICE,
        )
    elif case.service_area_id is None:
        yield Finding(
            Eligibility.WARNING,
            f"The case has no service area recorded, so it cannot be checked that {c.name} "
            "is not from the service complained about. Record the service area first.",
            RULE_IO_SERVICE,
        )
    elif c.answers_for_service_area_id == case.service_area_id:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} answers complaints for {area} as its service responder, so is from "
            "the service complained about.",
            RULE_IO_SERVICE,
        )
    elif c.home_service_area_id is None:
        yield Finding(
            Eligibility.WARNING,
            f"{c.name} is a council employee whose service area is not recorded: check they "
            f"are not from {area}, and record their service area in the pool.",
            RULE_IO_SERVICE,
        )
    elif c.home_service_area_id == case.service_area_id:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} works in {area}, the service complained about.",
            RULE_IO_SERVICE,
        )
    elif _same_name(c.home_service_area_name, case.service_area_name):
        # One service can be listed under two procedures (a children's service that
        # also takes corporate complaints): the same name is for a person to judge.
        yield Finding(
            Eligibility.WARNING,
            f"{c.name} works in another service area also called {area} (listed apart, "
            "under another procedure or directorate): if it is the same service, they may "
            "not investigate this complaint.",
            RULE_IO_SERVICE,
        )
    else:
        home = c.home_service_area_name or "another service"
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} is an employee from {home}, not from {area}.",
            RULE_IO_SERVICE,
        )


def _same_name(one: str | None, other: str | None) -> bool:
    return bool(one and other) and normalised(str(one)) == normalised(str(other))


def _line_management(c: CandidateFacts, case: CaseFacts) -> Iterable[Finding]:
    area = case.service_area_name or "the service complained about"
    if c.manages_service_area_id is not None and c.manages_service_area_id == case.service_area_id:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} manages {area}, the service complained about.",
            RULE_IO_LINE,
        )
    elif c.manages_directorate_id is not None and c.manages_directorate_id == case.directorate_id:
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} is in the management line of the directorate that {area} belongs to.",
            RULE_IO_LINE,
        )
    else:
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} is not in the line management of {area}.",
            RULE_IO_LINE,
        )


def _other_roles(c: CandidateFacts, role: AssignmentRole, case: CaseFacts) -> Iterable[Finding]:
    conflict = False
    rule = RULE_IP_INDEPENDENT if role in INDEPENDENT_ROLES else RULE_NO_PART
    for party in case.parties:
        if party.person_id == c.person_id:
            conflict = True
            yield Finding(
                Eligibility.REFUSED,
                f"{c.name} is {_PARTY_LABELS[party.role]} on this case.",
                rule,
            )
        elif same := (
            "name"
            if _same_name(party.name, c.name)
            else "email address"
            if _same_name(party.email, c.email)
            else ""
        ):
            # Recorded apart (a complainant typed in, not chosen from the people known):
            # perhaps the same person, for someone to check.
            conflict = True
            yield Finding(
                Eligibility.WARNING,
                f"{c.name} has the same {same} as {_PARTY_LABELS[party.role]} on this case: "
                "check they are not the same person.",
                rule,
            )
    seen: set[tuple[AssignmentRole, int]] = set()
    label = role_label(role)
    target = with_article(label) if role in PANEL_ROLES else f"its {label}"
    for held in case.held:
        if (
            held.person_id != c.person_id
            or held.status not in HELD_STATUSES
            or _family(held.role) == _family(role)
        ):
            continue
        if (
            role in PANEL_ROLES
            and held.role == AssignmentRole.INDEPENDENT_PERSON
            and (held.person_id in case.stage_two_ip_ids)
        ):
            conflict = True  # the reg. 19(3) finding says it
            continue
        if (held.role, held.stage_id) in seen:
            continue
        seen.add((held.role, held.stage_id))
        conflict = True
        ip_involved = AssignmentRole.INDEPENDENT_PERSON in (role, held.role)
        yield Finding(
            Eligibility.REFUSED,
            f"{c.name} {_held_text(held)} on this complaint, so cannot also be {target}.",
            RULE_IP_NO_OTHER_ROLE if ip_involved else RULE_ONE_ROLE,
        )
    if not conflict:
        yield Finding(
            Eligibility.ALLOWED,
            f"{c.name} holds no other role on this complaint.",
            RULE_IP_NO_OTHER_ROLE if role == AssignmentRole.INDEPENDENT_PERSON else RULE_ONE_ROLE,
        )


def is_available(available: bool, unavailable_until: dt.date | None, on: dt.date) -> bool:
    """Free for new appointments on ``on``. A "back on" date (``unavailable_until``)
    decides on its own: unavailable before it, available from that day, whatever the
    "available" tick says; without one, the tick decides (off: until further notice)."""
    if unavailable_until is not None:
        return unavailable_until <= on
    return available


def _availability(c: CandidateFacts, today: dt.date) -> Iterable[Finding]:
    until = c.unavailable_until
    if is_available(c.available, until, today):
        yield Finding(Eligibility.ALLOWED, f"{c.name} is available.", RULE_AVAILABILITY)
    elif until is None:
        yield Finding(Eligibility.WARNING, f"{c.name} is marked as unavailable.", RULE_AVAILABILITY)
    else:
        yield Finding(
            Eligibility.WARNING,
            f"{c.name} is unavailable until {format_date(until)}.",
            RULE_AVAILABILITY,
        )


def from_the_service(candidate: CandidateFacts, case: CaseFacts, on: dt.date) -> list[str]:
    """Why ``candidate`` may not (or no longer) investigate as the Investigating Officer
    on ``on``: they work in, or manage, the service complained about (the case's service
    area may have changed since they were appointed). Empty when they may."""
    return [
        f.reason
        for f in (*_service(candidate, case, on), *_line_management(candidate, case))
        if f.outcome == Eligibility.REFUSED
    ]


def not_independent(candidate: CandidateFacts, role: AssignmentRole, on: dt.date) -> list[str]:
    """Why ``candidate`` is not (or no longer) independent enough to act as ``role`` on
    ``on``; empty when they are. A panel is three independent persons when it sits (reg.
    19(2)), not only when they were appointed."""
    return [
        f.reason
        for f in _independence(candidate, AssignmentRole(role), on)
        if f.outcome == Eligibility.REFUSED
    ]


def check(
    candidate: CandidateFacts, role: AssignmentRole, case: CaseFacts, today: dt.date
) -> Verdict:
    """Whether ``candidate`` may be appointed as ``role`` on ``case``'s stage on ``today``.

    Every rule is looked at, so the verdict lists all that stand in the way (and those
    that are met). The outcome is the worst finding's.
    """
    role = AssignmentRole(role)
    findings: list[Finding] = [
        *_pool(candidate),
        *_role_at_stage(role, case),
        *_stage_places(candidate, role, case),
    ]
    if role in INDEPENDENT_ROLES:
        findings.extend(_independence(candidate, role, today))
    findings.extend(_stage_two_ip(candidate, role, case))
    if role == AssignmentRole.INVESTIGATING_OFFICER:
        findings.extend(_service(candidate, case, today))
        findings.extend(_line_management(candidate, case))
    findings.extend(_other_roles(candidate, role, case))
    findings.extend(_availability(candidate, today))
    outcome = max((f.outcome for f in findings), key=lambda o: o.severity)
    return Verdict(candidate.person_id, candidate.name, role, outcome, tuple(findings))
