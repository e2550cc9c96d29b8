"""Procedure policies in the database: which version a case follows, and adding versions.

A case follows the version of its procedure in force on the day it was received (the
latest ``effective_from`` on or before ``received_on``) for its whole life; every
deadline, queue, reminder, KPI and report bucket reads the case's version through
:func:`stage_rules` (or :class:`PolicyBook` when it needs many cases at once). A
procedure with no version (the statutory ones, for now) keeps the timescales of the
``stage_timescale`` reference data.

Versions are never rewritten under a case: a version that any case follows cannot be
edited, only superseded by a new version with a later date, and a new version must take
effect after today and after every case of its procedure already received, so it applies
to no case that exists (the preview says so before it is added).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import rules_cache
from crm_desktop.db.models import Case, ProcedurePolicy
from crm_desktop.db.policy_seed import (
    CODE_NAME,
    CORPORATE_2023_NAME,
    EARLIEST,
    ensure_procedure_policies,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import CaseStatus, Procedure, StageCode
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.procedure_policy import (
    CODE_EFFECTIVE_FROM,
    PolicyError,
    PolicyRules,
    StageRules,
    policy_in_force,
    rules_from_json,
    rules_to_json,
)
from crm_desktop.errors import NotFound, ValidationError

__all__ = [
    "CODE_NAME",
    "CORPORATE_2023_NAME",
    "PolicyBook",
    "PolicyPreview",
    "PolicyView",
    "add_policy",
    "all_versions",
    "ensure_procedure_policies",
    "get_policy",
    "list_policies",
    "policy_book",
    "policy_for",
    "preview_policy",
    "stage_rules",
    "update_policy",
]

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """One version as stored: enough to choose it and read its rules."""

    id: int
    procedure: Procedure
    name: str
    effective_from: dt.date
    rules: PolicyRules

    @property
    def is_code(self) -> bool:
        """It takes effect on or after the Complaint Handling Code's first day: the cases
        it covers are handled under the Code."""
        return self.effective_from >= CODE_EFFECTIVE_FROM


@dataclass(frozen=True, slots=True)
class PolicyView:
    """One version for the Admin page and the command line."""

    id: int
    procedure: str  # a Procedure value
    name: str
    effective_from: dt.date
    effective_to: dt.date | None  # the day before the next version (None: no later one)
    rules: PolicyRules
    note: str
    version: int
    cases: int  # cases that follow it
    open_cases: int
    created_by: str | None

    @property
    def in_use(self) -> bool:
        return self.cases > 0

    @property
    def period(self) -> str:
        start = format_date(self.effective_from)
        if self.effective_from <= EARLIEST:
            if self.effective_to is None:
                return "every case"
            return f"cases received up to {format_date(self.effective_to)}"
        if self.effective_to is None:
            return f"cases received from {start}"
        return f"cases received from {start} to {format_date(self.effective_to)}"


@dataclass(frozen=True, slots=True)
class PolicyPreview:
    """What a new version would do if it were added now."""

    procedure: str
    effective_from: dt.date
    cases: int  # existing cases it would apply to (0 when it may be added)
    open_cases: int
    replaces: str | None  # the version in force before it on that day
    message: str


# --------------------------------------------------------------------------- reading


def _stored(row: ProcedurePolicy) -> StoredPolicy:
    try:
        rules = rules_from_json(row.rules)
    except PolicyError as exc:
        raise ValidationError(f"The stored policy '{row.name}' cannot be read: {exc}") from None
    return StoredPolicy(row.id, Procedure(row.procedure), row.name, row.effective_from, rules)


class PolicyBook:
    """Every version of every procedure, read once, for choosing many cases' versions."""

    def __init__(self, policies: Sequence[StoredPolicy]) -> None:
        self._by_procedure: dict[Procedure, list[tuple[dt.date, StoredPolicy]]] = {}
        for policy in policies:
            self._by_procedure.setdefault(policy.procedure, []).append(
                (policy.effective_from, policy)
            )
        for versions in self._by_procedure.values():
            versions.sort(key=lambda pair: pair[0])

    def has(self, procedure: Procedure | str) -> bool:
        return Procedure(procedure) in self._by_procedure

    def versions(self, procedure: Procedure | str) -> list[StoredPolicy]:
        return [p for _, p in self._by_procedure.get(Procedure(procedure), [])]

    def policy_for(self, procedure: Procedure | str, received_on: dt.date) -> StoredPolicy | None:
        versions = self._by_procedure.get(Procedure(procedure))
        if not versions:
            return None
        chosen: StoredPolicy | None = policy_in_force(versions, received_on)
        return chosen

    def stage_rules(
        self, procedure: Procedure | str, stage: StageCode | str, received_on: dt.date
    ) -> StageRules | None:
        policy = self.policy_for(procedure, received_on)
        return None if policy is None else policy.rules.stage(stage)


def all_versions(session: Session) -> list[StoredPolicy]:
    """Every version of every procedure, by date."""
    rows = session.scalars(sa.select(ProcedurePolicy).order_by(ProcedurePolicy.effective_from))
    return [_stored(row) for row in rows]


