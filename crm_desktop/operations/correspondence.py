"""Letters, emails, templates, mail settings, reminders and notifications."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from crm_desktop.correspondence import case_correspondence as records
from crm_desktop.correspondence import letters, mail, notifications, outbox, reminders, templates
from crm_desktop.correspondence.settings import (
    CorrespondenceSettings,
    load_settings,
    save_settings,
)
from crm_desktop.db.base import utcnow
from crm_desktop.errors import ValidationError
from crm_desktop.files import atomic_write
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import (
    AssignmentId,
    CaseId,
    Permission,
    RemedyId,
    StageId,
)

__all__ = [
    "MailCheck",
    "NotificationList",
    "OutboxStatus",
    "case_correspondence",
    "change_settings",
    "letter_pdf",
    "mail_settings",
    "mark_all_notifications_read",
    "mark_notifications_read",
    "my_notifications",
    "outbox_status",
    "preview_letter",
    "preview_template",
    "record_correspondence",
    "reset_template",
    "retry_failed_emails",
    "run_reminders",
    "save_mail_settings",
    "save_template",
    "send_email",
    "send_letter",
    "send_test_email",
    "templates_for_editing",
    "unread_notifications",
]

# Every kind of data the reminders change: notifications, the escalation emails recorded
# in cases' correspondence, and the escalation level recorded on Ombudsman remedies.
REMINDER_CHANGES = (Change.NOTIFICATIONS, Change.CORRESPONDENCE, Change.CASES)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


# ------------------------------------------------------------------ correspondence


@operation(Permission.SEE_CASES)
def case_correspondence(ctx: OpContext, case_id: CaseId) -> list[records.CorrespondenceRow]:
    """The case's letters, emails, calls and notes, newest first."""
    return records.list_correspondence(ctx.session, case_id)


@operation(Permission.SEND_CORRESPONDENCE, changes=(Change.CORRESPONDENCE,))
def record_correspondence(
    ctx: OpContext,
    case_id: CaseId,
    entry: records.CorrespondenceEntry,
    stage_id: StageId | None = None,
) -> records.CorrespondenceRow:
    """Record a letter or email received, a phone call, a meeting or a note on a case."""
    return records.record_correspondence(
        ctx.session, case_id, entry, ctx.actor, ctx.today, stage_id=stage_id
    )


# ------------------------------------------------------------------ letters and emails


def _about(
    case_id: int, stage_id: int | None, assignment_id: int | None, remedy_id: int | None
) -> letters.About:
    return letters.About(case_id, stage_id, assignment_id, remedy_id)


@operation(Permission.SEND_CORRESPONDENCE)
def preview_letter(
    ctx: OpContext,
    case_id: CaseId,
    letter: letters.Letter,
    stage_id: StageId | None = None,
    assignment_id: AssignmentId | None = None,
    remedy_id: RemedyId | None = None,
) -> letters.Preview:
    """A template filled in for a case, to read and edit before it is sent."""
    about = _about(case_id, stage_id, assignment_id, remedy_id)
    return letters.preview(ctx.session, about, letter, ctx.actor, ctx.today)


@operation(Permission.SEND_CORRESPONDENCE)
def letter_pdf(
    ctx: OpContext,
    case_id: CaseId,
    letter: letters.Letter,
    stage_id: StageId | None = None,
    assignment_id: AssignmentId | None = None,
    remedy_id: RemedyId | None = None,
) -> bytes:
    """A letter as a PDF on the letterhead, to look at (nothing is recorded)."""
    about = _about(case_id, stage_id, assignment_id, remedy_id)
    return letters.letter_pdf(ctx.session, about, letter, ctx.actor, ctx.today)


@operation(Permission.SEND_CORRESPONDENCE, changes=(Change.CORRESPONDENCE,))
def send_letter(
    ctx: OpContext,
    case_id: CaseId,
    letter: letters.Letter,
    save_to: Path | None = None,
    stage_id: StageId | None = None,
    assignment_id: AssignmentId | None = None,
    remedy_id: RemedyId | None = None,
) -> letters.LetterResult:
    """Record a letter on the case and save its PDF to print and post."""
    about = _about(case_id, stage_id, assignment_id, remedy_id)
    result = letters.send_letter(ctx.session, about, letter, ctx.actor, ctx.today)
    if save_to is None:
        return result
    # Written before the letter is saved as sent: a file that cannot be written leaves
    # nothing recorded.
    with atomic_write(save_to) as temporary:
        temporary.write_bytes(result.pdf)
    return replace(result, saved_to=save_to)


