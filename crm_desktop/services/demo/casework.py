"""The work around the stages: investigators and review panels, the Ombudsman's
enquiries, decisions, remedies and payments, and the learning from upheld complaints."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    LgscoDecision,
    Outcome,
    Procedure,
    StageCode,
    TimescaleRule,
)
from crm_desktop.services.demo import data
from crm_desktop.services.demo.cases import Cases
from crm_desktop.services.demo.draws import NONE, Draws, Period, date, day
from crm_desktop.services.demo.lifecycle import LGSCO_CODE, STATUS_CLOSED, Stages
from crm_desktop.services.demo.people import Investigator, People
from crm_desktop.services.demo.reference import Reference

ASSIGNMENT_FIELDS: Final = (
    "stage",
    "person",
    "role",
    "status",
    "offered_on",
    "responded_on",
    "report_due_on",
    "report_received_on",
    "end_reason",
    "override_reason",
    "overridden_by",
    "hours",
    "fee_pence",
    "progress_note",
)


@dataclass
class Casework:
    """Rows (as dicts or column lists) whose ``stage`` is a stage's generation position
    and ``case`` a case index; the writer turns both into ids."""

    assignments: dict[str, list[Any]] = field(
        default_factory=lambda: {key: [] for key in ASSIGNMENT_FIELDS}
    )
    lgsco: list[dict[str, Any]] = field(default_factory=list)
    remedies: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)  # "remedy": its index
    actions: list[dict[str, Any]] = field(default_factory=list)


def make_casework(
    draws: Draws,
    ref: Reference,
    period: Period,
    cases: Cases,
    stages: Stages,
    people: People,
) -> Casework:
    work = Casework()
    _assignments(work, draws, ref, period, cases, stages, people)
    _ombudsman(work, draws, period, cases, stages, people)
    _actions(work, draws, period, cases, stages)
    return work


# ------------------------------------------------------------------ investigators


def _assignments(
    work: Casework,
    draws: Draws,
    ref: Reference,
    period: Period,
    cases: Cases,
    stages: Stages,
    people: People,
) -> None:
    st, py, cal, end = stages.st, draws.py, draws.cal, period.end
    code = st["code"]
    proc = cases.procedure[st["case"]]
    c2 = data.STAGE_CODES.index(StageCode.STAGE_2)
    c3 = data.STAGE_CODES.index(StageCode.STAGE_3)
    chance = np.zeros(len(code))
    for (procedure, stage), share in data.INVESTIGATED.items():
        p, c = data.PROCEDURES.index(procedure), data.STAGE_CODES.index(stage)
        chance[(proc == p) & (code == c)] = share
    wanted = draws.rng.random(len(code)) < chance
    io_pool = [i for i in people.pool if not i.elected]
    ip_pool = [i for i in people.pool if not (i.employee or i.elected or i.partner)]
    stage2_people: dict[int, set[int]] = {}  # case -> IO and IP of its Stage 2
    children = data.PROCEDURES.index(Procedure.CHILDREN)
    # The panel's report is due the panel meeting and panel report timescales after the
    # request (services.investigators does the same).
    panel_days = ref.rule(
        Procedure.CHILDREN, StageCode.STAGE_3, TimescaleRule.PANEL_MEETING, data.PANEL_MEETING
    ) + ref.rule(
        Procedure.CHILDREN, StageCode.STAGE_3, TimescaleRule.PANEL_REPORT, data.PANEL_REPORT
    )

    for pos in np.flatnonzero(wanted).tolist():
        case = int(st["case"][pos])
        requested = int(st["requested"][pos])
        started = int(st["started"][pos])
        closed = int(st["closed"][pos])
        due = int(st["due"][pos])
        offered = cal.add_working_days(date(requested), py.randrange(*data.OFFER_DAYS))
        if day(offered) > end:
            continue  # awaiting an IO/IP
        recent = day(offered) > end - data.RECENTLY_OFFERED_DAYS
        area = cases.area_id[case]
        if code[pos] == c3:
            exclude = stage2_people.get(case, set())
            eligible = [i for i in ip_pool if i.local not in exclude and i.independent_on(offered)]
            eligible = [i for i in eligible if i.available or not recent]
            members = py.sample(eligible, min(3, len(eligible)))
            roles = [AssignmentRole.PANEL_CHAIR] + [AssignmentRole.PANEL_MEMBER] * 2
            report_due = cal.add_working_days(date(started), panel_days)
            for member, role in zip(members, roles, strict=False):
                received = st["panel_report_on"][pos]
                _assign(
                    work, draws, period, pos, member, role, offered, report_due,
                    None if received == NONE else date(int(received)),
                    closed != NONE, hours=data.PANEL_HOURS,
                )  # fmt: skip
            continue
        io_choices = [
            i
            for i in io_pool
            if (i.home_area_id != area or not i.employee) and (i.available or not recent)
        ]
        if not io_choices:
            continue
        shares = [data.EMPLOYEE_IO_WEIGHT if i.employee else 1.0 for i in io_choices]
        io = py.choices(io_choices, shares)[0]
        if started != NONE and due != NONE:
            total = cal.working_days_between(date(started), date(due))
            report_due = cal.add_working_days(date(started), max(5, total - 5))
        else:
            report_due = cal.add_working_days(offered, 45)
        report_on: dt.date | None = None
        if closed != NONE:
            span = cal.working_days_between(date(started), date(closed))
            report_on = cal.add_working_days(
                date(started), max(1, span - py.randrange(*data.REPORT_BEFORE_RESPONSE_DAYS))
            )
        elif py.random() < data.REPORT_IN_ON_OPEN_STAGE and day(report_due) <= end:
            report_on = report_due
        if py.random() < data.IO_DECLINES and len(io_choices) > 1:
            declined = py.choice([i for i in io_choices if i is not io])
            _assign(work, draws, period, pos, declined, AssignmentRole.INVESTIGATING_OFFICER,
                    offered, report_due, None, False, declined=True)  # fmt: skip
            offered = cal.add_working_days(offered, 2)
            if day(offered) > end:
                continue
        _assign(work, draws, period, pos, io, AssignmentRole.INVESTIGATING_OFFICER, offered,
                report_due, report_on, closed != NONE, hours=data.IO_HOURS)  # fmt: skip
        chosen = {io.local}
        if proc[pos] == children and code[pos] == c2:
            # Judged on the day offered and on the day the investigation starts, if earlier.
            judged = offered if started == NONE else min(offered, date(started))
            ip_choices = [i for i in ip_pool if i is not io and i.independent_on(judged)]
            ip_choices = [i for i in ip_choices if i.available or not recent]
            if ip_choices:
                ip = py.choice(ip_choices)
                _assign(work, draws, period, pos, ip, AssignmentRole.INDEPENDENT_PERSON,
                        offered, report_due, report_on, closed != NONE,
                        hours=data.IP_HOURS)  # fmt: skip
                chosen.add(ip.local)
            stage2_people[case] = chosen


def _assign(
    work: Casework,
    draws: Draws,
    period: Period,
    pos: int,
    person: Investigator,
    role: AssignmentRole,
    offered: dt.date,
    report_due: dt.date,
    report_on: dt.date | None,
    stage_closed: bool,
    *,
    hours: tuple[int, int] = (10, 30),
    declined: bool = False,
) -> None:
    rows, py, cal, end = work.assignments, draws.py, draws.cal, period.end
    responded: dt.date | None = cal.add_working_days(offered, py.randrange(*data.ANSWER_DAYS))
    if responded is not None and day(responded) > end:
        responded = None
    if declined:
        status = AssignmentStatus.DECLINED
        report_on = None
    elif report_on is not None and responded is not None:
        status = AssignmentStatus.REPORT_RECEIVED
        report_on = max(report_on, responded)
    elif responded is not None:
        status = AssignmentStatus.ACCEPTED
        report_on = None
    else:
        status = AssignmentStatus.OFFERED
        report_on = None
    worked = status is AssignmentStatus.REPORT_RECEIVED
    spent = py.randrange(hours[0], hours[1] + 1) if worked else None
    rows["stage"].append(pos)
    rows["person"].append(person.local)
    rows["role"].append(role.value)
    rows["status"].append(status.value)
    rows["offered_on"].append(offered)
    rows["responded_on"].append(responded)
    rows["report_due_on"].append(report_due)
    rows["report_received_on"].append(report_on)
    rows["end_reason"].append("Not available in the timescale" if declined else None)
    rows["override_reason"].append(None)  # only the rules' warnings are overridden
    rows["overridden_by"].append(None)
    rows["hours"].append(float(spent) if spent is not None else None)
    rows["fee_pence"].append(
        spent * person.hourly_pence if spent is not None and person.hourly_pence else None
    )
    rows["progress_note"].append(
        "Interviews arranged" if status is AssignmentStatus.ACCEPTED else None
    )


# ------------------------------------------------------------------ the Ombudsman


def _ombudsman(
    work: Casework,
    draws: Draws,
    period: Period,
    cases: Cases,
    stages: Stages,
    people: People,
) -> None:
    st, py, cal, end = stages.st, draws.py, draws.cal, period.end
    positions = np.flatnonzero(st["code"] == LGSCO_CODE)
    info = stages.lgsco
    upheld = {
        data.LGSCO_DECISIONS.index(LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE),
        data.LGSCO_DECISIONS.index(LgscoDecision.PUBLIC_REPORT),
    }
    public = data.LGSCO_DECISIONS.index(LgscoDecision.PUBLIC_REPORT)
    for j, pos in enumerate(positions.tolist()):
        case = int(st["case"][pos])
        started = date(int(st["started"][pos]))
        decision = int(info["decision"][j])
        decided = None if decision == NONE else date(int(st["closed"][pos]))
        responded = int(info["responded"][j])
        number = int(info["number"][j])
        work.lgsco.append(
            {
                "stage": pos,
                "lgsco_reference": f"{started.year % 100:02d} {number // 1000:03d} "
                f"{number % 1000:03d}",
                "enquiry_received_on": started,
                "enquiry_response_due_on": date(int(info["enquiry_due"][j])),
                "enquiry_responded_on": None if responded == NONE else date(responded),
                "decision": None if decision == NONE else data.LGSCO_DECISIONS[decision].value,
                "decision_on": decided,
                "public_report": decision == public,
                "imported_payment_pence": None,
                "case": case,
            }
        )
        if decided is None or decision not in upheld:
            continue
        count = py.choice(data.REMEDIES_PER_DECISION)
        pays = decision == public or py.random() < data.REMEDY_PAYS
        for r in range(count):
            payment = pays and r == 0
            pounds = 0
            if payment:
                pounds = (
                    data.PUBLIC_REPORT_PAYMENT_POUNDS
                    if decision == public
                    else py.choices(data.PAYMENTS_POUNDS, data.PAYMENT_WEIGHTS)[0]
                )
                text = f"Pay £{pounds:,} to acknowledge the distress and uncertainty caused"
                months = 1
            else:
                text = data.REMEDIES[(r + number) % len(data.REMEDIES)]
                months = 1 if text.startswith("Apologise") else 3
            deadline = cal.add_working_days(decided, 20 * months)
            span = cal.working_days_between(decided, deadline)
            completed: dt.date | None
            if day(deadline) <= end:
                if py.random() < data.REMEDY_IN_TIME:
                    completed = cal.add_working_days(decided, py.randrange(1, span + 1))
                else:
                    completed = cal.add_working_days(deadline, py.randrange(*data.REMEDY_LATE_DAYS))
            else:
                completed = cal.add_working_days(decided, py.randrange(1, span + 1))
                if py.random() < data.REMEDY_NOT_YET_DONE:
                    completed = None
            if completed is not None and day(completed) > end:
                completed = None
            late = (completed is not None and completed > deadline) or (
                completed is None and day(deadline) < end
            )
            point_75 = cal.add_working_days(decided, math.ceil(span * 0.75))
            reached = completed or date(end)
            level = 2 if reached > deadline else (1 if reached >= point_75 else 0)
            evidence = None
            if completed is not None:
                evidence = cal.add_working_days(completed, py.randrange(*data.EVIDENCE_DAYS))
                if day(evidence) > end:
                    evidence = None
            remedy_index = len(work.remedies)
            work.remedies.append(
                {
                    "stage": pos,
                    "description": text,
                    "agreed_on": decided,
                    "deadline_on": deadline,
                    "completed_on": completed,
                    "evidence_sent_on": evidence,
                    "late": late,
                    "escalation_level": level,
                    "case": case,
                }
            )
            if payment:
                work.payments.append(
                    {
                        "stage": pos,
                        "remedy": remedy_index,
                        "amount_pence": pounds * 100,
                        "paid_on": completed,
                        "payee": people.complainant_name[case],
                        "case": case,
                    }
                )


# ------------------------------------------------------------------ learning


def _actions(work: Casework, draws: Draws, period: Period, cases: Cases, stages: Stages) -> None:
    st, py, cal, end = stages.st, draws.py, draws.cal, period.end
    upheld = (st["outcome"] == data.OUTCOMES.index(Outcome.UPHELD)) | (
        st["outcome"] == data.OUTCOMES.index(Outcome.PARTIALLY_UPHELD)
    )
    candidates = upheld & (st["code"] != LGSCO_CODE) & (st["status"] == STATUS_CLOSED)
    # One action plan per case at most: its latest upheld stage.
    latest: dict[int, int] = {}
    for pos in np.flatnonzero(candidates).tolist():
        case = int(st["case"][pos])
        if case not in latest or st["seq"][pos] > st["seq"][latest[case]]:
            latest[case] = pos
    for case in sorted(latest):
        if py.random() >= data.ACTION_PLAN:
            continue
        pos = latest[case]
        procedure = data.PROCEDURES[int(cases.procedure[case])]
        closed = date(int(st["closed"][pos]))
        actions = py.sample(data.ACTIONS[procedure], py.choice(data.ACTIONS_PER_PLAN))
        for action in actions:
            due = cal.add_working_days(closed, py.randrange(*data.ACTION_DUE_DAYS))
            done: dt.date | None = None
            if day(due) <= end:
                if py.random() < data.ACTION_DONE:
                    done = cal.add_working_days(closed, py.randrange(*data.ACTION_DONE_DAYS))
            elif py.random() < data.ACTION_DONE_EARLY:
                done = cal.add_working_days(closed, py.randrange(*data.ACTION_DONE_EARLY_DAYS))
            if done is not None and day(done) > end:
                done = None
            area = cases.area_name[case] or procedure.label
            work.actions.append(
                {
                    "case": case,
                    "stage": pos,
                    "action": action,
                    "owner": f"Service manager, {area}",
                    "agreed_with": data.ASSISTANT_DIRECTORS[procedure],
                    "due_on": due,
                    "done_on": done,
                    "evidence": "Evidence filed with the action plan" if done else None,
                    "learning_example": done is not None and py.random() < data.LEARNING_EXAMPLE,
                }
            )
