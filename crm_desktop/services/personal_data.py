"""What counts as personal data in the case tables, and finding identifiers in free text.

Which tables belong to a case is read from the schema: ``representation`` and every
table with a foreign key to a table that belongs to a case (stages, points, outcomes,
correspondence, attachments, the Ombudsman's records, notifications, ...). A table added
later is covered without a change here.

In those tables every text column is personal data, and is cleared when the case is
anonymised, unless it is listed here as kept:

- codes and references that identify no one (the case reference, a template key, the
  kind of a date change);
- the usernames of the staff who did the work (``created_by``, ``changed_by``, ...): the
  council's own officers acting in their role, kept for accountability;
- the learning from a complaint (an action-plan item's action and evidence), which the
  annual report publishes: kept, with every identifier of the case's people that the
  system knows (names, email addresses, phone numbers, postcodes, address lines)
  replaced by :data:`REMOVED`.

Enumerations (kind, procedure, stage, outcome, ...), dates, numbers and links to
reference data (nature, service area, team, directorate) are not personal and stay, so
an anonymised case still counts in every report table. Attachments (their files too),
notifications and outgoing email copies of the case are deleted outright.

``tests/core/test_privacy_retention.py`` fails when a case table gains a text column
this module has not classified, so a new column is a decision, not an accident; until
it is classified it is cleared (privacy by default).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import event_values
from crm_desktop.db.base import Base
from crm_desktop.db.models import AuditEvent, Case

REMOVED = "[removed]"
ANONYMISED_NAME = "Anonymised person"
MASK = "[anonymised]"

# Staff usernames: kept wherever they appear (accountability).
STAFF_COLUMNS = frozenset(
    {"created_by", "updated_by", "changed_by", "uploaded_by", "overridden_by", "claimed_by"}
)
# Text columns that identify no one, per table.
KEPT_COLUMNS: dict[str, frozenset[str]] = {
    "representation": frozenset({"reference"}),
    "correspondence": frozenset({"template_key"}),
    "due_date_change": frozenset({"field", "cause"}),
    "action_item": frozenset({"owner", "agreed_with"}),  # staff and Assistant Directors
}
# Free text kept for the learning it records, with the case's people's identifiers removed.
SCRUBBED_COLUMNS: dict[str, frozenset[str]] = {
    "action_item": frozenset({"action", "evidence"}),
    # The Ombudsman's finding of non-compliance with the Code: the Code's report lists it.
    "lgsco_detail": frozenset({"code_finding"}),
}
# Rows deleted outright when their case is anonymised.
DELETED_TABLES = frozenset({"attachment", "notification", "outbox_message"})
# Workflow events in the audit trail keep these details; the rest are masked.
WORKFLOW_KEPT = frozenset(
    {
        "on",
        "working_days",
        "suspension_reason",
        "expected_resume_on",
        "grade",
        "outcome_override",
        "lgsco_decision",
    }
)
# The columns of the person table that are not personal (flags, links, bookkeeping).
PERSON_KEPT = frozenset(
    {
        "id",
        "version",
        "updated_at",
        "updated_by",
        "created_at",
        "is_investigator",
        "is_employee",
        "home_service_area_id",
        "is_elected_member",
        "is_partner_of_member_or_officer",
        "available",
        "daily_fee_pence",
        "hourly_fee_pence",
        "anonymised_at",
    }
)


# ------------------------------------------------------------------------- the schema


def _tables() -> dict[str, sa.Table]:
    return dict(Base.metadata.tables)


@cache
def case_tables() -> tuple[sa.Table, ...]:
    """``representation`` and every table whose rows belong to a case, parents first."""
    linked = {"representation"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name in linked:
                continue
            if any(fk.column.table.name in linked for fk in table.foreign_keys):
                linked.add(table.name)
                changed = True
    return tuple(t for t in Base.metadata.sorted_tables if t.name in linked)


def is_text(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.String | sa.Text) and not isinstance(column.type, sa.Enum)


def text_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.columns if is_text(c)]


def kept_columns(table: sa.Table) -> frozenset[str]:
    return STAFF_COLUMNS | KEPT_COLUMNS.get(table.name, frozenset())


def personal_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The text columns of a case table cleared on anonymisation."""
    kept = kept_columns(table) | SCRUBBED_COLUMNS.get(table.name, frozenset())
    return [c for c in text_columns(table) if c.name not in kept]


