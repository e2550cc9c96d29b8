"""Subject access: everything held about one person, as a ZIP with a PDF index.

What is included (UK GDPR Art. 15):

- the person's own record and their equality monitoring answers;
- every case they are a party to (complainant, subject, on whose behalf, advocate, named
  staff): its details, complaint points with outcomes, stages, correspondence, notes
  (stage notes, outcome notes, suspension notes, extension and due date reasons,
  investigators' progress notes, action-plan items), attachments (the files, checked
  against their recorded hash);
- the history of those cases and of their own record from the audit trail.

Each part is a CSV file (opens in Excel; text that would start a formula is neutralised)
and a JSON file under ``data/``; the files are under ``attachments/``; ``index.pdf``
lists what is in the ZIP, what was redacted and why.

Third-party data: the names, email addresses, phone numbers, postcodes and address
lines of everyone else linked to those cases (other parties and investigators) are
replaced by :data:`REDACTED` wherever they appear in text, and another person's own
records (their person record, their link to the case) are left out. Each redaction is
logged in ``redaction_log`` (record, field, kind of data, whose, who redacted it, when,
why) without the value itself. The usernames of the council's staff are kept: they
acted in their official role. Free text is redacted of the identifiers the system holds;
it cannot know a name typed that belongs to no record, and attachment files are included
as they are, so the index asks the officer to review them before release.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import event_values
from crm_desktop.db.base import Base
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Attachment,
    AuditEvent,
    Case,
    CaseParty,
    ComplaintPoint,
    Correspondence,
    Directorate,
    DueDateChange,
    Nature,
    Person,
    PointOutcome,
    ServiceArea,
    Stage,
    StageExtension,
    StageSuspension,
    Team,
)
from crm_desktop.db.models_privacy import SubjectAccessRequest
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import StageCode
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.files import atomic_write, file_problem
from crm_desktop.privacy import equality
from crm_desktop.privacy.common import audit, moment
from crm_desktop.reports.safe_cells import csv_dict_writer
from crm_desktop.services.personal_data import Identifier, identifiers_of

__all__ = ["REDACTED", "PersonMatch", "SubjectAccessResult", "find_people", "subject_access_export"]

REDACTED = "[redacted: third party]"
REASONS = {
    "name": "another person's name",
    "email": "another person's email address",
    "phone": "another person's phone number",
    "postcode": "another person's postcode",
    "address": "another person's address",
}
LEGAL_BASIS = (
    "third-party personal data withheld (UK GDPR Art. 15(4); Data Protection Act 2018 "
    "Sch. 2 para. 16)"
)
_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class PersonMatch:
    """Someone the council holds a record of, as a chooser lists them: enough to tell two
    people of the same name apart (the id is kept by the screen, never shown)."""

    id: int
    name: str
    postcode: str
    email: str
    cases: int
    references: tuple[str, ...]  # their latest few cases

    @property
    def detail(self) -> str:
        parts = [p for p in (self.postcode, self.email) if p]
        if self.cases:
            shown = ", ".join(self.references)
            more = (
                f" and {self.cases - len(self.references)} more"
                if self.cases > len(self.references)
                else ""
            )
            parts.append(f"{self.cases} case{'s' if self.cases != 1 else ''}: {shown}{more}")
        else:
            parts.append("no cases")
        return "; ".join(parts)


def find_people(session: Session, text: str, limit: int = 50) -> list[PersonMatch]:
    """People whose name, email address or postcode contains ``text`` (any case), or who
    are a party to the case with that reference; anonymised records are left out."""
    words = " ".join(text.split())
    if len(words) < 2:
        return []
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_case = (
        sa.select(CaseParty.person_id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(sa.func.upper(Case.reference) == words.upper())
    )
    people = session.scalars(
        sa.select(Person)
        .where(
            Person.anonymised_at.is_(None),
            sa.or_(
                Person.full_name.ilike(pattern, escape="\\"),
                Person.email.ilike(pattern, escape="\\"),
                Person.postcode.ilike(pattern, escape="\\"),
                Person.id.in_(by_case),
            ),
        )
        .order_by(Person.full_name, Person.id)
        .limit(limit)
    ).all()
    references: dict[int, list[str]] = {p.id: [] for p in people}
    if people:
        rows = session.execute(
            sa.select(CaseParty.person_id, Case.reference)
            .join(Case, Case.id == CaseParty.case_id)
            .where(CaseParty.person_id.in_(list(references)))
            .order_by(Case.received_on.desc(), Case.id.desc())
        ).all()
        for person_id, reference in rows:
            if reference not in references[person_id]:
                references[person_id].append(reference)
    return [
        PersonMatch(
            p.id,
            p.full_name,
            p.postcode or "",
            p.email or "",
            len(references[p.id]),
            tuple(references[p.id][:3]),
        )
        for p in people
    ]


@dataclass(frozen=True)
class SubjectAccessResult:
    request_id: int
    path: Path
    sha256: str
    files: tuple[tuple[str, int], ...]  # name in the ZIP, rows (or bytes for attachments)
    redactions: int
    cases: tuple[str, ...]
    attachments_not_included: tuple[str, ...]
    # Other cases whose text names the person (their full name, email or phone) though
    # they are not one of its people: listed for the officer to read, not exported.
    mentioned_in: tuple[str, ...] = ()


@dataclass
class _Redaction:
    entity: str
    entity_id: str | None
    field: str
    category: str
    person_id: int | None
    occurrences: int


@dataclass
class _Collector:
    """The export's data, redacting third-party identifiers as it goes."""

    identifiers: list[Identifier]
    redactions: list[_Redaction] = field(default_factory=list)

    def text(self, value: Any, entity: str, entity_id: object, name: str) -> Any:
        if not isinstance(value, str) or not value:
            return value
        result = value
        for identifier in sorted(self.identifiers, key=lambda i: -len(i.pattern.pattern)):
            result, count = identifier.pattern.subn(REDACTED, result)
            if count:
                self.redactions.append(
                    _Redaction(
                        entity,
                        None if entity_id is None else str(entity_id),
                        name,
                        identifier.category,
                        identifier.person_id,
                        count,
                    )
                )
        return result

    def row(self, entity: str, entity_id: object, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.text(v, entity, entity_id, k) for k, v in values.items()}

    def json_text(self, text: str | None, entity: str, entity_id: object, name: str) -> Any:
        if text is None:
            return None
        try:
            loaded = json.loads(text)
        except ValueError:
            return self.text(text, entity, entity_id, name)
        return self._walk(loaded, entity, entity_id, name)

    def _walk(self, value: Any, entity: str, entity_id: object, name: str) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, entity, entity_id, f"{name}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, entity, entity_id, name) for v in value]
        return self.text(value, entity, entity_id, name)


