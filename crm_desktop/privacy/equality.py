"""Equality monitoring (para. 54): optional answers, and the disproportionality table.

The answers are special category data (UK GDPR Art. 9), so:

- they are kept apart from the case, one row per person (``equality_monitoring``), and
  every question is optional, each with "Prefer not to say";
- only managers may record, read or erase them (:func:`record_equality`,
  :func:`equality_of`, :func:`erase_equality`; the access policy's
  ``Permission.SEE_EQUALITY``, see :mod:`crm_desktop.operations.privacy`); on
  PostgreSQL the investigators' group role has no grant on the table at all;
- they are written with SQL statements, not through the ORM, so the values never enter
  the audit trail: the trail records that answers were recorded (which questions), not
  what they were;
- they are deleted when the person is anonymised (:mod:`~crm_desktop.privacy.retention`).

The annual report's section (:mod:`crm_desktop.reports.equality`) compares the
complainants of the year with the population shares a manager enters per category
(:func:`set_population_share`), with small cells suppressed (threshold in the setting
``equality.suppression_threshold``, default 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.db.models import Person
from crm_desktop.db.models_privacy import Characteristic, EqualityCategory, EqualityMonitoring
from crm_desktop.domain.access import Actor
from crm_desktop.domain.formatting import normalised
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.privacy.common import (
    audit,
    bind_actor,
    execute_count,
    moment,
    require_reason,
)
from crm_desktop.reports.equality import (
    NOT_RECORDED,
    PREFER_NOT_TO_SAY,
    THRESHOLD_SETTING,
    CategoryView,
    EqualityAnswers,
    categories,
    disproportionality_tables,
    equality_section,
    suppression_threshold,
)

__all__ = [
    "NOT_RECORDED",
    "PREFER_NOT_TO_SAY",
    "THRESHOLD_SETTING",
    "CategoryView",
    "EqualityAnswers",
    "categories",
    "disproportionality_tables",
    "equality_of",
    "equality_section",
    "erase_equality",
    "record_equality",
    "set_population_share",
    "suppression_threshold",
]

_TABLE: sa.Table = Base.metadata.tables[EqualityMonitoring.__tablename__]


def _canonical(
    offered: dict[Characteristic, list[CategoryView]], characteristic: Characteristic, given: str
) -> str:
    wanted = normalised(given)
    for category in offered[characteristic]:
        if category.label.casefold() == wanted:
            return category.label
    options = "; ".join(c.label for c in offered[characteristic])
    raise ValidationError(
        f"'{given}' is not an answer to the {characteristic.label.lower()} question. "
        f"Choose one of: {options}.",
        characteristic.value,
    )


def _person_exists(session: Session, person_id: int) -> None:
    row = session.execute(
        sa.select(Person.id, Person.anonymised_at).where(Person.id == person_id)
    ).first()
    if row is None:
        raise NotFound("That person's record no longer exists; it may have been deleted.")
    if row.anonymised_at is not None:
        raise ValidationError("That person's record has been anonymised.", "person")


def record_equality(
    session: Session,
    actor: Actor,
    person_id: int,
    answers: EqualityAnswers,
    now: dt.datetime | None = None,
) -> EqualityAnswers:
    """Record (or replace) a person's answers. Every question is
    optional; an answer must be one of the categories offered, "Prefer not to say"
    included. All questions unanswered erases the record."""
    _person_exists(session, person_id)
    at = moment(now)
    offered = categories(session)
    values: dict[str, str | None] = {}
    for characteristic in Characteristic:
        given = answers.answer(characteristic)
        values[characteristic.value] = (
            _canonical(offered, characteristic, given) if given and given.strip() else None
        )
    clean = EqualityAnswers(**values, recorded_on=answers.recorded_on)
    exists = session.scalar(sa.select(_TABLE.c.person_id).where(_TABLE.c.person_id == person_id))
    if not clean.answered:
        if exists is not None:
            session.execute(sa.delete(_TABLE).where(_TABLE.c.person_id == person_id))
    elif exists is None:
        session.execute(
            sa.insert(_TABLE).values(
                person_id=person_id, **asdict(clean), updated_at=at, updated_by=actor.username
            )
        )
    else:
        session.execute(
            sa.update(_TABLE)
            .where(_TABLE.c.person_id == person_id)
            .values(**asdict(clean), updated_at=at, updated_by=actor.username)
        )
    audit(
        session,
        actor,
        "record" if clean.answered else "erase",
        "equality_monitoring",
        entity_id=person_id,
        details={"questions_answered": [c.value for c in clean.answered]},
        at=at,
    )
    return clean


def equality_of(session: Session, person_id: int) -> EqualityAnswers | None:
    """A person's answers; None when none were recorded."""
    row = session.execute(sa.select(_TABLE).where(_TABLE.c.person_id == person_id)).first()
    if row is None:
        return None
    names = {f.name for f in fields(EqualityAnswers)}
    return EqualityAnswers(**{k: v for k, v in row._mapping.items() if k in names})


def erase_equality(
    session: Session, actor: Actor, person_id: int, reason: str, now: dt.datetime | None = None
) -> bool:
    """Delete a person's answers (they withdrew consent, say); True if there were any."""
    why = require_reason(reason, "erasing the answers")
    removed = execute_count(session, sa.delete(_TABLE).where(_TABLE.c.person_id == person_id))
    if removed:
        audit(
            session,
            actor,
            "erase",
            "equality_monitoring",
            entity_id=person_id,
            details={"reason": why},
            at=moment(now),
        )
    return bool(removed)


def set_population_share(
    session: Session,
    actor: Actor,
    characteristic: Characteristic,
    label: str,
    percent: float | None,
) -> CategoryView:
    """The share of the council's population in a category (None: not known)."""
    bind_actor(session, actor)
    if percent is not None and not 0 <= percent <= 100:
        raise ValidationError("A population share is a percentage from 0 to 100.", "percent")
    canonical = _canonical(categories(session), characteristic, label)
    row = session.scalar(
        sa.select(EqualityCategory).where(
            EqualityCategory.characteristic == characteristic, EqualityCategory.label == canonical
        )
    )
    assert row is not None
    if row.is_prefer_not_to_say and percent is not None:
        raise ValidationError(
            f"'{canonical}' is not compared with the population.", "population_percent"
        )
    row.population_percent = percent
    row.updated_by = actor.username
    session.flush()
    return CategoryView(
        row.id, characteristic, row.label, percent, row.is_prefer_not_to_say, row.sort_order
    )
