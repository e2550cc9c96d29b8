"""Reference data, closure days, timescales, KPI targets and user accounts.

Signing in and creating the first administrator of a new database are not operations: they
establish who acts (``services.users.sign_in``, ``services.reference_admin
.create_first_administrator``). Everything an administrator does after that is one of these.
"""

from __future__ import annotations

import datetime as dt

from crm_desktop.domain.enums import Procedure, UserRole
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import Permission
from crm_desktop.services import db_roles, users
from crm_desktop.services import reference_admin as ra

__all__ = [
    "account_choices",
    "add_closure_day",
    "add_nature",
    "add_service_area",
    "add_user",
    "closure_days",
    "grant_database_login",
    "kpis",
    "natures",
    "remove_closure_day",
    "remove_closure_day_on",
    "reset_password",
    "service_areas",
    "set_kpi_target",
    "set_password",
    "set_timescale",
    "set_user_active",
    "timescales",
    "update_nature",
    "update_service_area",
    "update_user",
    "user_accounts",
]

_REFERENCE = Permission.MANAGE_REFERENCE_DATA
_USERS = Permission.MANAGE_USERS


# --------------------------------------------------------------------- reference data


@operation(_REFERENCE)
def natures(ctx: OpContext, procedure: Procedure | None = None) -> list[ra.NatureRow]:
    """Every nature of complaint, in use or retired (of one procedure, if given)."""
    return ra.list_natures(ctx.session, procedure)


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def add_nature(ctx: OpContext, procedure: Procedure | str, name: str) -> ra.NatureRow:
    """Add a nature of complaint to a procedure."""
    return ra.add_nature(ctx.session, ctx.actor, procedure, name)


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def update_nature(
    ctx: OpContext, nature_id: int, version: int, name: str, active: bool
) -> ra.NatureRow:
    """Rename a nature of complaint, or retire it (old cases keep it)."""
    return ra.update_nature(ctx.session, ctx.actor, nature_id, version, name=name, active=active)


@operation(_REFERENCE)
def service_areas(ctx: OpContext) -> list[ra.ServiceAreaRow]:
    """Every service area, in use or retired."""
    return ra.list_service_areas(ctx.session)


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def add_service_area(
    ctx: OpContext,
    procedure: Procedure | str,
    name: str,
    directorate: str | None = None,
    for_complaints: bool = True,
    for_compliments: bool = False,
) -> ra.ServiceAreaRow:
    """Add a service area (a corporate one within its directorate)."""
    return ra.add_service_area(
        ctx.session,
        ctx.actor,
        procedure,
        name,
        directorate=directorate,
        for_complaints=for_complaints,
        for_compliments=for_compliments,
    )


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def update_service_area(
    ctx: OpContext,
    area_id: int,
    version: int,
    name: str,
    active: bool,
    for_complaints: bool,
    for_compliments: bool,
) -> ra.ServiceAreaRow:
    """Rename a service area, say what it is used for, or retire it."""
    return ra.update_service_area(
        ctx.session,
        ctx.actor,
        area_id,
        version,
        name=name,
        active=active,
        for_complaints=for_complaints,
        for_compliments=for_compliments,
    )


@operation(_REFERENCE)
def timescales(ctx: OpContext) -> list[ra.TimescaleRow]:
    """Every stage's timescales and extension limits."""
    return ra.list_timescales(ctx.session)


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def set_timescale(ctx: OpContext, timescale_id: int, version: int, value: int) -> ra.TimescaleRow:
    """Change a timescale or extension limit (for clocks started from now on)."""
    return ra.set_timescale(ctx.session, ctx.actor, timescale_id, version, value)


@operation(_REFERENCE)
def kpis(ctx: OpContext) -> list[ra.KpiRow]:
    """Every key performance indicator and its target."""
    return ra.list_kpis(ctx.session)


@operation(_REFERENCE, changes=(Change.REFERENCE_DATA,))
def set_kpi_target(
    ctx: OpContext,
    kpi_id: int,
    version: int,
    target_percent: float,
    active: bool | None = None,
    threshold_days: int | None = None,
) -> ra.KpiRow:
    """Change a KPI's target, whether the report and dashboard show it, or (for a KPI
    counted in working days) the working days it counts within."""
    return ra.set_kpi_target(
        ctx.session, ctx.actor, kpi_id, version, target_percent, active, threshold_days
    )


@operation(_REFERENCE)
def closure_days(ctx: OpContext) -> list[ra.ClosureDayRow]:
    """The council's closure days (not working days for deadlines)."""
    return ra.list_closure_days(ctx.session)