# ----------------------------------------------------------------------- collecting


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value
    return value


def _record(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    skipped = set(skip)
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in sa.inspect(type(obj)).column_attrs
        if attr.key not in skipped
    }


def _subject_forms(person: Person) -> list[str]:
    """How the subject may be written, so no third-party pattern hides them."""
    forms = [person.full_name]
    if person.email:
        forms.append(person.email)
    surname = person.full_name.split()[-1] if person.full_name.split() else ""
    forms += [f"{title} {surname}" for title in _TITLES if surname]
    return forms


def _third_parties(
    session: Session, subject: Person, case_ids: Sequence[int]
) -> tuple[list[Identifier], set[int]]:
    """Identifiers of everyone else linked to the cases (parties and appointees)."""
    party_ids = set(
        session.scalars(
            sa.select(CaseParty.person_id).where(
                CaseParty.case_id.in_(case_ids), CaseParty.person_id != subject.id
            )
        )
    )
    appointed = set(
        session.scalars(
            sa.select(Assignment.person_id)
            .join(Stage, Stage.id == Assignment.stage_id)
            .where(Stage.case_id.in_(case_ids), Assignment.person_id != subject.id)
        )
    )
    others = party_ids | appointed
    forms = _subject_forms(subject)
    found: list[Identifier] = []
    for person in session.scalars(sa.select(Person).where(Person.id.in_(others))):
        for identifier in identifiers_of(
            person.id,
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            postcode=person.postcode,
            address=person.address,
            title=person.title,
        ):
            if not any(identifier.pattern.search(form) for form in forms):
                found.append(identifier)
    # A complainant name on a case that is not the subject's own name.
    for name in session.scalars(
        sa.select(Case.complainant_name).where(
            Case.id.in_(case_ids), Case.complainant_name.is_not(None)
        )
    ):
        for identifier in identifiers_of(None, full_name=name):
            if not any(identifier.pattern.search(form) for form in forms):
                found.append(identifier)
    return found, others


