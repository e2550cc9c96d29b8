"""The investigator pool, appointments and the investigators' own work.

Staff (officers and managers) manage the pool and make, record and replace appointments;
overriding an eligibility warning is a manager's decision, with the reason recorded on
the appointment. An investigator works only on their own appointments of the cases
assigned to them: they answer their offers, record their progress and their report, and
see their own cases as far as they need them (no complainant details, no correspondence,
no history).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

from crm_desktop.domain.eligibility import Verdict
from crm_desktop.domain.enums import AssignmentRole, AssignmentStatus, UserRole
from crm_desktop.errors import FileProblem, ValidationError
from crm_desktop.operations import admin
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import AssignmentId, CaseId, Permission, StageId
from crm_desktop.services import access, attachments
from crm_desktop.services import investigators as inv
from crm_desktop.services.reference_admin import ServiceAreaRow

__all__ = [
    "accept",
    "add_to_pool",
    "add_to_pool_with_sign_in",
    "appointment_choices",
    "case_appointments",
    "costs",
    "decline",
    "edit_pool_member",
    "eligibility",
    "my_case",
    "my_cases",
    "offer",
    "pool",
    "pool_areas",
    "pool_member",
    "record_progress",
    "record_report",
    "remove_from_pool",
    "replace",
    "set_availability",
    "set_fees",
    "suggestions",
    "upload_report",
]


def _override(ctx: OpContext, verdict: Verdict) -> None:
    """Appointing someone the rules warn about is a manager's decision."""
    if verdict.needs_override:
        ctx.authoriser.require(Permission.MANAGER_DECISIONS)


def _own(ctx: OpContext, assignment_id: int) -> None:
    """Only one's own appointment (staff may record any)."""
    ctx.authoriser.require_own_assignment(assignment_id)


# --------------------------------------------------------------------------- the pool


@operation(Permission.MANAGE_POOL)
def pool(ctx: OpContext, available_only: bool = False) -> list[inv.PoolMember]:
    """Everyone in the investigator pool, with their load and on-time record."""
    return inv.list_pool(ctx.session, available_on=ctx.today if available_only else None)


@operation(Permission.MANAGE_POOL)
def pool_member(ctx: OpContext, person_id: int) -> inv.PoolMember:
    """One pool member's details."""
    return inv.get_pool_member(ctx.session, person_id)


@operation(Permission.MANAGE_POOL)
def pool_areas(ctx: OpContext) -> list[ServiceAreaRow]:
    """The service areas a pool member's home service area is chosen from."""
    return inv.pool_areas(ctx.session)


@operation(Permission.MANAGE_POOL, changes=(Change.POOL,))
def add_to_pool(
    ctx: OpContext, data: inv.PoolMemberInput, person_id: int | None = None
) -> inv.PoolMember:
    """Add someone to the investigator pool (a new person, or one already recorded)."""
    return inv.add_to_pool(ctx.session, data, ctx.actor, ctx.today, person_id)


@operation(Permission.MANAGE_USERS, changes=(Change.POOL, Change.USERS))
def add_to_pool_with_sign_in(
    ctx: OpContext,
    data: inv.PoolMemberInput,
    username: str,
    password: str | None = None,
    confirm: str | None = None,
    windows_account: str | None = None,
) -> inv.PoolMember:
    """Add someone to the pool and give them their own sign-in as an investigator, in one
    transaction: both are saved, or neither."""
    member = add_to_pool(ctx, data)
    admin.add_user(
        ctx,
        username,
        UserRole.INVESTIGATOR,
        data.full_name,
        password=password,
        confirm=confirm,
        windows_account=windows_account,
        email=data.email,
        person_id=member.id,
    )
    return member


@operation(Permission.MANAGE_POOL, changes=(Change.POOL,))
def edit_pool_member(
    ctx: OpContext, person_id: int, version: int, data: inv.PoolMemberInput
) -> inv.PoolMember:
    """Change a pool member's details."""
    return inv.edit_pool_member(ctx.session, person_id, version, data, ctx.actor, ctx.today)


@operation(Permission.MANAGE_POOL, changes=(Change.POOL,))
def remove_from_pool(ctx: OpContext, person_id: int) -> None:
    """Take someone out of the pool (refused while they have open appointments)."""
    inv.remove_from_pool(ctx.session, person_id, ctx.actor)


