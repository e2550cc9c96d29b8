"""The generated run as table rows: ids, references, enum values, and the created and
updated times (derived from the case dates, never from the wall clock).

The times of day are random draws too, so the tables are built in a fixed order; the
stages' history (:func:`~.lifecycle.stage_history`) is drawn between the stage rows and
the point outcome rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    DueDateChange,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Person,
    PointOutcome,
    Stage,
    StageExtension,
    StageGrading,
    StageSuspension,
)
from crm_desktop.domain.enums import CaseStatus, PartyRole, Procedure, StageCode
from crm_desktop.domain.statutory import (
    COUNCIL_RESPONSE_DAYS,
    PANEL_MEETING_DAYS,
    PANEL_REPORT_DAYS,
    calendar_for,
)
from crm_desktop.services.demo import data
from crm_desktop.services.demo.accounts import DemoAccount, demo_accounts
from crm_desktop.services.demo.cases import Cases, officers
from crm_desktop.services.demo.casework import Casework
from crm_desktop.services.demo.draws import (
    I64,
    NONE,
    Draws,
    Period,
    date,
    dates,
    day,
    stamps,
    year,
)
from crm_desktop.services.demo.lifecycle import STAGE_STATUSES, Replies, Stages, stage_history
from crm_desktop.services.demo.people import People
from crm_desktop.services.demo.points import Points
from crm_desktop.services.demo.reference import Reference
from crm_desktop.services.demo.writer import Table, Writer, table_of


class Rows:
    """Builds :attr:`tables` (in insert order) from one run's generated parts."""

    def __init__(
        self,
        writer: Writer,
        draws: Draws,
        ref: Reference,
        period: Period,
        actor: str,
        password: str,
        cases: Cases,
        replies: Replies,
        stages: Stages,
        points: Points,
        people: People,
        work: Casework,
    ) -> None:
        self.writer = writer
        self.draws = draws
        self.ref = ref
        self.period = period
        self.actor = actor
        self.password = password
        self.cases = cases
        self.replies = replies
        self.stages = stages
        self.points = points
        self.people = people
        self.work = work
        self.tables: list[Table] = []
        self.accounts: tuple[DemoAccount, ...] = ()
        self.counters: dict[tuple[str, int], int] = {}

    # ------------------------------------------------------------------ ids

    def _reserve_ids(self) -> None:
        """The id before each table's new rows."""
        st, count = self.stages.st, self.stages.count
        counts = {
            Person: self.people.count,
            Case: self.cases.n,
            CaseParty: self.cases.n + len(self.people.subject_case) + len(self.people.named_case),
            ComplaintPoint: len(self.points.case),
            Stage: count,
            PointOutcome: len(self.points.pair_stage),
            StageGrading: 2 * count,  # reserved generously: counted only when written
            StageSuspension: int(st["has_susp"].sum()),
            StageExtension: 2 * int((st["ext"] > 0).sum()),
            DueDateChange: 4 * count,
            Assignment: len(self.work.assignments["stage"]),
            LgscoRemedy: len(self.work.remedies),
            LgscoPayment: len(self.work.payments),
            ActionItem: len(self.work.actions),
        }
        self.base: dict[type[Any], int] = {
            model: self.writer.reserve(table_of(model), n) for model, n in counts.items()
        }

    def _ids(self, model: type[Any], count: int) -> list[int]:
        return list(range(self.base[model] + 1, self.base[model] + 1 + count))

    def _stage_id(self, positions: I64) -> list[int]:
        """Stage ids of stages by generation position (ids follow case, then seq)."""
        ids: I64 = self.base[Stage] + 1 + self.stages.st["rank"][positions]
        result: list[int] = ids.tolist()
        return result

    # ------------------------------------------------------------------ tables

    def build(self) -> list[Table]:
        created_at = dt.datetime.combine(date(self.period.start), dt.time(9, 0))
        users = demo_accounts(
            self.writer, self.ref.existing_users, created_at, self.actor, self.password
        )
        self.accounts = users.accounts
        officer_ids = users.ids[1:]
        assert len(officer_ids) == len(officers())
        self.owner_id = [officer_ids[i] for i in self.cases.owner.tolist()]
        self._reserve_ids()
        if users.table is not None:
            self.tables.append(users.table)
        self._people()
        self._cases()
        self._parties_and_categories()
        self._points()
        self._stages()
        self._history()
        self._point_outcomes()
        self._assignments()
        self._ombudsman()
        self._actions()
        return self.tables

    def _people(self) -> None:
        p, count, start = self.people.rows, self.people.count, self.period.start
        created_day = np.asarray(
            [d if d is not None else start for d in p["created_day"]], dtype=np.int64
        )
        stamp = stamps(created_day, self.draws.seconds(count))
        person = Table(table_of(Person), count)
        person.columns["id"] = self._ids(Person, count)
        for key, values in p.items():
            if key != "created_day":
                person.columns[key] = values
        person.columns["anonymised_at"] = None
        person.columns["created_at"] = stamp
        person.columns["version"] = 1
        person.columns["updated_at"] = stamp
        person.columns["updated_by"] = self.actor
        self.tables.append(person)

    def _person_id(self, local: I64) -> list[int]:
        ids: list[int] = (local + self.base[Person] + 1).tolist()
        return ids

    def _cases(self) -> None:
        c, st, n = self.cases, self.stages.st, self.cases.n
        case_ids = np.arange(n, dtype=np.int64) + self.base[Case] + 1
        self.case_ids = case_ids
        references = self._references()
        case_closed, case_open = self.stages.case_closed, self.stages.case_open
        received_stamp = stamps(c.received, self.draws.seconds(n))
        last_touch = np.where(case_closed != NONE, case_closed, c.received)
        last_stage = self.stages.last_stage
        touched = np.where(
            last_stage != NONE, st["started"][np.where(last_stage != NONE, last_stage, 0)], NONE
        )
        last_touch = np.where(
            (case_closed == NONE) & (touched != NONE), np.maximum(touched, c.received),
            last_touch,
        )  # fmt: skip
        updated_stamp = stamps(last_touch, self.draws.seconds(n, 9, 18))
        current_stage: list[int | None] = [None] * n
        has_stage = np.flatnonzero(last_stage != NONE)
        for i, sid in zip(has_stage.tolist(), self._stage_id(last_stage[has_stage]), strict=True):
            current_stage[i] = sid
        status = [CaseStatus.OPEN.value if o else CaseStatus.CLOSED.value for o in case_open]
        reply_text = [
            data.COMMENT_REPLIES[int(k)] if r != NONE else None
            for k, r in zip(
                self.replies.reply_pick.tolist(), self.replies.reply_on.tolist(), strict=True
            )
        ]
        cases = Table(table_of(Case), n)
        cases.columns.update(
            {
                "id": case_ids.tolist(),
                "reference": references,
                "kind": [data.KINDS[k].value for k in c.kind.tolist()],
                "procedure": [data.PROCEDURES[k].value for k in c.procedure.tolist()],
                "channel": [data.CHANNELS[k].value for k in c.channel.tolist()],
                "received_on": dates(c.received),
                "events_on": dates(c.events_on),
                "late_complaint_decision": [
                    "Accepted after 12 months: good reason for the delay" if late else None
                    for late in c.late_complaint.tolist()
                ],
                "directorate_id": c.directorate_id,
                "service_area_id": c.area_id,
                "team_id": c.team_id,
                "summary": c.summary,
                "desired_outcome": c.desired,
                "status": status,
                "closed_on": dates(np.where(case_open, NONE, case_closed)),
                "owner_id": self.owner_id,
                "current_stage_id": current_stage,
                "complainant_name": self.people.complainant_name,
                "reply_text": reply_text,
                "reply_received_on": dates(self.replies.reply_on),
                "legal_hold": False,
                "anonymised_at": None,
                "imported": False,
                "created_at": received_stamp,
                "created_by": c.owner_name,
                "version": 1,
                "updated_at": updated_stamp,
                "updated_by": c.owner_name,
            }
        )
        self.tables.append(cases)

    def _references(self) -> list[str]:
        """``CSC-2024-00017``: numbered by received date within prefix and year, after the
        numbers already used (by the counters or by existing cases)."""
        used = self.writer.used_reference_numbers()
        years = year(self.cases.received)
        references: list[str] = [""] * self.cases.n
        counters: dict[tuple[str, int], int] = {}
        for i, (p, y) in enumerate(zip(self.cases.procedure.tolist(), years.tolist(), strict=True)):
            key = (data.PROCEDURES[p].reference_prefix, y)
            number = counters.get(key, used.get(key, 0)) + 1
            counters[key] = number
            references[i] = f"{key[0]}-{y}-{number:05d}"
        self.counters = counters
        return references

    def _parties_and_categories(self) -> None:
        """Parties: complainant of every case, subjects, named staff."""
        n, people, owner_name = self.cases.n, self.people, self.cases.owner_name
        party_case = np.concatenate([np.arange(n), people.subject_case, people.named_case])
        party_person = np.concatenate(
            [people.complainant, people.subject_person, people.named_person]
        )
        roles = (
            [PartyRole.COMPLAINANT.value] * n
            + [PartyRole.SUBJECT.value] * len(people.subject_case)
            + [PartyRole.NAMED_STAFF.value] * len(people.named_case)
        )
        party_stamp = stamps(self.cases.received[party_case], self.draws.seconds(len(party_case)))
        parties = Table(table_of(CaseParty), len(party_case))
        parties.columns.update(
            {
                "id": self._ids(CaseParty, len(roles)),
                "case_id": self.case_ids[party_case].tolist(),
                "person_id": self._person_id(party_person),
                "role": roles,
                "version": 1,
                "updated_at": party_stamp,
                "updated_by": [owner_name[i] for i in party_case.tolist()],
            }
        )
        self.tables.append(parties)

        categories = Table(table_of(CaseServiceCategory), len(self.points.category_case))
        categories.columns["case_id"] = self.case_ids[self.points.category_case].tolist()
        categories.columns["service_category_id"] = self.points.category_id.tolist()
        self.tables.append(categories)

    def _points(self) -> None:
        pts, owner_name = self.points, self.cases.owner_name
        point_stamp = stamps(self.cases.received[pts.case], self.draws.seconds(len(pts.case)))
        points = Table(table_of(ComplaintPoint), len(pts.case))
        points.columns.update(
            {
                "id": self._ids(ComplaintPoint, len(pts.case)),
                "case_id": self.case_ids[pts.case].tolist(),
                "seq": pts.seq.tolist(),
                "nature_id": [None if x == NONE else x for x in pts.nature.tolist()],
                # What went wrong, in the complainant's words: the nature is shown
                # beside it everywhere, so it is not repeated in it.
                "description": [
                    data.POINT_PHRASES[k][:1].upper() + data.POINT_PHRASES[k][1:]
                    for k in pts.phrase.tolist()
                ],
                "version": 1,
                "updated_at": point_stamp,
                "updated_by": [owner_name[i] for i in pts.case.tolist()],
            }
        )
        self.tables.append(points)

    def _stages(self) -> None:
        st, n_stages = self.stages.st, self.stages.count
        order = st["order"]
        cases = st["case"][order]

        def col(name: str) -> I64:
            values: I64 = st[name][order]
            return values

        started = col("started")
        closed = col("closed")
        touched = np.where(
            closed != NONE, closed, np.where(started != NONE, started, col("requested"))
        )
        stamp = stamps(touched, self.draws.seconds(n_stages, 9, 18))
        prev = col("prev")
        prev_ids: list[int | None] = [None] * n_stages
        has_prev = np.flatnonzero(prev != NONE)
        for i, sid in zip(has_prev.tolist(), self._stage_id(prev[has_prev]), strict=True):
            prev_ids[i] = sid
        owner = [self.owner_id[c] for c in cases.tolist()]
        owner_name = [self.cases.owner_name[c] for c in cases.tolist()]
        panel = _review_panel_clocks(
            col("code"), col("requested"), started, col("panel_on"), col("panel_report_on")
        )
        # The demo's stage clock and due-date history are still its own lifecycle's (one
        # clock to the council's response); the three due dates are the regulations'.
        outcome = col("outcome")
        override = col("next_override")
        stages = Table(table_of(Stage), n_stages)
        stages.columns.update(
            {
                "id": self._ids(Stage, n_stages),
                "case_id": self.case_ids[cases].tolist(),
                "seq": col("seq").tolist(),
                "stage": [data.STAGE_CODES[k].value for k in col("code").tolist()],
                "previous_stage_id": prev_ids,
                "status": [STAGE_STATUSES[k].value for k in col("status").tolist()],
                "requested_on": dates(col("requested")),
                "acknowledged_on": dates(col("acked")),
                "acknowledge_due_on": dates(col("ack_due")),
                "statement_agreed_on": dates(col("statement")),
                "started_on": dates(started),
                "timescale_days": [None if t == NONE else t for t in col("timescale").tolist()],
                "extended_days": col("ext").tolist(),
                "suspended_days": col("susp_days").tolist(),
                "due_on": dates(col("due")),
                "outer_limit_on": dates(col("outer")),
                "closed_on": dates(closed),
                "outcome": [
                    None if k == NONE else data.OUTCOMES[k].value for k in outcome.tolist()
                ],
                "outcome_override_reason": None,
                "next_stage_requested_on": dates(col("next_requested")),
                "next_stage_window_override": [
                    "Accepted outside the window: the complainant was in hospital" if flag else None
                    for flag in override.tolist()
                ],
                "panel_on": dates(col("panel_on")),
                "panel_report_on": dates(col("panel_report_on")),
                "council_response_on": dates(col("council_on")),
                "panel_due_on": dates(panel.panel_due),
                "panel_report_due_on": dates(panel.report_due),
                "council_response_due_on": dates(panel.response_due),
                "handler_id": owner,
                "responder_id": None,
                "notes": None,
                "version": 1,
                "updated_at": stamp,
                "updated_by": owner_name,
            }
        )
        self.tables.append(stages)

    def _history(self) -> None:
        """Gradings (adult stages), suspensions, extensions and due date history."""
        history = stage_history(self.draws, self.period, self.cases, self.stages)
        base = self.base[Stage] + 1

        def stage_ids(rows: dict[str, list[Any]]) -> list[int]:
            return [base + i for i in rows["stage"]]

        grading, suspensions = history.grading, history.suspensions
        extensions, changes = history.extensions, history.changes
        g = Table(table_of(StageGrading), len(grading["stage"]))
        g.columns.update(
            {
                "id": self._ids(StageGrading, g.n),
                "stage_id": stage_ids(grading),
                "from_grade": grading["from"],
                "to_grade": grading["to"],
                "reason": grading["reason"],
                "changed_by": grading["by"],
                "changed_at": grading["at"],
            }
        )
        s = Table(table_of(StageSuspension), len(suspensions["stage"]))
        s.columns.update(
            {
                "id": self._ids(StageSuspension, s.n),
                "stage_id": stage_ids(suspensions),
                "starts_on": suspensions["starts_on"],
                "ends_on": suspensions["ends_on"],
                "reason": suspensions["reason"],
                "note": suspensions["note"],
                "created_by": suspensions["by"],
                "created_at": suspensions["at"],
                "version": 1,
                "updated_at": suspensions["at"],
                "updated_by": suspensions["by"],
            }
        )
        e = Table(table_of(StageExtension), len(extensions["stage"]))
        e.columns.update(
            {
                "id": self._ids(StageExtension, e.n),
                "stage_id": stage_ids(extensions),
                "working_days": extensions["days"],
                "reason": extensions["reason"],
                "agreed_with_complainant": extensions["agreed"],
                "created_by": extensions["by"],
                "created_at": extensions["at"],
                "version": 1,
                "updated_at": extensions["at"],
                "updated_by": extensions["by"],
            }
        )
        c = Table(table_of(DueDateChange), len(changes["stage"]))
        c.columns.update(
            {
                "id": self._ids(DueDateChange, c.n),
                "stage_id": stage_ids(changes),
                "field": "due",
                "cause": changes["cause"],
                "before": changes["before"],
                "after": changes["after"],
                "reason": changes["reason"],
                "changed_by": changes["by"],
                "changed_at": changes["at"],
            }
        )
        self.tables.extend([g, s, e, c])

    def _point_outcomes(self) -> None:
        pts, st = self.points, self.stages.st
        pairs = len(pts.pair_stage)
        pair_stamp = stamps(st["closed"][pts.pair_stage], self.draws.seconds(pairs, 12, 18))
        outcomes = Table(table_of(PointOutcome), pairs)
        outcomes.columns.update(
            {
                "id": self._ids(PointOutcome, pairs),
                "point_id": (pts.pair_point + self.base[ComplaintPoint] + 1).tolist(),
                "stage_id": self._stage_id(pts.pair_stage),
                "outcome": [data.OUTCOMES[k].value for k in pts.pair_outcome.tolist()],
                "note": None,
                "version": 1,
                "updated_at": pair_stamp,
                "updated_by": [
                    self.cases.owner_name[i] for i in st["case"][pts.pair_stage].tolist()
                ],
            }
        )
        self.tables.append(outcomes)

    def _assignments(self) -> None:
        rows = self.work.assignments
        count = len(rows["stage"])
        table = Table(table_of(Assignment), count)
        positions = np.asarray(rows["stage"], dtype=np.int64)
        stamp_days = np.asarray([day(d) for d in rows["offered_on"]], dtype=np.int64)
        stamp = stamps(stamp_days, self.draws.seconds(count))
        table.columns.update(
            {
                "id": self._ids(Assignment, count),
                "stage_id": self._stage_id(positions),
                "person_id": [self.base[Person] + 1 + p for p in rows["person"]],
                "role": rows["role"],
                "status": rows["status"],
                "offered_on": rows["offered_on"],
                "responded_on": rows["responded_on"],
                "report_due_on": rows["report_due_on"],
                "report_received_on": rows["report_received_on"],
                "replaced_by_id": None,
                "end_reason": rows["end_reason"],
                "override_reason": rows["override_reason"],
                "overridden_by": rows["overridden_by"],
                "hours": rows["hours"],
                "fee_pence": rows["fee_pence"],
                "progress_note": rows["progress_note"],
                "version": 1,
                "updated_at": stamp,
                "updated_by": self.actor,
            }
        )
        self.tables.append(table)

    def _ombudsman(self) -> None:
        work, owner_name = self.work, self.cases.owner_name

        def stamp_of(row: dict[str, Any], *keys: str) -> dt.datetime:
            days = [row[k] for k in keys if row.get(k) is not None]
            return dt.datetime.combine(max(days), dt.time(16, 0))

        def positions(rows: list[dict[str, Any]]) -> I64:
            return np.asarray([r["stage"] for r in rows], dtype=np.int64)

        detail = Table(table_of(LgscoDetail), len(work.lgsco))
        detail.columns["stage_id"] = self._stage_id(positions(work.lgsco))
        for key in (
            "lgsco_reference",
            "enquiry_received_on",
            "enquiry_response_due_on",
            "enquiry_responded_on",
            "decision",
            "decision_on",
            "public_report",
            "imported_payment_pence",
        ):
            detail.columns[key] = [r[key] for r in work.lgsco]
        detail.columns["version"] = 1
        detail.columns["updated_at"] = [
            stamp_of(r, "enquiry_received_on", "enquiry_responded_on", "decision_on")
            for r in work.lgsco
        ]
        detail.columns["updated_by"] = [owner_name[r["case"]] for r in work.lgsco]
        remedies = Table(table_of(LgscoRemedy), len(work.remedies))
        remedies.columns["id"] = self._ids(LgscoRemedy, remedies.n)
        remedies.columns["stage_id"] = self._stage_id(positions(work.remedies))
        for key in (
            "description",
            "agreed_on",
            "deadline_on",
            "completed_on",
            "evidence_sent_on",
            "late",
            "escalation_level",
        ):
            remedies.columns[key] = [r[key] for r in work.remedies]
        remedies.columns["owner_id"] = [self.owner_id[r["case"]] for r in work.remedies]
        remedies.columns["version"] = 1
        remedies.columns["updated_at"] = [
            stamp_of(r, "agreed_on", "completed_on", "evidence_sent_on") for r in work.remedies
        ]
        remedies.columns["updated_by"] = [owner_name[r["case"]] for r in work.remedies]
        payments = Table(table_of(LgscoPayment), len(work.payments))
        payments.columns["id"] = self._ids(LgscoPayment, payments.n)
        payments.columns["stage_id"] = self._stage_id(positions(work.payments))
        payments.columns["remedy_id"] = [
            self.base[LgscoRemedy] + 1 + r["remedy"] for r in work.payments
        ]
        for key in ("amount_pence", "paid_on", "payee"):
            payments.columns[key] = [r[key] for r in work.payments]
        payments.columns["version"] = 1
        payments.columns["updated_at"] = [
            stamp_of(work.remedies[r["remedy"]], "agreed_on", "completed_on") for r in work.payments
        ]
        payments.columns["updated_by"] = [owner_name[r["case"]] for r in work.payments]
        self.tables.extend([detail, remedies, payments])

    def _actions(self) -> None:
        rows, owner_name = self.work.actions, self.cases.owner_name
        table = Table(table_of(ActionItem), len(rows))
        table.columns["id"] = self._ids(ActionItem, len(rows))
        table.columns["case_id"] = [int(self.case_ids[r["case"]]) for r in rows]
        table.columns["stage_id"] = self._stage_id(
            np.asarray([r["stage"] for r in rows], dtype=np.int64)
        )
        for key in (
            "action",
            "owner",
            "agreed_with",
            "due_on",
            "done_on",
            "evidence",
            "learning_example",
        ):
            table.columns[key] = [r[key] for r in rows]
        table.columns["version"] = 1
        table.columns["updated_at"] = [
            dt.datetime.combine(r["done_on"] or r["due_on"], dt.time(12, 0)) for r in rows
        ]
        table.columns["updated_by"] = [owner_name[r["case"]] for r in rows]
        self.tables.append(table)


