"""The cases themselves: when they came in, what kind, which procedure, where recorded,
who owns them, what they are about. What then happens to them is :mod:`.lifecycle`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.services.demo import data
from crm_desktop.services.demo.draws import F64, I64, NONE, Bools, Draws, Period, weights
from crm_desktop.services.demo.reference import Reference


@dataclass
class Option:
    """Where a case is recorded: service area, team, directorate."""

    area_id: int | None
    team_id: int | None
    directorate_id: int | None
    name: str


@dataclass
class Cases:
    """Every case of the run, one entry per case in received order."""

    n: int
    received: I64
    kind: I64  # index into data.KINDS
    procedure: I64  # index into data.PROCEDURES
    complaint: Bools
    channel: I64  # index into data.CHANNELS
    area_id: list[int | None]
    team_id: list[int | None]
    directorate_id: list[int | None]
    area_name: list[str]
    owner: I64  # index into the officers of data.DEMO_USERS (all but the manager)
    owner_name: list[str]  # the owner's username
    events_on: I64
    late_complaint: Bools
    summary: list[str]
    desired: list[str | None]


def officers() -> list[str]:
    """The demo officers' usernames: every demo user but the manager (the first)."""
    return [user[0] for user in data.DEMO_USERS[1:]]


def make_cases(draws: Draws, ref: Reference, period: Period, n: int) -> Cases:
    rng = draws.rng
    days = np.arange(period.start, period.end + 1, dtype=np.int64)
    weekday = (days + 3) % 7  # 1 January 1970 was a Thursday
    working = draws.between(days - 1, days) == 1
    weight = np.where(
        weekday < 5,
        data.WORKING_DAY_WEIGHT,
        np.where(weekday == 5, data.SATURDAY_WEIGHT, data.SUNDAY_WEIGHT),
    )
    weight = np.where((weekday < 5) & ~working, data.HOLIDAY_WEIGHT, weight)
    month = days.view("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weight = weight * np.asarray(data.MONTH_WEIGHTS)[month]
    weight = weight * (1.0 + data.YEARLY_GROWTH * (days - period.start) / 365.25)
    received = np.sort(rng.choice(days, size=n, p=weight / weight.sum())).astype(np.int64)

    kind = draws.choice(n, data.KIND_WEIGHTS)
    draws.cover(kind, len(data.KINDS), np.ones(n, dtype=np.bool_))
    procedure = np.zeros(n, dtype=np.int64)
    for k, kind_value in enumerate(data.KINDS):
        mask = kind == k
        procedure[mask] = draws.choice(int(mask.sum()), data.PROCEDURE_WEIGHTS[kind_value])
    for k in range(len(data.KINDS)):
        draws.cover(procedure, len(data.PROCEDURES), kind == k)
    complaint = kind == 0

    channel = np.zeros(n, dtype=np.int64)
    for k, kind_value in enumerate(data.KINDS):
        mask = kind == k
        channel[mask] = draws.choice(int(mask.sum()), data.CHANNEL_WEIGHTS[kind_value])

    # Where each case is recorded.
    cases = Cases(
        n=n,
        received=received,
        kind=kind,
        procedure=procedure,
        complaint=complaint,
        channel=channel,
        area_id=[None] * n,
        team_id=[None] * n,
        directorate_id=[None] * n,
        area_name=[""] * n,
        owner=np.zeros(n, dtype=np.int64),
        owner_name=[],
        events_on=np.zeros(n, dtype=np.int64),
        late_complaint=np.zeros(n, dtype=np.bool_),
        summary=[],
        desired=[],
    )
    for k, kind_value in enumerate(data.KINDS):
        for p, procedure_value in enumerate(data.PROCEDURES):
            idx = np.flatnonzero((kind == k) & (procedure == p))
            if not len(idx):
                continue
            options, shares = _options(ref, procedure_value, kind_value)
            picks = draws.choice(len(idx), shares)
            if kind_value is Kind.COMMENT:
                _comment_directorates(draws, ref, cases, idx, procedure_value, options, picks)
                continue
            for i, pick in zip(idx.tolist(), picks.tolist(), strict=True):
                option = options[pick]
                cases.area_id[i] = option.area_id
                cases.team_id[i] = option.team_id
                cases.directorate_id[i] = option.directorate_id
                cases.area_name[i] = option.name

    # Owners: each procedure has a lead officer; the others help out. Corporate
    # complaints have two leads.
    names = officers()
    lead = np.asarray([data.PROCEDURE_OFFICER[p] for p in data.PROCEDURES])[procedure]
    other = rng.integers(0, len(names), n)
    corporate = procedure == data.PROCEDURES.index(Procedure.CORPORATE)
    lead = np.where(
        corporate,
        data.PROCEDURE_OFFICER[Procedure.CORPORATE] + rng.integers(0, data.CORPORATE_LEADS, n),
        lead,
    )
    owner = np.where(rng.random(n) < data.LEAD_OFFICER_SHARE, lead, other)
    cases.owner = owner
    cases.owner_name = [names[i] for i in owner.tolist()]

    # When the events happened (complaints over 12 months later are flagged).
    back = np.minimum(
        rng.exponential(data.EVENTS_BEFORE_MEAN, n).astype(np.int64), data.EVENTS_BEFORE_MAX
    )
    late = complaint & (rng.random(n) < data.LATE_COMPLAINT)
    back = np.where(late, rng.integers(*data.LATE_COMPLAINT_DAYS, n), back)
    back = np.where(kind == 1, rng.integers(*data.COMPLIMENT_EVENTS_DAYS, n), back)
    cases.events_on = np.where(kind == 2, NONE, received - back)
    cases.late_complaint = late

    # Summaries.
    picks_a = rng.integers(0, 1000, n).tolist()
    picks_b = rng.integers(0, 1000, n).tolist()
    for i in range(n):
        procedure_value = data.PROCEDURES[int(procedure[i])]
        kind_index = int(kind[i])
        if kind_index == 0:
            texts = data.COMPLAINT_SUMMARIES[procedure_value]
            cases.summary.append(texts[picks_a[i] % len(texts)])
            cases.desired.append(data.DESIRED_OUTCOMES[picks_b[i] % len(data.DESIRED_OUTCOMES)])
        elif kind_index == 1:
            texts = data.COMPLIMENT_SUMMARIES[procedure_value]
            cases.summary.append(texts[picks_a[i] % len(texts)])
            cases.desired.append(None)
        else:
            cases.summary.append(data.COMMENT_SUMMARIES[picks_a[i] % len(data.COMMENT_SUMMARIES)])
            cases.desired.append(None)
    return cases


def _options(ref: Reference, procedure: Procedure, kind: Kind) -> tuple[list[Option], F64]:
    """Where cases of this procedure and kind are recorded, and how often."""
    directorate_by_name = {d[1]: d[0] for d in ref.directorates}
    own_directorate = directorate_by_name.get(data.PROCEDURE_DIRECTORATE.get(procedure, ""))
    areas = [a for a in ref.areas if a.procedure is procedure]
    options: list[Option] = []
    if procedure is Procedure.CHILDREN and kind is not Kind.COMPLIMENT and ref.teams:
        options = [Option(t[1], t[0], own_directorate, t[2]) for t in ref.teams]
        return options, weights([o.name for o in options], data.CHILDREN_TEAM_WEIGHTS)
    if kind is Kind.COMPLIMENT:
        chosen = [a for a in areas if a.for_compliments] or areas
        known = data.COMPLIMENT_AREA_WEIGHTS[procedure]
    else:
        chosen = [a for a in areas if a.for_complaints] or areas
        known = data.COMPLAINT_AREA_WEIGHTS.get(procedure, data.CORPORATE_AREA_WEIGHTS)
    team_by_area = {t[1]: t[0] for t in ref.teams}
    for a in chosen:
        directorate = a.directorate_id if a.directorate_id is not None else own_directorate
        options.append(Option(a.id, team_by_area.get(a.id), directorate, a.name))
    if not options:
        options = [Option(None, None, own_directorate, "")]
    default = data.NEW_COMPLIMENT_AREA_WEIGHT if kind is Kind.COMPLIMENT else 1.0
    return options, weights([o.name for o in options], known, default)


def _comment_directorates(
    draws: Draws,
    ref: Reference,
    cases: Cases,
    idx: I64,
    procedure: Procedure,
    options: list[Option],
    picks: I64,
) -> None:
    """Comments are passed to a directorate; some name a service area too."""
    names = [d[1] for d in ref.directorates]
    if procedure is Procedure.CORPORATE and names:
        directorate_picks = draws.choice(
            len(idx), weights(names, data.COMMENT_DIRECTORATE_WEIGHTS)
        ).tolist()
    else:
        directorate_picks = [-1] * len(idx)
    with_area = (draws.rng.random(len(idx)) < data.COMMENT_WITH_AREA).tolist()
    for j, i in enumerate(idx.tolist()):
        option = options[int(picks[j])]
        if directorate_picks[j] >= 0:
            directorate_id = ref.directorates[directorate_picks[j]][0]
            area = next(
                (
                    o
                    for o in options
                    if o.directorate_id == directorate_id and o.area_id is not None
                ),
                None,
            )
            option = area or Option(None, None, directorate_id, "")
        cases.directorate_id[i] = option.directorate_id
        if with_area[j]:
            cases.area_id[i] = option.area_id
            cases.team_id[i] = option.team_id
            cases.area_name[i] = option.name
