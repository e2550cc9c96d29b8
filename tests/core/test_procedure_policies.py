"""Procedure policies: a case follows the version in force on the day it was received.

Two corporate complaints, otherwise identical, received on Tuesday 31 March 2026 (the
council's 2023 procedure) and on Wednesday 1 April 2026 (the Complaint Handling Code),
through every path that reads a timescale: the workflow, the queues, the reminders, the
KPI, the report's timescale buckets and the import. The working days, by hand (Good
Friday 3 April and Easter Monday 6 April 2026 are bank holidays):

- 2023 procedure, received 31 Mar: acknowledge within 3 (7 Apr), respond within 20 of
  receipt (30 Apr).
- The Code, received 1 Apr: acknowledge within 5 (6.2: 10 Apr); respond within 10 of
  the acknowledgement (6.3), provisionally from 10 Apr (24 Apr); acknowledged on 8 Apr,
  due 22 Apr; acknowledged late on 13 Apr, due 27 Apr.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.correspondence.reminders import collect_deadlines
from crm_desktop.db import migrate
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    AuditEvent,
    Case,
    ComplaintPoint,
    DueDateChange,
    ProcedurePolicy,
    Stage,
    StageExtension,
    User,
)
from crm_desktop.db.policy_seed import CODE_NAME, CORPORATE_2023_NAME
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Kind, Outcome, Procedure, StageCode, SuspensionReason, UserRole
from crm_desktop.domain.procedure_policy import (
    COMPLAINT_HANDLING_CODE,
    ClockFrom,
    PolicyError,
    StageRules,
    policy_in_force,
    rules_from_json,
    rules_to_json,
)
from crm_desktop.domain.workflow import Action
from crm_desktop.errors import IllegalTransition, PermissionRefused, ValidationError
from crm_desktop.operations import cases as case_ops
from crm_desktop.operations import procedure_policies as policy_ops
from crm_desktop.operations import run_operation
from crm_desktop.operations import workflow as flow_ops
from crm_desktop.reports.figures import annual_kpis, annual_report
from crm_desktop.services import queues
from crm_desktop.services.cases import NewCase, PersonInput, PointInput, set_point_outcome
from crm_desktop.services.code_compliance import acknowledgement_records, summarise
from crm_desktop.services.extension_limits import extension_limit
from crm_desktop.services.importer import run_import
from crm_desktop.services.procedure_policies import policy_for
from crm_desktop.services.workflow import ActionInput

TODAY = dt.date(2026, 6, 30)
OLD = dt.date(2026, 3, 31)  # the 2023 procedure's last day
NEW = dt.date(2026, 4, 1)  # the Code's first day
MANAGER = Actor("manager", UserRole.MANAGER)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ------------------------------------------------------------------------------ helpers


def _users(db: Database) -> dict[str, Actor]:
    def work(session: sa.orm.Session) -> dict[str, Actor]:
        made = {}
        for name, role in (
            ("olive", UserRole.OFFICER),
            ("oscar", UserRole.OFFICER),
            ("mona", UserRole.MANAGER),
        ):
            user = User(username=name, display_name=name.title(), role=role)
            session.add(user)
            session.flush()
            made[name] = Actor(name, role, user.id, user.display_name)
        return made

    return db.write(work, actor="setup")


def _create(db: Database, received: dt.date, actor: Actor) -> int:
    new = NewCase(
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=received,
        service_area="Contact Centre",
        directorate="COaCH",
        complainant=PersonInput("C. O'Neil", email="c.oneil@example.org"),
        points=[PointInput("Communication")],
        summary="The same complaint",
    )
    return run_operation(db, actor, TODAY, case_ops.create_case, new).value.case_id


def _stage(db: Database, case_id: int) -> Stage:
    with db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.current_stage_id is not None
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None
        return stage


def _version(db: Database, case_id: int) -> int:
    with db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.version


def _do(db: Database, case_id: int, action: Action, actor: Actor, **data: object) -> list[str]:
    result = run_operation(
        db,
        actor,
        TODAY,
        flow_ops.perform,
        case_id,
        _version(db, case_id),
        action,
        ActionInput(**data),  # type: ignore[arg-type]
    ).value
    return list(result.warnings)


def _respond(db: Database, case_id: int, on: dt.date, actor: Actor) -> list[str]:
    with db.session() as session:
        points = session.scalars(
            sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case_id)
        ).all()
    for point in points:
        db.write(
            lambda s, p=point: set_point_outcome(
                s, case_id, _version(db, case_id), p, Outcome.UPHELD.value, actor
            ),
            actor=actor.username,
        )
    return _do(db, case_id, Action.RESPOND, actor, on=on)


@pytest.fixture
def db(any_database: Database) -> Database:
    return any_database


# ------------------------------------------------------------------------ pure rules


def test_the_version_in_force_is_the_latest_on_or_before_the_day() -> None:
    versions = [(dt.date(1990, 1, 1), "2023"), (NEW, "code"), (dt.date(2027, 1, 1), "next")]
    assert policy_in_force(versions, OLD) == "2023"
    assert policy_in_force(versions, NEW) == "code"
    assert policy_in_force(versions, dt.date(2026, 12, 31)) == "code"
    assert policy_in_force(versions, dt.date(2027, 1, 1)) == "next"
    assert policy_in_force(versions, dt.date(1989, 12, 31)) is None


def test_the_codes_rules_round_trip_and_say_what_they_are() -> None:
    stage_1 = COMPLAINT_HANDLING_CODE.stage(StageCode.STAGE_1)
    stage_2 = COMPLAINT_HANDLING_CODE.stage(StageCode.STAGE_2)
    assert stage_1 is not None and stage_2 is not None
    assert (stage_1.acknowledge_days, stage_1.response_days, stage_1.extension_days) == (5, 10, 10)
    assert (stage_2.acknowledge_days, stage_2.response_days, stage_2.extension_days) == (5, 20, 20)
    assert stage_1.clock_from == stage_2.clock_from == ClockFrom.ACKNOWLEDGEMENT
    assert stage_2.different_responder and not stage_1.different_responder
    assert rules_from_json(rules_to_json(COMPLAINT_HANDLING_CODE)) == COMPLAINT_HANDLING_CODE
    with pytest.raises(PolicyError, match="needs the working days allowed to acknowledge"):
        StageRules(StageCode.STAGE_1, 10, None, ClockFrom.ACKNOWLEDGEMENT)
    with pytest.raises(PolicyError, match="not valid JSON"):
        rules_from_json("{")
    # The Code has no pause, and says so.
    assert not stage_1.suspension and not stage_2.suspension
    assert all(
        "the clock is never suspended" in line for line in COMPLAINT_HANDLING_CODE.describe()[:2]
    )
    # A yes/no rule typed as text is a mistake, not a yes.
    typed = json.loads(rules_to_json(COMPLAINT_HANDLING_CODE))
    typed["stages"][0]["suspension"] = "false"
    with pytest.raises(PolicyError, match="'suspension' must be true or false"):
        rules_from_json(typed)


def test_the_codes_extension_limit_and_the_2023_procedures_none(db: Database) -> None:
    with db.session() as session:
        code = extension_limit(session, Procedure.CORPORATE, StageCode.STAGE_1, NEW)
        code_2 = extension_limit(session, Procedure.CORPORATE, StageCode.STAGE_2, NEW)
        old = extension_limit(session, Procedure.CORPORATE, StageCode.STAGE_1, OLD)
    # 10 working days to respond plus 10 of extension without good reason (6.4).
    assert (code.days, code.statutory) == (20, False)
    assert code.source == "paragraph 6.4 of the Complaint Handling Code"
    assert (code_2.days, code_2.statutory) == (40, False)
    assert old.days is None


# ----------------------------------------------------------------------- the workflow


@pytest.mark.parametrize("received", [OLD, NEW])
def test_a_case_follows_the_policy_in_force_on_the_day_it_was_received(
    db: Database, received: dt.date
) -> None:
    with db.session() as session:
        policy = policy_for(session, Procedure.CORPORATE, received)
        assert policy is not None
        code = received >= NEW
        assert ("Complaint Handling Code" in policy.name) is code


def test_the_2023_and_the_code_deadlines_through_the_workflow(db: Database) -> None:
    users = _users(db)
    olive = users["olive"]
    old = _create(db, OLD, olive)
    new = _create(db, NEW, olive)

    a, b = _stage(db, old), _stage(db, new)
    assert (a.acknowledge_due_on, a.started_on, a.due_on) == (
        _date("2026-04-07"),
        OLD,
        _date("2026-04-30"),
    )
    # The Code: until acknowledged, the response counts from the last day the
    # acknowledgement is allowed.
    assert (b.acknowledge_due_on, b.started_on, b.due_on) == (
        _date("2026-04-10"),
        _date("2026-04-10"),
        _date("2026-04-24"),
    )

    explained = run_operation(db, olive, TODAY, flow_ops.explain_due_date, b.id).value
    assert explained[1].startswith("Not acknowledged yet: counted provisionally from 10 Apr 2026")
    assert explained[-1] == "Due date: 24 Apr 2026."
    assert (
        not run_operation(db, olive, TODAY, flow_ops.explain_due_date, a.id)
        .value[0]
        .startswith("The case follows")
    )

    assert _do(db, old, Action.ACKNOWLEDGE, olive, on=_date("2026-04-02")) == []
    assert _do(db, new, Action.ACKNOWLEDGE, olive, on=_date("2026-04-08")) == []
    a, b = _stage(db, old), _stage(db, new)
    assert a.due_on == _date("2026-04-30")  # the 2023 clock counts from receipt
    assert (b.started_on, b.due_on) == (_date("2026-04-08"), _date("2026-04-22"))
    explained = run_operation(db, olive, TODAY, flow_ops.explain_due_date, b.id).value
    assert explained[:2] == [
        "The case follows 'Complaint Handling Code (Local Government and Social Care "
        "Ombudsman)' (received on 1 Apr 2026): the response is due 10 working days after "
        "the acknowledgement (paragraph 6.3 of the Complaint Handling Code).",
        "Acknowledged on 8 Apr 2026.",
    ]
    with db.session() as session:
        change = session.scalars(
            sa.select(DueDateChange).where(
                DueDateChange.stage_id == b.id, DueDateChange.cause == "acknowledge"
            )
        ).one()
        assert (change.before, change.after) == (_date("2026-04-24"), _date("2026-04-22"))
        assert "paragraph 6.3" in change.reason

    # An extension: the 2023 procedure sets no limit; the Code allows 10 without good
    # reason (6.4); more needs a manager's recorded reason.
    _do(db, old, Action.EXTEND, olive, on=_date("2026-04-09"), working_days=15, reason="Complex")
    with pytest.raises(ValidationError, match=r"paragraph 6\.4 .*A manager can extend beyond it"):
        _do(
            db, new, Action.EXTEND, olive, on=_date("2026-04-09"), working_days=11,
            reason="Complex",
        )  # fmt: skip
    with pytest.raises(PermissionRefused):
        _do(
            db, new, Action.EXTEND, olive, on=_date("2026-04-09"), working_days=11,
            reason="Complex", beyond_limit_reason="A witness is in hospital until May",
        )  # fmt: skip
    _do(
        db, new, Action.EXTEND, users["mona"], on=_date("2026-04-09"), working_days=11,
        reason="Complex", beyond_limit_reason="A witness is in hospital until May",
    )  # fmt: skip
    assert _stage(db, new).due_on == _date("2026-05-08")


def test_a_response_without_an_acknowledgement_is_late_only_after_its_due_date(
    db: Database,
) -> None:
    """Received 1 Apr 2026, the acknowledgement is due by 10 Apr (Good Friday and Easter
    Monday skipped). A response on 9 Apr stood for it; one on 14 Apr came after it with
    nothing before: late, in the stage records as in the Code's report."""
    olive = _users(db)["olive"]
    answered_early, answered_late = _create(db, NEW, olive), _create(db, NEW, olive)
    _respond(db, answered_early, _date("2026-04-09"), olive)
    _respond(db, answered_late, _date("2026-04-14"), olive)
    with db.session() as session:
        records = {r.case_id: r for r in acknowledgement_records(session, NEW, NEW, TODAY)}
    assert not records[answered_early].acknowledged_late
    assert records[answered_late].acknowledged_late
    assert records[answered_late].acknowledgement_breach == (
        "Late acknowledgement: a breach of paragraph 6.2 of the Complaint Handling Code."
    )


