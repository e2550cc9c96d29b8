"""Retention, legal holds, subject access, equality monitoring and the access log.

Cases are named by their reference (``CaseReference``): the review list, the command
line and the access log all speak in references. Anonymising, deleting and the purge
save their change first and only then remove the attachment files of the cases they
cleared (``own_transactions``), so a change that is not saved never loses a file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from crm_desktop.db.models_privacy import Characteristic, RecordType, RetentionMethod
from crm_desktop.domain.enums import Procedure
from crm_desktop.operations.attachments import store
from crm_desktop.operations.core import (
    NO_PROGRESS,
    Change,
    OpContext,
    Progress,
    operation,
    reporting,
)
from crm_desktop.operations.policy import CaseReference, Permission
from crm_desktop.privacy import access_log as log
from crm_desktop.privacy import equality, retention, subject_access
from crm_desktop.privacy.common import case_id_for_reference

__all__ = [
    "EqualityForm",
    "access_log",
    "anonymise_case",
    "delete_case",
    "equality_answers",
    "erase_equality_answers",
    "find_people",
    "place_legal_hold",
    "population_shares",
    "purge",
    "release_legal_hold",
    "retention_log",
    "retention_review",
    "retention_schedule",
    "save_equality_answers",
    "set_population_share",
    "set_retention_rule",
    "subject_access_export",
]

REMOVING = (Change.CASES, Change.PRIVACY)


# ------------------------------------------------------------------------ retention


@operation(Permission.MANAGE_PRIVACY)
def retention_review(
    ctx: OpContext, progress: Progress = NO_PROGRESS
) -> list[retention.ReviewItem]:
    """The closed cases whose retention period has ended today, those on hold included.
    Reports how many closed cases it has checked; cancelled, it stops (it only reads)."""
    return retention.retention_review(ctx.session, ctx.today, progress=reporting(progress))


def _removed_after_saving(ctx: OpContext, names: tuple[str, ...]) -> int:
    """Remove attachment files once the change that dropped their records is saved."""
    if not names:
        return 0
    return len(retention.remove_stored_files(store(ctx), names))


@operation(Permission.MANAGE_PRIVACY, changes=REMOVING, own_transactions=True)
def anonymise_case(
    ctx: OpContext, reference: CaseReference, reason: str
) -> retention.RetentionResult:
    """Remove a closed case's personal data and keep its figures, with a reason."""
    result = ctx.write(
        lambda s: retention.anonymise_case(
            s, ctx.actor, case_id_for_reference(s, reference), reason
        )
    )
    return replace(result, files_removed=_removed_after_saving(ctx, result.files_to_remove))


@operation(Permission.MANAGE_PRIVACY, changes=REMOVING, own_transactions=True)
def delete_case(ctx: OpContext, reference: CaseReference, reason: str) -> retention.RetentionResult:
    """Delete a closed case and every record of it, with a reason."""
    result = ctx.write(
        lambda s: retention.delete_case(s, ctx.actor, case_id_for_reference(s, reference), reason)
    )
    return replace(result, files_removed=_removed_after_saving(ctx, result.files_to_remove))


@operation(Permission.MANAGE_PRIVACY, changes=REMOVING)
def place_legal_hold(ctx: OpContext, reference: CaseReference, reason: str) -> None:
    """Stop a case from being anonymised or deleted until the hold is released."""
    case_id = case_id_for_reference(ctx.session, reference)
    retention.place_legal_hold(ctx.session, ctx.actor, case_id, reason)


@operation(Permission.MANAGE_PRIVACY, changes=REMOVING)
def release_legal_hold(ctx: OpContext, reference: CaseReference, reason: str) -> None:
    """Release a legal hold: the case follows the retention schedule again."""
    case_id = case_id_for_reference(ctx.session, reference)
    retention.release_legal_hold(ctx.session, ctx.actor, case_id, reason)


@operation(Permission.MANAGE_PRIVACY, changes=(*REMOVING, Change.ACCESS_LOG), own_transactions=True)
def purge(ctx: OpContext, reason: str) -> retention.PurgeResult:
    """Apply the retention schedule today: anonymise or delete every case due (those on
    legal hold are left) and delete access log entries past their time."""
    result = ctx.write(lambda s: retention.purge(s, ctx.actor, ctx.today, reason))
    return replace(result, files_removed=_removed_after_saving(ctx, result.files_to_remove))