def classified(table: sa.Table) -> frozenset[str]:
    """Every text column this module has decided about (for the completeness test)."""
    if table.name in DELETED_TABLES:
        return frozenset(c.name for c in text_columns(table))
    return (
        kept_columns(table)
        | SCRUBBED_COLUMNS.get(table.name, frozenset())
        | _CLEARED.get(table.name, frozenset())
    )


# Columns known to be personal and cleared (documentation, and the completeness test).
_CLEARED: dict[str, frozenset[str]] = {
    "representation": frozenset(
        {"summary", "desired_outcome", "complainant_name", "late_complaint_decision", "reply_text"}
    ),
    "complaint_point": frozenset({"description"}),
    "stage": frozenset({"notes", "outcome_override_reason", "next_stage_window_override"}),
    "point_outcome": frozenset({"note"}),
    "stage_grading": frozenset({"reason"}),
    "stage_suspension": frozenset({"note"}),
    "stage_extension": frozenset({"reason"}),
    "due_date_change": frozenset({"reason"}),
    "assignment": frozenset({"end_reason", "override_reason", "progress_note"}),
    "lgsco_detail": frozenset({"lgsco_reference"}),
    "lgsco_remedy": frozenset({"description"}),
    "lgsco_payment": frozenset({"payee"}),
    "correspondence": frozenset({"recipient", "subject", "body"}),
}


def rows_of_cases(table: sa.Table, case_ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """A condition selecting the rows of ``table`` that belong to the given cases."""
    if table.name == "representation":
        return table.c.id.in_(case_ids)
    linked = {t.name for t in case_tables()}
    candidates = [
        fk
        for fk in table.foreign_keys
        if fk.column.table.name in linked and fk.column.table is not table
    ]
    if not candidates:
        raise ValueError(f"{table.name} does not belong to a case")
    # The shortest way up: straight to the case when the table has a case_id, else
    # through a link every row has (NOT NULL); with only optional links, any of them.
    required = [fk for fk in candidates if not fk.parent.nullable]
    if required:
        fk = min(
            required,
            key=lambda f: (f.column.table.name != "representation", f.parent.name),
        )
        return fk.parent.in_(sa.select(fk.column).where(rows_of_cases(fk.column.table, case_ids)))
    return sa.or_(
        *(
            fk.parent.in_(sa.select(fk.column).where(rows_of_cases(fk.column.table, case_ids)))
            for fk in sorted(candidates, key=lambda f: f.parent.name)
        )
    )


def cleared_value(column: sa.Column[Any]) -> str | None:
    return None if column.nullable else ""


# -------------------------------------------------------------------------- identifiers

_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|master|prof)\.?"


@dataclass(frozen=True)
class Identifier:
    """Something that identifies a person, as a pattern to find in free text."""

    person_id: int | None
    category: str  # name, email, phone, postcode, address
    pattern: re.Pattern[str]


def _word_pattern(text: str) -> str:
    words = text.split()
    return r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"


def identifiers_of(
    person_id: int | None,
    *,
    full_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    postcode: str | None = None,
    address: str | None = None,
    title: str | None = None,
) -> list[Identifier]:
    """The patterns that find this person's name and contact details in text."""
    found: list[Identifier] = []

    def add(category: str, pattern: str) -> None:
        found.append(Identifier(person_id, category, re.compile(pattern, re.IGNORECASE)))

    name = " ".join((full_name or "").split())
    if name and name != ANONYMISED_NAME:
        add("name", _word_pattern(name))
        if title and title.strip():
            add("name", _word_pattern(f"{title.strip()} {name}"))
        words = name.split()
        if len(words) > 1 and len(words[-1]) > 1:
            add("name", _TITLES + r"\s+" + _word_pattern(words[-1]))
    if email and email.strip():
        add("email", re.escape(email.strip()))
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 6:
        add("phone", r"(?<!\d)" + r"[\s\-().]*".join(digits) + r"(?!\d)")
        if digits.startswith("0"):
            add("phone", r"\+44[\s\-().]*" + r"[\s\-().]*".join(digits[1:]) + r"(?!\d)")
    code = re.sub(r"\s", "", postcode or "")
    if len(code) >= 5:
        add(
            "postcode",
            r"(?<!\w)" + re.escape(code[:-3]) + r"\s*" + re.escape(code[-3:]) + r"(?!\w)",
        )
    for line in re.split(r"[,\n]", address or ""):
        line = line.strip()
        if len(line) >= 6 and re.search(r"\d", line):
            add("address", _word_pattern(line))
    return found