def test_a_redirected_stage_is_not_a_response_in_the_stage_records(db: Database) -> None:
    """A stage redirected out of the procedure (or withdrawn) ended without a response:
    the stage records, like the Code's report, do not count it as answered in time."""
    olive = _users(db)["olive"]
    redirected = _create(db, NEW, olive)
    _do(db, redirected, Action.ACKNOWLEDGE, olive, on=_date("2026-04-02"))
    _do(
        db, redirected, Action.REDIRECT, olive, on=_date("2026-04-07"),
        reason="Insurance claim: sent to the insurers",
    )  # fmt: skip
    with db.session() as session:
        (record,) = acknowledgement_records(session, NEW, NEW, TODAY)
        (summary,) = summarise([record])
    assert (record.responded_on, record.responded_late) == (None, None)
    assert not record.acknowledged_late
    assert (summary.responded, summary.responded_in_time, summary.acknowledged_in_time) == (
        0,
        0,
        1,
    )


def test_a_code_case_is_extended_not_suspended(db: Database) -> None:
    """The Code has no pause (6.3-6.5: more time is an extension, told to the complainant
    with the Ombudsman's details); the council's 2023 procedure let the clock stop."""
    olive = _users(db)["olive"]
    code, old = _create(db, NEW, olive), _create(db, OLD, olive)
    for case_id, day in ((code, NEW), (old, OLD)):
        _do(db, case_id, Action.ACKNOWLEDGE, olive, on=day + dt.timedelta(days=1))
    offered = {
        case_id: run_operation(db, olive, TODAY, flow_ops.available_actions, case_id).value
        for case_id in (code, old)
    }
    assert Action.SUSPEND not in offered[code] and Action.EXTEND in offered[code]
    assert Action.SUSPEND in offered[old]
    before = _stage(db, code)
    suspend = {
        "on": _date("2026-04-20"),
        "suspension_reason": SuspensionReason.AWAITING_INFORMATION,
    }
    with pytest.raises(IllegalTransition, match="do not have their clock suspended: if more"):
        _do(db, code, Action.SUSPEND, olive, **suspend)
    after = _stage(db, code)
    assert (after.status, after.due_on, after.version) == (
        before.status,
        before.due_on,
        before.version,
    )
    _do(db, old, Action.SUSPEND, olive, **suspend)
    assert _stage(db, old).status == "suspended"


