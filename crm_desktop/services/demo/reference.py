"""The reference data a demo is drawn against, read once at the start of a run.

Service areas, teams, natures, categories and directorates come from the database (a
manager may have added or retired some), and so do the timescales: the demo's clocks
run on the same rules as real cases. A rule missing from the database falls back to
the default in :mod:`.data`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    ClosureDay,
    Directorate,
    Nature,
    ServiceArea,
    ServiceCategory,
    StageTimescale,
    Team,
    User,
)
from crm_desktop.domain.calendar import WorkingCalendar, england_and_wales_calendar
from crm_desktop.domain.enums import Procedure, StageCode, TimescaleRule
from crm_desktop.services.demo import data
from crm_desktop.services.procedure_policies import PolicyBook, policy_book


@dataclass
class Area:
    id: int
    procedure: Procedure
    directorate_id: int | None
    name: str
    for_complaints: bool
    for_compliments: bool


@dataclass
class Reference:
    areas: list[Area]
    teams: list[tuple[int, int | None, str]]  # children's teams: (id, service area id, name)
    natures: dict[Procedure, list[tuple[int, str]]]
    categories: list[tuple[int, str]]  # adult service categories: (id, name)
    directorates: list[tuple[int, str, str | None]]  # (id, name, short name)
    timescales: dict[tuple[Procedure, StageCode, TimescaleRule], int]
    existing_users: dict[str, int]  # username -> id
    calendar: WorkingCalendar
    # The procedure policies: a case's stages follow the version in force on the day it
    # was received (the Complaint Handling Code's clocks count from the acknowledgement).
    policies: PolicyBook

    def rule(
        self, procedure: Procedure, stage: StageCode, rule: TimescaleRule, default: int
    ) -> int:
        return self.timescales.get((procedure, stage, rule), default)

    def timescale(self, procedure: Procedure, stage: StageCode) -> int:
        """Working days to respond: the duration, or children's Stage 3's three parts."""
        duration = self.timescales.get((procedure, stage, TimescaleRule.DURATION))
        if duration is not None:
            return duration
        if procedure is Procedure.CHILDREN and stage is StageCode.STAGE_3:
            rules = (
                TimescaleRule.PANEL_MEETING,
                TimescaleRule.PANEL_REPORT,
                TimescaleRule.COUNCIL_RESPONSE,
            )
            parts = [self.timescales.get((procedure, stage, rule)) for rule in rules]
            if all(p is not None for p in parts):
                return sum(p for p in parts if p is not None)
        return data.DEFAULT_TIMESCALE[(procedure, stage)]

    def extension_cap(self, procedure: Procedure, stage: StageCode, timescale: int) -> int:
        """The most working days a stage of ``timescale`` days may be extended by."""
        limit = self.timescales.get((procedure, stage, TimescaleRule.EXTENSION_LIMIT))
        if limit is not None:
            return max(0, limit - timescale)
        return data.ADULT_EXTENSION_CAP if procedure is Procedure.ADULT else 0

    def acknowledge_days(self, procedure: Procedure, stage: StageCode) -> int:
        return self.rule(procedure, stage, TimescaleRule.ACKNOWLEDGE, data.ACKNOWLEDGE_DAYS)

    def window(self, procedure: Procedure, stage: StageCode) -> int:
        """Working days after a response in which the next stage may be asked for."""
        return self.rule(procedure, stage, TimescaleRule.NEXT_STAGE_WINDOW, data.NEXT_STAGE_WINDOW)


def load_reference(session: Session) -> Reference:
    areas = [
        Area(r.id, r.procedure, r.directorate_id, r.name, r.for_complaints, r.for_compliments)
        for r in session.scalars(
            sa.select(ServiceArea).where(ServiceArea.active).order_by(ServiceArea.id)
        )
    ]
    teams = [
        (t.id, t.service_area_id, t.name)
        for t in session.scalars(
            sa.select(Team)
            .where(Team.active, Team.procedure == Procedure.CHILDREN)
            .order_by(Team.id)
        )
    ]
    natures: dict[Procedure, list[tuple[int, str]]] = {p: [] for p in data.PROCEDURES}
    for nature in session.scalars(sa.select(Nature).where(Nature.active).order_by(Nature.id)):
        natures[nature.procedure].append((nature.id, nature.name))
    categories = [
        (c.id, c.name)
        for c in session.scalars(
            sa.select(ServiceCategory)
            .where(ServiceCategory.active, ServiceCategory.procedure == Procedure.ADULT)
            .order_by(ServiceCategory.id)
        )
    ]
    directorates = [
        (d.id, d.name, d.short_name)
        for d in session.scalars(
            sa.select(Directorate).where(Directorate.active).order_by(Directorate.id)
        )
    ]
    timescales: dict[tuple[Procedure, StageCode, TimescaleRule], int] = {}
    for t in session.scalars(sa.select(StageTimescale).order_by(StageTimescale.id)):
        timescales[(t.procedure, t.stage, t.rule)] = t.value
    existing_users = {
        row[0]: row[1] for row in session.execute(sa.select(User.username, User.id)).all()
    }
    closures = session.execute(sa.select(ClosureDay.day, ClosureDay.name)).all()
    calendar = england_and_wales_calendar(tuple(sorted((row[0], row[1]) for row in closures)))
    return Reference(
        areas=areas,
        teams=teams,
        natures=natures,
        categories=categories,
        directorates=directorates,
        timescales=timescales,
        existing_users=existing_users,
        calendar=calendar,
        policies=policy_book(session),
    )
