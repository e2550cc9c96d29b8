"""The audit trail in the words of the people who read a case's timeline and history.

The trail records columns and ids (``owner_id: 3``, ``current_stage_id: 1``) and
usernames; a person reads names: "Owner: Priya Raman", "Current stage: Stage 2", and
who did it by the name colleagues know them by. A record an id names that no longer
exists is said to be "(removed)"; a link that means nothing to a reader (the case a
point belongs to) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.db.models import (
    Assignment,
    Directorate,
    Nature,
    Person,
    ServiceArea,
    ServiceCategory,
    Stage,
    Team,
    User,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    LgscoDecision,
    Outcome,
    StageCode,
    SuspensionReason,
)
from crm_desktop.domain.money import format_money

__all__ = ["AuditWords", "enum_label", "field_label"]

# Links to the record an event belongs to, or to its neighbours: nothing to read.
HIDDEN_LINKS = frozenset(
    {
        "case_id",
        "entity_id",
        "point_id",
        "stage_id",
        "assignment_id",
        "correspondence_id",
        "remedy_id",
        "previous_stage_id",
        "replaced_by_id",
    }
)

_LABELS = {
    "owner_id": "owner",
    "handler_id": "handled by",
    "responder_id": "service responder",
    "person_id": "person",
    "service_area_id": "service area",
    "home_service_area_id": "home service area",
    "directorate_id": "directorate",
    "team_id": "team",
    "nature_id": "nature",
    "service_category_id": "service category",
    "current_stage_id": "current stage",
    "lgsco": "Ombudsman",
    "lgsco_reference": "Ombudsman reference",
    "lgsco_decision": "Ombudsman decision",
    "rag": "RAG rating",
    "seq": "number",
    "amount_pence": "amount",
    "expected_resume_on": "expected to restart on",
}


def _enum_columns() -> Mapping[str, tuple[type[StrEnum], ...]]:
    """Each column name that holds a choice (an enum) somewhere, with its enums; and the
    workflow's details that do."""
    found: dict[str, list[type[StrEnum]]] = {
        "suspension_reason": [SuspensionReason],
        "outcome_override": [Outcome],
        "lgsco_decision": [LgscoDecision],
    }
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            enum_class = getattr(column.type, "enum_class", None)
            if isinstance(enum_class, type) and issubclass(enum_class, StrEnum):
                classes = found.setdefault(column.name, [])
                if enum_class not in classes:
                    classes.append(enum_class)
    return {key: tuple(classes) for key, classes in found.items()}


_ENUM_COLUMNS = _enum_columns()


def enum_label(member: StrEnum) -> str:
    """A choice as the screens show it: its label, else its value with a capital
    ("Open", "Court proceedings", "Investigating Officer")."""
    label = getattr(member, "label", None)
    if isinstance(label, str) and label:
        return label
    return member.value[:1].upper() + member.value[1:]


def field_label(key: str) -> str:
    """A column as a reader says it: ``owner_id`` "owner", ``received_on`` "received on"."""
    if key in _LABELS:
        return _LABELS[key]
    words = key.removesuffix("_id").replace("_", " ")
    return words


@dataclass
class AuditWords:
    """Names for the usernames and ids of a case's events, looked up once per case."""

    session: Session
    _users: dict[str, str] | None = None
    _cache: dict[tuple[str, int], str] = field(default_factory=dict)

    def who(self, username: str | None) -> str:
        """The name colleagues know a user by (the username if there is no such user, as
        for the program's own work: "system", "import")."""
        if not username:
            return ""
        if self._users is None:
            self._users = dict(
                self.session.execute(sa.select(User.username, User.display_name)).all()
            )
        return self._users.get(username) or username

    def _name(self, key: str, record_id: int) -> str:
        cached = self._cache.get((key, record_id))
        if cached is not None:
            return cached
        text = self._look_up(key, record_id)
        self._cache[(key, record_id)] = text
        return text

    def _look_up(self, key: str, record_id: int) -> str:
        session = self.session
        name: str | None = None
        if key in ("owner_id", "handler_id", "responder_id"):
            user = session.get(User, record_id)
            name = user.display_name if user else None
        elif key == "person_id":
            person = session.get(Person, record_id)
            name = person.full_name if person else None
        elif key in ("service_area_id", "home_service_area_id"):
            area = session.get(ServiceArea, record_id)
            name = area.name if area else None
        elif key == "directorate_id":
            directorate = session.get(Directorate, record_id)
            name = directorate.name if directorate else None
        elif key == "team_id":
            team = session.get(Team, record_id)
            name = team.name if team else None
        elif key == "nature_id":
            nature = session.get(Nature, record_id)
            name = nature.name if nature else None
        elif key == "service_category_id":
            category = session.get(ServiceCategory, record_id)
            name = category.name if category else None
        elif key == "current_stage_id":
            stage = session.get(Stage, record_id)
            name = StageCode(stage.stage).label if stage else None
        return name if name is not None else "(removed)"

    def value(self, key: str, value: Any) -> str | None:
        """``value`` of column ``key`` in words; None for a link nobody reads."""
        if key in HIDDEN_LINKS:
            return None
        if key.endswith("_id"):
            if value is None or value == "":
                return "none"
            try:
                return self._name(key, int(value))
            except (TypeError, ValueError):
                return None
        if key == "role" and value in {r.value for r in AssignmentRole}:
            return AssignmentRole(value).label
        if key == "status" and value in {s.value for s in AssignmentStatus}:
            return AssignmentStatus(value).label
        if key in ("stage", "grade") and value in {c.value for c in StageCode}:
            return StageCode(value).label
        if key == "amount_pence" and isinstance(value, int):
            return format_money(value)
        if isinstance(value, str):
            for enum_class in _ENUM_COLUMNS.get(key, ()):
                if value in enum_class._value2member_map_:
                    return enum_label(enum_class(value))
        return plain(value)

    def assignment_person(self, assignment_id: int | str | None) -> str:
        """Who an appointment is of, for "Appointment accepted by ..."."""
        if assignment_id is None or not str(assignment_id).isdigit():
            return ""
        row = self.session.execute(
            sa.select(Person.full_name)
            .join(Assignment, Assignment.person_id == Person.id)
            .where(Assignment.id == int(assignment_id))
        ).scalar()
        return row or ""


def plain(value: object) -> str:
    """A stored value as text: dates as 14 Mar 2024, yes/no, "none" for nothing."""
    import datetime as dt

    from crm_desktop.domain.formatting import format_date

    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return format_date(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text
