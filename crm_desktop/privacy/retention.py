"""The retention schedule: what is due, anonymising or deleting it, and legal hold.

- Each record type (complaint, compliment, comment; access log entries) has a rule:
  kept N years after its case closed (default 6), then anonymised or deleted. A rule may
  be given for one procedure only; it wins over the general rule of its record type.
  Rules are reference data in ``retention_rule`` (:func:`set_rule`).
- A case is due on the same day N years after it closed (29 February: the 28th). Open
  cases are never due.
- :func:`retention_review` lists what is due on a date; :func:`anonymise_case`,
  :func:`delete_case` and :func:`purge` act on it, always with a reason, recorded in
  ``retention_event`` and in the audit trail (without personal values). Who may is the
  access policy's business (managers: :mod:`crm_desktop.operations.privacy`).
- A case on legal hold (:func:`place_legal_hold`) can be neither anonymised nor deleted;
  the purge passes it by and says so.

Anonymising keeps everything reports count (kind, procedure, dates, stages, outcomes,
natures, service areas, Ombudsman decisions and payments) and clears the personal data
(:mod:`~crm_desktop.services.personal_data`). The people linked to the case are
anonymised too when no other live case and no role (investigator, user account) keeps
them; a person who stays is unlinked from the anonymised case. Their equality answers
are deleted with them: special category data about an identifiable reference is not
kept beyond the case.

Attachment files: the records go in the transaction; the files are removed by
:func:`remove_stored_files` once it has committed (the result lists them), so a
rolled-back transaction never leaves a record without its file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import values_withheld
from crm_desktop.db.base import Base
from crm_desktop.db.models import Assignment, Case, CaseParty, Person, User
from crm_desktop.db.models_privacy import (
    DEFAULT_RETENTION_YEARS,
    CaseAccess,
    EqualityMonitoring,
    RecordType,
    RetentionEvent,
    RetentionEventKind,
    RetentionMethod,
    RetentionRule,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.calendar import add_calendar_months
from crm_desktop.domain.enums import CaseStatus, Kind, Procedure
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import IllegalTransition, NotFound, ValidationError
from crm_desktop.privacy.common import (
    audit,
    bind_actor,
    execute_count,
    moment,
    require_reason,
)
from crm_desktop.services import personal_data as pd
from crm_desktop.services.attachments import stored_file

__all__ = [
    "DEFAULT_METHOD",
    "DEFAULT_YEARS",
    "PurgeResult",
    "RetentionResult",
    "ReviewItem",
    "RuleView",
    "anonymise_case",
    "delete_case",
    "due_date",
    "place_legal_hold",
    "purge",
    "release_legal_hold",
    "remove_stored_files",
    "retention_events",
    "retention_review",
    "rule_for",
    "rules",
    "set_rule",
]

_log = logging.getLogger(__name__)
DEFAULT_YEARS = DEFAULT_RETENTION_YEARS
DEFAULT_METHOD = RetentionMethod.ANONYMISE
REVIEW_STEP = 2_000  # closed cases read between progress reports (and checks for Cancel)
_EVENTS: sa.Table = Base.metadata.tables["retention_event"]


@dataclass(frozen=True)
class RuleView:
    record_type: RecordType
    procedure: Procedure | None
    years: int
    method: RetentionMethod
    description: str


@dataclass(frozen=True)
class ReviewItem:
    """A case whose retention period has ended on the review date."""

    case_id: int
    reference: str
    kind: Kind
    procedure: Procedure
    closed_on: dt.date
    due_on: dt.date
    method: RetentionMethod
    years: int
    legal_hold: bool
    hold_reason: str | None
    anonymised_at: dt.datetime | None


@dataclass(frozen=True)
class RetentionResult:
    case_id: int
    reference: str
    method: RetentionMethod
    persons_anonymised: int = 0
    persons_deleted: int = 0
    links_removed: int = 0
    rows_cleared: dict[str, int] = field(default_factory=dict)
    files_to_remove: tuple[str, ...] = ()
    files_removed: int = 0  # once the change was saved


@dataclass(frozen=True)
class PurgeResult:
    as_of: dt.date
    done: tuple[RetentionResult, ...]
    held: tuple[ReviewItem, ...]  # due, but on legal hold: left as they are
    access_entries_deleted: int
    files_removed: int = 0  # once the change was saved

    @property
    def files_to_remove(self) -> tuple[str, ...]:
        return tuple(name for result in self.done for name in result.files_to_remove)


@dataclass(frozen=True)
class RetentionEventView:
    id: int
    case_id: int | None
    case_reference: str | None
    kind: RetentionEventKind
    reason: str
    actor: str
    occurred_at: dt.datetime
    details: dict[str, Any]


# ---------------------------------------------------------------------------- rules


def rules(session: Session) -> list[RuleView]:
    """The schedule as stored (record type, then the general rule before per-procedure)."""
    rows = session.scalars(
        sa.select(RetentionRule).order_by(
            RetentionRule.record_type, RetentionRule.procedure.is_not(None), RetentionRule.id
        )
    )
    return [
        RuleView(
            RecordType(r.record_type),
            Procedure(r.procedure) if r.procedure else None,
            r.years,
            RetentionMethod(r.method),
            r.description,
        )
        for r in rows
    ]


def rule_for(
    schedule: Sequence[RuleView], record_type: RecordType, procedure: Procedure | None = None
) -> RuleView:
    """The rule for a record type (and procedure); the default when none is stored."""
    general = None
    for rule in schedule:
        if rule.record_type != record_type:
            continue
        if procedure is not None and rule.procedure == procedure:
            return rule
        if rule.procedure is None:
            general = rule
    if general is not None:
        return general
    method = RetentionMethod.DELETE if record_type == RecordType.ACCESS_LOG else DEFAULT_METHOD
    return RuleView(record_type, None, DEFAULT_YEARS, method, "default")


def set_rule(
    session: Session,
    actor: Actor,
    record_type: RecordType,
    years: int,
    method: RetentionMethod,
    procedure: Procedure | None = None,
    description: str = "",
) -> RuleView:
    """Add or change a rule of the schedule (audited like any setting)."""
    bind_actor(session, actor)
    if not 1 <= years <= 100:
        raise ValidationError("Keep records for between 1 and 100 years.", "years")
    if record_type == RecordType.ACCESS_LOG and procedure is not None:
        raise ValidationError("The access log has one rule for every procedure.", "procedure")
    row = session.scalar(
        sa.select(RetentionRule).where(
            RetentionRule.record_type == record_type,
            RetentionRule.procedure.is_(None)
            if procedure is None
            else RetentionRule.procedure == procedure,
        )
    )
    if row is None:
        row = RetentionRule(record_type=record_type, procedure=procedure)
        session.add(row)
    row.years = years
    row.method = method
    row.description = description.strip()
    row.updated_by = actor.username
    session.flush()
    return RuleView(record_type, procedure, years, method, row.description)


def due_date(closed_on: dt.date, years: int) -> dt.date:
    """The day ``years`` after the case closed (29 February: 28 February)."""
    return add_calendar_months(closed_on, 12 * years)


# --------------------------------------------------------------------------- review


def _hold_reasons(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    reasons: dict[int, str] = {}
    for case_id, reason in session.execute(
        sa.select(RetentionEvent.case_id, RetentionEvent.reason)
        .where(
            RetentionEvent.case_id.in_(case_ids),
            RetentionEvent.kind == RetentionEventKind.HOLD_PLACED,
        )
        .order_by(RetentionEvent.id)
    ):
        if case_id is not None:
            reasons[case_id] = reason
    return reasons


def _review(
    session: Session,
    as_of: dt.date,
    case_ids: Sequence[int] | None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[ReviewItem]:
    schedule = rules(session)
    shortest = min(
        [r.years for r in schedule if r.record_type != RecordType.ACCESS_LOG] + [DEFAULT_YEARS]
    )
    # A day's margin for 29 February; the exact due date is worked out below.
    latest_closed = add_calendar_months(as_of, -12 * shortest) + dt.timedelta(days=1)
    query = (
        sa.select(
            Case.id,
            Case.reference,
            Case.kind,
            Case.procedure,
            Case.closed_on,
            Case.legal_hold,
            Case.anonymised_at,
        )
        .where(
            Case.status == CaseStatus.CLOSED,
            Case.closed_on.is_not(None),
            Case.closed_on <= latest_closed,
        )
        .order_by(Case.closed_on, Case.id)
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    if progress is not None:
        progress(0, 0, "Reading the closed cases…")
    rows = session.execute(query).all()
    total = len(rows)
    if progress is not None:
        progress(0, total, f"Checking closed cases 0 of {total:,}…")
    due: list[tuple[Any, ...]] = []
    for done, row in enumerate(rows, 1):
        if progress is not None and done % REVIEW_STEP == 0:
            progress(done, total, f"Checking closed cases {done:,} of {total:,}…")
        kind, procedure = Kind(row.kind), Procedure(row.procedure)
        rule = rule_for(schedule, RecordType(kind.value), procedure)
        on = due_date(row.closed_on, rule.years)
        if on > as_of:
            continue
        if rule.method == RetentionMethod.ANONYMISE and row.anonymised_at is not None:
            continue  # done already
        due.append((row, kind, procedure, rule, on))
    if progress is not None:
        progress(total, total, "Reading the legal holds…")
    reasons = _hold_reasons(session, [row.id for row, *_ in due if row.legal_hold])
    return [
        ReviewItem(
            case_id=row.id,
            reference=row.reference,
            kind=kind,
            procedure=procedure,
            closed_on=row.closed_on,
            due_on=on,
            method=rule.method,
            years=rule.years,
            legal_hold=bool(row.legal_hold),
            hold_reason=reasons.get(row.id) if row.legal_hold else None,
            anonymised_at=row.anonymised_at,
        )
        for row, kind, procedure, rule, on in due
    ]


def retention_review(
    session: Session, as_of: dt.date, progress: Callable[[int, int, str], None] | None = None
) -> list[ReviewItem]:
    """Every closed case whose retention period has ended on ``as_of``, earliest closed
    first, those on legal hold included (and marked) so their holds can be reviewed.
    ``progress(done, total, text)`` is called every :data:`REVIEW_STEP` cases read (it
    may raise to stop the review)."""
    return _review(session, as_of, None, progress)


# ------------------------------------------------------------------------- actions


def _case_row(session: Session, case_id: int) -> Any:
    row = session.execute(
        sa.select(
            Case.id,
            Case.reference,
            Case.status,
            Case.closed_on,
            Case.legal_hold,
            Case.anonymised_at,
            Case.kind,
            Case.procedure,
        ).where(Case.id == case_id)
    ).first()
    if row is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    return row


def _check_can_remove(row: sa.Row[Any], doing: str) -> None:
    if row.legal_hold:
        raise IllegalTransition(
            f"{row.reference} is on legal hold, so it cannot be {doing}. Release the hold "
            "(with a reason) first, if it is no longer needed."
        )
    if row.status != CaseStatus.CLOSED:
        raise IllegalTransition(f"{row.reference} is still open. Close it before it is {doing}.")


def _record(
    session: Session,
    actor: Actor,
    kind: RetentionEventKind,
    case_id: int | None,
    reference: str | None,
    reason: str,
    details: dict[str, Any],
    at: dt.datetime,
) -> None:
    session.execute(
        sa.insert(_EVENTS).values(
            case_id=case_id,
            case_reference=reference,
            kind=kind.value,
            reason=reason,
            actor=actor.username,
            occurred_at=at,
            details=json.dumps(details, sort_keys=True),
        )
    )
    audit(
        session,
        actor,
        kind.value,
        "retention",
        entity_id=reference,
        case_id=case_id,
        details={"reason": reason, **details},
        at=at,
    )


def _is_kept_by_role(session: Session, person_id: int) -> bool:
    """Investigators and people with a user account are not anonymised with a case."""
    if session.scalar(sa.select(Person.is_investigator).where(Person.id == person_id)):
        return True
    if session.scalar(sa.select(User.id).where(User.person_id == person_id).limit(1)):
        return True
    return (
        session.scalar(sa.select(Assignment.id).where(Assignment.person_id == person_id).limit(1))
        is not None
    )


def _live_links(session: Session, person_id: int) -> int:
    """Links from the person to cases that are not anonymised."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseParty)
            .join(Case, Case.id == CaseParty.case_id)
            .where(CaseParty.person_id == person_id, Case.anonymised_at.is_(None))
        )
        or 0
    )