def test_an_upgrade_takes_suspension_out_of_the_code_only(db: Database) -> None:
    def as_an_older_program_wrote_them(session: sa.orm.Session) -> None:
        for policy in session.scalars(sa.select(ProcedurePolicy)):
            rules = json.loads(policy.rules)
            for stage in rules["stages"]:
                del stage["suspension"]
            policy.rules = json.dumps(rules)

    olive = _users(db)["olive"]
    case_id = _create(db, NEW, olive)
    _do(db, case_id, Action.ACKNOWLEDGE, olive, on=NEW)
    _do(db, case_id, Action.EXTEND, olive, on=NEW, working_days=2, reason="Records")
    migrate.downgrade(db.engine, "0013")
    db.write(as_an_older_program_wrote_them)
    with db.engine.begin() as connection:
        # An older program noted a good reason for passing the limit only in the text.
        connection.execute(
            sa.text("UPDATE stage_extension SET reason = :r"),
            {"r": "Records (beyond the limit of 20 working days: a fire at the depot)"},
        )
    with db.session() as session:
        for policy in session.scalars(sa.select(ProcedurePolicy)):
            assert all(s.suspension for s in rules_from_json(policy.rules).stages)
    migrate.upgrade(db.engine)
    with db.session() as session:
        suspension = {
            policy.name: {s.suspension for s in rules_from_json(policy.rules).stages}
            for policy in session.scalars(sa.select(ProcedurePolicy))
        }
    assert suspension[CODE_NAME] == {False}
    assert suspension[CORPORATE_2023_NAME] == {True}
    with db.session() as session:
        assert session.scalars(sa.select(StageExtension.beyond_limit)).all() == [True]