@operation(_REFERENCE, changes=(Change.CALENDAR, Change.CASES))
def add_closure_day(ctx: OpContext, day: dt.date, name: str) -> ra.ClosureDayRow:
    """Add a council closure day: not a working day for corporate deadlines (running
    clocks' dates are worked out again)."""
    row = ra.add_closure_day(ctx.session, ctx.actor, day, name)
    _report_moved(ctx, row.stages_moved)
    return row


def _report_moved(ctx: OpContext, stages_moved: int) -> None:
    """The calendar changed; the cases too when open stages' dates moved with it."""
    ctx.report_changes(Change.CALENDAR, *((Change.CASES,) if stages_moved else ()))


@operation(_REFERENCE, changes=(Change.CALENDAR, Change.CASES))
def remove_closure_day(ctx: OpContext, closure_id: int, version: int) -> int:
    """Remove a council closure day; the number of open corporate stages whose dates
    moved."""
    moved = ra.remove_closure_day(ctx.session, ctx.actor, closure_id, version)
    _report_moved(ctx, moved)
    return moved


@operation(_REFERENCE, changes=(Change.CALENDAR, Change.CASES))
def remove_closure_day_on(ctx: OpContext, day: dt.date) -> ra.ClosureDayRow:
    """Remove the council closure day on a date (the command line's way)."""
    row = ra.remove_closure_day_on(ctx.session, ctx.actor, day)
    _report_moved(ctx, row.stages_moved)
    return row


# ------------------------------------------------------------------------------ users


@operation(_USERS)
def account_choices(ctx: OpContext) -> ra.AccountChoices:
    """The pool records and service areas a new or changed account can be linked to."""
    return ra.account_choices(ctx.session)


@operation(_USERS)
def user_accounts(ctx: OpContext) -> list[ra.UserRow]:
    """Every user account, enabled or not."""
    return ra.list_user_rows(ctx.session)


@operation(_USERS, changes=(Change.USERS,))
def add_user(
    ctx: OpContext,
    username: str,
    role: UserRole | str,
    display_name: str,
    password: str | None = None,
    confirm: str | None = None,
    windows_account: str | None = None,
    email: str | None = None,
    person_id: int | None = None,
    service_area_id: int | None = None,
) -> ra.UserRow:
    """Add a user account with a password, a Windows account, or both (an investigator's
    linked to their pool record, a service responder's to their service area)."""
    return ra.add_user_account(
        ctx.session,
        ctx.actor,
        username,
        role,
        display_name=display_name,
        password=password,
        confirm=confirm,
        windows_account=windows_account,
        email=email,
        person_id=person_id,
        service_area_id=service_area_id,
    )


@operation(_USERS, changes=(Change.USERS,))
def update_user(
    ctx: OpContext,
    user_id: int,
    version: int,
    display_name: str,
    role: UserRole | str,
    active: bool,
    windows_account: str | None = None,
    person_id: int | None = None,
    service_area_id: int | None = None,
) -> ra.UserRow:
    """Change a user's name, role, Windows account or whether they can sign in (and an
    investigator's pool record or a service responder's service area)."""
    return ra.update_user(
        ctx.session,
        ctx.actor,
        user_id,
        version,
        display_name=display_name,
        role=role,
        active=active,
        windows_account=windows_account,
        person_id=person_id,
        service_area_id=service_area_id,
    )


@operation(_USERS, changes=(Change.USERS,))
def reset_password(
    ctx: OpContext, user_id: int, version: int, password: str, confirm: str
) -> ra.UserRow:
    """Set a user's password (typed twice) and unlock their account."""
    return ra.reset_password(ctx.session, ctx.actor, user_id, version, password, confirm)


@operation(_USERS, changes=(Change.USERS,))
def set_user_active(ctx: OpContext, username: str, active: bool) -> users.UserView:
    """Enable a user's account (clearing any lock), or disable it."""
    return users.set_active(ctx.session, username, active, ctx.actor)


@operation(_USERS, changes=(Change.USERS,))
def set_password(ctx: OpContext, username: str, password: str) -> None:
    """Set a user's password, by username, and unlock their account."""
    users.set_password(ctx.session, username, password)


@operation(Permission.OWN_PASSWORD, changes=(Change.USERS,))
def change_own_password(ctx: OpContext, current: str, password: str, confirm: str) -> None:
    """The signed-in user's own password: the current one, then the new one twice."""
    users.change_own_password(ctx.session, ctx.actor.username, current, password, confirm)


@operation(_USERS, changes=(Change.USERS,))
def grant_database_login(ctx: OpContext, username: str, password: str | None = None) -> str:
    """Give a user their own PostgreSQL login (row-level security applies to it)."""
    return db_roles.grant_login(ctx.session, username, password)
