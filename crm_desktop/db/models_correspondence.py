"""Tables of letters, emails, notifications and reminders (issue 9).

Imported at the end of :mod:`crm_desktop.db.models`, so every table is registered
wherever the models are.

- :class:`CorrespondenceTemplate`: the letter and email templates a manager has saved
  (the defaults live in ``resources/templates`` and are copied in on first use).
- :class:`Notification`: the in-app notification centre, one row per recipient.
- :class:`OutboxMessage`: every email the program means to send, sent by
  ``crm-desktop reminders run`` (or straight away when an officer presses Send). The
  unique ``dedupe_key`` is what makes a reminder go once however often, and however
  many at a time, the command runs; ``status`` with ``claimed_at`` is what lets a run
  that was killed half-way be picked up by the next (see
  :mod:`crm_desktop.correspondence.outbox`).

Outbox and notification rows are written with Core statements, not through the ORM, so
they do not fill the audit trail: they are the program's own bookkeeping. What they are
about is audited where it happens (the correspondence row, a remedy's escalation level,
a template's text).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.db.base import Base, Versioned, utcnow


class CorrespondenceTemplate(Versioned, Base):
    """A letter or email template as a manager saved it (Jinja2 text, sandboxed)."""

    __tablename__ = "correspondence_template"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")


class Notification(Base):
    """One message in a user's in-app notification centre."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # One notification per reminder, deadline and recipient, however often the run goes.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


class OutboxMessage(Base):
    """An email to send: pending -> sending (claimed) -> sent, or failed for good.

    The text is rendered when the row is made, so every attempt sends the same message
    with the same ``message_id``.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), index=True
    )
    correspondence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("correspondence.id", ondelete="SET NULL")
    )
    recipient_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    to_address: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Where it went: "smtp" or the .eml file written for Outlook.
    delivered_via: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