def test_a_late_acknowledgement_under_the_code_is_a_breach_of_6_2(db: Database) -> None:
    olive = _users(db)["olive"]
    old = _create(db, OLD, olive)
    new = _create(db, NEW, olive)
    late_old = _do(db, old, Action.ACKNOWLEDGE, olive, on=_date("2026-04-13"))
    late_new = _do(db, new, Action.ACKNOWLEDGE, olive, on=_date("2026-04-13"))
    assert late_old == ["Acknowledged on 13 Apr 2026, after it was due on 7 Apr 2026."]
    assert late_new == [
        "Acknowledged on 13 Apr 2026, after it was due on 10 Apr 2026: a breach of "
        "paragraph 6.2 of the Complaint Handling Code."
    ]
    assert _stage(db, new).due_on == _date("2026-04-27")
    with db.session() as session:
        records = acknowledgement_records(session, OLD, NEW, TODAY)
    by_case = {r.case_id: r for r in records}
    assert by_case[old].acknowledged_late and by_case[old].acknowledgement_breach is None
    assert by_case[new].acknowledgement_breach == (
        "Late acknowledgement: a breach of paragraph 6.2 of the Complaint Handling Code."
    )
    summary = {(s.policy, s.stage): s for s in summarise(records)}
    assert all(s.acknowledged_late == 1 and s.stages == 1 for s in summary.values())
    # The case window says so too.
    view = run_operation(db, olive, TODAY, case_ops.case_detail, new).value
    assert view.stage.acknowledgement_late
    assert "a breach of paragraph 6.2" in view.stage.acknowledgement


def test_a_case_closed_before_it_is_acknowledged_counts_from_the_day_it_ended(
    db: Database,
) -> None:
    olive = _users(db)["olive"]
    new = _create(db, NEW, olive)
    _do(db, new, Action.WITHDRAW, olive, on=_date("2026-04-02"), reason="Resolved by phone")
    stage = _stage(db, new)
    assert (stage.started_on, stage.closed_on, stage.acknowledged_on) == (
        _date("2026-04-02"),
        _date("2026-04-02"),
        None,
    )


# ------------------------------------------------------------------ queues, reminders


def test_the_queues_and_reminders_show_each_policys_dates(db: Database) -> None:
    olive = _users(db)["olive"]
    old = _create(db, OLD, olive)
    new = _create(db, NEW, olive)
    with db.session() as session:
        rows = {r.case_id: r for r in queues.awaiting_acknowledgement(session, _date("2026-04-13"))}
        assert rows[old].due == _date("2026-04-07")
        assert rows[new].due == _date("2026-04-10")
        assert "provisionally" not in rows[old].detail
        assert rows[new].detail == (
            "Acknowledgement 1 working day overdue: a breach of paragraph 6.2 of the "
            "Complaint Handling Code; response provisionally due 24 Apr 2026"
        )
        due = {r.case_id: r for r in queues.due_within(session, _date("2026-04-20"), 10)}
        assert due[new].due == _date("2026-04-24")
        assert due[new].detail.endswith("provisional until acknowledged")
        assert due[old].due == _date("2026-04-30")
        assert "provisional" not in due[old].detail
        deadlines = collect_deadlines(session, _date("2026-04-20"), 10, since=None)
    found = {(d.case_id, d.kind): d.due_on for d in deadlines}
    assert found[(new, "stage-due")] == _date("2026-04-24")
    assert found[(old, "stage-due")] == _date("2026-04-30")
    assert found[(new, "acknowledge")] == _date("2026-04-10")
    assert found[(old, "acknowledge")] == _date("2026-04-07")


# ------------------------------------------------------------------- KPIs and buckets


def test_the_kpi_and_report_buckets_measure_each_case_against_its_own_policy(
    db: Database,
) -> None:
    olive = _users(db)["olive"]
    old = _create(db, OLD, olive)
    new = _create(db, NEW, olive)
    _do(db, old, Action.ACKNOWLEDGE, olive, on=_date("2026-04-02"))
    _do(db, new, Action.ACKNOWLEDGE, olive, on=_date("2026-04-08"))
    # Both answered 15 working days after their clock started: within the 2023
    # procedure's 20 of receipt; outside the Code's 10 of the acknowledgement.
    _respond(db, old, _date("2026-04-23"), olive)
    _respond(db, new, _date("2026-04-29"), olive)
    assert _stage(db, old).closed_on <= _stage(db, old).due_on  # type: ignore[operator]
    assert _stage(db, new).closed_on > _stage(db, new).due_on  # type: ignore[operator]

    with db.session() as session:
        kpis = annual_kpis(session, 2026)
        report = annual_report(session, 2026, [Procedure.CORPORATE])
    row = next(r for r in kpis.rows if r[0].value and "Corporate Stage 1" in str(r[0].value))
    assert row[-1].value == 50.0  # one of two in time, each by its own policy
    assert any(
        "Corporate timescale KPIs measure each response against the response time of the "
        "procedure policy its case follows"
        in note
        and "Corporate complaints procedure 2023; Complaint Handling Code" in note
        for note in kpis.notes
    )

    table = next(
        t for s in report.sections for t in s.tables if t.key == "corporate_stage1_timescales"
    )
    shares = {str(r[0].value): r[-1].value for r in table.rows}
    assert shares["Corporate complaints procedure 2023: Within 20 days"] == 100.0
    code = "Complaint Handling Code (Local Government and Social Care Ombudsman)"
    assert shares[f"{code}: Within 10 working days of the acknowledgement"] == 0.0
    assert shares[f"{code}: Within 20 working days of the acknowledgement"] == 100.0
    assert shares[f"{code}: responses"] == 1
    assert any("different procedure policies" in note for note in table.notes)


