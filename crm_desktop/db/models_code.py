"""The Complaint Handling Code's yearly records: the self-assessment against the Code
and its history, and each year's report inputs (the Ombudsman's annual letter, the
governing body's response).

The self-assessment has one row per financial year and Code provision
(:class:`CodeSelfAssessment`, edited by managers, versioned, audited) and a row for every
save of it (:class:`CodeSelfAssessmentChange`, append-only), so each year's answers and
how they came to be are both kept.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.db.base import Base, Versioned, utcnow


class CodeYear(Versioned, Base):
    """One financial year's inputs to the Code's annual report."""

    __tablename__ = "code_year"

    financial_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Who the report goes to (8.2), and their response, published alongside it.
    governing_body: Mapped[str] = mapped_column(sa.String(200), default="")
    governing_body_response: Mapped[str] = mapped_column(sa.Text, default="")
    # The Ombudsman's annual letter about the council (8.1): its figures and its text.
    letter_received_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    letter_decisions: Mapped[int | None] = mapped_column()
    letter_investigations: Mapped[int | None] = mapped_column()
    letter_upheld: Mapped[int | None] = mapped_column()
    letter_upheld_percent: Mapped[float | None] = mapped_column(sa.Float)
    letter_similar_upheld_percent: Mapped[float | None] = mapped_column(sa.Float)
    letter_compliance_percent: Mapped[float | None] = mapped_column(sa.Float)
    letter_remedy_percent: Mapped[float | None] = mapped_column(sa.Float)
    letter_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Other reports or publications of the Ombudsman about the council (8.1).
    other_reports: Mapped[str] = mapped_column(sa.Text, default="")


class CodeSelfAssessment(Versioned, Base):
    """The council's answer for one provision of the Code in one financial year."""

    __tablename__ = "code_self_assessment"
    __table_args__ = (sa.UniqueConstraint("financial_year", "provision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column()
    provision: Mapped[str] = mapped_column(sa.String(20))
    complies: Mapped[str | None] = mapped_column(sa.String(10))  # yes, no, partly
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    action: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str] = mapped_column(sa.String(200), default="")


class CodeSelfAssessmentChange(Base):
    """One save of one provision's answer: what it said after the save (append-only)."""

    __tablename__ = "code_self_assessment_change"
    __table_args__ = (sa.Index("ix_code_self_assessment_change_year", "financial_year", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column()
    provision: Mapped[str] = mapped_column(sa.String(20))
    complies: Mapped[str | None] = mapped_column(sa.String(10))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    action: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
