"""Data protection and equality monitoring: retention, subject access, equality, access log.

The tables here are of two sorts:

- reference data a manager edits (:class:`RetentionRule`, :class:`EqualityCategory`),
  changed through the ORM and so recorded in the audit trail like any other setting;
- logs and special category data (:class:`RetentionEvent`, :class:`CaseAccess`,
  :class:`SubjectAccessRequest`, :class:`RedactionLog`, :class:`EqualityMonitoring`),
  written by :mod:`crm_desktop.privacy` with SQL statements rather than through the ORM,
  so the automatic audit (``db/audit.py``) does not copy their values into the
  append-only trail. Each such write records one audit event of its own that says what
  was done without the personal or special category values themselves.

Log tables have no foreign key to the case: a record of an anonymisation or a deletion
must outlive the case it is about.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.db.base import Base, Versioned, enum_type, utcnow
from crm_desktop.domain.enums import Procedure


class RetentionMethod(StrEnum):
    """What happens to a record when its retention period ends."""

    ANONYMISE = "anonymise"
    DELETE = "delete"


class RetentionEventKind(StrEnum):
    ANONYMISED = "anonymised"
    DELETED = "deleted"
    HOLD_PLACED = "legal hold placed"
    HOLD_RELEASED = "legal hold released"
    ACCESS_LOG_PURGED = "access log purged"


class RecordType(StrEnum):
    """The record types the retention schedule covers."""

    COMPLAINT = "complaint"
    COMPLIMENT = "compliment"
    COMMENT = "comment"
    ACCESS_LOG = "access log"


class Characteristic(StrEnum):
    """The optional equality monitoring questions (Equality Act 2010 protected
    characteristics the council asks about; each answer may be "Prefer not to say")."""

    AGE_BAND = "age_band"
    SEX = "sex"
    GENDER_IDENTITY = "gender_identity"
    ETHNICITY = "ethnicity"
    DISABILITY = "disability"
    RELIGION = "religion"
    SEXUAL_ORIENTATION = "sexual_orientation"

    @property
    def label(self) -> str:
        return _CHARACTERISTIC_LABELS[self]


_CHARACTERISTIC_LABELS = {
    Characteristic.AGE_BAND: "Age band",
    Characteristic.SEX: "Sex",
    Characteristic.GENDER_IDENTITY: "Gender identity",
    Characteristic.ETHNICITY: "Ethnicity",
    Characteristic.DISABILITY: "Disability",
    Characteristic.RELIGION: "Religion or belief",
    Characteristic.SEXUAL_ORIENTATION: "Sexual orientation",
}


# How many years a record type is kept when the schedule has no rule for it.
DEFAULT_RETENTION_YEARS = 6


class RetentionRule(Versioned, Base):
    """How long a record type is kept after its case closed, and what happens then.

    A rule with a procedure applies to that procedure's cases only and wins over the
    rule without one. With no rule at all the default is 6 years, then anonymise.
    """

    __tablename__ = "retention_rule"
    __table_args__ = (sa.UniqueConstraint("record_type", "procedure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[RecordType] = mapped_column(enum_type(RecordType))
    procedure: Mapped[Procedure | None] = mapped_column(enum_type(Procedure))
    years: Mapped[int] = mapped_column()
    method: Mapped[RetentionMethod] = mapped_column(enum_type(RetentionMethod))
    description: Mapped[str] = mapped_column(sa.String(300), default="")


class RetentionEvent(Base):
    """An anonymisation, a deletion, or a legal hold placed or released: who, when, why.

    Append-only (on PostgreSQL nobody but the owner may change or delete one).
    """

    __tablename__ = "retention_event"
    __table_args__ = (sa.Index("ix_retention_event_case_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column()
    case_reference: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[RetentionEventKind] = mapped_column(enum_type(RetentionEventKind))
    reason: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.String(80))
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    details: Mapped[str | None] = mapped_column(sa.Text)  # JSON: counts, never values


class CaseAccess(Base):
    """Someone opened a case: who and when (the access log)."""

    __tablename__ = "case_access"
    __table_args__ = (
        sa.Index("ix_case_access_case_id", "case_id", "id"),
        sa.Index("ix_case_access_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column()
    username: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int | None] = mapped_column()
    role: Mapped[str] = mapped_column(sa.String(40))
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class EqualityCategory(Versioned, Base):
    """An answer offered to an equality monitoring question, with the share of the
    council's population in that category (for the disproportionality table)."""

    __tablename__ = "equality_category"
    __table_args__ = (sa.UniqueConstraint("characteristic", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    characteristic: Mapped[Characteristic] = mapped_column(enum_type(Characteristic))
    label: Mapped[str] = mapped_column(sa.String(120))
    population_percent: Mapped[float | None] = mapped_column(sa.Float)
    # "Prefer not to say": counted, never compared with the population.
    is_prefer_not_to_say: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class EqualityMonitoring(Base):
    """A person's optional equality monitoring answers: apart from the case, readable by
    managers only (and on PostgreSQL not granted to investigators at all)."""

    __tablename__ = "equality_monitoring"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    age_band: Mapped[str | None] = mapped_column(sa.String(120))
    sex: Mapped[str | None] = mapped_column(sa.String(120))
    gender_identity: Mapped[str | None] = mapped_column(sa.String(120))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(120))
    disability: Mapped[str | None] = mapped_column(sa.String(120))
    religion: Mapped[str | None] = mapped_column(sa.String(120))
    sexual_orientation: Mapped[str | None] = mapped_column(sa.String(120))
    recorded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(sa.String(80))


class SubjectAccessRequest(Base):
    """A subject access export that was produced: for whom, by whom, when, which file."""

    __tablename__ = "subject_access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(index=True)
    request_reference: Mapped[str | None] = mapped_column(sa.String(80))
    produced_by: Mapped[str] = mapped_column(sa.String(80))
    produced_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[str | None] = mapped_column(sa.Text)  # JSON: counts per file


class RedactionLog(Base):
    """Third-party data held back from a subject access export: what kind of data, in
    which record and field, whose it was, who redacted it, when and why. The redacted
    value itself is never copied here."""

    __tablename__ = "redaction_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("subject_access_request.id"), index=True)
    entity: Mapped[str] = mapped_column(sa.String(80))
    entity_id: Mapped[str | None] = mapped_column(sa.String(80))
    field: Mapped[str] = mapped_column(sa.String(80))
    category: Mapped[str] = mapped_column(sa.String(40))  # name, email, phone, ...
    third_party_person_id: Mapped[int | None] = mapped_column()
    occurrences: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(sa.String(300))
    redacted_by: Mapped[str] = mapped_column(sa.String(80))
    redacted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