def _names(session: Session, model: Any) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(sa.select(model.id, model.name))}


def _collect(
    session: Session, subject: Person, case_ids: list[int], c: _Collector
) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    directorates = _names(session, Directorate)
    areas = _names(session, ServiceArea)
    teams = _names(session, Team)
    natures = _names(session, Nature)
    roles: dict[int, list[str]] = {}
    for case_id, role in session.execute(
        sa.select(CaseParty.case_id, CaseParty.role).where(CaseParty.person_id == subject.id)
    ):
        roles.setdefault(case_id, []).append(_plain(role))
    cases = list(
        session.scalars(sa.select(Case).where(Case.id.in_(case_ids)).order_by(Case.received_on))
    )
    refs = {case.id: case.reference for case in cases}
    data["person"] = [c.row("person", subject.id, _record(subject, skip=("version", "updated_at")))]
    data["cases"] = [
        c.row(
            "representation",
            case.id,
            {
                "reference": case.reference,
                "your_role": "; ".join(sorted(roles.get(case.id, []))),
                "kind": _plain(case.kind),
                "procedure": _plain(case.procedure),
                "channel": _plain(case.channel),
                "received_on": _plain(case.received_on),
                "events_on": _plain(case.events_on),
                "noticed_on": _plain(case.noticed_on),
                "directorate": directorates.get(case.directorate_id or 0),
                "service_area": areas.get(case.service_area_id or 0),
                "team": teams.get(case.team_id or 0),
                "status": _plain(case.status),
                "closed_on": _plain(case.closed_on),
                "complainant_name": case.complainant_name,
                "summary": case.summary,
                "desired_outcome": case.desired_outcome,
                "late_complaint_decision": case.late_complaint_decision,
                "reply_text": case.reply_text,
                "reply_received_on": _plain(case.reply_received_on),
            },
        )
        for case in cases
    ]
    stages = list(
        session.scalars(
            sa.select(Stage).where(Stage.case_id.in_(case_ids)).order_by(Stage.case_id, Stage.seq)
        )
    )
    stage_label = {s.id: f"{refs[s.case_id]} {StageCode(s.stage).label}" for s in stages}
    data["stages"] = [
        c.row(
            "stage",
            s.id,
            {
                "case": refs[s.case_id],
                "seq": s.seq,
                "stage": StageCode(s.stage).label,
                "status": _plain(s.status),
                "requested_on": _plain(s.requested_on),
                "started_on": _plain(s.started_on),
                "due_on": _plain(s.due_on),
                "closed_on": _plain(s.closed_on),
                "outcome": _plain(s.outcome),
                "outcome_override_reason": s.outcome_override_reason,
                "notes": s.notes,
            },
        )
        for s in stages
    ]
    points = list(
        session.scalars(
            sa.select(ComplaintPoint)
            .where(ComplaintPoint.case_id.in_(case_ids))
            .order_by(ComplaintPoint.case_id, ComplaintPoint.seq)
        )
    )
    outcomes: dict[int, list[str]] = {}
    for point_id, stage_id, outcome in session.execute(
        sa.select(PointOutcome.point_id, PointOutcome.stage_id, PointOutcome.outcome).where(
            PointOutcome.point_id.in_([p.id for p in points])
        )
    ):
        outcomes.setdefault(point_id, []).append(
            f"{stage_label.get(stage_id, '')}: {_plain(outcome)}"
        )
    data["points"] = [
        c.row(
            "complaint_point",
            p.id,
            {
                "case": refs[p.case_id],
                "seq": p.seq,
                "nature": natures.get(p.nature_id or 0),
                "description": p.description,
                "outcomes": "; ".join(outcomes.get(p.id, [])),
            },
        )
        for p in points
    ]
    data["correspondence"] = [
        c.row(
            "correspondence",
            m.id,
            {
                "case": refs[m.case_id],
                "direction": _plain(m.direction),
                "channel": _plain(m.channel),
                "recipient": m.recipient,
                "subject": m.subject,
                "body": m.body,
                "sent_at": _plain(m.sent_at),
                "created_at": _plain(m.created_at),
                "created_by": m.created_by,
            },
        )
        for m in session.scalars(
            sa.select(Correspondence)
            .where(Correspondence.case_id.in_(case_ids))
            .order_by(Correspondence.case_id, Correspondence.id)
        )
    ]
    data["notes"] = _notes(session, case_ids, refs, stages, stage_label, c)
    return data


