"""Realistic made-up data for demonstrations, training and load tests.

``generate_demo`` fills a database with about five financial years of complaints,
compliments and comments ending on a given day, shaped after the council's 2023 scrutiny
panel report (shared/reference): the mix of procedures, service areas, natures and
outcomes; how many complaints go on to Stage 2, Stage 3 and the Ombudsman; how long
responses take and how many are late; a backlog of open cases near the end date.

The same ``(cases, seed, end)`` always gives the same rows: every random draw comes from
``numpy.random.default_rng(seed)`` or ``random.Random(seed)`` in a fixed order, and no
timestamp comes from the wall clock (created/updated times are derived from the case
dates).

The package, in the order a run uses it:

- :mod:`.data`: the distributions as plain tables (volumes, shares, natures, outcomes,
  timings, people and text);
- :mod:`.reference`: the reference data and timescales read from the database;
- :mod:`.cases`: the cases and where they are recorded;
- :mod:`.lifecycle`: what happens to each case over time, stage by stage as the
  workflow's transition tables allow;
- :mod:`.points`, :mod:`.people`, :mod:`.casework`: what complaints are about, who is
  involved, investigations, the Ombudsman's remedies, learning;
- :mod:`.rows` and :mod:`.writer`: ids, table rows and the bulk inserts.

The demo's cases are owned by five accounts (:mod:`.accounts`) it creates when they are
not there yet: a manager (``manager``) and four officers (``officer1`` to ``officer4``),
all with one password, :data:`DEMO_PASSWORD` unless the caller gives another. An account
already there is used as it is: its password is not changed.

No Qt here: the CLI (``crm-desktop demo``) and the desktop program both call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from crm_desktop.db.audit import rows_not_audited
from crm_desktop.db.database import Database
from crm_desktop.errors import ValidationError
from crm_desktop.services.demo import data
from crm_desktop.services.demo.accounts import DemoAccount
from crm_desktop.services.demo.cases import make_cases
from crm_desktop.services.demo.casework import make_casework
from crm_desktop.services.demo.draws import NONE, Draws, Period, date, day
from crm_desktop.services.demo.lifecycle import (
    STATUS_CLOSED,
    STATUS_OPEN,
    STATUS_SUSPENDED,
    close_compliments_and_comments,
    make_stages,
)
from crm_desktop.services.demo.people import make_people
from crm_desktop.services.demo.points import make_points
from crm_desktop.services.demo.reference import load_reference
from crm_desktop.services.demo.rows import Rows
from crm_desktop.services.demo.writer import Writer
from crm_desktop.services.users import DEMO_PASSWORD, check_password_rules

__all__ = ["DEMO_PASSWORD", "DemoAccount", "DemoSummary", "Progress", "generate_demo"]

Progress = Callable[[int, int], None]

DEMO_ACTOR: Final = "demo"


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo` created."""

    cases: int
    by_kind: dict[str, int]
    by_procedure: dict[str, int]
    open_cases: int
    stages: int
    stages_by_code: dict[str, int]  # "children 1", "adult low", "corporate lgsco", ...
    open_stages: int
    suspended_stages: int
    overdue_stages: int
    points: int
    lgsco_escalations: int
    people: int
    assignments: int
    action_items: int
    users_created: int
    accounts: tuple[DemoAccount, ...]  # every demo account, manager first
    first_received: dt.date
    last_received: dt.date
    rows: int


def generate_demo(
    database: Database,
    cases: int,
    seed: int,
    end: dt.date,
    progress: Progress | None = None,
    *,
    password: str = DEMO_PASSWORD,
) -> DemoSummary:
    """Add ``cases`` made-up representations received up to ``end`` (see module doc).

    Runs in one write transaction: all of it is saved or none. Existing cases are left
    alone; references continue after the numbers already used. ``progress(done, total)``
    is called as rows are written, in cases. The demo accounts it creates get
    ``password``, which must keep the password rules.
    """
    check_password_rules(password)
    if cases < 1:
        raise ValidationError("Ask for at least one demo case.", "cases")
    if not 2006 <= end.year <= 2044:
        raise ValidationError(
            "The demo data must end between 2006 and 2044 (the working-day calendar "
            "covers 2000 to 2045).",
            "end",
        )

    def work(session: Session) -> DemoSummary:
        # Written in bulk with one event for the batch (on PostgreSQL, honoured for the
        # database owner's login only: anyone else's rows are each recorded).
        with rows_not_audited(session):
            return _run(session, cases, seed, end, progress, password)

    return database.write(work, actor=DEMO_ACTOR)


def _run(
    session: Session,
    n: int,
    seed: int,
    end: dt.date,
    progress: Progress | None,
    password: str,
) -> DemoSummary:
    # The order of these calls is the order of the random draws: changing it changes
    # the data every seed gives.
    ref = load_reference(session)
    fy_start = end.year if end.month >= 4 else end.year - 1
    period = Period(start=day(dt.date(fy_start - (data.YEARS - 1), 4, 1)), end=day(end))
    draws = Draws(seed, ref.calendar)
    cases = make_cases(draws, ref, period, n)
    replies = close_compliments_and_comments(draws, period, cases)
    stages = make_stages(draws, ref, period, cases, replies)
    points = make_points(draws, ref, cases, stages)
    people = make_people(draws, ref, period, cases)
    work = make_casework(draws, ref, period, cases, stages, people)

    writer = Writer(session)
    rows = Rows(
        writer,
        draws,
        ref,
        period,
        DEMO_ACTOR,
        password,
        cases,
        replies,
        stages,
        points,
        people,
        work,
    )
    tables = rows.build()
    written = writer.insert(tables, n, progress)
    writer.update_counters(rows.counters)
    first, last = int(rows.case_ids[0]), int(rows.case_ids[-1])
    writer.record_audit_event(
        DEMO_ACTOR,
        {
            "cases": n,
            "seed": seed,
            "end": end.isoformat(),
            "case_ids": f"{first} to {last}",
            "rows": written,
        },
    )

    st = stages.st
    by_code: dict[str, int] = {}
    procs = cases.procedure[st["case"]].tolist()
    for code, proc in zip(st["code"].tolist(), procs, strict=True):
        key = f"{data.PROCEDURES[proc].value} {data.STAGE_CODES[code].value}"
        by_code[key] = by_code.get(key, 0) + 1
    is_open = st["status"] != STATUS_CLOSED
    overdue = (st["status"] == STATUS_OPEN) & (st["due"] != NONE) & (st["due"] < period.end)
    return DemoSummary(
        cases=n,
        by_kind={k.value: int((cases.kind == i).sum()) for i, k in enumerate(data.KINDS)},
        by_procedure={
            p.value: int((cases.procedure == i).sum()) for i, p in enumerate(data.PROCEDURES)
        },
        open_cases=int(stages.case_open.sum()),
        stages=stages.count,
        stages_by_code=dict(sorted(by_code.items())),
        open_stages=int(is_open.sum()),
        suspended_stages=int((st["status"] == STATUS_SUSPENDED).sum()),
        overdue_stages=int(overdue.sum()),
        points=len(points.case),
        lgsco_escalations=len(work.lgsco),
        people=people.count,
        assignments=len(work.assignments["stage"]),
        action_items=len(work.actions),
        users_created=sum(1 for account in rows.accounts if account.created),
        accounts=rows.accounts,
        first_received=date(int(cases.received.min())),
        last_received=date(int(cases.received.max())),
        rows=written,
    )