@operation(Permission.MANAGE_PRIVACY)
def retention_schedule(ctx: OpContext) -> list[retention.RuleView]:
    """How long each kind of record is kept, and what happens to it then."""
    return retention.rules(ctx.session)


@operation(Permission.MANAGE_PRIVACY, changes=(Change.PRIVACY,))
def set_retention_rule(
    ctx: OpContext,
    record_type: RecordType,
    years: int,
    method: RetentionMethod,
    procedure: Procedure | None = None,
    description: str = "",
) -> retention.RuleView:
    """Add or change a rule of the retention schedule."""
    return retention.set_rule(
        ctx.session, ctx.actor, record_type, years, method, procedure, description
    )


@operation(Permission.MANAGE_PRIVACY)
def retention_log(ctx: OpContext) -> list[retention.RetentionEventView]:
    """Every anonymisation, deletion, legal hold and purge, newest first, with its reason."""
    return retention.retention_events(ctx.session)


# ------------------------------------------------------------------ subject access


@operation(Permission.MANAGE_PRIVACY)
def find_people(ctx: OpContext, text: str, limit: int = 50) -> list[subject_access.PersonMatch]:
    """People whose name, email or postcode contains ``text``, or who are a party to the
    case with that reference, to choose whose data to export."""
    return subject_access.find_people(ctx.session, text, limit)


@operation(Permission.MANAGE_PRIVACY, changes=(Change.PRIVACY,))
def subject_access_export(
    ctx: OpContext,
    person_id: int,
    out: Path,
    request_reference: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> subject_access.SubjectAccessResult:
    """Everything held about one person, as a ZIP with a PDF index; other people's
    details redacted and every redaction logged."""
    return subject_access.subject_access_export(
        ctx.session,
        ctx.actor,
        person_id,
        out,
        store=store(ctx),
        request_reference=request_reference,
        progress=reporting(progress),
    )


# ------------------------------------------------------------------ access log


@operation(Permission.MANAGE_PRIVACY)
def access_log(
    ctx: OpContext,
    reference: CaseReference | None = None,
    username: str | None = None,
    limit: int = log.DEFAULT_LIMIT,
) -> list[log.AccessLogEntry]:
    """Who opened which case and when, newest first (of one case, or by one user)."""
    case_id = case_id_for_reference(ctx.session, reference) if reference else None
    return log.access_log(ctx.session, case_id=case_id, username=username, limit=limit)


# ------------------------------------------------------------------ equality monitoring


@dataclass(frozen=True)
class EqualityForm:
    """The answers each question offers, and what one person answered (None: nothing)."""

    offered: dict[Characteristic, list[equality.CategoryView]]
    answers: equality.EqualityAnswers | None


def _form(session: Session, person_id: int) -> EqualityForm:
    return EqualityForm(equality.categories(session), equality.equality_of(session, person_id))


@operation(Permission.SEE_EQUALITY)
def equality_answers(ctx: OpContext, person_id: int) -> EqualityForm:
    """A person's equality monitoring answers, with the answers each question offers."""
    return _form(ctx.session, person_id)


@operation(Permission.SEE_EQUALITY, changes=(Change.EQUALITY,))
def save_equality_answers(
    ctx: OpContext, person_id: int, answers: equality.EqualityAnswers
) -> equality.EqualityAnswers:
    """Record (or replace) a person's equality monitoring answers; none erases them."""
    return equality.record_equality(ctx.session, ctx.actor, person_id, answers)


@operation(Permission.SEE_EQUALITY, changes=(Change.EQUALITY,))
def erase_equality_answers(ctx: OpContext, person_id: int, reason: str) -> bool:
    """Delete a person's equality monitoring answers (they withdrew consent, say)."""
    return equality.erase_equality(ctx.session, ctx.actor, person_id, reason)


@operation(Permission.RUN_REPORTS)
def population_shares(ctx: OpContext) -> dict[Characteristic, list[equality.CategoryView]]:
    """Each equality monitoring category with the share of the population in it."""
    return equality.categories(ctx.session)


@operation(Permission.EDIT_REPORT_INPUTS, changes=(Change.REPORT_INPUTS,))
def set_population_share(
    ctx: OpContext, characteristic: Characteristic, label: str, percent: float | None
) -> equality.CategoryView:
    """The share of the council's population in an equality monitoring category."""
    return equality.set_population_share(ctx.session, ctx.actor, characteristic, label, percent)