@operation(Permission.SEND_CORRESPONDENCE, changes=(Change.CORRESPONDENCE,), own_transactions=True)
def send_email(
    ctx: OpContext,
    case_id: CaseId,
    letter: letters.Letter,
    stage_id: StageId | None = None,
    assignment_id: AssignmentId | None = None,
    remedy_id: RemedyId | None = None,
) -> letters.EmailResult:
    """Record an email on the case and send it (or save it for Outlook) at once; if the
    mail server cannot take it now, the reminders run tries again."""
    about = _about(case_id, stage_id, assignment_id, remedy_id)
    return letters.send_email(ctx.require_database(), about, letter, ctx.actor, ctx.today)


# ------------------------------------------------------------------ templates, settings


@operation(Permission.MANAGE_TEMPLATES)
def templates_for_editing(ctx: OpContext) -> list[templates.TemplateView]:
    """Every letter and email template with its text, version and merge fields."""
    return templates.list_templates(ctx.session)


@operation(Permission.MANAGE_TEMPLATES)
def preview_template(ctx: OpContext, key: str, subject: str, body: str) -> templates.RenderedText:
    """A template's text as typed, filled in with example values and the letterhead's
    own (nothing is saved)."""
    settings = load_settings(ctx.session)
    council = {
        "name": settings.council_name,
        "address": settings.council_address,
        "phone": settings.council_phone,
        "email": settings.council_email,
    }
    return templates.preview_sample(key, subject, body, council)


@operation(Permission.MANAGE_TEMPLATES, changes=(Change.TEMPLATES,))
def save_template(
    ctx: OpContext, key: str, subject: str, body: str, version: int
) -> templates.TemplateText:
    """Save a template's text (checked first; refused if someone saved it since)."""
    return templates.save_template(ctx.session, key, subject, body, ctx.actor, version)


@operation(Permission.MANAGE_TEMPLATES, changes=(Change.TEMPLATES,))
def reset_template(ctx: OpContext, key: str, version: int) -> templates.TemplateText:
    """Put a template's shipped text back."""
    return templates.reset_template(ctx.session, key, ctx.actor, version)


@operation(Permission.MANAGE_TEMPLATES)
def mail_settings(ctx: OpContext) -> CorrespondenceSettings:
    """The letterhead, mail server, reminder and escalation settings."""
    return load_settings(ctx.session)


@operation(Permission.MANAGE_TEMPLATES, changes=(Change.TEMPLATES,))
def save_mail_settings(ctx: OpContext, settings: CorrespondenceSettings) -> CorrespondenceSettings:
    """Save the letterhead, mail server, reminder and escalation settings (checked first)."""
    return save_settings(ctx.session, settings, ctx.actor)


def settings_with(
    settings: CorrespondenceSettings, changes: Mapping[str, object]
) -> CorrespondenceSettings:
    """``settings`` with ``changes`` (field name -> value) made; an unknown name is a
    mistake of the caller's."""
    names = {f.name for f in fields(CorrespondenceSettings)} - {"set_by_it"}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValueError(f"not a letter or mail setting: {', '.join(unknown)}")
    return replace(settings, **changes)  # type: ignore[arg-type]


@operation(Permission.MANAGE_TEMPLATES, changes=(Change.TEMPLATES,))
def change_settings(ctx: OpContext, changes: Mapping[str, object]) -> CorrespondenceSettings:
    """Change some of the letterhead, mail server, reminder and escalation settings (the
    others stay as saved, whoever saved them), checked first."""
    settings = settings_with(load_settings(ctx.session), changes)
    logo = settings.logo_path.strip()
    if "logo_path" in changes and logo and not Path(logo).is_file():
        raise ValidationError(
            f"There is no file {logo}. Choose a PNG or JPEG file every user can open, "
            "for example on a shared drive.",
            "logo_path",
        )
    if "logo_path" in changes and logo and Path(logo).suffix.lower() not in _LOGO_TYPES:
        raise ValidationError("The logo must be a PNG or JPEG picture.", "logo_path")
    return save_settings(ctx.session, settings, ctx.actor)


_LOGO_TYPES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class MailCheck:
    to: str
    where: str  # "the mail server smtp.example.org" or the .eml file written


