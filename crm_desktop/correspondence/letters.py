"""Letters and emails about a case: preview, then send; either is recorded.

For the operations (:mod:`crm_desktop.operations.correspondence`):

- :func:`preview` (a read session) fills in a template for a case and returns the
  text, who it goes to, the fields that are empty for this case, and warnings. A
  template with an unknown field is refused here, before anything can be sent.
- :func:`letter_pdf` (a read session) is the same letter as PDF bytes, to show.
- :func:`send_letter` (a write session) records the letter in the case's
  correspondence and returns its PDF to print or save.
- :func:`send_email` (the :class:`~crm_desktop.db.database.Database`) records the
  email in the case's correspondence and in the outbox in one transaction, then sends
  it at once (no transaction is open while the mail server is talked to). If the
  server cannot take it now the email stays queued and ``crm-desktop reminders run``
  retries it with back-off.

Every one takes the case and a :class:`Letter`: the template, text the officer typed
for ``{{ letter.text }}``, and, after a preview, the officer's edits of the filled-in
subject and body (sent as typed, and still escaped on the PDF); and, as arguments of
their own, the stage, appointment or remedy the letter is about (:class:`About`).
Who may send what is the access policy's business, not this module's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm import Session

from crm_desktop.contact import is_email
from crm_desktop.correspondence.dates import format_date_long
from crm_desktop.correspondence.fields import CaseContext, Contact, case_context
from crm_desktop.correspondence.mail import Transport, new_message_id, transport_for
from crm_desktop.correspondence.outbox import NewMessage, deliver, enqueue
from crm_desktop.correspondence.rendering import describe_field, render, used_fields
from crm_desktop.correspondence.settings import CorrespondenceSettings, load_settings
from crm_desktop.correspondence.templates import (
    Audience,
    ensure_templates,
    load_template,
    spec,
)
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Correspondence, User
from crm_desktop.db.models_correspondence import OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import CorrespondenceChannel, CorrespondenceDirection
from crm_desktop.errors import ValidationError

__all__ = [
    "About",
    "EmailResult",
    "Letter",
    "LetterResult",
    "Preview",
    "letter_pdf",
    "preview",
    "send_email",
    "send_letter",
]

MAX_TEXT = 20_000


@dataclass(frozen=True)
class Letter:
    """What the officer chose and typed."""

    template_key: str
    text: str = ""  # what the officer types for {{ letter.text }}
    to: str | None = None  # email: another address than the recipient's own
    subject: str | None = None  # the officer's edit of the filled-in subject
    body: str | None = None  # the officer's edit of the filled-in body


@dataclass(frozen=True)
class About:
    """The case a letter is about, and the stage, appointment or remedy within it."""

    case: int
    stage: int | None = None  # None: the case's current stage
    assignment: int | None = None  # appointment letters: which appointment
    remedy: int | None = None


@dataclass(frozen=True)
class Preview:
    template_key: str
    subject: str
    body: str
    recipient_name: str
    recipient_email: str | None
    recipient_address: tuple[str, ...]
    fields_used: tuple[str, ...]
    empty_fields: tuple[str, ...]  # used by the template but empty for this case
    warnings: tuple[str, ...]
    stage_id: int | None
    reference: str = ""  # the case's reference, for the letter's file name


@dataclass(frozen=True)
class LetterResult:
    correspondence_id: int
    pdf: bytes
    file_name: str
    preview: Preview
    warnings: tuple[str, ...]
    saved_to: Path | None = None  # where its PDF was saved, when it was


@dataclass(frozen=True)
class EmailResult:
    correspondence_id: int
    outbox_id: int
    status: str  # "sent", or "queued" (will be retried by reminders run), or "failed"
    to: str
    via: str | None  # "smtp host:port" or the .eml file written
    error: str | None
    preview: Preview


def _value(context: dict[str, Any], path: str) -> object:
    value: object = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


@dataclass(frozen=True)
class _Prepared:
    preview: Preview
    context: CaseContext
    subject_source: str
    body_source: str
    recipient: Contact


def _prepare(
    session: Session,
    about: About,
    request: Letter,
    actor: Actor,
    today: dt.date,
    settings: CorrespondenceSettings,
) -> _Prepared:
    template = spec(request.template_key)
    if template.audience == Audience.STAFF:
        raise ValidationError(
            f"'{template.name}' is sent by the reminders, not as a letter.", "template"
        )
    if len(request.text) > MAX_TEXT:
        raise ValidationError(f"The text is longer than {MAX_TEXT} characters.", "text")
    text = load_template(session, request.template_key)
    fields = used_fields(text.subject, template.groups, "subject")
    fields += [f for f in used_fields(text.body, template.groups, "body") if f not in fields]
    officer = session.get(User, actor.user_id) if actor.user_id is not None else None
    context = case_context(
        session,
        about.case,
        today=today,
        settings=settings,
        officer=officer,
        stage_id=about.stage,
        assignment_id=about.assignment,
        remedy_id=about.remedy,
        text=request.text,
    )
    subject = render(text.subject, context.values).strip()
    body = render(text.body, context.values)
    warnings: list[str] = []
    if template.audience == Audience.INVESTIGATOR:
        if context.investigator is None:
            raise ValidationError(
                "This stage has no Investigating Officer or Independent Person appointed.",
                "assignment",
            )
        recipient = context.investigator
    else:
        recipient = context.complainant
    empty = tuple(f for f in fields if _value(context.values, f) in ("", None))
    if empty:
        warnings.append(
            "Nothing is filled in for "
            + "; ".join(describe_field(f) for f in empty)
            + ": add it to the case, or type it into the letter."
        )
    if request.subject is not None:
        subject = " ".join(request.subject.split())
    if request.body is not None:
        body = request.body
    if not subject:
        raise ValidationError("The subject is empty.", "subject")
    if len(subject) > 300:
        raise ValidationError("The subject is longer than 300 characters.", "subject")
    email = (request.to or "").strip() or recipient.email
    result = Preview(
        request.template_key,
        subject,
        body,
        recipient.name,
        email,
        recipient.address_lines,
        tuple(fields),
        empty,
        tuple(warnings),
        context.stage_id,
        _reference(session, about.case),
    )
    return _Prepared(result, context, text.subject, text.body, recipient)


def _reference(session: Session, case_id: int) -> str:
    return session.scalar(sa.select(Case.reference).where(Case.id == case_id)) or ""


def preview(
    session: Session, about: About, letter: Letter, actor: Actor, today: dt.date
) -> Preview:
    """The filled-in template for the case; :class:`TemplateProblem` for a bad template."""
    return _prepare(session, about, letter, actor, today, load_settings(session)).preview


def _pdf(
    prepared: _Prepared, request: Letter, settings: CorrespondenceSettings, today: dt.date
) -> tuple[bytes, list[str]]:
    values = prepared.context.values
    if request.subject is not None:
        subject_markup = str(escape(prepared.preview.subject))
    else:
        subject_markup = render(prepared.subject_source, values, markup=True).strip()
    if request.body is not None:
        body_markup = str(escape(prepared.preview.body))
    else:
        body_markup = render(prepared.body_source, values, markup=True)
    # reportlab is loaded when the first letter is made, not when the program starts.
    from crm_desktop.correspondence.letter_pdf import LetterContent, render_letter_pdf

    content = LetterContent(
        recipient_name=prepared.recipient.name,
        recipient_address=prepared.recipient.address_lines,
        date_text=format_date_long(today),
        reference=values["case"].reference,
        subject_markup=subject_markup,
        body_markup=body_markup,
    )
    return render_letter_pdf(settings, content)


def letter_pdf(
    session: Session, about: About, letter: Letter, actor: Actor, today: dt.date
) -> bytes:
    """The letter as PDF bytes, for a preview (nothing is recorded)."""
    settings = load_settings(session)
    prepared = _prepare(session, about, letter, actor, today, settings)
    return _pdf(prepared, letter, settings, today)[0]


def _record(
    session: Session,
    prepared: _Prepared,
    about: About,
    request: Letter,
    actor: Actor,
    channel: CorrespondenceChannel,
    recipient: str,
    sent_at: dt.datetime | None,
) -> Correspondence:
    row = Correspondence(
        case_id=about.case,
        stage_id=prepared.preview.stage_id,
        direction=CorrespondenceDirection.OUTGOING,
        channel=channel,
        template_key=request.template_key,
        recipient=recipient[:300],
        subject=prepared.preview.subject[:300],
        body=prepared.preview.body,
        sent_at=sent_at,
        created_by=actor.username,
        updated_by=actor.username,
    )
    session.add(row)
    session.flush()
    return row


def send_letter(
    session: Session,
    about: About,
    letter: Letter,
    actor: Actor,
    today: dt.date,
    *,
    now: dt.datetime | None = None,
) -> LetterResult:
    """Record the letter in the case's correspondence (inside a write transaction); its
    PDF to print or save."""
    ensure_templates(session)
    settings = load_settings(session)
    prepared = _prepare(session, about, letter, actor, today, settings)
    pdf, warnings = _pdf(prepared, letter, settings, today)
    address = ", ".join([prepared.recipient.name, *prepared.recipient.address_lines])
    row = _record(
        session,
        prepared,
        about,
        letter,
        actor,
        CorrespondenceChannel.LETTER,
        address,
        now or utcnow(),
    )
    reference = session.get(Case, about.case)
    name = f"{reference.reference if reference else about.case}-{letter.template_key}"
    return LetterResult(
        row.id,
        pdf,
        f"{name}-{row.id}.pdf",
        prepared.preview,
        prepared.preview.warnings + tuple(warnings),
    )


def send_email(
    database: Database,
    about: About,
    request: Letter,
    actor: Actor,
    today: dt.date,
    *,
    transport: Transport | None = None,
    now: dt.datetime | None = None,
) -> EmailResult:
    """Record the email and queue it in one transaction, then try to send it at once."""

    def work(session: Session) -> tuple[EmailResult, str]:
        ensure_templates(session)
        settings = load_settings(session)
        if transport is None and not settings.email_configured:
            raise ValidationError(
                "Email is not set up: a manager sets the mail server (SMTP) or a folder "
                "for .eml files in the settings."
            )
        prepared = _prepare(session, about, request, actor, today, settings)
        to = prepared.preview.recipient_email
        if not to:
            raise ValidationError(
                f"{prepared.recipient.name or 'The recipient'} has no email address. Add one, "
                "give another address, or send a letter.",
                "to",
            )
        if not is_email(to):
            raise ValidationError(
                f"'{to}' is not one email address, so the email was not sent. Correct "
                f"{prepared.recipient.name or 'the recipient'}'s address on the case, give "
                "another address, or send a letter.",
                "to",
            )
        when = now or utcnow()
        row = _record(
            session, prepared, about, request, actor, CorrespondenceChannel.EMAIL, to, None
        )
        sender = settings.sender or "crm-desktop@localhost"
        # The letter's own id alone: the key is in a unique index, which a login that
        # may not see this case could otherwise probe for the address (migration 0022).
        key = f"letter:{row.id}"
        enqueue(
            session,
            [
                NewMessage(
                    key,
                    "letter",
                    to,
                    prepared.preview.subject,
                    prepared.preview.body,
                    new_message_id(sender),
                    case_id=about.case,
                    correspondence_id=row.id,
                )
            ],
            when,
        )
        outbox_id = session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
        )
        assert outbox_id is not None
        result = EmailResult(row.id, outbox_id, "queued", to, None, None, prepared.preview)
        return result, sender

    queued, sender = database.write(work, actor=actor.username)
    if transport is None:
        with database.session() as session:
            transport = transport_for(load_settings(session))
        assert transport is not None
    report = deliver(database, transport, sender, only_id=queued.outbox_id, limit=1)
    if report.sent:
        return replace(queued, status="sent", via=report.via.get(queued.outbox_id))
    status = "failed" if report.failed else "queued"
    return replace(queued, status=status, error="; ".join(report.errors) or None)