# ------------------------------------------------------------------------------ import


def test_an_import_gives_the_same_deadlines_as_the_workflow(db: Database, tmp_path: Path) -> None:
    olive = _users(db)["olive"]
    made_old, made_new = _create(db, OLD, olive), _create(db, NEW, olive)
    header = [
        "reference", "kind", "procedure", "received", "directorate", "service_area",
        "stage", "stage_started", "acknowledged", "natures",
    ]  # fmt: skip
    rows = [
        ["IMP-OLD", "complaint", "corporate", "2026-03-31", "COaCH", "Contact Centre", "1",
         "2026-03-31", "", "Communication"],
        ["IMP-NEW", "complaint", "corporate", "2026-04-01", "COaCH", "Contact Centre", "1",
         "2026-04-01", "", "Communication"],
        ["IMP-ACK", "complaint", "corporate", "2026-04-01", "COaCH", "Contact Centre", "1",
         "2026-04-01", "2026-04-08", "Communication"],
    ]  # fmt: skip
    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    result = run_import(
        db, path, dry_run=False, skip_existing=False, add_missing_reference_data=False,
        actor="importer", today=TODAY,
    )  # fmt: skip
    assert not result.errors, result.errors
    with db.session() as session:
        imported = {
            case.reference: session.get(Stage, case.current_stage_id)
            for case in session.scalars(sa.select(Case).where(Case.reference.like("IMP-%")))
        }
    made = {"IMP-OLD": _stage(db, made_old), "IMP-NEW": _stage(db, made_new)}
    for reference, stage in made.items():
        got = imported[reference]
        assert got is not None
        assert (got.acknowledge_due_on, got.started_on, got.due_on) == (
            stage.acknowledge_due_on,
            stage.started_on,
            stage.due_on,
        ), reference
    assert imported["IMP-NEW"].acknowledged_on is None  # type: ignore[union-attr]
    acked = imported["IMP-ACK"]
    assert acked is not None
    assert (acked.acknowledged_on, acked.started_on, acked.due_on) == (
        _date("2026-04-08"),
        _date("2026-04-08"),
        _date("2026-04-22"),
    )


def test_an_acknowledgement_date_outside_the_stage_is_an_import_error(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "reference,kind,procedure,received,directorate,service_area,stage,stage_started,"
        "stage_closed,acknowledged,outcome\n"
        "X-1,complaint,corporate,2026-04-01,COaCH,Contact Centre,1,2026-04-01,2026-04-20,"
        "2026-03-30,upheld\n"
        "X-2,complaint,corporate,2026-04-01,COaCH,Contact Centre,1,2026-04-01,2026-04-20,"
        "2026-04-21,upheld\n",
        encoding="utf-8",
    )
    result = run_import(
        db, path, dry_run=False, skip_existing=False, add_missing_reference_data=False,
        actor="importer", today=TODAY,
    )  # fmt: skip
    assert [str(e) for e in result.errors] == [
        "row 2, acknowledged: 2026-03-30 is before the stage started (2026-04-01)",
        "row 3, acknowledged: 2026-04-21 is after the stage closed (2026-04-20)",
    ]


# ------------------------------------------------------------------ versions and edits


def _next_month(today: dt.date) -> dt.date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.date(year, month, 1)


def test_changing_the_codes_numbers_after_cases_exist_is_refused(db: Database) -> None:
    olive = _users(db)["olive"]
    _create(db, NEW, olive)
    today = dt.date.today()
    views = run_operation(db, MANAGER, today, policy_ops.procedure_policies, "corporate").value
    code = next(v for v in views if "Complaint Handling Code" in v.name)
    assert code.in_use and code.cases == 1
    changed = code.rules.with_stage(
        replace(code.rules.stage(StageCode.STAGE_1), response_days=15)  # type: ignore[type-var]
    )
    with pytest.raises(ValidationError, match=r"is in use: 1 case .* cannot be changed"):
        run_operation(
            db, MANAGER, today, policy_ops.update_procedure_policy, code.id, code.version,
            rules=changed,
        )  # fmt: skip
    with db.session() as session:
        row = session.get(ProcedurePolicy, code.id)
        assert row is not None and rules_from_json(row.rules) == code.rules
        assert row.version == code.version