def _any_links(session: Session, person_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseParty)
            .where(CaseParty.person_id == person_id)
        )
        or 0
    )


def anonymise_person(session: Session, person_id: int, actor: Actor, at: dt.datetime) -> None:
    """Clear the person's name, contact details and notes; delete their equality answers."""
    table = Base.metadata.tables["person"]
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.name in pd.PERSON_KEPT or column.primary_key:
            continue
        if column.name == "full_name":
            values[column.name] = pd.ANONYMISED_NAME
        elif column.name == "vexatious":
            values[column.name] = False
        elif column.nullable:
            values[column.name] = None
    values.update(
        anonymised_at=at, updated_at=at, updated_by=actor.username, version=table.c.version + 1
    )
    session.execute(sa.update(table).where(table.c.id == person_id).values(**values))
    session.execute(sa.delete(EqualityMonitoring).where(EqualityMonitoring.person_id == person_id))


def _parties(session: Session, case_id: int) -> list[int]:
    return list(
        session.scalars(
            sa.select(CaseParty.person_id).where(CaseParty.case_id == case_id).distinct()
        )
    )


def _stored_files(session: Session, case_id: int) -> tuple[str, ...]:
    table = Base.metadata.tables["attachment"]
    return tuple(session.scalars(sa.select(table.c.stored_name).where(table.c.case_id == case_id)))


