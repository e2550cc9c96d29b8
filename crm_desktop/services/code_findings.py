"""Findings of non-compliance with the Complaint Handling Code, recorded from the
Ombudsman's decisions (Code 8.1: the annual report lists them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, LgscoDetail, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import StageCode
from crm_desktop.errors import ConflictError, NotFound, ValidationError

__all__ = ["MAX_FINDING", "record_code_finding"]

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