class _PanelClocks:
    """The review panel's three due dates (SI 2006/1738 regs. 19-21), per stage (NONE for
    other stages and steps not reached)."""

    def __init__(self, panel_due: I64, report_due: I64, response_due: I64) -> None:
        self.panel_due = panel_due
        self.report_due = report_due
        self.response_due = response_due


def _review_panel_clocks(
    codes: I64, requested: I64, started: I64, panel_on: I64, report_on: I64
) -> _PanelClocks:
    """As the workflow counts them, in the statutory calendar (closure days are working
    days): the panel 30 working days after the request, the report 5 after the panel,
    the council's response 15 after the report."""
    cal = calendar_for(Procedure.CHILDREN)
    review = np.array([data.STAGE_CODES[k] == StageCode.STAGE_3 for k in codes.tolist()])
    review = review.astype(bool) if review.size else np.zeros(codes.shape, dtype=bool)
    base = np.where(requested != NONE, requested, started)

    def add(mask: Any, start: I64, n: int) -> I64:
        out = np.full(start.shape, NONE, dtype=np.int64)
        if mask.any():
            days = cal.add_working_days_array(start[mask].view("datetime64[D]"), n)
            out[mask] = days.view(np.int64)
        return out

    return _PanelClocks(
        add(review & (started != NONE) & (base != NONE), base, PANEL_MEETING_DAYS),
        add(review & (panel_on != NONE), panel_on, PANEL_REPORT_DAYS),
        add(review & (report_on != NONE), report_on, COUNCIL_RESPONSE_DAYS),
    )