def test_a_new_version_dated_next_month_changes_no_existing_case(db: Database) -> None:
    olive = _users(db)["olive"]
    ids = [_create(db, OLD, olive), _create(db, NEW, olive)]
    _do(db, ids[1], Action.ACKNOWLEDGE, olive, on=_date("2026-04-08"))
    ids.append(_create(db, TODAY, olive))

    def dates() -> list[tuple[object, ...]]:
        with db.session() as session:
            return [
                (s.acknowledge_due_on, s.started_on, s.timescale_days, s.due_on)
                for s in session.scalars(sa.select(Stage).order_by(Stage.id))
            ]

    before = dates()
    today = dt.date.today()
    start = _next_month(today)
    preview = run_operation(
        db, MANAGER, today, policy_ops.preview_procedure_policy, "corporate", start
    ).value
    assert (preview.cases, preview.open_cases) == (0, 0)
    assert preview.message.startswith("Applies to no existing case (0 open cases)")
    too_soon = run_operation(
        db, MANAGER, today, policy_ops.preview_procedure_policy, "corporate", today
    ).value
    assert too_soon.message.startswith("A new version must take effect after today")
    in_use = run_operation(
        db, MANAGER, today, policy_ops.preview_procedure_policy, "corporate", NEW
    ).value
    assert (in_use.cases, in_use.open_cases) == (2, 2)
    assert in_use.message.startswith("2 cases (2 open) received on or after 1 Apr 2026")
    stricter = COMPLAINT_HANDLING_CODE.with_stage(
        replace(COMPLAINT_HANDLING_CODE.stage(StageCode.STAGE_1), response_days=8)  # type: ignore[type-var]
    )
    added = run_operation(
        db, MANAGER, today, policy_ops.add_procedure_policy, "corporate", "Stricter", start,
        stricter,
    ).value  # fmt: skip
    assert not added.in_use and added.effective_from == start
    assert dates() == before
    with db.session() as session:  # the new version is in the audit trail
        created = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "procedure_policy",
                AuditEvent.entity_id == str(added.id),
                AuditEvent.action == "create",
            )
        ).all()
        assert len(created) == 1 and "Stricter" in (created[0].after or "")
    with db.session() as session:
        for case in session.scalars(sa.select(Case)):
            followed = policy_for(session, case.procedure, case.received_on)
            assert followed is not None and followed.id != added.id
    # Adding it again on the same day, or dated today, is refused; so is an officer.
    with pytest.raises(ValidationError, match="already takes effect"):
        run_operation(
            db, MANAGER, today, policy_ops.add_procedure_policy, "corporate", "Again", start,
            stricter,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="must take effect after today"):
        run_operation(
            db, MANAGER, today, policy_ops.add_procedure_policy, "corporate", "Now", today,
            stricter,
        )  # fmt: skip
    with pytest.raises(PermissionRefused):
        run_operation(
            db, olive, today, policy_ops.add_procedure_policy, "corporate", "Mine",
            start + dt.timedelta(days=1), stricter,
        )  # fmt: skip
    # A version no case follows yet may be corrected.
    fixed = run_operation(
        db, MANAGER, today, policy_ops.update_procedure_policy, added.id, added.version,
        name="Stricter (corrected)",
    ).value  # fmt: skip
    assert fixed.name == "Stricter (corrected)"