@dataclass
class Scrubbed:
    text: str
    hits: list[tuple[Identifier, int]] = field(default_factory=list)


def scrub(text: str, identifiers: Iterable[Identifier], replacement: str = REMOVED) -> Scrubbed:
    """``text`` with every match of the identifiers replaced, longest patterns first."""
    result = Scrubbed(text)
    for identifier in sorted(identifiers, key=lambda i: -len(i.pattern.pattern)):
        result.text, count = identifier.pattern.subn(replacement, result.text)
        if count:
            result.hits.append((identifier, count))
    return result


def case_identifiers(session: Session, case_ids: Sequence[int]) -> list[Identifier]:
    """The identifiers of everyone linked to the cases as a party (and the name the case
    list shows for its complainant)."""
    from crm_desktop.db.models import CaseParty, Person

    found: list[Identifier] = []
    rows = session.execute(
        sa.select(
            Person.id,
            Person.full_name,
            Person.email,
            Person.phone,
            Person.postcode,
            Person.address,
            Person.title,
        )
        .join(CaseParty, CaseParty.person_id == Person.id)
        .where(CaseParty.case_id.in_(case_ids))
        .distinct()
    )
    for person_id, name, email, phone, postcode, address, title in rows:
        found += identifiers_of(
            person_id,
            full_name=name,
            email=email,
            phone=phone,
            postcode=postcode,
            address=address,
            title=title,
        )
    for shown in session.scalars(
        sa.select(Case.complainant_name).where(
            Case.id.in_(case_ids), Case.complainant_name.is_not(None)
        )
    ):
        found += identifiers_of(None, full_name=shown)
    return found


def for_publication(
    session: Session, rows: Sequence[tuple[int, Sequence[str | None]]]
) -> list[list[str]]:
    """Texts of cases to be published (a report's examples of learning), each ``(case
    id, texts)``, with the names and contact details of the cases' people removed, as
    anonymising removes them."""
    identifiers = case_identifiers(session, sorted({case_id for case_id, _ in rows}))
    return [[scrub(text or "", identifiers).text for text in texts] for _, texts in rows]


# ------------------------------------------------------------------- the audit trail


@dataclass(frozen=True)
class HistoryEvent:
    id: int
    occurred_at: dt.datetime
    username: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return event_values(text)


def mask_values(entity: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The values of one audit event with the personal fields of ``entity`` masked."""
    if values is None:
        return None
    tables = _tables()
    if entity == "workflow":
        return {k: (v if k in WORKFLOW_KEPT else MASK) for k, v in values.items()}
    table = tables.get(entity)
    if table is None:
        return dict(values)
    if entity == "person":
        return {k: (v if k in PERSON_KEPT or v is None else MASK) for k, v in values.items()}
    masked = {c.name for c in personal_columns(table)} | SCRUBBED_COLUMNS.get(entity, frozenset())
    if entity in DELETED_TABLES:
        masked |= {c.name for c in text_columns(table)} - STAFF_COLUMNS
    return {k: (MASK if k in masked and v not in (None, "") else v) for k, v in values.items()}


def masked_history(session: Session, case_id: int) -> list[HistoryEvent]:
    """The case's events from the audit trail, oldest first; when the case has been
    anonymised or deleted, the personal fields in them are masked (the trail itself is
    unchanged)."""
    row = session.execute(sa.select(Case.anonymised_at).where(Case.id == case_id)).first()
    # A deleted case's history is masked too: only the trail remembers it.
    mask = row is None or row.anonymised_at is not None
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    result = []
    for event in events:
        before, after = _load(event.before), _load(event.after)
        if mask:
            before, after = mask_values(event.entity, before), mask_values(event.entity, after)
        result.append(
            HistoryEvent(
                event.id,
                event.occurred_at,
                event.username,
                event.action,
                event.entity,
                event.entity_id,
                before,
                after,
            )
        )
    return result