def _notes(
    session: Session,
    case_ids: list[int],
    refs: dict[int, str],
    stages: list[Stage],
    stage_label: dict[int, str],
    c: _Collector,
) -> list[dict[str, Any]]:
    stage_ids = [s.id for s in stages]
    notes: list[dict[str, Any]] = []

    def add(entity: str, entity_id: int, where: str, on: Any, by: str | None, text: Any) -> None:
        if text:
            notes.append(
                c.row(
                    entity,
                    entity_id,
                    {"where": where, "on": _plain(on), "by": by, "text": text},
                )
            )

    for s in stages:
        add("stage", s.id, stage_label[s.id], s.closed_on or s.started_on, s.updated_by, s.notes)
    for row in session.scalars(sa.select(PointOutcome).where(PointOutcome.stage_id.in_(stage_ids))):
        add("point_outcome", row.id, stage_label[row.stage_id], None, row.updated_by, row.note)
    for sus in session.scalars(
        sa.select(StageSuspension).where(StageSuspension.stage_id.in_(stage_ids))
    ):
        add(
            "stage_suspension",
            sus.id,
            stage_label[sus.stage_id],
            sus.starts_on,
            sus.created_by,
            sus.note,
        )
    for ext in session.scalars(
        sa.select(StageExtension).where(StageExtension.stage_id.in_(stage_ids))
    ):
        add(
            "stage_extension",
            ext.id,
            stage_label[ext.stage_id],
            ext.created_at,
            ext.created_by,
            ext.reason,
        )
    for change in session.scalars(
        sa.select(DueDateChange).where(DueDateChange.stage_id.in_(stage_ids))
    ):
        add(
            "due_date_change",
            change.id,
            stage_label[change.stage_id],
            change.changed_at,
            change.changed_by,
            change.reason,
        )
    for a in session.scalars(sa.select(Assignment).where(Assignment.stage_id.in_(stage_ids))):
        add(
            "assignment",
            a.id,
            stage_label[a.stage_id],
            a.responded_on,
            a.updated_by,
            a.progress_note,
        )
    for item in session.scalars(sa.select(ActionItem).where(ActionItem.case_id.in_(case_ids))):
        text = item.action + (f"\nEvidence: {item.evidence}" if item.evidence else "")
        add("action_item", item.id, refs[item.case_id], item.due_on, item.owner, text)
    return notes


def _history(
    session: Session,
    subject: Person,
    case_ids: list[int],
    refs: dict[int, str],
    others: set[int],
    c: _Collector,
) -> list[dict[str, Any]]:
    """The audit events of the cases and of the subject's own records."""
    own = {
        ("person", str(subject.id)),
        ("equality_monitoring", str(subject.id)),
        ("subject_access_request", str(subject.id)),
    }
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.case_id.in_(case_ids)
            | (
                AuditEvent.entity.in_([e for e, _ in own])
                & (AuditEvent.entity_id == str(subject.id))
            )
        )
        .order_by(AuditEvent.id)
    )
    rows = []
    for event in session.scalars(query):
        if event.entity == "case_party" and _mentions_other(event, others):
            continue  # another person's link to the case
        rows.append(
            {
                "event": event.id,
                "occurred_at": _plain(event.occurred_at),
                "by": event.username,
                "action": event.action,
                "record": event.entity,
                "record_id": event.entity_id,
                "case": refs.get(event.case_id or 0),
                "before": c.json_text(event.before, event.entity, event.entity_id, "before"),
                "after": c.json_text(event.after, event.entity, event.entity_id, "after"),
            }
        )
    return rows


def _mentions_other(event: AuditEvent, others: set[int]) -> bool:
    return any(
        event_values(text).get("person_id") in others for text in (event.before, event.after)
    )


# ------------------------------------------------------------------------- writing


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv_dict_writer(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for k, v in row.items()
                }
            )
    return out.getvalue().encode("utf-8-sig")


def _json(rows: Any) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str).encode("utf-8")


