"""One timeline per case: every recorded event, in order, in plain English.

Built from the audit trail, which holds every change to the case and its records and
every workflow action, so the timeline cannot miss an event or disagree with the data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import event_values
from crm_desktop.db.models import AuditEvent, Case, Nature
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.money import format_money
from crm_desktop.domain.workflow import Action
from crm_desktop.services.audit_words import AuditWords, field_label


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    at: dt.datetime  # UTC
    who: str
    text: str


def _date(value: Any) -> str:
    if not value:
        return "none"
    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _workflow_text(action: str, details: dict[str, Any], words: AuditWords) -> str:
    try:
        label = Action(action).label
    except ValueError:
        label = action.capitalize()
    parts = [f"{label} on {_date(details.get('on'))}"]
    for key, title in (
        ("suspension_reason", "reason"),
        ("expected_resume_on", "expected to restart on"),
        ("working_days", "working days"),
        ("grade", "new grade"),
        ("outcome_override", "outcome set to"),
        ("lgsco_decision", "decision"),
        ("reason", "why"),
        ("note", "note"),
    ):
        if key in details:
            value = details[key]
            # A choice in its label ("Court proceedings", "Upheld"), a date as 14 Mar 2024;
            # the officer's own words as written.
            if key not in ("reason", "note"):
                value = words.value(key, value) or value
            parts.append(f"{title}: {value}")
    return "; ".join(parts)


def _describe(
    event: AuditEvent, natures: dict[int, str], words: AuditWords, masked: bool = False
) -> str | None:
    before, after = event_values(event.before), event_values(event.after)
    if masked:
        # An anonymised case: the trail keeps what was written, the timeline does not show it.
        from crm_desktop.services.personal_data import mask_values

        before = mask_values(event.entity, before) or {}
        after = mask_values(event.entity, after) or {}
    if event.entity == "workflow":
        return _workflow_text(event.action, after, words)
    if event.entity == "representation" and event.action == "create":
        kind = words.value("kind", after.get("kind"))
        return (
            f"Case {after.get('reference')} recorded ({kind}, received "
            f"{_date(after.get('received_on'))})"
        )
    if event.entity == "due_date_change" and event.action == "create":
        why = f": {after['reason']}" if after.get("reason") else ""
        return (
            f"{str(after.get('field', 'due')).capitalize()} date "
            f"{_date(after.get('before'))} → {_date(after.get('after'))} "
            f"({after.get('cause')}){why}"
        )
    if event.entity == "complaint_point" and event.action == "create":
        nature = natures.get(int(after["nature_id"])) if after.get("nature_id") else None
        return f"Complaint point {after.get('seq')} added" + (f": {nature}" if nature else "")
    if event.entity == "point_outcome":
        outcome = after.get("outcome")
        if event.action in ("create", "update") and outcome:
            return f"Complaint point outcome recorded: {words.value('outcome', outcome)}"
    if event.entity == "assignment" and event.action == "create":
        role = words.value("role", after.get("role")) or "Someone"
        person = words.value("person_id", after.get("person_id"))
        who = (
            f" ({person})" if person and person not in ("none", "(removed)") and not masked else ""
        )
        return f"{role}{who} offered the case"
    if event.entity == "assignment" and event.action == "update" and "status" in after:
        status = words.value("status", after["status"]) or str(after["status"])
        person = "" if masked else words.assignment_person(event.entity_id)
        return f"Appointment {status.lower()}" + (f" by {person}" if person else "")
    if event.entity == "lgsco_remedy" and event.action == "create":
        return (
            f"Ombudsman remedy agreed, due {_date(after.get('deadline_on'))}: "
            f"{after.get('description')}"
        )
    if event.entity == "lgsco_remedy" and event.action == "update" and after.get("completed_on"):
        late = " (late)" if after.get("late") else ""
        return f"Ombudsman remedy completed on {_date(after.get('completed_on'))}{late}"
    if event.entity == "lgsco_payment" and event.action == "create":
        pence = int(after.get("amount_pence") or 0)
        return f"Payment of {format_money(pence)} recorded"
    if event.entity == "action_item" and event.action == "create":
        return f"Action-plan item added: {after.get('action')}"
    if event.entity == "representation" and event.action == "update":
        changed = [
            k
            for k in after
            if k
            not in (
                "version",
                "current_stage_id",
                "status",
                "closed_on",
                "reply_text",
                "reply_received_on",
            )
        ]
        if changed:
            shown = []
            for key in changed:
                value = words.value(key, after[key])
                if value is None:
                    continue
                if key.endswith("_id"):
                    shown.append(f"{field_label(key)} now {value}")
                else:
                    shown.append(field_label(key))
            return "Case details changed: " + ", ".join(shown) if shown else None
        return None
    _ = before
    return None


@dataclass(frozen=True)
class CaseImport:
    """How an imported case came in: the import's audit event (one for the whole file,
    naming every case reference) or, where it cannot be read, the case's own record of
    who created it and when."""

    event_id: int  # 0 when the import's event was not found
    at: dt.datetime  # UTC
    username: str | None
    file: str
    sha256: str

    def text(self, reference: str, kind: str, received_on: dt.date) -> str:
        source = f" from {self.file}" if self.file else " from a file"
        return f"Case {reference} imported{source} ({kind}, received {format_date(received_on)})"


def case_import(session: Session, case: Case) -> CaseImport | None:
    """How ``case`` was imported, when it was (``Case.imported``). An import is recorded
    as one audit event naming the file, its SHA-256 and every case reference; this finds
    the one naming this case's reference."""
    if not case.imported:
        return None
    quoted = json.dumps(case.reference, ensure_ascii=False)
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.case_id.is_(None),
            AuditEvent.action == "import",
            AuditEvent.entity == "representation",
            AuditEvent.after.like(f"%{escaped}%", escape="\\"),
        )
        .order_by(AuditEvent.id.desc())
    )
    for event in found:
        details = event_values(event.after)
        references = details.get("references")
        if isinstance(references, list) and case.reference in references:
            return CaseImport(
                event.id,
                event.occurred_at,
                event.username,
                str(details.get("file") or ""),
                str(details.get("sha256") or ""),
            )
    return CaseImport(0, case.created_at, case.created_by, "", "")


def case_timeline(session: Session, case_id: int) -> list[TimelineEntry]:
    """Every event of the case, oldest first. An imported case starts with its import
    (one event for the whole file, not one per case)."""
    natures: dict[int, str] = {
        row.id: row.name for row in session.execute(sa.select(Nature.id, Nature.name))
    }
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    case = session.get(Case, case_id)
    masked = case is None or case.anonymised_at is not None
    words = AuditWords(session)
    entries = []
    created = False
    for event in events:
        created = created or (event.entity == "representation" and event.action == "create")
        text = _describe(event, natures, words, masked)
        if text is not None:
            entries.append(
                TimelineEntry(event.id, event.occurred_at, words.who(event.username), text)
            )
    came_in = case_import(session, case) if case is not None and not created else None
    if came_in is not None and case is not None:
        entries.insert(
            0,
            TimelineEntry(
                came_in.event_id,
                came_in.at,
                words.who(came_in.username),
                came_in.text(case.reference, case.kind.value, case.received_on),
            ),
        )
    return entries
