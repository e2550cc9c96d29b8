"""The demo data generator: deterministic, complete, and internally consistent."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import verify_chain
from crm_desktop.db.base import Base
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    AuditEvent,
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    DueDateChange,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Nature,
    Person,
    PointOutcome,
    ReferenceCounter,
    Stage,
    StageExtension,
    StageSuspension,
    User,
)
from crm_desktop.db.scratch import scratch_postgres_database
from crm_desktop.domain.calendar import england_and_wales_calendar
from crm_desktop.domain.eligibility import INDEPENDENT_ROLES, former_employee_clear_on
from crm_desktop.domain.enums import (
    STAGES_BY_PROCEDURE,
    AssignmentRole,
    AssignmentStatus,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    UserRole,
)
from crm_desktop.domain.statutory import six_months_beginning_with
from crm_desktop.domain.workflow import ADULT_GRADES
from crm_desktop.services.demo import DemoSummary, generate_demo

END = dt.date(2025, 6, 30)
REFERENCE = re.compile(r"^(CSC|ASC|COR)-(\d{4})-(\d{5})$")
COMPARED_TABLES = (Case, Stage, ComplaintPoint, Person, Assignment, LgscoDetail)


def _rows(db: Database, model: Any) -> list[tuple[Any, ...]]:
    table = model.__table__
    columns = [c for c in table.columns if c.name not in ("created_at", "updated_at")]
    with db.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(sa.select(*columns).order_by(*table.primary_key.columns))
        ]


def _generate(
    path: Path, cases: int, seed: int, end: dt.date = END
) -> tuple[Database, DemoSummary]:
    db = open_database(f"sqlite:///{path}")
    return db, generate_demo(db, cases, seed, end)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    """One database of 3,000 demo cases shared by the read-only tests below."""
    db, summary = _generate(tmp_path_factory.mktemp("demo") / "demo.db", 3000, 11)
    try:
        yield db, summary
    finally:
        db.dispose()


def test_same_seed_same_rows_and_another_seed_differs(tmp_path: Path) -> None:
    first, _ = _generate(tmp_path / "a.db", 400, 5)
    second, _ = _generate(tmp_path / "b.db", 400, 5)
    other, _ = _generate(tmp_path / "c.db", 400, 6)
    try:
        for model in COMPARED_TABLES:
            rows = _rows(first, model)
            assert rows, model.__tablename__
            assert rows == _rows(second, model), model.__tablename__
        assert _rows(first, Case) != _rows(other, Case)
        assert _rows(first, Stage) != _rows(other, Stage)
    finally:
        for db in (first, second, other):
            db.dispose()


# The tables a demo writes. Their rows are fingerprinted below, ordered by primary key,
# over the columns that hold a value (so a column a later migration adds, empty in demo
# rows, leaves the fingerprint alone), but for the password hash (a new salt each time).
WRITTEN_TABLES = (
    "app_user",
    "person",
    "representation",
    "case_party",
    "case_service_category",
    "complaint_point",
    "stage",
    "point_outcome",
    "stage_grading",
    "stage_suspension",
    "stage_extension",
    "due_date_change",
    "assignment",
    "lgsco_detail",
    "lgsco_remedy",
    "lgsco_payment",
    "action_item",
    "reference_counter",
)
# A small demo's fingerprint: (rows, first 16 hex digits of the SHA-256 of the rows) per
# table. It changes only when the generated data does. If that was meant (a new
# distribution, a fix), check the other tests here still pass and paste the new figures
# from the failure message; a new numpy (its random streams) or new reference data can
# change it too.
FINGERPRINT_RUN = (1500, 7, dt.date(2024, 3, 31))
FINGERPRINT: dict[str, tuple[int, str]] = {
    "app_user": (5, "d6e64985fd5ed4ec"),
    "person": (1797, "301db3a1bc1d803e"),
    "representation": (1500, "22db134646be1c3f"),
    "case_party": (1944, "5df2e368db159f14"),
    "case_service_category": (343, "87a2a65b184d9df9"),
    "complaint_point": (1752, "60bf8352813978fe"),
    "stage": (1141, "dbb1ddbff8d9d230"),
    "point_outcome": (1806, "2ff1a8a720e7ae0e"),
    "stage_grading": (279, "f5c40c10a0a4da89"),
    "stage_suspension": (19, "ad4ba41b9c159474"),
    "stage_extension": (210, "dfd3a09444403564"),
    "due_date_change": (1320, "a1b0fb881d919b0f"),
    "assignment": (136, "ed9082c4cb74b723"),
    "lgsco_detail": (50, "cec199630d1c52dc"),
    "lgsco_remedy": (10, "764fc1e0c591a1ed"),
    "lgsco_payment": (3, "7c28fd186d0c6817"),
    "action_item": (134, "56257d642c290eda"),
    "reference_counter": (18, "9b4608bd8599a128"),
    "audit_event (demo)": (1, "3b1f06d543d4352b"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):  # and datetimes
        return value.isoformat()
    return value


def fingerprint(db: Database) -> dict[str, tuple[int, str]]:
    result: dict[str, tuple[int, str]] = {}
    with db.engine.connect() as connection:
        for name in WRITTEN_TABLES:
            table = Base.metadata.tables[name]
            digest = hashlib.sha256()
            count = 0
            query = sa.select(table).order_by(*table.primary_key.columns)
            for row in connection.execute(query).mappings():
                values = sorted(
                    (k, _plain(v))
                    for k, v in row.items()
                    if v is not None and (name, k) != ("app_user", "password_hash")
                )
                digest.update(repr(values).encode())
                count += 1
            result[name] = (count, digest.hexdigest()[:16])
        demo_events = connection.execute(
            sa.select(AuditEvent.username, AuditEvent.after)
            .where(AuditEvent.action == "generate demo data")
            .order_by(AuditEvent.id)
        ).all()
    digest = hashlib.sha256(repr([tuple(e) for e in demo_events]).encode())
    result["audit_event (demo)"] = (len(demo_events), digest.hexdigest()[:16])
    return result


def test_a_small_demo_is_exactly_the_one_it_always_was(any_database: Database) -> None:
    """The same arguments give the same data, on SQLite and PostgreSQL alike, and from
    one version to the next unless the generator was changed on purpose."""
    generate_demo(any_database, *FINGERPRINT_RUN)
    found = fingerprint(any_database)
    differ = sorted(name for name in found if found[name] != FINGERPRINT.get(name))
    lines = "".join(f'    "{name}": ({n}, "{digest}"),\n' for name, (n, digest) in found.items())
    assert not differ, f"Demo data changed in {differ}. The new fingerprint:\n{{\n{lines}}}"


def test_summary_matches_the_database(demo: tuple[Database, DemoSummary]) -> None:
    db, summary = demo
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == summary.cases == 3000
        assert s.scalar(sa.select(sa.func.count()).select_from(Stage)) == summary.stages
        assert s.scalar(sa.select(sa.func.count()).select_from(ComplaintPoint)) == summary.points
        open_cases = s.scalar(sa.select(sa.func.count()).where(Case.status == "open"))
        assert open_cases == summary.open_cases
        first, last = s.execute(
            sa.select(sa.func.min(Case.received_on), sa.func.max(Case.received_on))
        ).one()
    assert (first, last) == (summary.first_received, summary.last_received)
    assert sum(summary.by_kind.values()) == sum(summary.by_procedure.values()) == 3000
    assert last <= END
    # About five financial years, ending with the one holding the end date.
    assert dt.date(2021, 4, 1) <= first <= dt.date(2021, 4, 10)


def test_every_kind_procedure_stage_outcome_and_decision_appears(
    demo: tuple[Database, DemoSummary],
) -> None:
    db, summary = demo
    with db.session() as s:
        kinds = Counter(
            dict(s.execute(sa.select(Case.kind, sa.func.count()).group_by(Case.kind)).all())
        )
        procedures = set(s.scalars(sa.select(Case.procedure).distinct()))
        stages = set(
            s.execute(
                sa.select(Case.procedure, Stage.stage)
                .join(Stage, Stage.case_id == Case.id)
                .distinct()
            ).all()
        )
        outcomes = set(
            s.scalars(sa.select(Stage.outcome).where(Stage.outcome.is_not(None)).distinct())
        )
        point_outcomes = set(s.scalars(sa.select(PointOutcome.outcome).distinct()))
        decisions = set(
            s.scalars(
                sa.select(LgscoDetail.decision).where(LgscoDetail.decision.is_not(None)).distinct()
            )
        )
    assert set(kinds) == set(Kind)
    assert 0.62 < kinds[Kind.COMPLAINT] / 3000 < 0.78
    assert 0.18 < kinds[Kind.COMPLIMENT] / 3000 < 0.32
    assert 0.02 < kinds[Kind.COMMENT] / 3000 < 0.09
    assert procedures == set(Procedure)
    for procedure, codes in STAGES_BY_PROCEDURE.items():
        for code in codes:
            assert (procedure, code) in stages, (procedure, code)
    assert outcomes == set(Outcome)
    assert {Outcome.UPHELD, Outcome.PARTIALLY_UPHELD, Outcome.NOT_UPHELD} <= point_outcomes
    assert decisions == set(LgscoDecision)
    assert summary.stages_by_code["children 1"] > summary.stages_by_code["children 2"]
    assert summary.stages_by_code["children 2"] > summary.stages_by_code["children 3"]


def test_escalation_shares_are_like_the_report(demo: tuple[Database, DemoSummary]) -> None:
    _, summary = demo
    by_code = summary.stages_by_code
    children_2 = by_code["children 2"] / by_code["children 1"]
    children_3 = by_code["children 3"] / by_code["children 2"]
    corporate_2 = by_code["corporate 2"] / by_code["corporate 1"]
    assert 0.06 < children_2 < 0.2
    assert 0.12 < children_3 < 0.5
    assert 0.015 < corporate_2 < 0.08
    complaints = summary.by_kind["complaint"]
    assert 0.03 < summary.lgsco_escalations / complaints < 0.08
    adult = by_code["adult low"] + by_code["adult moderate-high"] + by_code["adult informal"]
    assert by_code["adult low"] / adult > 0.65
    assert by_code["adult informal"] < by_code["adult moderate-high"]


def test_stage_dates_are_consistent(demo: tuple[Database, DemoSummary]) -> None:
    db, _ = demo
    cal = england_and_wales_calendar()
    with db.session() as s:
        rows = s.execute(
            sa.select(Stage, Case.received_on)
            .join(Case, Case.id == Stage.case_id)
            .order_by(Stage.case_id, Stage.seq)
        ).all()
    by_case: dict[int, list[Stage]] = defaultdict(list)
    for stage, received_on in rows:
        by_case[stage.case_id].append(stage)
        if stage.started_on is not None:
            assert stage.started_on >= received_on
            assert stage.started_on <= END
        if stage.requested_on is not None:
            assert stage.requested_on >= received_on
        if stage.closed_on is not None:
            assert stage.started_on is not None and stage.closed_on >= stage.started_on
            assert stage.closed_on <= END
            assert stage.status == "closed"
            # A council stage has an outcome; the Ombudsman's has a decision instead.
            assert (stage.outcome is None) == (stage.stage == "lgsco")
        else:
            assert stage.status in ("open", "suspended") and stage.outcome is None
        if stage.acknowledged_on is not None:
            assert stage.acknowledged_on <= END
    checked = 0
    for stages in by_case.values():
        assert [st.seq for st in stages] == list(range(1, len(stages) + 1))
        for before, after in itertools.pairwise(stages):
            assert before.closed_on is not None, "only a closed stage has a next one"
            assert after.previous_stage_id == before.id
            assert after.requested_on is not None and after.requested_on > before.closed_on
            if after.started_on is not None:
                assert after.started_on > before.closed_on
        for stage in stages:
            if stage.due_on is None:
                continue
            assert stage.started_on is not None and stage.timescale_days is not None
            days = stage.timescale_days + stage.extended_days + stage.suspended_days
            assert stage.due_on == cal.add_working_days(stage.started_on, days)
            checked += 1
    assert checked > 1500
    # An adult complaint's statutory outer limit: six months beginning with the day it
    # was received (SI 2009/309 reg. 14(4)), as the clock service counts it.
    adult = [(st, received) for st, received in rows if st.stage in ADULT_GRADES]
    assert len(adult) > 100
    for stage, received_on in adult:
        assert stage.outer_limit_on == six_months_beginning_with(received_on), stage.case_id


def test_most_stages_close_in_time_and_acknowledge_in_three_days(
    demo: tuple[Database, DemoSummary],
) -> None:
    db, _ = demo
    with db.session() as s:
        closed = s.execute(
            sa.select(Stage.stage, Stage.closed_on, Stage.due_on).where(
                Stage.closed_on.is_not(None), Stage.due_on.is_not(None)
            )
        ).all()
        acknowledged = s.execute(
            sa.select(Stage.acknowledged_on, Stage.acknowledge_due_on).where(
                Stage.acknowledged_on.is_not(None)
            )
        ).all()
    in_time = sum(1 for _, closed_on, due_on in closed if closed_on <= due_on) / len(closed)
    assert 0.75 < in_time < 0.97  # a realistic share is late
    on_time = sum(1 for a, due in acknowledged if a <= due) / len(acknowledged)
    assert on_time > 0.8


def test_open_cases_are_plausible_and_case_status_follows_stages(
    demo: tuple[Database, DemoSummary],
) -> None:
    db, summary = demo
    assert 0.03 <= summary.open_cases / summary.cases <= 0.4
    assert summary.suspended_stages > 0
    assert 0 < summary.overdue_stages < summary.open_stages
    with db.session() as s:
        cases = s.execute(
            sa.select(
                Case.id,
                Case.kind,
                Case.status,
                Case.closed_on,
                Case.current_stage_id,
                Case.received_on,
            )
        ).all()
        stages: dict[int, list[Any]] = defaultdict(list)
        for row in s.execute(
            sa.select(Stage.case_id, Stage.id, Stage.seq, Stage.status, Stage.closed_on)
        ):
            stages[row.case_id].append(row)
        open_suspensions = set(
            s.scalars(sa.select(StageSuspension.stage_id).where(StageSuspension.ends_on.is_(None)))
        )
        suspended = set(s.scalars(sa.select(Stage.id).where(Stage.status == "suspended")))
    assert suspended == open_suspensions
    recent = [
        c for c in cases if c.kind == "complaint" and c.received_on > END - dt.timedelta(days=61)
    ]
    assert sum(1 for c in recent if c.status == "open") / len(recent) > 0.5
    for case in cases:
        own = sorted(stages[case.id], key=lambda st: st.seq)
        if case.kind == "complaint":
            last = own[-1]
            assert case.current_stage_id == last.id
            assert (case.status == "closed") == (last.status == "closed")
            assert case.closed_on == last.closed_on
        else:
            assert not own and case.current_stage_id is None
            assert (case.status == "closed") == (case.closed_on is not None)


def test_references_are_unique_well_formed_and_counted(demo: tuple[Database, DemoSummary]) -> None:
    db, _ = demo
    prefix = {"children": "CSC", "adult": "ASC", "corporate": "COR"}
    with db.session() as s:
        cases = s.execute(
            sa.select(Case.reference, Case.procedure, Case.received_on).order_by(Case.id)
        ).all()
        counters = {
            (c.prefix, c.year): c.last_number for c in s.scalars(sa.select(ReferenceCounter))
        }
    references = [c.reference for c in cases]
    assert len(set(references)) == len(references)
    highest: dict[tuple[str, int], int] = {}
    last_seen: dict[tuple[str, int], tuple[dt.date, int]] = {}
    for reference, procedure, received_on in cases:
        match = REFERENCE.match(reference)
        assert match, reference
        key = (match.group(1), int(match.group(2)))
        assert key == (prefix[procedure], received_on.year)
        number = int(match.group(3))
        # Numbers rise with the received date within a prefix and year.
        if key in last_seen:
            assert (received_on, number) > last_seen[key]
        last_seen[key] = (received_on, number)
        highest[key] = max(highest.get(key, 0), number)
    assert counters == highest


def test_people_parties_points_and_categories(demo: tuple[Database, DemoSummary]) -> None:
    db, _ = demo
    with db.session() as s:
        complainants = s.execute(
            sa.select(Case.complainant_name, Person.full_name)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .join(Person, Person.id == CaseParty.person_id)
            .where(CaseParty.role == PartyRole.COMPLAINANT)
        ).all()
        assert len(complainants) == 3000
        assert all(name == full for name, full in complainants)
        assert any("'" in full for _, full in complainants)
        assert any(not full.isascii() for _, full in complainants)
        named_staff = s.scalar(
            sa.select(sa.func.count())
            .select_from(CaseParty)
            .where(CaseParty.role == PartyRole.NAMED_STAFF)
        )
        assert named_staff
        points = s.execute(
            sa.select(Case.id, Case.procedure, Nature.procedure)
            .join(ComplaintPoint, ComplaintPoint.case_id == Case.id)
            .join(Nature, Nature.id == ComplaintPoint.nature_id)
        ).all()
        per_case = Counter(case_id for case_id, _, _ in points)
        assert all(
            case_procedure == nature_procedure for _, case_procedure, nature_procedure in points
        )
        complaints = s.scalar(sa.select(sa.func.count()).where(Case.kind == Kind.COMPLAINT))
        assert len(per_case) == complaints
        assert set(per_case.values()) == {1, 2, 3, 4}
        categories = Counter(s.scalars(sa.select(CaseServiceCategory.case_id)))
        adult_complaints = s.scalar(
            sa.select(sa.func.count()).where(
                Case.kind == Kind.COMPLAINT, Case.procedure == Procedure.ADULT
            )
        )
        assert len(categories) == adult_complaints
        assert set(categories.values()) == {1, 2}
        compliments = s.execute(
            sa.select(Case.kind, Case.service_area_id).where(Case.kind == Kind.COMPLIMENT)
        ).all()
        assert all(area is not None for _, area in compliments)
        comments = s.execute(
            sa.select(Case.reply_text, Case.directorate_id).where(Case.kind == Kind.COMMENT)
        ).all()
        assert sum(1 for reply, _ in comments if reply) / len(comments) > 0.6
        assert all(directorate is not None for _, directorate in comments)
        users = set(s.scalars(sa.select(User.username)))
        assert {"manager", "officer1", "officer2", "officer3", "officer4"} <= users
        owners = set(s.scalars(sa.select(Case.owner_id).distinct()))
        assert len(owners) == 4
        investigators = s.scalar(sa.select(sa.func.count()).where(Person.is_investigator))
        assert 35 <= investigators <= 45


def test_investigators_ombudsman_and_learning(demo: tuple[Database, DemoSummary]) -> None:
    db, _ = demo
    with db.session() as s:
        roles: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        rows = s.execute(
            sa.select(
                Case.procedure, Stage.stage, Stage.id, Assignment.role, Assignment.status, Person
            )
            .join(Stage, Stage.case_id == Case.id)
            .join(Assignment, Assignment.stage_id == Stage.id)
            .join(Person, Person.id == Assignment.person_id)
        ).all()
        per_stage: dict[int, Counter[str]] = defaultdict(Counter)
        for procedure, stage, stage_id, role, status, person in rows:
            roles[(procedure, stage)][role] += 1
            if status != "declined":
                per_stage[stage_id][role] += 1
            if role in (AssignmentRole.INDEPENDENT_PERSON, AssignmentRole.PANEL_MEMBER):
                assert not person.is_employee and not person.is_elected_member
                assert not person.is_partner_of_member_or_officer
        # Nobody is appointed an Independent Person or to a panel while employed, or
        # within three years of leaving (para. 51), judged on the day they were offered
        # it; the rules refuse that, so no appointment records a manager overriding them.
        independent = s.execute(
            sa.select(Assignment.offered_on, Person.left_employment_on, Assignment.role).where(
                Assignment.person_id == Person.id,
                Assignment.status != AssignmentStatus.DECLINED,
                Assignment.role.in_(INDEPENDENT_ROLES),
            )
        ).all()
        assert any(left is not None for _, left, _ in independent)
        for offered, left, role in independent:
            assert left is None or former_employee_clear_on(left) <= offered, (role, offered)
        assert not s.scalar(
            sa.select(sa.func.count()).where(
                Assignment.role.in_(INDEPENDENT_ROLES), Assignment.override_reason.is_not(None)
            )
        )
        assert roles[("children", StageCode.STAGE_2)][AssignmentRole.INDEPENDENT_PERSON]
        assert roles[("children", StageCode.STAGE_3)][AssignmentRole.PANEL_MEMBER]
        assert roles[("adult", StageCode.MODERATE_HIGH)][AssignmentRole.INVESTIGATING_OFFICER]
        assert roles[("corporate", StageCode.STAGE_2)][AssignmentRole.INVESTIGATING_OFFICER]
        for counts in per_stage.values():
            assert counts[AssignmentRole.INVESTIGATING_OFFICER] <= 1
            assert counts[AssignmentRole.INDEPENDENT_PERSON] <= 1
            assert counts[AssignmentRole.PANEL_CHAIR] + counts[AssignmentRole.PANEL_MEMBER] in (
                0,
                3,
            )
        assert s.scalar(sa.select(sa.func.count()).where(Assignment.report_due_on.is_(None))) == 0

        remedies = s.scalars(sa.select(LgscoRemedy)).all()
        assert remedies and any(r.late for r in remedies) and any(not r.late for r in remedies)
        for remedy in remedies:
            if remedy.completed_on is not None:
                assert remedy.late == (remedy.completed_on > remedy.deadline_on)
        payments = s.scalars(sa.select(LgscoPayment.amount_pence)).all()
        assert payments and all(p > 0 and p % 100 == 0 for p in payments)

        actions = s.execute(
            sa.select(ActionItem, Stage.outcome, Stage.case_id).join(
                Stage, Stage.id == ActionItem.stage_id
            )
        ).all()
        assert actions
        assert all(item.case_id == case_id for item, _, case_id in actions)
        assert all(
            outcome in (Outcome.UPHELD, Outcome.PARTIALLY_UPHELD) for _, outcome, _ in actions
        )
        assert any(item.learning_example for item, _, _ in actions)

        extension_days = dict(
            s.execute(
                sa.select(
                    StageExtension.stage_id, sa.func.sum(StageExtension.working_days)
                ).group_by(StageExtension.stage_id)
            ).all()
        )
        extended = dict(
            s.execute(sa.select(Stage.id, Stage.extended_days).where(Stage.extended_days > 0)).all()
        )
        assert extension_days == extended
        last_change = {
            row.stage_id: row.after
            for row in s.execute(
                sa.select(DueDateChange.stage_id, DueDateChange.after).order_by(
                    DueDateChange.stage_id, DueDateChange.id
                )
            )
        }
        due = dict(
            s.execute(sa.select(Stage.id, Stage.due_on).where(Stage.due_on.is_not(None))).all()
        )
        assert last_change == due


def test_running_twice_continues_the_numbering(tmp_path: Path) -> None:
    db, first = _generate(tmp_path / "twice.db", 300, 1)
    try:
        second = generate_demo(db, 300, 2, END)
        assert first.users_created == 5 and second.users_created == 0
        with db.session() as s:
            references = s.scalars(sa.select(Case.reference)).all()
            counters = {
                (c.prefix, c.year): c.last_number for c in s.scalars(sa.select(ReferenceCounter))
            }
        assert len(references) == len(set(references)) == 600
        highest: dict[tuple[str, int], int] = {}
        for reference in references:
            match = REFERENCE.match(reference)
            assert match
            key = (match.group(1), int(match.group(2)))
            highest[key] = max(highest.get(key, 0), int(match.group(3)))
        assert counters == highest
        with db.session() as s:
            assert verify_chain(s) == []
            events = s.scalars(
                sa.select(AuditEvent.after).where(AuditEvent.action == "generate demo data")
            ).all()
        assert len(events) == 2
    finally:
        db.dispose()


def test_small_and_unusual_requests(tmp_path: Path) -> None:
    db, summary = _generate(tmp_path / "one.db", 1, 3, dt.date(2024, 4, 1))
    try:
        assert summary.cases == 1
        assert summary.first_received == summary.last_received
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_generates_the_same_shape_of_data() -> None:
    with scratch_postgres_database() as url:
        db = open_database(url)
        try:
            summary = generate_demo(db, 500, 4, END)
            with db.session() as s:
                assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 500
                assert s.scalar(sa.select(sa.func.count()).select_from(Stage)) == summary.stages
                assert (
                    s.scalar(sa.select(sa.func.count()).select_from(ComplaintPoint))
                    == summary.points
                )
                assert s.scalar(sa.select(sa.func.count()).select_from(Person)) == summary.people
                assert (
                    s.scalar(sa.select(sa.func.count()).select_from(Assignment))
                    == summary.assignments
                )

            # The id sequences were moved past the demo rows: a normal insert still works.
            def add_case(session: Session) -> int:
                case = Case(
                    reference="COR-2099-00001",
                    kind=Kind.COMPLAINT,
                    procedure=Procedure.CORPORATE,
                    received_on=END,
                )
                session.add(case)
                session.flush()
                return case.id

            assert db.write(add_case) > 500

            def add_user(session: Session) -> int:
                user = User(username="after-demo", display_name="After", role=UserRole.OFFICER)
                session.add(user)
                session.flush()
                return user.id

            assert db.write(add_user) > 5
        finally:
            db.dispose()
