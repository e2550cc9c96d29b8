"""Findings of non-compliance with the Complaint Handling Code, recorded from the
Ombudsman's decisions (Code 8.1: the annual report lists them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, LgscoDetail, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import LgscoDecision, StageCode
from crm_desktop.errors import ConflictError, NotFound, ValidationError

__all__ = ["MAX_FINDING", "Finding", "findings", "record_code_finding"]

MAX_FINDING = 10_000


def record_code_finding(
    session: Session,
    reference: str,
    finding: str,
    actor: Actor,
    version: int | None = None,
) -> int:
    """Record what the Ombudsman found the council did not comply with in the Code, on
    the latest Ombudsman stage of the case ``reference`` (empty text: no such finding).
    ``version``: the Ombudsman details' version it was read at (None: no check).
    Returns their new version."""
    text = finding.strip()
    if len(text) > MAX_FINDING:
        raise ValidationError(
            f"The finding is longer than {MAX_FINDING:,} characters; shorten it.", "finding"
        )
    case_id = session.scalar(sa.select(Case.id).where(Case.reference == reference.strip()))
    if case_id is None:
        raise NotFound(f"There is no case {reference.strip()!r}; check the reference.")
    stage = session.scalar(
        sa.select(Stage)
        .where(Stage.case_id == case_id, Stage.stage == StageCode.LGSCO)
        .order_by(Stage.seq.desc())
        .limit(1)
    )
    if stage is None:
        raise ValidationError(
            f"Case {reference.strip()} has not gone to the Ombudsman; record the Ombudsman "
            "stage and its decision first.",
            "reference",
        )
    detail = session.get(LgscoDetail, stage.id)
    if detail is None or detail.decision is None:
        raise ValidationError(
            f"The Ombudsman's decision on case {reference.strip()} is not recorded yet; "
            "record the decision first.",
            "reference",
        )
    if version is not None and detail.version != version:
        raise ConflictError("Someone changed the Ombudsman's details; open the case again.")
    detail.code_finding = text or None
    detail.updated_by = actor.username
    session.flush()
    return detail.version


@dataclass(frozen=True)
class Finding:
    reference: str
    lgsco_reference: str
    decision: str  # as an officer reads it
    decided_on: dt.date
    finding: str


def findings(session: Session, start: dt.date, end: dt.date) -> list[Finding]:
    """The findings of non-compliance with the Code on the Ombudsman's decisions made
    from ``start`` to ``end``, by the date of the decision."""
    labels = {d.value: d.label for d in LgscoDecision}
    rows = session.execute(
        sa.select(
            Case.reference,
            LgscoDetail.lgsco_reference,
            sa.type_coerce(LgscoDetail.decision, sa.String()),
            LgscoDetail.decision_on,
            LgscoDetail.code_finding,
        )
        .join(Stage, Stage.id == LgscoDetail.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .where(
            LgscoDetail.decision_on.between(start, end),
            LgscoDetail.code_finding.is_not(None),
            LgscoDetail.code_finding != "",
        )
        .order_by(LgscoDetail.decision_on, Case.reference)
    ).all()
    return [
        Finding(ref, lgsco or "", labels.get(decision or "", decision or ""), on, text or "")
        for ref, lgsco, decision, on, text in rows
        if on is not None
    ]