@operation(Permission.MANAGE_POOL, changes=(Change.POOL,))
def set_availability(
    ctx: OpContext, person_id: int, available: bool, unavailable_until: dt.date | None
) -> inv.PoolMember:
    """Mark a pool member available or not (until the day they are back)."""
    return inv.set_availability(
        ctx.session, person_id, available, unavailable_until, ctx.actor, ctx.today
    )


@operation(Permission.MANAGE_POOL, changes=(Change.POOL,))
def set_fees(
    ctx: OpContext, person_id: int, hourly_fee_pence: int | None, daily_fee_pence: int | None
) -> inv.PoolMember:
    """Set a pool member's hourly and daily fees."""
    return inv.set_fees(ctx.session, person_id, hourly_fee_pence, daily_fee_pence, ctx.actor)


@operation(Permission.MANAGE_POOL)
def costs(ctx: OpContext, year: int | None = None, case_id: CaseId | None = None) -> inv.CostReport:
    """What investigators and panels cost, per appointment, case and financial year."""
    return inv.costs(ctx.session, case_id=case_id, year=year)


# ------------------------------------------------------------------ choosing people


@operation(Permission.APPOINT_INVESTIGATORS)
def eligibility(
    ctx: OpContext,
    case_id: CaseId,
    person_id: int,
    role: AssignmentRole,
    stage_id: StageId | None = None,
) -> Verdict:
    """Whether someone may be appointed to a role on the case, with every reason."""
    return inv.eligibility(ctx.session, person_id, case_id, role, ctx.today, stage_id)


@operation(Permission.APPOINT_INVESTIGATORS)
def suggestions(
    ctx: OpContext,
    case_id: CaseId,
    role: AssignmentRole,
    limit: int = 10,
    stage_id: StageId | None = None,
) -> list[inv.Suggestion]:
    """The eligible people for a role on the case, best first, with why."""
    return inv.suggestions(ctx.session, case_id, role, ctx.today, limit, stage_id)


@operation(Permission.APPOINT_INVESTIGATORS)
def appointment_choices(
    ctx: OpContext, case_id: CaseId, stage_id: StageId | None, role: AssignmentRole | None
) -> inv.AppointmentChoices:
    """Everyone in the pool with their verdict for a role, and the case's appointments."""
    return inv.appointment_choices(ctx.session, case_id, stage_id, role, ctx.today)


@operation(Permission.APPOINT_INVESTIGATORS)
def case_appointments(ctx: OpContext, case_id: CaseId) -> list[inv.AssignmentView]:
    """Every appointment on a case, replaced and declined ones included."""
    return inv.case_assignments(ctx.session, case_id)


# ------------------------------------------------------------------ the lifecycle


@operation(Permission.APPOINT_INVESTIGATORS, changes=(Change.APPOINTMENTS,))
def offer(
    ctx: OpContext,
    stage_id: StageId,
    person_id: int,
    role: AssignmentRole,
    report_due_on: dt.date | None = None,
    override_reason: str | None = None,
) -> inv.AssignmentView:
    """Offer a role on a stage to someone in the pool (a manager may override a warning,
    with a reason)."""
    _override(ctx, inv.appointment_verdict(ctx.session, stage_id, person_id, role, ctx.today))
    return inv.offer(
        ctx.session,
        stage_id,
        person_id,
        role,
        ctx.actor,
        ctx.today,
        report_due_on,
        override_reason,
    )


@operation(Permission.APPOINT_INVESTIGATORS, changes=(Change.APPOINTMENTS,))
def replace(
    ctx: OpContext,
    assignment_id: AssignmentId,
    new_person_id: int,
    reason: str,
    report_due_on: dt.date | None = None,
    override_reason: str | None = None,
) -> inv.Replacement:
    """End an offered or accepted appointment and offer the role to someone else."""
    verdict = inv.replacement_verdict(ctx.session, assignment_id, new_person_id, ctx.today)
    _override(ctx, verdict)
    return inv.replace(
        ctx.session,
        assignment_id,
        new_person_id,
        reason,
        ctx.actor,
        ctx.today,
        report_due_on,
        override_reason,
    )


@operation(Permission.OWN_APPOINTMENTS, changes=(Change.APPOINTMENTS,))
def accept(
    ctx: OpContext, assignment_id: AssignmentId, on: dt.date | None = None
) -> inv.AssignmentView:
    """Record that an offer was accepted."""
    _own(ctx, assignment_id)
    return inv.accept(ctx.session, assignment_id, ctx.actor, ctx.today, on)