def test_code_cases_of_a_database_that_learns_the_policies_are_timed_by_the_code(
    db: Database, tmp_path: Path
) -> None:
    """A database from before procedure policies held corporate cases received from
    1 Apr 2026 timed by the council's earlier rules (acknowledge in 3, respond in 20
    working days from receipt). When it learns the policies, they are timed by the Code
    (acknowledge in 5 working days of receipt, respond 10 after the acknowledgement),
    as the workflow and the import time them today; earlier cases keep their dates."""
    from crm_desktop.db.models import Setting
    from crm_desktop.db.policy_seed import SEEDED_KEY, ensure_procedure_policies
    from tests.core.test_importer import row, write_csv

    users = _users(db)
    olive = users["olive"]

    def forget_the_policies(session: sa.orm.Session) -> None:
        session.execute(sa.delete(ProcedurePolicy))
        session.execute(sa.delete(Setting).where(Setting.key == SEEDED_KEY))

    db.write(forget_the_policies, actor="setup")
    received = _date("2026-04-15")  # a Wednesday; 4 May 2026 is a bank holiday
    waiting, acknowledged, closed = (_create(db, received, olive) for _ in range(3))
    earlier = _create(db, OLD, olive)
    _do(db, acknowledged, Action.ACKNOWLEDGE, olive, on=_date("2026-04-17"))
    _respond(db, closed, _date("2026-04-20"), olive)
    # Imported by a program that knew no policies: taken as acknowledged the day it
    # started; 2 working days suspended, without the suspension's dates.
    csv_file = write_csv(
        tmp_path / "history.csv",
        [
            row(
                reference="T-CODE-1",
                received="2026-04-15",
                stage_started="2026-04-15",
                stage_closed="",
                outcome="",
                suspended_working_days="2",
            )
        ],
    )
    run_import(
        db,
        csv_file,
        dry_run=False,
        skip_existing=False,
        add_missing_reference_data=False,
        actor="importer",
        today=TODAY,
    )
    with db.session() as session:
        imported = session.scalars(sa.select(Case.id).where(Case.reference == "T-CODE-1")).one()

    def as_an_earlier_import_did(session: sa.orm.Session) -> None:
        # An earlier program's import took an open stage as acknowledged the day it
        # started (today's leaves it unacknowledged).
        session.execute(
            sa.update(Stage).where(Stage.case_id == imported).values(acknowledged_on=received)
        )

    db.write(as_an_earlier_import_did, actor="setup")
    old_rules = _stage(db, waiting)
    assert (old_rules.acknowledge_due_on, old_rules.started_on, old_rules.due_on) == (
        _date("2026-04-20"),
        received,
        _date("2026-05-14"),
    )
    stand_in = _stage(db, imported)
    assert (stand_in.acknowledged_on, stand_in.due_on) == (received, _date("2026-05-18"))
    before = _stage(db, earlier)

    assert db.write(ensure_procedure_policies, actor="system") is True

    dates = {
        case: (s.acknowledged_on, s.acknowledge_due_on, s.started_on, s.due_on)
        for case in (waiting, acknowledged, closed, imported)
        for s in [_stage(db, case)]
    }
    # 5 working days from 15 Apr: 22 Apr; 10 after that (4 May a bank holiday): 7 May.
    assert dates[waiting] == (None, _date("2026-04-22"), _date("2026-04-22"), _date("2026-05-07"))
    # Acknowledged on 17 Apr: 10 working days after it, 1 May.
    assert dates[acknowledged] == (
        _date("2026-04-17"),
        _date("2026-04-22"),
        _date("2026-04-17"),
        _date("2026-05-01"),
    )
    # Answered on 20 Apr, before the acknowledgement was due: counted from that day.
    assert dates[closed][1:] == (_date("2026-04-22"), _date("2026-04-20"), _date("2026-05-05"))
    # The import's stand-in acknowledgement is gone; its 2 suspended days stay: 11 May.
    assert dates[imported] == (None, _date("2026-04-22"), _date("2026-04-22"), _date("2026-05-11"))
    assert _stage(db, imported).suspended_days == 2
    now = _stage(db, earlier)
    assert (now.acknowledge_due_on, now.started_on, now.due_on) == (
        before.acknowledge_due_on,
        before.started_on,
        before.due_on,
    )
    with db.session() as session:
        changes = session.scalars(
            sa.select(DueDateChange)
            .where(DueDateChange.cause == "policy")
            .order_by(DueDateChange.id)
        ).all()
    stage_of = {case: _stage(db, case).id for case in dates}
    assert [(c.stage_id, c.field, c.before, c.after) for c in changes] == [
        (stage_of[waiting], "due", _date("2026-05-14"), _date("2026-05-07")),
        (stage_of[waiting], "acknowledge due", _date("2026-04-20"), _date("2026-04-22")),
        (stage_of[acknowledged], "due", _date("2026-05-14"), _date("2026-05-01")),
        (stage_of[acknowledged], "acknowledge due", _date("2026-04-20"), _date("2026-04-22")),
        (stage_of[closed], "due", _date("2026-05-14"), _date("2026-05-05")),
        (stage_of[closed], "acknowledge due", _date("2026-04-20"), _date("2026-04-22")),
        (stage_of[imported], "due", _date("2026-05-18"), _date("2026-05-11")),
        (stage_of[imported], "acknowledge due", _date("2026-04-20"), _date("2026-04-22")),
    ]
    assert all("Complaint Handling Code" in c.reason for c in changes)
    # Once only: a second open changes nothing.
    assert db.write(ensure_procedure_policies, actor="system") is False


def test_the_corporate_timescales_are_the_policys_not_an_editable_setting(db: Database) -> None:
    from crm_desktop.db.models import StageTimescale
    from crm_desktop.services import reference_admin as ra

    with db.session() as session:
        listed = ra.list_timescales(session)
        row = session.scalars(
            sa.select(StageTimescale).where(
                StageTimescale.procedure == Procedure.CORPORATE,
                StageTimescale.stage == StageCode.STAGE_1,
            )
        ).first()
    assert row is not None
    assert not any(t.procedure == "corporate" and t.stage == "1" for t in listed)
    with pytest.raises(ValidationError, match="set by the procedure's policy versions"):
        db.write(lambda s: ra.set_timescale(s, MANAGER, row.id, row.version, 30))


# ------------------------------------------------------------------ the Stage 2 responder


def test_the_stage_2_responder_must_differ_unless_a_manager_allows_it(db: Database) -> None:
    users = _users(db)
    olive, oscar, mona = users["olive"], users["oscar"], users["mona"]
    new = _create(db, NEW, olive)
    _do(db, new, Action.ACKNOWLEDGE, olive, on=_date("2026-04-08"))
    _respond(db, new, _date("2026-04-15"), olive)
    assert _stage(db, new).responder_id == olive.user_id
    _do(db, new, Action.REQUEST_NEXT_STAGE, olive, on=_date("2026-04-20"))
    _do(db, new, Action.ESCALATE, olive, on=_date("2026-04-20"))
    stage_2 = _stage(db, new)
    assert stage_2.stage == StageCode.STAGE_2
    # Stage 2 under the Code: acknowledge within 5 of the request, respond within 20 of
    # the acknowledgement, provisionally from the acknowledgement's last day.
    assert (stage_2.acknowledge_due_on, stage_2.due_on) == (
        _date("2026-04-27"),
        _date("2026-05-27"),  # 27 Apr + 20 working days (4 and 25 May are bank holidays)
    )
    _do(db, new, Action.ACKNOWLEDGE, olive, on=_date("2026-04-21"))

    assert olive.user_id is not None and oscar.user_id is not None
    with pytest.raises(ValidationError, match="Olive responded at Stage 1; Stage 2 must be"):
        run_operation(
            db, olive, TODAY, policy_ops.set_stage_responder, new, _version(db, new),
            olive.user_id,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="Olive responded at Stage 1"):
        _respond(db, new, _date("2026-05-01"), olive)  # recording it herself: refused too
    with pytest.raises(PermissionRefused):
        run_operation(
            db, olive, TODAY, policy_ops.set_stage_responder, new, _version(db, new),
            olive.user_id, "She knows the case best",
        )  # fmt: skip
    allowed = run_operation(
        db, mona, TODAY, policy_ops.set_stage_responder, new, _version(db, new),
        olive.user_id, "Only officer for this service; reviewed by the head of service",
    ).value  # fmt: skip
    assert allowed.override is not None
    stage_2 = _stage(db, new)
    assert stage_2.responder_id == olive.user_id
    assert "allowed by mona: Only officer for this service" in (stage_2.notes or "")
    # Someone else needs no one's leave.
    run_operation(
        db, olive, TODAY, policy_ops.set_stage_responder, new, _version(db, new), oscar.user_id
    )
    assert _stage(db, new).responder_id == oscar.user_id