DESCRIPTIONS = {
    "person": "Your record: name, contact details and what else is held about you",
    "equality": "Your equality monitoring answers (if you gave any)",
    "cases": "Each complaint, compliment or comment you are linked to",
    "points": "The points of those complaints, their nature and outcomes",
    "stages": "The stages of those cases: dates, outcomes and notes",
    "correspondence": "Letters, emails, calls and meetings recorded on those cases",
    "notes": "Notes, reasons and action-plan items recorded on those cases",
    "attachments": "Files attached to those cases (the files are in attachments/)",
    "history": "Every recorded change to those cases and to your record, from the audit trail",
}


def _safe_file_name(name: str) -> str:
    cleaned = _SAFE_NAME.sub("_", name).strip(" .") or "attachment"
    return cleaned[:120]


def mentioned_elsewhere(session: Session, subject: Person, case_ids: Iterable[int]) -> list[str]:
    """The references of the other cases whose free text names the person (their full
    name, email address or phone number, in any case), most recent first."""
    forms = [
        f.strip().lower()
        for f in (subject.full_name, subject.email, subject.phone)
        if f and len(f.strip()) >= 5
    ]
    if not forms:
        return []
    texts: list[Any] = [Case.summary, Case.desired_outcome, Case.reply_text]

    def naming(column: Any) -> sa.ColumnElement[bool]:
        lowered = sa.func.lower(sa.func.coalesce(column, ""))
        return sa.or_(*(lowered.contains(form, autoescape=True) for form in forms))

    cases = sa.select(Case.id).where(sa.or_(*(naming(c) for c in texts)))
    points = sa.select(ComplaintPoint.case_id).where(naming(ComplaintPoint.description))
    letters = sa.select(Correspondence.case_id).where(
        sa.or_(naming(Correspondence.body), naming(Correspondence.subject))
    )
    found = set(session.scalars(cases)) | set(session.scalars(points))
    found |= {i for i in session.scalars(letters) if i is not None}
    found -= set(case_ids)
    if not found:
        return []
    return list(
        session.scalars(
            sa.select(Case.reference)
            .where(Case.id.in_(found))
            .order_by(Case.received_on.desc(), Case.id.desc())
        )
    )


def _index_pdf(
    subject_name: str,
    person_id: int,
    request_reference: str | None,
    produced_by: str,
    at: dt.datetime,
    contents: list[tuple[str, str, str]],
    redactions: Counter[str],
    not_included: list[str],
    cases: list[str],
    mentioned: Sequence[str] = (),
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    from crm_desktop.reports.pdf import (
        GRID,
        LIGHT_BAND,
        MARGIN_BOTTOM,
        MARGIN_TOP,
        MARGIN_X,
        MUTED,
        NAVY,
        markup,
        report_fonts,
    )

    fonts = report_fonts()
    h1 = ParagraphStyle("h1", fontName=fonts.bold, fontSize=16, leading=20, textColor=NAVY)
    h2 = ParagraphStyle(
        "h2", fontName=fonts.bold, fontSize=11.5, leading=14, textColor=NAVY, spaceBefore=10
    )
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=9.5, leading=13, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=fonts.regular, fontSize=8.5, leading=10.5)
    head = ParagraphStyle(
        "head", fontName=fonts.bold, fontSize=8.5, leading=10.5, textColor=colors.white
    )
    note = ParagraphStyle("note", fontName=fonts.regular, fontSize=8, leading=10, textColor=MUTED)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(markup(text, fonts), style)

    def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float]) -> Any:
        grid = RLTable(
            [[p(h, head) for h in header]] + [[p(v, cell) for v in row] for row in rows],
            colWidths=widths,
            repeatRows=1,
        )
        grid.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), NAVY),
                    ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    *[
                        ("BACKGROUND", (0, i), (-1, i), LIGHT_BAND)
                        for i in range(2, len(rows) + 1, 2)
                    ],
                ]
            )
        )
        return grid

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title="Subject access request",
        creator="CRM Desktop",
        invariant=1,
    )
    width = doc.width
    story: list[Any] = [
        p("Subject access request", h1),
        Spacer(1, 6),
        p(f"Everything held about: {subject_name} (person {person_id})"),
        p(f"Request reference: {request_reference or 'none given'}"),
        p(f"Produced by {produced_by} on {format_date(at.date())} at {at:%H:%M} UTC"),
        p(
            "Cases: " + (", ".join(cases) if cases else "none"),
        ),
        p("What is in this file", h2),
        table(
            ("File", "What it holds", "Records"),
            contents,
            [0.3 * width, 0.55 * width, 0.15 * width],
        ),
        p("Information withheld", h2),
    ]
    if redactions:
        story.append(
            p(
                "Other people's personal data in these records has been replaced by "
                f"'{REDACTED}': {LEGAL_BASIS}. Each redaction is logged with who made it, "
                "when and why."
            )
        )
        story.append(
            table(
                ("Kind of information", "Times withheld"),
                [(REASONS.get(k, k), f"{n:,}") for k, n in sorted(redactions.items())],
                [0.7 * width, 0.3 * width],
            )
        )
    else:
        story.append(p("Nothing was withheld."))
    story.append(p("Before release", h2))
    story.append(
        p(
            "Attached files are included as they were received or sent: read them and "
            "withhold any other person's information before releasing this file. Free "
            "text has been checked for the names and contact details the system holds; "
            "read it for any other person it may identify."
        )
    )
    if mentioned:
        story.append(
            p(
                "Other cases name this person in their text though they are not one of "
                "its people, so nothing of them is in this file: "
                + ", ".join(mentioned)
                + ". Read them and decide what of them to release."
            )
        )
    if not_included:
        story.append(p("Attachments not included (missing or damaged in the store):", note))
        for name in not_included:
            story.append(p(name, note))
    story.append(
        p(
            "The history comes from the system's tamper-evident audit trail, which is kept "
            "for accountability; staff are named by their user names because they acted in "
            "their role for the council.",
            note,
        )
    )
    doc.build(story)
    return buffer.getvalue()