@operation(Permission.OWN_APPOINTMENTS, changes=(Change.APPOINTMENTS,))
def decline(
    ctx: OpContext, assignment_id: AssignmentId, reason: str, on: dt.date | None = None
) -> inv.AssignmentView:
    """Record that an offer was declined, and why."""
    _own(ctx, assignment_id)
    return inv.decline(ctx.session, assignment_id, reason, ctx.actor, ctx.today, on)


@operation(Permission.OWN_APPOINTMENTS, changes=(Change.APPOINTMENTS,))
def record_report(
    ctx: OpContext, assignment_id: AssignmentId, received_on: dt.date
) -> inv.AssignmentView:
    """Record an investigator's report as received: the appointment is done."""
    _own(ctx, assignment_id)
    return inv.record_report(ctx.session, assignment_id, received_on, ctx.actor, ctx.today)


@operation(Permission.OWN_APPOINTMENTS, changes=(Change.APPOINTMENTS,))
def record_progress(
    ctx: OpContext, assignment_id: AssignmentId, note: str, hours: float | None
) -> inv.AssignmentView:
    """A dated progress note and/or the hours worked so far on an appointment."""
    _own(ctx, assignment_id)
    if inv.appointment_status(ctx.session, assignment_id) == AssignmentStatus.REPLACED:
        # The hours of someone who stopped part way are recorded by the team.
        ctx.authoriser.require(Permission.APPOINT_INVESTIGATORS)
    return inv.record_progress(ctx.session, assignment_id, note, hours, ctx.actor, ctx.today)


@operation(Permission.OWN_APPOINTMENTS, changes=(Change.APPOINTMENTS, Change.ATTACHMENTS))
def upload_report(
    ctx: OpContext, assignment_id: AssignmentId, source: Path, sent_on: dt.date
) -> inv.AssignmentView:
    """Keep a report file with its case and record the report as received, together:
    a refusal keeps neither."""
    _own(ctx, assignment_id)
    ctx.authoriser.require(Permission.ADD_ATTACHMENTS)
    _check_report_type(source.name)
    if ctx.database is None:  # pragma: no cover - run_operation always gives one
        raise RuntimeError("uploading a report needs the database's attachment store")
    case_id, _reference = inv.case_of_appointment(ctx.session, assignment_id)
    # The report first: a step the appointment does not allow stores no file.
    recorded = inv.record_report(ctx.session, assignment_id, sent_on, ctx.actor, ctx.today)
    store = attachments.store_folder(ctx.session, ctx.database.url)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise FileProblem(
            f"{source.name} cannot be read ({exc.strerror or exc}). Choose the file again."
        ) from None
    content_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    with handle:
        attachments.add_attachment(
            ctx.session, store, case_id, handle, source.name, ctx.actor, content_type
        )
    return recorded


# What a report may be: documents and pictures of pages, nothing a system would run.
REPORT_TYPES = ("pdf", "doc", "docx", "odt", "rtf", "txt", "jpg", "jpeg", "png")


def _check_report_type(name: str) -> None:
    """Refuse a report that is not a document or a picture, before anything is kept."""
    attachments.refuse_runnable(name)
    if attachments.file_type(name) not in REPORT_TYPES:
        raise ValidationError(
            f"'{attachments.display_name(name)}' cannot be uploaded as a report: a report "
            "must be a PDF, a Word or OpenDocument document (.doc, .docx, .odt, .rtf), a "
            "text file (.txt) or a picture (.jpg, .png). Save it as a PDF and upload that.",
            "file",
        )


# ------------------------------------------------------------- an investigator's own


@operation(Permission.OWN_APPOINTMENTS)
def my_cases(ctx: OpContext) -> list[access.InvestigatorCase]:
    """The signed-in user's own appointments, soonest report due first."""
    return access.investigator_cases(ctx.session, ctx.authoriser.person_id)


@operation(Permission.OWN_APPOINTMENTS)
def my_case(ctx: OpContext, case_id: CaseId) -> access.InvestigatorCaseDetail:
    """A case assigned to the signed-in user, as far as they need it."""
    return access.investigator_case_detail(ctx.session, ctx.authoriser.person_id, case_id)