def test_the_2023_procedure_does_not_ask_for_a_different_stage_2_responder(
    db: Database,
) -> None:
    olive = _users(db)["olive"]
    old = _create(db, OLD, olive)
    _do(db, old, Action.ACKNOWLEDGE, olive, on=_date("2026-04-02"))
    _respond(db, old, _date("2026-04-15"), olive)
    _do(db, old, Action.REQUEST_NEXT_STAGE, olive, on=_date("2026-04-20"))
    _do(db, old, Action.ESCALATE, olive, on=_date("2026-04-20"))
    _do(db, old, Action.ACKNOWLEDGE, olive, on=_date("2026-04-21"))
    assert olive.user_id is not None
    run_operation(
        db, olive, TODAY, policy_ops.set_stage_responder, old, _version(db, old), olive.user_id
    )
    assert _stage(db, old).responder_id == olive.user_id


# ----------------------------------------------------------------------- command line


def test_the_policy_commands(
    migrated_sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_desktop.cli import main

    url = migrated_sqlite_url
    assert main(["--database", url, "policy", "list", "--procedure", "corporate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert "Corporate complaints procedure 2023 -- cases received up to 31 Mar 2026" in out[0]
    assert "Complaint Handling Code" in out[1] and "cases received from 1 Apr 2026" in out[1]
    code_id = out[1].split()[0]
    assert main(["--database", url, "policy", "show", code_id]) == 0
    shown = capsys.readouterr().out
    assert "Stage 1: acknowledge within 5 working days; respond within 10 working days of " in (
        shown
    )
    assert main(["--database", url, "policy", "show", code_id, "--json"]) == 0
    rules = tmp_path / "rules.json"
    rules.write_text(capsys.readouterr().out, encoding="utf-8")
    assert rules_from_json(rules.read_text(encoding="utf-8")) == COMPLAINT_HANDLING_CODE
    start = _next_month(dt.date.today())
    assert main(["--database", url, "policy", "preview", "corporate", start.isoformat()]) == 0
    assert capsys.readouterr().out.startswith("Applies to no existing case")
    command = ["policy", "add", "corporate", "Next", start.isoformat(), str(rules)]
    assert main(["--database", url, *command]) == 0
    assert "Added Next" in capsys.readouterr().out
    # Dated today: refused, with the reason, nothing added.
    today = dt.date.today().isoformat()
    assert main(["--database", url, "policy", "add", "corporate", "Now", today, str(rules)]) == 2
    assert "must take effect after today" in capsys.readouterr().err
    assert main(["--database", url, "policy", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


# ------------------------------------------------------------------------------ demo


def test_demo_cases_follow_the_policy_of_the_day_they_were_received(database: Database) -> None:
    from crm_desktop.domain.calendar import england_and_wales_calendar
    from crm_desktop.services.demo import generate_demo

    end = dt.date(2026, 11, 30)
    generate_demo(database, 1500, 11, end)
    cal = england_and_wales_calendar()
    with database.session() as session:
        rows = session.execute(
            sa.select(Stage, Case.received_on)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.procedure == Procedure.CORPORATE, Stage.stage.in_(("1", "2")))
        ).all()
    code = [(s, r) for s, r in rows if r >= NEW]
    old = [(s, r) for s, r in rows if r < NEW]
    assert len(code) > 50 and len(old) > 50
    for stage, _received in old:
        assert stage.timescale_days == (20 if stage.stage == StageCode.STAGE_1 else 25)
        assert stage.acknowledge_due_on == cal.add_working_days(stage.requested_on, 3)
    provisional = 0
    for stage, _received in code:
        assert stage.timescale_days == (10 if stage.stage == StageCode.STAGE_1 else 20)
        assert stage.acknowledge_due_on == cal.add_working_days(stage.requested_on, 5)
        # The clock counts from the acknowledgement, or provisionally from its last day.
        if stage.acknowledged_on is not None:
            assert stage.started_on == stage.acknowledged_on
        else:
            assert stage.started_on == stage.acknowledge_due_on and stage.closed_on is None
            provisional += 1
        assert stage.extended_days <= (10 if stage.stage == StageCode.STAGE_1 else 20)
        # The Code has no pause: no demo stage under it is suspended.
        assert stage.suspended_days == 0 and stage.status != "suspended"
        days = stage.timescale_days + stage.extended_days
        assert stage.due_on == cal.add_working_days(stage.started_on, days)
    assert provisional > 0
    assert any(stage.suspended_days for stage, _received in old)
