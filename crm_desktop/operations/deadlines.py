"""Deadline queues, the dashboard and working-day arithmetic.

Every list that names cases holds only the cases the signed-in user may see (a service
responder: their own service area's); investigators have no queues at all (they work
from their own cases, :mod:`crm_desktop.operations.investigators`).
"""

from __future__ import annotations

import datetime as dt

from crm_desktop.domain.enums import Procedure
from crm_desktop.errors import ValidationError
from crm_desktop.operations.core import NO_PROGRESS, OpContext, Progress, operation, reporting
from crm_desktop.operations.policy import Permission
from crm_desktop.reports import dashboard
from crm_desktop.services import calendar_service, queues
from crm_desktop.services.queues import QueueRow, Where

__all__ = [
    "add_working_days",
    "all_queues",
    "dashboard_figures",
    "dashboard_kpis",
    "non_working_days",
    "ombudsman_work",
    "queue",
    "working_days_between",
]


def _visible(ctx: OpContext) -> Where:
    """The condition on cases the actor may see; None when they see every case."""
    return None if ctx.authoriser.sees_every_case else ctx.authoriser.case_filter()


def _whose(ctx: OpContext, user: str | None) -> str | None:
    """Whose "my open cases": ``user`` if given, else the actor's own (None when the
    actor has no user account: the command line's administrator)."""
    if user:
        return user
    return ctx.actor.username if queues.user_exists(ctx.session, ctx.actor.username) else None


def _queue(
    ctx: OpContext,
    name: str,
    within: int | None,
    limit: int | None,
    user: str | None,
    then: bool = False,
) -> list[QueueRow]:
    return queues.run_queue(
        ctx.session,
        name,
        ctx.today,
        user=user,
        within=within,
        limit=limit,
        where=_visible(ctx),
        then=then,
    )


@operation(Permission.SEE_CASES)
def queue(
    ctx: OpContext,
    name: str,
    within: int | None = None,
    limit: int | None = None,
    user: str | None = None,
    as_it_stood: bool = False,
) -> list[QueueRow]:
    """One deadline queue on today's date, most at risk of a breach first ("my open
    cases" are the signed-in user's, or ``user``'s). ``as_it_stood``: the queues of
    stages as things stood that day by the dates recorded (a date given on the command
    line; :func:`crm_desktop.services.queues.run_queue`)."""
    whose = None
    if queues.queue_spec(name).needs_user:
        whose = _whose(ctx, user)
        if whose is None:
            raise ValidationError(
                f"The '{name}' queue needs --user USERNAME here: you act as the command "
                "line's administrator, who has no cases of their own.",
                "user",
            )
    return _queue(ctx, name, within, limit, whose, as_it_stood)


@operation(Permission.SEE_CASES)
def all_queues(
    ctx: OpContext, within: int | None = None, progress: Progress = NO_PROGRESS
) -> dict[str, list[QueueRow]]:
    """Every deadline queue at once, for the Queues page."""
    names = queues.queue_names()
    found: dict[str, list[QueueRow]] = {}
    own = _whose(ctx, None)
    for done, name in enumerate(names):
        progress.check()
        progress.report(done, len(names), f"Counting {queues.QUEUES[name].title.lower()}…")
        if queues.QUEUES[name].needs_user and own is None:
            found[name] = []  # no user account, so no cases of one's own
            continue
        found[name] = _queue(ctx, name, within, None, own)
    return found


@operation(Permission.SEE_CASES)
def dashboard_figures(ctx: OpContext) -> dashboard.DashboardFigures:
    """This financial year's intake and today's open work."""
    return dashboard.dashboard_figures(ctx.session, ctx.today, _visible(ctx))


@operation(Permission.RUN_REPORTS)
def dashboard_kpis(ctx: OpContext, progress: Progress = NO_PROGRESS) -> dashboard.KpiSummary:
    """This financial year's KPIs against their targets, as the annual report has them.
    Reports each step; cancelled, it stops (it only reads)."""
    return dashboard.dashboard_kpis(ctx.session, ctx.today, reporting(progress))


@operation(Permission.SEE_CASES)
def ombudsman_work(ctx: OpContext) -> dashboard.OmbudsmanWork:
    """Open cases with the Ombudsman and the remedies not yet completed."""
    return dashboard.ombudsman_work(ctx.session, ctx.today, _visible(ctx))


@operation(Permission.SEE_CASES)
def add_working_days(
    ctx: OpContext, start: dt.date, n: int, procedure: Procedure | str = Procedure.CORPORATE
) -> dt.date:
    """The date N working days after a date in a procedure's calendar (corporate: council
    closure days skipped; children's and adult's: closure days are working days)."""
    return calendar_service.add_working_days(ctx.session, start, n, procedure)


@operation(Permission.SEE_CASES)
def working_days_between(
    ctx: OpContext, start: dt.date, end: dt.date, procedure: Procedure | str = Procedure.CORPORATE
) -> int:
    """The working days after one date up to and including another, in a procedure's
    calendar."""
    return calendar_service.working_days_between(ctx.session, start, end, procedure)


@operation(Permission.SEE_CASES)
def non_working_days(
    ctx: OpContext, year: int, procedure: Procedure | str = Procedure.CORPORATE
) -> list[tuple[dt.date, str]]:
    """The bank holidays (and, in the corporate calendar, closure days) of a year that fall
    on weekdays, with names."""
    return calendar_service.non_working_days(ctx.session, year, procedure)