def _clear_case(
    session: Session, case_id: int, actor: Actor, at: dt.datetime
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Clear the personal data of one case's records (not its people)."""
    identifiers = pd.case_identifiers(session, [case_id])
    counts: dict[str, int] = {}
    files = _stored_files(session, case_id)
    tables = pd.case_tables()
    # Deleted tables first, children before parents.
    for table in reversed(tables):
        if table.name in pd.DELETED_TABLES:
            result = execute_count(
                session, sa.delete(table).where(pd.rows_of_cases(table, [case_id]))
            )
            if result:
                counts[f"{table.name} (deleted)"] = result
    for table in tables:
        if table.name in pd.DELETED_TABLES:
            continue
        where = pd.rows_of_cases(table, [case_id])
        scrubbed = pd.SCRUBBED_COLUMNS.get(table.name, frozenset())
        if scrubbed:
            key = next(iter(table.primary_key.columns))
            for row in session.execute(
                sa.select(key, *(table.c[name] for name in sorted(scrubbed))).where(where)
            ):
                changes: dict[str, Any] = {}
                for name in sorted(scrubbed):
                    value = row._mapping[name]
                    if isinstance(value, str):
                        cleaned = pd.scrub(value, identifiers).text
                        if cleaned != value:
                            changes[name] = cleaned
                if changes:
                    if "version" in table.c:
                        changes.update(
                            version=table.c.version + 1, updated_at=at, updated_by=actor.username
                        )
                    session.execute(sa.update(table).where(key == row[0]).values(**changes))
        columns = pd.personal_columns(table)
        values: dict[str, Any] = {c.name: pd.cleared_value(c) for c in columns}
        if table.name == "representation":
            values["anonymised_at"] = at
        if not values:
            continue
        if "version" in table.c:
            values.update(version=table.c.version + 1, updated_at=at, updated_by=actor.username)
        result = execute_count(session, sa.update(table).where(where).values(**values))
        if result and columns:
            counts[table.name] = result
    return counts, files


def _settle_people(
    session: Session, case_id: int, people: Sequence[int], actor: Actor, at: dt.datetime
) -> tuple[int, int, int]:
    """After a case was anonymised or deleted: anonymise (or delete) the people nothing
    else keeps, unlink the others from it. Returns (anonymised, deleted, unlinked)."""
    anonymised = deleted = unlinked = 0
    person_table = Base.metadata.tables["person"]
    for person_id in people:
        kept_by_role = _is_kept_by_role(session, person_id)
        if not kept_by_role and _live_links(session, person_id) == 0:
            if _any_links(session, person_id) == 0:
                session.execute(sa.delete(person_table).where(person_table.c.id == person_id))
                deleted += 1
            else:
                anonymise_person(session, person_id, actor, at)
                anonymised += 1
            continue
        result = execute_count(
            session,
            sa.delete(CaseParty).where(
                CaseParty.case_id == case_id, CaseParty.person_id == person_id
            ),
        )
        unlinked += result
    return anonymised, deleted, unlinked


def anonymise_case(
    session: Session,
    actor: Actor,
    case_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> RetentionResult:
    """Remove the personal data of a closed case and keep its figures.

    Refused for a case on legal hold, an open case, or one already anonymised.
    """
    why = require_reason(reason, "anonymising the case")
    at = moment(now)
    session.flush()
    row = _case_row(session, case_id)
    if row.anonymised_at is not None:
        raise IllegalTransition(
            f"{row.reference} was anonymised on {format_date(row.anonymised_at.date())}."
        )
    _check_can_remove(row, "anonymised")
    people = _parties(session, case_id)
    # The rows' events say what changed, never the personal values (PostgreSQL records
    # every row; see audit.values_withheld).
    with values_withheld(session):
        counts, files = _clear_case(session, case_id, actor, at)
        anonymised, _deleted, unlinked = _settle_people(session, case_id, people, actor, at)
    details = {
        "method": RetentionMethod.ANONYMISE.value,
        "rows_cleared": counts,
        "persons_anonymised": anonymised,
        "links_removed": unlinked,
        "files_removed": len(files),
    }
    _record(session, actor, RetentionEventKind.ANONYMISED, case_id, row.reference, why, details, at)
    session.expire_all()
    return RetentionResult(
        case_id,
        row.reference,
        RetentionMethod.ANONYMISE,
        persons_anonymised=anonymised,
        links_removed=unlinked,
        rows_cleared=counts,
        files_to_remove=files,
    )


def delete_case(
    session: Session,
    actor: Actor,
    case_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> RetentionResult:
    """Delete a closed case and every record of it; its people go too when nothing else
    keeps them. It then no longer counts in any report.

    Refused for a case on legal hold or an open case. What remains is the retention
    event (reference, who, when, why) and the audit trail.
    """
    why = require_reason(reason, "deleting the case")
    at = moment(now)
    session.flush()
    row = _case_row(session, case_id)
    _check_can_remove(row, "deleted")
    people = _parties(session, case_id)
    files = _stored_files(session, case_id)
    with values_withheld(session):
        counts = _delete_case_rows(session, case_id, why)
        anonymised, deleted, unlinked = _settle_people(session, case_id, people, actor, at)
    details = {
        "method": RetentionMethod.DELETE.value,
        "kind": Kind(row.kind).value,
        "procedure": Procedure(row.procedure).value,
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        "rows_deleted": counts,
        "persons_anonymised": anonymised,
        "persons_deleted": deleted,
        "files_removed": len(files),
    }
    _record(session, actor, RetentionEventKind.DELETED, case_id, row.reference, why, details, at)
    session.expire_all()
    return RetentionResult(
        case_id,
        row.reference,
        RetentionMethod.DELETE,
        persons_anonymised=anonymised,
        persons_deleted=deleted,
        links_removed=unlinked,
        rows_cleared=counts,
        files_to_remove=files,
    )


def _delete_case_rows(session: Session, case_id: int, why: str) -> dict[str, int]:
    """Delete every record of the case; the number of rows per table.

    On PostgreSQL no login may delete a case itself: the database's ``crm_delete_case``
    does it (managers only; closed, not on legal hold) and its records go with it."""
    counts: dict[str, int] = {}
    if session.get_bind().dialect.name == "postgresql":
        for table in pd.case_tables():
            found = session.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .where(pd.rows_of_cases(table, [case_id]))
            )
            if found:
                counts[table.name] = int(found)
        session.execute(
            sa.text("SELECT crm_delete_case(:case_id, :why)"), {"case_id": case_id, "why": why}
        )
        return counts
    for table in reversed(pd.case_tables()):
        result = execute_count(session, sa.delete(table).where(pd.rows_of_cases(table, [case_id])))
        if result:
            counts[table.name] = result
    return counts


def place_legal_hold(
    session: Session, actor: Actor, case_id: int, reason: str, now: dt.datetime | None = None
) -> None:
    """Stop the case from being anonymised or deleted until the hold is released."""
    bind_actor(session, actor)
    why = require_reason(reason, "the legal hold")
    at = moment(now)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    if case.legal_hold:
        raise IllegalTransition(f"{case.reference} is already on legal hold.")
    case.legal_hold = True
    case.updated_by = actor.username
    session.flush()
    _record(session, actor, RetentionEventKind.HOLD_PLACED, case.id, case.reference, why, {}, at)


def release_legal_hold(
    session: Session, actor: Actor, case_id: int, reason: str, now: dt.datetime | None = None
) -> None:
    """Release a legal hold; the case follows the retention schedule again."""
    bind_actor(session, actor)
    why = require_reason(reason, "releasing the legal hold")
    at = moment(now)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    if not case.legal_hold:
        raise IllegalTransition(f"{case.reference} is not on legal hold.")
    case.legal_hold = False
    case.updated_by = actor.username
    session.flush()
    _record(session, actor, RetentionEventKind.HOLD_RELEASED, case.id, case.reference, why, {}, at)


def purge(
    session: Session,
    actor: Actor,
    as_of: dt.date,
    reason: str,
    now: dt.datetime | None = None,
) -> PurgeResult:
    """Apply the schedule on ``as_of``: anonymise or delete every case due (cases on
    legal hold are left as they are and listed), and delete access log entries older
    than their retention period."""
    why = require_reason(reason, "applying the retention schedule")
    at = moment(now)
    items = _review(session, as_of, None)
    done: list[RetentionResult] = []
    held: list[ReviewItem] = []
    for item in items:
        if item.legal_hold:
            held.append(item)
        elif item.method == RetentionMethod.DELETE:
            done.append(delete_case(session, actor, item.case_id, why, at))
        else:
            done.append(anonymise_case(session, actor, item.case_id, why, at))
    if session.get_bind().dialect.name == "postgresql":
        # No login deletes entries at will: the database's own function deletes those
        # past the schedule's period (counted back from this day, or today if earlier)
        # and records that it did, in the log and the trail.
        removed = int(
            session.execute(
                sa.text("SELECT crm_purge_access_log(:as_of, :why)"), {"as_of": as_of, "why": why}
            ).scalar_one()
        )
        return PurgeResult(as_of, tuple(done), tuple(held), removed)
    rule = rule_for(rules(session), RecordType.ACCESS_LOG)
    before = add_calendar_months(as_of, -12 * max(rule.years, 1))
    access = Base.metadata.tables[CaseAccess.__tablename__]
    removed = execute_count(
        session,
        sa.delete(access).where(access.c.opened_at < dt.datetime.combine(before, dt.time())),
    )
    if removed:
        _record(
            session,
            actor,
            RetentionEventKind.ACCESS_LOG_PURGED,
            None,
            None,
            why,
            {"entries_deleted": removed, "opened_before": before.isoformat()},
            at,
        )
    return PurgeResult(as_of, tuple(done), tuple(held), removed)


def retention_events(session: Session, case_id: int | None = None) -> list[RetentionEventView]:
    """The retention log (newest first), of one case or of all."""
    query = sa.select(RetentionEvent).order_by(RetentionEvent.id.desc())
    if case_id is not None:
        query = query.where(RetentionEvent.case_id == case_id)
    return [
        RetentionEventView(
            e.id,
            e.case_id,
            e.case_reference,
            RetentionEventKind(e.kind),
            e.reason,
            e.actor,
            e.occurred_at,
            json.loads(e.details) if e.details else {},
        )
        for e in session.scalars(query)
    ]


def remove_stored_files(store: Path, names: Sequence[str]) -> list[str]:
    """Delete attachment files from the store after the transaction that removed their
    records has committed; a name that is not one the program gives, or not a plain
    file in the store, is skipped (:func:`~crm_desktop.services.attachments.stored_file`).
    Returns the names removed."""
    removed = []
    for name in names:
        path = stored_file(store, name)
        if path is None or not path.is_file():
            continue
        try:
            path.unlink()
        except OSError as exc:  # the records are gone: the file is an orphan to tidy later
            _log.warning("could not remove the attachment file %s: %s", path, exc)
            continue
        removed.append(name)
    return removed