def policy_book(session: Session) -> PolicyBook:
    return PolicyBook(all_versions(session))


def policy_for(
    session: Session, procedure: Procedure | str, received_on: dt.date
) -> StoredPolicy | None:
    """The version of ``procedure`` in force on ``received_on`` (None: it has none)."""
    proc = Procedure(procedure)
    return rules_cache.shared(
        session, ("policy", proc, received_on), lambda: _read_policy(session, proc, received_on)
    )


def _read_policy(
    session: Session, procedure: Procedure, received_on: dt.date
) -> StoredPolicy | None:
    table = ProcedurePolicy
    row = session.execute(
        sa.select(table.id, table.procedure, table.name, table.effective_from, table.rules)
        .where(
            table.procedure == Procedure(procedure),
            table.effective_from <= received_on,
        )
        .order_by(table.effective_from.desc())
        .limit(1)
    ).first()
    return None if row is None else _stored_once(*row)


@functools.lru_cache(maxsize=64)
def _stored_once(
    policy_id: int, procedure: str, name: str, effective_from: dt.date, rules: str
) -> StoredPolicy:
    """A version as read (its rules parsed once for each text they have: saving a case
    reads its procedure's rules every time)."""
    try:
        parsed = rules_from_json(rules)
    except PolicyError as exc:
        raise ValidationError(f"The stored policy '{name}' cannot be read: {exc}") from None
    return StoredPolicy(policy_id, Procedure(procedure), name, effective_from, parsed)


def stage_rules(
    session: Session, procedure: Procedure | str, stage: StageCode | str, received_on: dt.date
) -> StageRules | None:
    """The rules of ``stage`` for a case of ``procedure`` received on ``received_on``
    (None: its procedure has no policy, or the policy does not cover that stage)."""
    policy = policy_for(session, procedure, received_on)
    return None if policy is None else policy.rules.stage(stage)


def _case_counts(
    session: Session, procedure: Procedure, start: dt.date, end: dt.date | None
) -> tuple[int, int]:
    where = [Case.procedure == procedure, Case.received_on >= start]
    if end is not None:
        where.append(Case.received_on <= end)
    total, still_open = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Case.status != CaseStatus.CLOSED),
        ).where(*where)
    ).one()
    return int(total or 0), int(still_open or 0)


def _views(session: Session, rows: Sequence[ProcedurePolicy]) -> list[PolicyView]:
    by_procedure: dict[Procedure, list[ProcedurePolicy]] = {}
    for row in rows:
        by_procedure.setdefault(Procedure(row.procedure), []).append(row)
    views: list[PolicyView] = []
    for procedure, versions in by_procedure.items():
        versions.sort(key=lambda r: r.effective_from)
        for index, row in enumerate(versions):
            following = versions[index + 1] if index + 1 < len(versions) else None
            end = following.effective_from - dt.timedelta(days=1) if following is not None else None
            cases, open_cases = _case_counts(session, procedure, row.effective_from, end)
            views.append(
                PolicyView(
                    id=row.id,
                    procedure=procedure.value,
                    name=row.name,
                    effective_from=row.effective_from,
                    effective_to=end,
                    rules=_stored(row).rules,
                    note=row.note,
                    version=row.version,
                    cases=cases,
                    open_cases=open_cases,
                    created_by=row.created_by,
                )
            )
    return views


def list_policies(session: Session, procedure: Procedure | str | None = None) -> list[PolicyView]:
    """Every version (of ``procedure``), by procedure then date."""
    statement = sa.select(ProcedurePolicy)
    if procedure is not None:
        statement = statement.where(ProcedurePolicy.procedure == _procedure(procedure))
    everything = list(session.scalars(sa.select(ProcedurePolicy)))
    wanted = {row.id for row in session.scalars(statement)}
    views = [v for v in _views(session, everything) if v.id in wanted]
    order = {p.value: i for i, p in enumerate(Procedure)}
    return sorted(views, key=lambda v: (order[v.procedure], v.effective_from))


def get_policy(session: Session, policy_id: int) -> PolicyView:
    for view in list_policies(session):
        if view.id == policy_id:
            return view
    raise NotFound(f"There is no procedure policy with id {policy_id}.")


# --------------------------------------------------------------------------- changing


def _procedure(value: Procedure | str) -> Procedure:
    try:
        return Procedure(value)
    except ValueError:
        names = ", ".join(p.value for p in Procedure)
        raise ValidationError(
            f"'{value}' is not a procedure; use one of: {names}.", "procedure"
        ) from None