@operation(Permission.MANAGE_TEMPLATES, own_transactions=True)
def send_test_email(
    ctx: OpContext, to: str, changes: Mapping[str, object] | None = None
) -> MailCheck:
    """Send a short test email to ``to`` with the mail settings as saved, or as typed
    (``changes``, not saved), to check them. Nothing is recorded on any case."""
    settings = settings_with(load_settings(ctx.session), changes or {})
    ctx.end_reads()  # no transaction is held while the mail server is talked to
    to = to.strip()
    if not _EMAIL.match(to):
        raise ValidationError("Give the email address to send the test to.", "test_to")
    transport = mail.transport_for(settings)
    if transport is None:
        raise ValidationError(
            "Give the mail server, or a folder for emails to be saved in, first.", "smtp_host"
        )
    sender = settings.sender
    if not sender:
        raise ValidationError(
            "Give the From address (or the team's email address) first.", "smtp_from"
        )
    message = mail.build_message(
        sender=sender,
        to=to,
        subject="Test email from CRM Desktop",
        body=(
            f"This is a test email sent by {ctx.actor.display_name or ctx.actor.username} "
            "to check the mail settings of CRM Desktop.\n\nIf it has arrived, emails to "
            "complainants, investigators and staff can be sent. Nothing needs doing.\n"
        ),
        message_id=mail.new_message_id(sender),
        created=utcnow(),
    )
    try:
        result = transport.send(message)
    except mail.SendError as exc:
        raise ValidationError(
            f"The test email was not sent: {str(exc).rstrip('.')}. Check the mail settings.",
            "smtp_host",
        ) from None
    where = f"the mail server {settings.smtp_host}" if settings.smtp_host else result
    return MailCheck(to, where)


# ------------------------------------------------------------------ notifications


@dataclass(frozen=True)
class NotificationList:
    rows: list[notifications.NotificationView]
    unread: int


@operation(Permission.SEE_NOTIFICATIONS)
def my_notifications(
    ctx: OpContext, unread_only: bool = False, limit: int = 500
) -> NotificationList:
    """The signed-in user's own notifications, newest first, and how many are unread."""
    rows = notifications.list_notifications(
        ctx.session, ctx.actor, unread_only=unread_only, limit=limit
    )
    return NotificationList(rows, notifications.unread_count(ctx.session, ctx.actor))


@operation(Permission.SEE_NOTIFICATIONS)
def unread_notifications(ctx: OpContext) -> int:
    """How many of the signed-in user's notifications are unread."""
    return notifications.unread_count(ctx.session, ctx.actor)


@operation(Permission.SEE_NOTIFICATIONS, changes=(Change.NOTIFICATIONS,))
def mark_notifications_read(ctx: OpContext, ids: list[int]) -> int:
    """Mark some of the signed-in user's own notifications read (others' are left alone)."""
    return notifications.mark_read(ctx.session, ctx.actor, ids)


@operation(Permission.SEE_NOTIFICATIONS, changes=(Change.NOTIFICATIONS,))
def mark_all_notifications_read(ctx: OpContext) -> int:
    """Mark every one of the signed-in user's notifications read."""
    return notifications.mark_all_read(ctx.session, ctx.actor)


# ------------------------------------------------------------------ reminders, outbox


@operation(Permission.RUN_REMINDERS, changes=REMINDER_CHANGES, own_transactions=True)
def run_reminders(
    ctx: OpContext, digest: bool | None = None, limit: int | None = None
) -> reminders.RunReport:
    """Plan the reminders, escalations and digests due today, then send the outbox.

    ``digest`` None: the daily digest goes once the day's digest time has come."""
    if digest is None:
        digest = reminders.digest_due(ctx.session, dt.datetime.now())
        ctx.end_reads()
    return reminders.run_reminders(ctx.require_database(), ctx.today, digest=digest, limit=limit)


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[str, int]  # pending, sending, sent, failed
    waiting: list[reminders.WaitingMessage]


@operation(Permission.RUN_REMINDERS)
def outbox_status(ctx: OpContext) -> OutboxStatus:
    """The emails waiting, being sent, failed and sent, and those not yet sent."""
    return OutboxStatus(outbox.outbox_counts(ctx.session), reminders.pending_outbox(ctx.session))


@operation(Permission.RUN_REMINDERS, changes=(Change.CORRESPONDENCE,))
def retry_failed_emails(ctx: OpContext) -> int:
    """Put the emails that failed for good back in the queue; how many."""
    return outbox.retry_failed(ctx.session, utcnow())