def _write_zip(temporary: Path, members: list[tuple[str, bytes]], at: dt.datetime) -> str:
    """Write the ZIP to ``temporary`` (renamed into place by the caller); its SHA-256."""
    stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return hashlib.sha256(temporary.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- export


def subject_access_export(
    session: Session,
    actor: Actor,
    person_id: int,
    out: Path,
    *,
    store: Path | None = None,
    request_reference: str | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SubjectAccessResult:
    """Write everything held about the person to ``out`` (a ZIP) and log the request and
    its redactions. ``store`` is the attachment store; without it the attachments are
    listed but their files are not included. The ZIP is written under a temporary name
    and renamed into place only once the request is logged. ``progress(done, total,
    text)`` hears how far it has got (and may stop it, by raising, before the ZIP is
    written)."""
    step = progress or (lambda _done, _total, _text: None)
    at = moment(now)
    subject = session.get(Person, person_id)
    if subject is None:
        raise NotFound(f"There is no person with the id {person_id}. Check the id.")
    if subject.anonymised_at is not None:
        raise ValidationError(
            "That person's record has been anonymised: nothing identifiable is held.", "person"
        )
    case_ids = sorted(
        set(session.scalars(sa.select(CaseParty.case_id).where(CaseParty.person_id == person_id)))
    )
    attachments = list(
        session.scalars(
            sa.select(Attachment).where(Attachment.case_id.in_(case_ids)).order_by(Attachment.id)
        )
    )
    total = len(attachments) + 4
    step(0, total, f"Collecting what is held in {len(case_ids)} case(s)…")
    identifiers, others = _third_parties(session, subject, case_ids)
    collector = _Collector(identifiers)
    data = _collect(session, subject, case_ids, collector)
    step(1, total, "Collecting the attachments…")
    answers = equality.equality_of(session, person_id)
    data["equality"] = (
        [{"question": k, "answer": v} for k, v in _plain_answers(answers).items()]
        if answers
        else []
    )
    refs = {
        row.id: row.reference
        for row in session.execute(sa.select(Case.id, Case.reference).where(Case.id.in_(case_ids)))
    }
    members: list[tuple[str, bytes]] = []
    attachment_rows: list[dict[str, Any]] = []
    not_included: list[str] = []
    for number, row in enumerate(attachments, start=1):
        step(1 + number, total, f"Attachment {number} of {len(attachments)}…")
        shown = collector.text(row.original_name, "attachment", row.id, "original_name")
        member = f"attachments/{row.id}-{_safe_file_name(shown)}"
        included = False
        if store is not None:
            from crm_desktop.services.attachments import AttachmentDamaged, open_attachment

            try:
                members.append((member, open_attachment(session, store, row.id).read_bytes()))
                included = True
            except AttachmentDamaged:
                pass
        if not included:
            not_included.append(f"{refs[row.case_id]}: {shown}")
        attachment_rows.append(
            {
                "case": refs[row.case_id],
                "name": shown,
                "file": member if included else "",
                "size_bytes": row.size_bytes,
                "sha256": row.sha256,
                "uploaded_at": _plain(row.uploaded_at),
                "uploaded_by": row.uploaded_by,
            }
        )
    data["attachments"] = attachment_rows
    step(total - 2, total, "Collecting the history…")
    data["history"] = _history(session, subject, case_ids, refs, others, collector)

    order: tuple[str, ...] = ("person", "equality", "cases", "points", "stages")
    order += ("correspondence", "notes", "attachments", "history")
    contents: list[tuple[str, str, str]] = []
    files: list[tuple[str, int]] = []
    data_members: list[tuple[str, bytes]] = []
    for name in order:
        rows = data[name]
        for extension, content in (("csv", _csv(rows)), ("json", _json(rows))):
            data_members.append((f"data/{name}.{extension}", content))
            files.append((f"data/{name}.{extension}", len(rows)))
        contents.append((f"data/{name}.csv, .json", DESCRIPTIONS[name], f"{len(rows):,}"))
    for member, content in members:
        files.append((member, len(content)))
    mentioned = mentioned_elsewhere(session, subject, case_ids)
    categories = Counter[str]()
    for redaction in collector.redactions:
        categories[redaction.category] += redaction.occurrences
    index = _index_pdf(
        subject.full_name,
        subject.id,
        request_reference,
        actor.username,
        at,
        contents,
        categories,
        not_included,
        [refs[i] for i in case_ids],
        mentioned,
    )
    step(total - 1, total, "Writing the ZIP…")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_problem(exc, out) from None
    with atomic_write(out) as temporary:
        digest = _write_zip(temporary, [("index.pdf", index), *data_members, *members], at)
        request_id = _log(
            session, actor, subject.id, request_reference, out, digest, files, collector, at
        )
    step(total, total, "Done.")
    return SubjectAccessResult(
        request_id,
        out,
        digest,
        (("index.pdf", len(index)), *files),
        sum(r.occurrences for r in collector.redactions),
        tuple(refs[i] for i in case_ids),
        tuple(not_included),
        tuple(mentioned),
    )


def _plain_answers(answers: equality.EqualityAnswers) -> dict[str, Any]:
    return {
        "age band": answers.age_band,
        "sex": answers.sex,
        "gender identity": answers.gender_identity,
        "ethnicity": answers.ethnicity,
        "disability": answers.disability,
        "religion or belief": answers.religion,
        "sexual orientation": answers.sexual_orientation,
        "recorded on": _plain(answers.recorded_on),
    }


def _log(
    session: Session,
    actor: Actor,
    person_id: int,
    request_reference: str | None,
    out: Path,
    digest: str,
    files: list[tuple[str, int]],
    collector: _Collector,
    at: dt.datetime,
) -> int:
    requests = SubjectAccessRequest.__table__
    request_id = int(
        session.execute(
            sa.insert(requests)  # type: ignore[arg-type]
            .values(
                person_id=person_id,
                request_reference=request_reference,
                produced_by=actor.username,
                produced_at=at,
                file_name=out.name,
                sha256=digest,
                summary=json.dumps(dict(files), sort_keys=True),
            )
            .returning(requests.c.id)
        ).scalar_one()
    )
    if collector.redactions:
        session.execute(
            sa.insert(Base.metadata.tables["redaction_log"]),
            [
                {
                    "request_id": request_id,
                    "entity": r.entity,
                    "entity_id": r.entity_id,
                    "field": r.field[:80],
                    "category": r.category,
                    "third_party_person_id": r.person_id,
                    "occurrences": r.occurrences,
                    "reason": f"{REASONS.get(r.category, r.category)}: {LEGAL_BASIS}"[:300],
                    "redacted_by": actor.username,
                    "redacted_at": at,
                }
                for r in collector.redactions
            ],
        )
    audit(
        session,
        actor,
        "export",
        "subject_access_request",
        entity_id=person_id,
        details={
            "request": request_id,
            "request_reference": request_reference,
            "sha256": digest,
            "redactions": sum(r.occurrences for r in collector.redactions),
        },
        at=at,
    )
    return request_id