def _name(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError("Give the policy version a name.", "name")
    if len(text) > MAX_NAME:
        raise ValidationError(f"A policy's name can be at most {MAX_NAME} characters.", "name")
    return text


def _rules(value: PolicyRules | str) -> PolicyRules:
    if isinstance(value, PolicyRules):
        return value
    try:
        return rules_from_json(value)
    except PolicyError as exc:
        raise ValidationError(str(exc), "rules") from None


def _latest_received(session: Session, procedure: Procedure) -> dt.date | None:
    latest: dt.date | None = session.scalar(
        sa.select(sa.func.max(Case.received_on)).where(Case.procedure == procedure)
    )
    return latest


def preview_policy(
    session: Session,
    procedure: Procedure | str,
    effective_from: dt.date,
    today: dt.date | None = None,
) -> PolicyPreview:
    """How many existing cases a new version from ``effective_from`` would apply to, and
    which version it would follow on from (and, given ``today``, whether the date may be
    chosen at all: a new version takes effect after today)."""
    proc = _procedure(procedure)
    cases, open_cases = _case_counts(session, proc, effective_from, None)
    before = policy_for(session, proc, effective_from)
    replaces = before.name if before is not None else None
    if today is not None and effective_from <= today and not cases:
        message = (
            f"A new version must take effect after today ({format_date(today)}): "
            f"{format_date(effective_from)} is not. Choose a later date."
        )
    elif cases:
        message = (
            f"{cases} case{'s' if cases != 1 else ''} ({open_cases} open) received on or after "
            f"{format_date(effective_from)} already follow{'s' if cases == 1 else ''} another "
            "version: choose a later date."
        )
    else:
        follows = f"; until then cases follow '{replaces}'" if replaces else ""
        message = (
            f"Applies to no existing case (0 open cases): only to cases received from "
            f"{format_date(effective_from)}{follows}."
        )
    return PolicyPreview(proc.value, effective_from, cases, open_cases, replaces, message)


def _check_date(
    session: Session, procedure: Procedure, effective_from: dt.date, today: dt.date
) -> None:
    if effective_from <= today:
        raise ValidationError(
            f"A new version must take effect after today ({format_date(today)}), so that no "
            f"case already received changes its rules: {format_date(effective_from)} is not.",
            "effective_from",
        )
    latest = _latest_received(session, procedure)
    if latest is not None and effective_from <= latest:
        raise ValidationError(
            f"A case of this procedure was received on {format_date(latest)}; a new version "
            f"must take effect after that, not on {format_date(effective_from)}.",
            "effective_from",
        )


def add_policy(
    session: Session,
    actor: Actor,
    procedure: Procedure | str,
    name: str,
    effective_from: dt.date,
    rules: PolicyRules | str,
    today: dt.date,
    note: str = "",
) -> PolicyView:
    """A new version of ``procedure``'s policy, for cases received from
    ``effective_from`` (after today and after every case already received)."""
    proc = _procedure(procedure)
    text = _name(name)
    parsed = _rules(rules)
    _check_date(session, proc, effective_from, today)
    clash = session.scalar(
        sa.select(ProcedurePolicy.name).where(
            ProcedurePolicy.procedure == proc, ProcedurePolicy.effective_from == effective_from
        )
    )
    if clash is not None:
        raise ValidationError(
            f"The version '{clash}' already takes effect on {format_date(effective_from)}; "
            "choose another date.",
            "effective_from",
        )
    row = ProcedurePolicy(
        procedure=proc,
        name=text,
        effective_from=effective_from,
        rules=rules_to_json(parsed),
        note=(note or "").strip(),
        created_by=actor.username,
        updated_by=actor.username,
    )
    session.add(row)
    session.flush()
    return get_policy(session, row.id)


def update_policy(
    session: Session,
    actor: Actor,
    policy_id: int,
    version: int,
    *,
    today: dt.date,
    name: str | None = None,
    effective_from: dt.date | None = None,
    rules: PolicyRules | str | None = None,
    note: str | None = None,
) -> PolicyView:
    """Correct a version that no case follows yet. A version in use is refused: its rules
    are what its cases were measured against, so a change is a new version instead."""
    row = session.get(ProcedurePolicy, policy_id)
    if row is None:
        raise NotFound(f"There is no procedure policy with id {policy_id}.")
    row.check_version(version, f"The policy version '{row.name}'")
    current = get_policy(session, policy_id)
    if current.in_use:
        cases = current.cases
        raise ValidationError(
            f"'{row.name}' is in use: {cases} case{'s' if cases != 1 else ''} "
            f"({current.open_cases} open) follow{'s' if cases == 1 else ''} it, so it cannot "
            "be changed. Add a new version that takes effect on a later date instead; it "
            "will apply to cases received from that date."
        )
    if row.effective_from <= today:
        raise ValidationError(
            f"'{row.name}' has been in force since {format_date(row.effective_from)}, so it "
            "cannot be changed; add a new version that takes effect on a later date instead."
        )
    proc = Procedure(row.procedure)
    if effective_from is not None and effective_from != row.effective_from:
        _check_date(session, proc, effective_from, today)
        row.effective_from = effective_from
    if name is not None:
        row.name = _name(name)
    if rules is not None:
        row.rules = rules_to_json(_rules(rules))
    if note is not None:
        row.note = note.strip()
    row.updated_by = actor.username
    session.flush()
    return get_policy(session, row.id)
