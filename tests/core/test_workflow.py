"""Case workflow: creation, guards, outcomes, the Ombudsman, continuity, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import verify_chain
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    AuditEvent,
    Case,
    CaseParty,
    ComplaintPoint,
    LgscoDetail,
    LgscoRemedy,
    Person,
    PointOutcome,
    Stage,
    StageGrading,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Channel,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    SuspensionReason,
)
from crm_desktop.domain.workflow import (
    ACTION_FORMS,
    ENDING_OUTCOMES,
    Action,
    State,
    allowed_actions,
    outcome_from_points,
)
from crm_desktop.errors import (
    ConflictError,
    IllegalTransition,
    PermissionRefused,
    ValidationError,
)
from crm_desktop.operations import cases as case_ops
from crm_desktop.operations import run_operation
from crm_desktop.operations import workflow as ops
from crm_desktop.services.case_view import load_case_detail
from crm_desktop.services.cases import (
    CaseEdit,
    NewCase,
    PersonInput,
    PointInput,
    create_case,
    edit_case,
    record_late_complaint_decision,
)
from crm_desktop.services.timeline import case_timeline
from crm_desktop.services.workflow import (
    ActionInput,
    add_action_item,
    add_payment,
    add_remedy,
    complete_remedy,
)
from tests.workflow_driver import (
    MANAGER,
    OFFICER,
    STARTS,
    TODAY,
    Driver,
    Handle,
    Start,
    paths,
    snapshot,
)

CHILDREN, CORPORATE = STARTS[0], STARTS[1]
ADULT_LOW = next(s for s in STARTS if s.grade == StageCode.LOW)


@pytest.fixture
def driver(database: Database) -> Driver:
    return Driver(database)


def refused(  # type: ignore[no-untyped-def]
    driver: Driver, handle, action: Action, match: str | None, kind=ValidationError, **kwargs
) -> None:
    before = snapshot(driver.db, handle.case_id)
    with pytest.raises(kind, match=match):
        driver.do(handle, action, **kwargs)
    assert snapshot(driver.db, handle.case_id) == before


# -- creating cases ----------------------------------------------------------------


def test_references_per_procedure_and_year(driver: Driver) -> None:
    first = driver.create(CHILDREN)
    second = driver.create(CHILDREN)
    corporate = driver.create(CORPORATE)
    later = driver.create(CHILDREN, received=dt.date(2025, 1, 6))
    with driver.db.session() as session:
        refs = [session.get(Case, h.case_id).reference for h in (first, second, corporate, later)]  # type: ignore[union-attr]
    assert refs == ["CSC-2024-00001", "CSC-2024-00002", "COR-2024-00001", "CSC-2025-00001"]


def test_references_are_unique_when_officers_save_at_once(any_database: Database) -> None:
    driver = Driver(any_database)
    errors: list[BaseException] = []

    def save_many() -> None:
        try:
            for _ in range(8):
                driver.create(CORPORATE)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save_many) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with any_database.session() as session:
        refs = session.scalars(sa.select(Case.reference)).all()
    assert len(refs) == 24 == len(set(refs))
    assert sorted(refs) == [f"COR-2024-{n:05d}" for n in range(1, 25)]


def test_the_counter_skips_references_already_taken(any_database: Database) -> None:
    """A number an imported case already has is skipped, on both databases, past five
    digits too."""
    driver = Driver(any_database)
    driver.create(CORPORATE)
    with driver.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE representation SET reference = 'COR-2024-00002' "
            "WHERE reference = 'COR-2024-00001'"
        )
    handle = driver.create(CORPORATE)
    with driver.db.session() as session:
        assert session.get(Case, handle.case_id).reference == "COR-2024-00003"  # type: ignore[union-attr]
    with driver.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE representation SET reference = 'COR-2024-100000' "
            "WHERE reference = 'COR-2024-00003'"
        )
        connection.exec_driver_sql(
            "UPDATE reference_counter SET last_number = 99999 WHERE prefix = 'COR' AND year = 2024"
        )
    handle = driver.create(CORPORATE)
    with driver.db.session() as session:
        assert session.get(Case, handle.case_id).reference == "COR-2024-100001"  # type: ignore[union-attr]


def _new(**changes: object) -> NewCase:
    base: dict[str, object] = {
        "kind": Kind.COMPLAINT,
        "procedure": Procedure.CORPORATE,
        "received_on": dt.date(2024, 3, 1),
        "service_area": "Contact Centre",
        "directorate": "COaCH",
        "complainant": PersonInput("A. Example"),
        "points": [PointInput("Communication")],
    }
    base.update(changes)
    return NewCase(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"service_area": "Moon Base"}, "no corporate service area called 'Moon Base'"),
        (
            {"complainant": PersonInput("A. Example", email="a@example.org, b@example.org")},
            "'a@example.org, b@example.org' is not an email address",
        ),
        ({"directorate": "Ministry of Magic"}, "no directorate called"),
        ({"directorate": None}, "Choose the directorate"),
        ({"points": [PointInput("Astrology")]}, "'Astrology' is not a nature of complaint"),
        ({"points": []}, "at least one complaint point"),
        ({"received_on": TODAY + dt.timedelta(days=1)}, "is in the future"),
        (
            {
                "procedure": Procedure.ADULT,
                "service_area": "Urgent Care",
                "directorate": None,
                "points": [PointInput("Direct Payments")],
            },
            "Grade the adult complaint",
        ),
        ({"service_categories": ["Finance"]}, "Service categories are for adult"),
        ({"team": "Nonexistent Team"}, "no corporate team"),
        ({"events_on": dt.date(2024, 4, 1)}, "cannot be after the date it was received"),
    ],
)
def test_bad_new_cases_are_refused_and_nothing_is_saved(
    database: Database, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        database.write(lambda s: create_case(s, _new(**changes), OFFICER, TODAY))
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_text_longer_than_its_column_is_refused_on_both_databases(
    any_database: Database,
) -> None:
    """PostgreSQL refused a 490-character name with an error the officer could not act
    on, while SQLite kept it whole; both now refuse it, naming the field, and save
    nothing."""
    long_name = _new(complainant=PersonInput("A" * 490, postcode="WR1 1AA"))
    with pytest.raises(ValidationError, match="The name is 490 characters long; at most 200"):
        any_database.write(lambda s: create_case(s, long_name, OFFICER, TODAY))
    long_phone = _new(complainant=PersonInput("A. Example", phone="0" * 41))
    with pytest.raises(ValidationError, match="The phone number is 41 characters") as refused:
        any_database.write(lambda s: create_case(s, long_phone, OFFICER, TODAY))
    assert refused.value.field == "phone"
    with any_database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    fits = _new(complainant=PersonInput("A" * 200))
    created = any_database.write(lambda s: create_case(s, fits, OFFICER, TODAY))
    assert created.reference


def test_a_record_an_older_version_kept_too_long_still_takes_other_changes(
    database: Database,
) -> None:
    """An older version kept a 250-character name whole on SQLite: the case must still
    move on; only a change to that text is held to the length."""
    driver = Driver(database)
    handle = driver.create(CORPORATE)
    with database.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE representation SET complainant_name = :n WHERE id = :i"),
            {"n": "B" * 250, "i": handle.case_id},
        )
    result = driver.do(handle, Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 3, 4)))
    assert result.state == State.IN_PROGRESS


def test_the_12_months_count_from_when_the_complainant_learnt_of_the_events(
    database: Database,
) -> None:
    """SI 2009/309 reg. 12(1): not later than 12 months after the events or, "if later,
    the date on which the matter ... came to the notice of the complainant"."""
    # Received 1 Mar 2024; the events on 28 Feb 2023, learnt of on 1 Jun 2023: in time.
    learnt = database.write(
        lambda s: create_case(
            s,
            _new(events_on=dt.date(2023, 2, 28), noticed_on=dt.date(2023, 6, 1)),
            OFFICER,
            TODAY,
        )
    )
    assert learnt.warnings == ()
    with pytest.raises(ValidationError, match="no decision is needed"):
        database.write(
            lambda s: record_late_complaint_decision(
                s, learnt.case_id, learnt.version, "Consider it", OFFICER
            )
        )
    # Learnt of on the day they happened, 28 Feb 2023: the 12 months ended on 28 Feb
    # 2024, so 1 Mar 2024 is late, and the warning names the events.
    same = database.write(
        lambda s: create_case(
            s,
            _new(events_on=dt.date(2023, 2, 28), noticed_on=dt.date(2023, 2, 28)),
            OFFICER,
            TODAY,
        )
    )
    assert same.warnings == (
        "This complaint was made more than 12 months after the events (28 Feb 2023). "
        "Record a decision on whether to consider it.",
    )
    # Only the day learnt of known: it counts. 1 Mar 2024 is "not later than 12 months
    # after" 1 Mar 2023, so in time; after 28 Feb 2023 it is late.
    on_time = database.write(
        lambda s: create_case(s, _new(noticed_on=dt.date(2023, 3, 1)), OFFICER, TODAY)
    )
    assert on_time.warnings == ()
    late = database.write(
        lambda s: create_case(s, _new(noticed_on=dt.date(2023, 2, 28)), OFFICER, TODAY)
    )
    assert late.warnings == (
        "This complaint was made more than 12 months after the events came to the "
        "complainant's notice (28 Feb 2023). Record a decision on whether to consider it.",
    )
    # Learnt of before they happened, or after the complaint came: refused, nothing saved.
    for changes, message in (
        ({"events_on": dt.date(2023, 6, 1), "noticed_on": dt.date(2023, 5, 31)}, "before"),
        ({"noticed_on": dt.date(2024, 3, 2)}, "after the complaint was received"),
    ):
        with pytest.raises(ValidationError, match=message) as no:
            database.write(lambda s, c=changes: create_case(s, _new(**c), OFFICER, TODAY))
        assert no.value.field == "noticed_on"
    # An edit that records when they learnt of it lifts the flag; emptying it restores it.
    version = database.write(
        lambda s: edit_case(
            s,
            same.case_id,
            same.version,
            CaseEdit(noticed_on=dt.date(2023, 4, 3)),
            OFFICER,
            TODAY,
        )
    )
    with pytest.raises(ValidationError, match="no decision is needed"):
        database.write(
            lambda s: record_late_complaint_decision(s, same.case_id, version, "X", OFFICER)
        )
    version = database.write(
        lambda s: edit_case(
            s,
            same.case_id,
            version,
            CaseEdit(cleared=frozenset({"noticed_on"})),
            OFFICER,
            TODAY,
        )
    )
    database.write(
        lambda s: record_late_complaint_decision(
            s, same.case_id, version, "Considered: ongoing effect", MANAGER
        )
    )
    with database.session() as session:
        assert session.scalars(
            sa.select(Case.noticed_on).where(Case.id == learnt.case_id)
        ).one() == dt.date(2023, 6, 1)


def test_editing_the_date_of_the_events_is_checked_and_can_clear_it(database: Database) -> None:
    created = database.write(
        lambda s: create_case(s, _new(events_on=dt.date(2023, 2, 28)), OFFICER, TODAY)
    )
    # Received 1 Mar 2024: events on 2 Mar 2024 are refused on an edit as on creation.
    with pytest.raises(ValidationError, match="cannot be after the date it was received") as no:
        database.write(
            lambda s: edit_case(
                s,
                created.case_id,
                created.version,
                CaseEdit(events_on=dt.date(2024, 3, 2), summary="Also changed"),
                OFFICER,
                TODAY,
            )
        )
    assert no.value.field == "events_on"
    with database.session() as session:
        case = session.get(Case, created.case_id)
        assert case is not None
        assert (case.events_on, case.summary, case.version) == (
            dt.date(2023, 2, 28),
            "",
            created.version,
        )
    # The day it was received is allowed; then the date is cleared as not known.
    version = database.write(
        lambda s: edit_case(
            s,
            created.case_id,
            created.version,
            CaseEdit(events_on=dt.date(2024, 3, 1)),
            OFFICER,
            TODAY,
        )
    )
    database.write(
        lambda s: edit_case(
            s, created.case_id, version, CaseEdit(cleared=frozenset({"events_on"})), OFFICER, TODAY
        )
    )
    with database.session() as session:
        case = session.get(Case, created.case_id)
        assert case is not None and case.events_on is None


def test_an_edit_empties_how_it_came_in_but_not_a_corporate_directorate(
    database: Database,
) -> None:
    created = database.write(lambda s: create_case(s, _new(channel=Channel.PHONE), OFFICER, TODAY))
    # A corporate complaint needs its directorate on an edit as on creation.
    with pytest.raises(ValidationError, match="Choose the directorate") as no:
        database.write(
            lambda s: edit_case(
                s, created.case_id, created.version, CaseEdit(directorate=""), OFFICER, TODAY
            )
        )
    assert no.value.field == "directorate"
    database.write(
        lambda s: edit_case(
            s,
            created.case_id,
            created.version,
            CaseEdit(cleared=frozenset({"channel"})),
            OFFICER,
            TODAY,
        )
    )
    with database.session() as session:
        case = session.get(Case, created.case_id)
        assert case is not None and case.channel is None and case.directorate_id is not None
    # A case recorded before the directorate was required (none on record) can still
    # have its other details changed; only emptying the directorate is refused.
    with database.engine.begin() as connection:
        connection.execute(
            sa.update(Case).where(Case.id == created.case_id).values(directorate_id=None)
        )
    with database.session() as session:
        version = session.scalars(sa.select(Case.version).where(Case.id == created.case_id)).one()
    database.write(
        lambda s: edit_case(s, created.case_id, version, CaseEdit(summary="Noted"), OFFICER, TODAY)
    )


def test_reference_names_match_ignoring_case_and_spaces(database: Database) -> None:
    created = database.write(
        lambda s: create_case(
            s,
            _new(
                service_area="  contact centre ",
                directorate="coach",
                points=[PointInput("COMMUNICATION")],
            ),
            OFFICER,
            TODAY,
        )
    )
    assert created.reference.startswith("COR-2024-")


def test_childrens_12_months_count_from_the_grounds_arising(database: Database) -> None:
    """SI 2006/1738 reg. 9: representations are made "within one year of the grounds to
    make the representations arising"; the regulations have no "came to the notice"
    limb, so the day the complainant learnt of the events does not move a children's
    complaint's 12 months. The same dates in a corporate complaint are in time (the
    Ombudsman's 12 months run from when the complainant first had notice)."""
    dates = {"events_on": dt.date(2023, 2, 28), "noticed_on": dt.date(2023, 6, 1)}
    children = {
        "procedure": Procedure.CHILDREN,
        "service_area": "Through Care",
        "directorate": None,
        "points": [PointInput("Decision Making")],
    }
    late = database.write(lambda s: create_case(s, _new(**children, **dates), OFFICER, TODAY))
    assert late.warnings == (
        "This complaint was made more than 12 months after the events (28 Feb 2023). "
        "Record a decision on whether to consider it.",
    )
    # Exactly a year after the grounds arose (1 Mar 2023 -> 1 Mar 2024) is in time.
    in_time = database.write(
        lambda s: create_case(s, _new(**children, events_on=dt.date(2023, 3, 1)), OFFICER, TODAY)
    )
    assert in_time.warnings == ()
    # Only the day learnt of known: nothing to count from, so nothing is flagged.
    unknown = database.write(
        lambda s: create_case(s, _new(**children, noticed_on=dt.date(2022, 1, 3)), OFFICER, TODAY)
    )
    assert unknown.warnings == ()
    corporate = database.write(lambda s: create_case(s, _new(**dates), OFFICER, TODAY))
    assert corporate.warnings == ()
    with database.session() as session:
        assert load_case_detail(session, late.case_id, TODAY).late_complaint
        assert not load_case_detail(session, corporate.case_id, TODAY).late_complaint
    version = database.write(
        lambda s: record_late_complaint_decision(
            s, late.case_id, late.version, "Considered: the child's safety", OFFICER
        )
    )
    assert version == late.version + 1


def test_a_late_complaint_is_flagged_and_its_decision_recorded(database: Database) -> None:
    created = database.write(
        lambda s: create_case(s, _new(events_on=dt.date(2023, 2, 28)), OFFICER, TODAY)
    )
    assert any("more than 12 months after" in w for w in created.warnings)
    on_time = database.write(
        lambda s: create_case(s, _new(events_on=dt.date(2023, 3, 1)), OFFICER, TODAY)
    )
    assert on_time.warnings == ()
    with pytest.raises(ValidationError, match="no decision is needed"):
        database.write(
            lambda s: record_late_complaint_decision(
                s, on_time.case_id, on_time.version, "Consider it", OFFICER
            )
        )
    database.write(
        lambda s: record_late_complaint_decision(
            s, created.case_id, created.version, "Considered: ongoing effect", MANAGER
        )
    )
    with database.session() as session:
        case = session.get(Case, created.case_id)
        assert case is not None and case.late_complaint_decision == "Considered: ongoing effect"


def test_a_vexatious_complainant_is_warned_about_never_blocked(database: Database) -> None:
    first = database.write(lambda s: create_case(s, _new(), OFFICER, TODAY))
    with database.session() as session:
        person_id = session.scalars(
            sa.select(Person.id).where(Person.full_name == "A. Example")
        ).one()
    run_operation(
        database,
        MANAGER,
        TODAY,
        case_ops.set_vexatious,
        first.case_id,
        person_id,
        True,
        dt.date(2024, 9, 1),
        "Letters only, to the team",
    )
    second = database.write(
        lambda s: create_case(
            s, _new(complainant=PersonInput("", person_id=person_id)), OFFICER, TODAY
        )
    )
    third = database.write(
        lambda s: create_case(s, _new(complainant=PersonInput("a. example")), OFFICER, TODAY)
    )
    for created in (second, third):
        assert created.reference != first.reference
        assert any(
            "flagged as a persistent or vexatious complainant (review due 1 Sep 2024)" in w
            and "Letters only" in w
            for w in created.warnings
        )


def test_changing_a_vexatious_flag_keeps_the_day_the_policy_was_applied(
    database: Database,
) -> None:
    """The annual report counts people by the day the unreasonable-behaviour policy was
    applied: moving the review date must not move them into another year."""
    created = database.write(lambda s: create_case(s, _new(), OFFICER, TODAY))
    with database.session() as session:
        person_id = session.scalars(
            sa.select(Person.id).where(Person.full_name == "A. Example")
        ).one()

    def flag(on: dt.date, flagged: bool = True, since: dt.date | None = None) -> dt.date | None:
        run_operation(
            database,
            MANAGER,
            on,
            case_ops.set_vexatious,
            created.case_id,
            person_id,
            flagged,
            on + dt.timedelta(days=90) if flagged else None,
            "Letters only",
            since,
        )
        with database.session() as session:
            person = session.get(Person, person_id)
            assert person is not None
            return person.vexatious_since

    assert flag(dt.date(2025, 1, 10)) == dt.date(2025, 1, 10)  # a new flag: today
    assert flag(dt.date(2025, 6, 2)) == dt.date(2025, 1, 10)  # a new review date: kept
    assert flag(dt.date(2025, 6, 3), since=dt.date(2025, 1, 9)) == dt.date(2025, 1, 9)
    with pytest.raises(ValidationError, match="is in the future"):
        flag(dt.date(2025, 6, 4), since=dt.date(2025, 6, 5))
    assert flag(dt.date(2025, 7, 1), flagged=False) == dt.date(2025, 1, 9)  # cleared: kept
    assert flag(dt.date(2026, 2, 2)) == dt.date(2026, 2, 2)  # flagged again: anew


def test_compliments_name_staff_and_comments_record_the_reply(driver: Driver) -> None:
    compliment = driver.db.write(
        lambda s: create_case(
            s,
            _new(
                kind=Kind.COMPLIMENT,
                points=[],
                directorate=None,
                named_staff=["Jo Bloggs", "Sam Smith"],
            ),
            OFFICER,
            TODAY,
        )
    )
    comment = driver.create(next(s for s in STARTS if s.kind == Kind.COMMENT))
    driver.do(
        comment,
        Action.RECORD_REPLY,
        ActionInput(on=dt.date(2024, 3, 8), reply_text="Passed to Highways."),
    )
    with driver.db.session() as session:
        staff = session.scalars(
            sa.select(Person.full_name)
            .join(CaseParty, CaseParty.person_id == Person.id)
            .where(CaseParty.case_id == compliment.case_id, CaseParty.role == PartyRole.NAMED_STAFF)
            .order_by(Person.full_name)
        ).all()
        case = session.get(Case, comment.case_id)
    assert staff == ["Jo Bloggs", "Sam Smith"]
    assert case is not None and case.reply_text == "Passed to Highways."
    assert case.reply_received_on == dt.date(2024, 3, 8)


# -- guards ------------------------------------------------------------------------


def test_responding_needs_every_point_to_have_an_outcome(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    driver.do(handle, Action.ACKNOWLEDGE)
    refused(
        driver,
        handle,
        Action.RESPOND,
        r"Record an outcome for complaint points 1, 2",
        prepare=False,
    )
    with driver.db.session() as session:
        point = session.scalars(
            sa.select(ComplaintPoint.id)
            .where(ComplaintPoint.case_id == handle.case_id)
            .order_by(ComplaintPoint.seq)
        ).first()
    assert point is not None
    from crm_desktop.services.cases import set_point_outcome

    driver.db.write(
        lambda s: set_point_outcome(s, handle.case_id, handle.version, point, "upheld", OFFICER)
    )
    driver.refresh(handle)
    refused(driver, handle, Action.RESPOND, r"complaint point 2 before", prepare=False)


def test_stage_outcome_follows_the_points_or_an_override_with_reason(driver: Driver) -> None:
    assert outcome_from_points([Outcome.UPHELD, Outcome.UPHELD]) == Outcome.UPHELD
    assert outcome_from_points([Outcome.NOT_UPHELD, Outcome.NOT_UPHELD]) == Outcome.NOT_UPHELD
    assert outcome_from_points([Outcome.UPHELD, Outcome.NOT_UPHELD]) == Outcome.PARTIALLY_UPHELD
    assert outcome_from_points([Outcome.PARTIALLY_UPHELD]) == Outcome.PARTIALLY_UPHELD
    assert outcome_from_points([Outcome.NO_FINDING, Outcome.NO_FINDING]) == Outcome.NO_FINDING
    assert outcome_from_points([Outcome.NO_FINDING, Outcome.NOT_UPHELD]) == Outcome.NOT_UPHELD

    handle = driver.create(CORPORATE)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.give_point_outcomes(handle, ["upheld", "not upheld"])
    refused(
        driver,
        handle,
        Action.RESPOND,
        "Say why the stage outcome should be 'upheld'",
        data=ActionInput(on=dt.date(2024, 3, 8), outcome_override=Outcome.UPHELD),
        prepare=False,
    )
    driver.do(
        handle,
        Action.RESPOND,
        ActionInput(
            on=dt.date(2024, 3, 8),
            outcome_override=Outcome.UPHELD,
            reason="The main point was upheld in full",
        ),
        prepare=False,
    )
    with driver.db.session() as session:
        stage = session.scalars(sa.select(Stage).where(Stage.case_id == handle.case_id)).one()
    assert stage.outcome == Outcome.UPHELD
    assert stage.outcome_override_reason == "The main point was upheld in full"

    plain = driver.create(CORPORATE)
    driver.do(plain, Action.ACKNOWLEDGE)
    driver.do(plain, Action.RESPOND)  # gives upheld + not upheld
    with driver.db.session() as session:
        stage = session.scalars(sa.select(Stage).where(Stage.case_id == plain.case_id)).one()
    assert stage.outcome == Outcome.PARTIALLY_UPHELD and stage.outcome_override_reason is None


@pytest.mark.parametrize("ending", [Action.WITHDRAW, Action.DISCONTINUE])
def test_a_withdrawn_or_discontinued_stage_cannot_escalate(driver: Driver, ending: Action) -> None:
    handle = driver.create(CHILDREN)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(handle, ending)
    for action in (Action.REQUEST_NEXT_STAGE, Action.ESCALATE, Action.ESCALATE_TO_LGSCO):
        refused(driver, handle, action, None, kind=IllegalTransition, prepare=False)
    with driver.db.session() as session:
        outcomes = session.scalars(
            sa.select(PointOutcome.outcome)
            .join(Stage, Stage.id == PointOutcome.stage_id)
            .where(Stage.case_id == handle.case_id)
        ).all()
    assert len(outcomes) == 2 and set(outcomes) == {ENDING_OUTCOMES[ending]}


def _to_children_stage_2(driver: Driver):  # type: ignore[no-untyped-def]
    handle = driver.create(CHILDREN)
    for action in (
        Action.ACKNOWLEDGE,
        Action.RESPOND,
        Action.REQUEST_NEXT_STAGE,
        Action.ESCALATE,
        Action.ACKNOWLEDGE,
    ):
        driver.do(handle, action)
    return handle


def test_a_statement_agreed_before_the_acknowledgement_starts_the_clock(driver: Driver) -> None:
    """The Stage 2 clock runs from the agreed statement of complaint (PRODUCT.md): one
    agreed at a meeting on the day of the request, before the acknowledgement went out
    the next day, keeps its real date; one before the request is refused."""
    handle = driver.create(CHILDREN, received=dt.date(2024, 3, 1))
    for action, on in (
        (Action.ACKNOWLEDGE, dt.date(2024, 3, 4)),
        (Action.RESPOND, dt.date(2024, 3, 8)),
        (Action.REQUEST_NEXT_STAGE, dt.date(2024, 3, 11)),
        (Action.ESCALATE, dt.date(2024, 3, 11)),
        (Action.ACKNOWLEDGE, dt.date(2024, 3, 12)),
    ):
        driver.do(handle, action, ActionInput(on=on))
    driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
    driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)
    refused(
        driver,
        handle,
        Action.START_INVESTIGATION,
        "before",
        data=ActionInput(on=dt.date(2024, 3, 8)),
        prepare=False,
    )
    driver.do(
        handle,
        Action.START_INVESTIGATION,
        ActionInput(on=dt.date(2024, 3, 11)),
        prepare=False,
    )
    with driver.db.session() as session:
        case = session.get(Case, handle.case_id)
        assert case is not None
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None
        assert (stage.statement_agreed_on, stage.started_on) == (
            dt.date(2024, 3, 11),
            dt.date(2024, 3, 11),
        )


def test_stage_2_needs_both_an_io_and_an_ip(driver: Driver) -> None:
    handle = _to_children_stage_2(driver)
    refused(
        driver,
        handle,
        Action.START_INVESTIGATION,
        "Still missing: an Investigating Officer and an Independent Person",
        prepare=False,
    )
    driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
    refused(
        driver,
        handle,
        Action.START_INVESTIGATION,
        r"Still missing: an Independent Person\.$",
        prepare=False,
    )
    driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)
    result = driver.do(handle, Action.START_INVESTIGATION, prepare=False)
    assert result.state == State.IN_PROGRESS
    with driver.db.session() as session:
        stage = session.get(Stage, result.stage_id)
        assert stage is not None and stage.statement_agreed_on == stage.started_on
        # Stage 2 runs 25 working days from the agreed statement.
        from crm_desktop.services.calendar_service import working_calendar

        assert stage.due_on == working_calendar(session).add_working_days(stage.started_on, 25)  # type: ignore[arg-type]


def _to_children_stage_3(driver: Driver):  # type: ignore[no-untyped-def]
    """A children's case at Stage 3, acknowledged; and its Stage 2 IP's person id."""
    handle = _to_children_stage_2(driver)
    driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
    ip = driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)[0]
    for action in (
        Action.START_INVESTIGATION,
        Action.RESPOND,
        Action.REQUEST_NEXT_STAGE,
        Action.ESCALATE,
        Action.ACKNOWLEDGE,
    ):
        driver.do(handle, action, prepare=action == Action.RESPOND)
    return handle, ip


def test_a_review_panel_needs_three_members_and_not_the_stage_2_ip(driver: Driver) -> None:
    handle, ip = _to_children_stage_3(driver)
    refused(
        driver,
        handle,
        Action.HOLD_PANEL,
        "needs 3 panel members who have accepted; 0 have",
        prepare=False,
    )
    driver.appoint(handle, AssignmentRole.PANEL_MEMBER, 2)

    def seat_the_stage_2_ip(session):  # type: ignore[no-untyped-def]
        case = session.get(Case, handle.case_id)
        session.add(
            Assignment(
                stage_id=case.current_stage_id,
                person_id=ip,
                role=AssignmentRole.PANEL_MEMBER,
                status=AssignmentStatus.ACCEPTED,
                offered_on=handle.day,
            )
        )

    driver.db.write(seat_the_stage_2_ip)
    driver.refresh(handle)
    refused(
        driver,
        handle,
        Action.HOLD_PANEL,
        "Independent Person from Stage 2 cannot sit",
        prepare=False,
    )


def test_a_stage_2_response_before_the_reports_says_which_are_outstanding(
    driver: Driver,
) -> None:
    handle = _to_children_stage_2(driver)
    io = driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)[0]
    driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)

    def io_reported(session: Session) -> None:
        assignment = session.scalars(sa.select(Assignment).where(Assignment.person_id == io)).one()
        assignment.status = AssignmentStatus.REPORT_RECEIVED

    driver.db.write(io_reported)
    driver.refresh(handle)
    driver.do(handle, Action.START_INVESTIGATION, prepare=False)
    result = driver.do(handle, Action.RESPOND)
    outstanding = [w for w in result.warnings if "report" in w]
    assert len(outstanding) == 1
    assert outstanding[0].startswith("The Independent Person's report (Investigator ")
    assert outstanding[0].endswith(
        "is not recorded as received. Record it on the People tab (Appoint…, Report "
        "received) when it comes."
    )


def test_a_panel_member_who_is_no_longer_independent_stops_the_meeting(driver: Driver) -> None:
    handle, _ip = _to_children_stage_3(driver)
    first, *_ = driver.appoint(handle, AssignmentRole.PANEL_MEMBER, 3)

    def elected(session: Session) -> None:
        # Accepted as independent, then elected a councillor before the panel met.
        person = session.get(Person, first)
        assert person is not None
        person.is_elected_member = True

    driver.db.write(elected)
    driver.refresh(handle)
    refused(
        driver,
        handle,
        Action.HOLD_PANEL,
        r"three independent people when it meets \(reg\. 19\(2\)\): Investigator \d+ is an "
        "elected member of the council",
        prepare=False,
    )


def test_a_late_request_for_the_next_stage_needs_a_manager_and_a_reason(driver: Driver) -> None:
    handle = driver.create(CHILDREN)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(handle, Action.RESPOND, ActionInput(on=dt.date(2024, 3, 8)))
    # 20 working days after Fri 8 Mar 2024, skipping Good Friday and Easter Monday.
    late = ActionInput(on=dt.date(2024, 4, 10))
    refused(
        driver,
        handle,
        Action.REQUEST_NEXT_STAGE,
        "after the window closed on 9 Apr 2024 .* A manager can accept it",
        data=late,
    )
    refused(
        driver,
        handle,
        Action.REQUEST_NEXT_STAGE,
        "Say why it is accepted",
        data=ActionInput(on=dt.date(2024, 4, 10), override_window=True),
        actor=MANAGER,
    )
    result = driver.do(
        handle,
        Action.REQUEST_NEXT_STAGE,
        ActionInput(
            on=dt.date(2024, 4, 10), override_window=True, reason="Complainant was in hospital"
        ),
        actor=MANAGER,
    )
    assert result.state == State.NEXT_STAGE_REQUESTED
    assert "Accepted by a manager" in result.warnings[0]

    on_time = driver.create(CHILDREN)
    driver.do(on_time, Action.ACKNOWLEDGE)
    driver.do(on_time, Action.RESPOND, ActionInput(on=dt.date(2024, 3, 8)))
    ok = driver.do(on_time, Action.REQUEST_NEXT_STAGE, ActionInput(on=dt.date(2024, 4, 9)))
    assert ok.warnings == ()


def test_only_a_manager_reopens_and_says_why(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    for action in (Action.ACKNOWLEDGE, Action.RESPOND, Action.CLOSE_CASE):
        driver.do(handle, action)
    with pytest.raises(PermissionRefused):
        driver.do(handle, Action.REOPEN, actor=OFFICER)
    refused(
        driver,
        handle,
        Action.REOPEN,
        "Say why the case is reopened",
        data=ActionInput(on=dt.date(2024, 4, 1)),
        actor=MANAGER,
    )
    result = driver.do(
        handle,
        Action.REOPEN,
        ActionInput(on=dt.date(2024, 4, 1), reason="Response sent to wrong address"),
    )
    assert result.state == State.IN_PROGRESS
    offered = run_operation(driver.db, OFFICER, TODAY, ops.available_actions, handle.case_id)
    assert Action.REOPEN not in offered.value and Action.RESPOND in offered.value
    to_manager = run_operation(driver.db, MANAGER, TODAY, ops.available_actions, handle.case_id)
    assert Action.REOPEN not in to_manager.value  # not while the case is open


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        (Action.ACKNOWLEDGE, ActionInput(on=TODAY + dt.timedelta(days=1)), "in the future"),
        (Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 2, 1)), "before the case was received"),
        (Action.SUSPEND, ActionInput(on=dt.date(2024, 3, 5)), "Say why the clock is suspended"),
        (
            Action.EXTEND,
            ActionInput(on=dt.date(2024, 3, 5), working_days=30, reason="Complex"),
            "limit",
        ),
        (
            Action.EXTEND,
            ActionInput(on=dt.date(2024, 3, 5), working_days=5),
            "Say why the stage is extended",
        ),
    ],
)
def test_bad_action_input_is_refused_and_nothing_changes(
    driver: Driver, action: Action, data: ActionInput, message: str
) -> None:
    handle = driver.create(CHILDREN)
    if action != Action.ACKNOWLEDGE:
        driver.do(handle, Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 3, 4)))
    refused(driver, handle, action, message, data=data, prepare=False)


def test_an_extension_is_agreed_by_the_day_the_response_is_due(driver: Driver) -> None:
    """Under the Complaint Handling Code more time is decided, and the complainant told,
    before the response is due (5.5 and 6.4): an extension dated after the due date
    would hide a late response, so it is refused. The statutory procedures set no such
    rule: a children's stage may still be extended, within its limit, afterwards."""

    def due(handle: Handle) -> dt.date:
        with driver.db.session() as session:
            case = session.get(Case, handle.case_id)
            assert case is not None and case.current_stage_id is not None
            stage = session.get(Stage, case.current_stage_id)
            assert stage is not None and stage.due_on is not None
            return stage.due_on

    # Received Mon 1 Jun 2026, acknowledged Tue 2 Jun: due 10 working days later.
    code = driver.create(CORPORATE, received=dt.date(2026, 6, 1))
    driver.do(code, Action.ACKNOWLEDGE, ActionInput(on=dt.date(2026, 6, 2)))
    first = due(code)
    assert first == dt.date(2026, 6, 16)
    driver.do(
        code,
        Action.EXTEND,
        ActionInput(on=first, working_days=5, reason="Waiting for the contractor's records"),
    )
    extended = due(code)
    assert extended == dt.date(2026, 6, 23)
    refused(
        driver,
        code,
        Action.EXTEND,
        "The response was due on 23 Jun 2026: an extension must be agreed by then",
        data=ActionInput(on=dt.date(2026, 6, 24), working_days=2, reason="More records"),
        prepare=False,
    )
    assert due(code) == extended
    children = driver.create(CHILDREN)
    driver.do(children, Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 3, 4)))
    before = due(children)
    late = before + dt.timedelta(days=3)
    driver.do(children, Action.EXTEND, ActionInput(on=late, working_days=5, reason="Complex"))
    assert due(children) > before


def test_a_stage_cannot_close_before_it_started(driver: Driver) -> None:
    handle = _to_children_stage_2(driver)
    with driver.db.session() as session:
        stage_2 = session.get(Case, handle.case_id).current_stage_id  # type: ignore[union-attr]
        requested = session.get(Stage, stage_2).requested_on  # type: ignore[union-attr]
    assert requested is not None
    driver.do(handle, Action.START_INVESTIGATION)
    driver.give_point_outcomes(handle)
    refused(driver, handle, Action.RESPOND, "before", data=ActionInput(on=requested), prepare=False)


def test_two_officers_moving_one_case_at_once(any_database: Database) -> None:
    driver = Driver(any_database)
    handle = driver.create(CORPORATE)
    opened_at = handle.version
    driver.do(handle, Action.ACKNOWLEDGE)
    before = snapshot(any_database, handle.case_id)
    from crm_desktop.services.workflow import perform

    with pytest.raises(ConflictError, match="was changed by officer1 at"):
        any_database.write(
            lambda s: perform(
                s,
                handle.case_id,
                opened_at,
                Action.WITHDRAW,
                ActionInput(on=dt.date(2024, 3, 5), reason="x"),
                OFFICER,
                TODAY,
            )
        )
    assert snapshot(any_database, handle.case_id) == before


def test_regrading_an_adult_complaint_is_recorded(driver: Driver) -> None:
    handle = driver.create(ADULT_LOW)
    driver.do(
        handle,
        Action.REGRADE,
        ActionInput(
            on=dt.date(2024, 3, 4), grade=StageCode.MODERATE_HIGH, reason="Several teams involved"
        ),
    )
    with driver.db.session() as session:
        grading = session.scalars(sa.select(StageGrading)).one()
        stage = session.scalars(sa.select(Stage).where(Stage.case_id == handle.case_id)).one()
    assert (grading.from_grade, grading.to_grade) == (StageCode.LOW, StageCode.MODERATE_HIGH)
    assert grading.reason == "Several teams involved" and grading.changed_by == "officer1"
    assert stage.stage == StageCode.MODERATE_HIGH
    # The six months beginning with the day it was received (1 Mar) end on 31 Aug.
    assert stage.outer_limit_on == dt.date(2024, 8, 31)


# -- the Ombudsman -------------------------------------------------------------------


def test_ombudsman_stage_decision_remedies_and_payments(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    for action in (Action.ACKNOWLEDGE, Action.RESPOND):
        driver.do(handle, action)
    result = driver.do(
        handle,
        Action.ESCALATE_TO_LGSCO,
        ActionInput(on=dt.date(2024, 5, 1), lgsco_reference="23 012 345"),
    )
    lgsco_stage = result.stage_id
    assert lgsco_stage is not None and result.state == State.LGSCO_OPEN
    driver.do(
        handle,
        Action.RECORD_LGSCO_DECISION,
        ActionInput(on=dt.date(2024, 7, 1), lgsco_decision=LgscoDecision.PUBLIC_REPORT),
    )
    db = driver.db
    on_time = db.write(
        lambda s: add_remedy(
            s, lgsco_stage, "Apologise", dt.date(2024, 7, 1), dt.date(2024, 8, 1), OFFICER, TODAY
        )
    )
    late = db.write(
        lambda s: add_remedy(
            s, lgsco_stage, "Pay £3,000", dt.date(2024, 7, 1), dt.date(2024, 8, 1), OFFICER, TODAY
        )
    )
    assert (
        db.write(
            lambda s: complete_remedy(
                s, on_time, dt.date(2024, 7, 20), dt.date(2024, 8, 1), OFFICER, TODAY
            )
        )
        is False
    )
    assert (
        db.write(
            lambda s: complete_remedy(
                s, late, dt.date(2024, 7, 30), dt.date(2024, 8, 2), OFFICER, TODAY
            )
        )
        is True
    )
    db.write(
        lambda s: add_payment(
            s, lgsco_stage, 300000, dt.date(2024, 7, 30), OFFICER, TODAY, remedy_id=late
        )
    )
    with pytest.raises(ValidationError, match=r"more than £0\.00"):
        db.write(lambda s: add_payment(s, lgsco_stage, 0, None, OFFICER, TODAY))
    with pytest.raises(ValidationError, match="deadline cannot be before"):
        db.write(
            lambda s: add_remedy(
                s, lgsco_stage, "x", dt.date(2024, 7, 1), dt.date(2024, 6, 1), OFFICER, TODAY
            )
        )
    with db.session() as session:
        detail = session.get(LgscoDetail, lgsco_stage)
        stage = session.get(Stage, lgsco_stage)
        remedies = session.scalars(sa.select(LgscoRemedy).order_by(LgscoRemedy.id)).all()
    assert detail is not None and stage is not None
    assert detail.decision == LgscoDecision.PUBLIC_REPORT and detail.public_report
    assert detail.lgsco_reference == "23 012 345"
    # The Ombudsman stage links back to the complaint's earlier stage.
    assert stage.previous_stage_id is not None and stage.closed_on == dt.date(2024, 7, 1)
    assert [r.late for r in remedies] == [False, True]


# -- continuity, learning, timeline ---------------------------------------------------


def test_later_stages_link_back_and_the_timeline_shows_every_event(driver: Driver) -> None:
    handle = driver.create(CHILDREN)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(
        handle,
        Action.SUSPEND,
        ActionInput(on=dt.date(2024, 3, 5), suspension_reason=SuspensionReason.COURT_PROCEEDINGS),
    )
    driver.do(handle, Action.RESUME, ActionInput(on=dt.date(2024, 3, 12)))
    driver.do(handle, Action.RESPOND)
    driver.do(handle, Action.REQUEST_NEXT_STAGE)
    driver.do(handle, Action.ESCALATE)
    with driver.db.session() as session:
        stages = session.scalars(
            sa.select(Stage).where(Stage.case_id == handle.case_id).order_by(Stage.seq)
        ).all()
        timeline = case_timeline(session, handle.case_id)
    assert [s.stage for s in stages] == [StageCode.STAGE_1, StageCode.STAGE_2]
    assert stages[1].previous_stage_id == stages[0].id
    texts = [entry.text for entry in timeline]
    assert texts[0].startswith("Case CSC-2024-")
    order = [
        next(i for i, t in enumerate(texts) if t.startswith(prefix))
        for prefix in (
            "Case CSC",
            "Acknowledge on",
            "Suspend on 5 Mar 2024; reason: Court proceedings",
            "Resume on 12 Mar 2024",
            "Respond on",
            "Record a request",
            "Open the next stage",
        )
    ]
    assert order == sorted(order)
    assert any("(resume)" in t and "Due date" in t for t in texts)
    assert [e.event_id for e in timeline] == sorted(e.event_id for e in timeline)


def test_action_items_only_on_upheld_complaints(driver: Driver) -> None:
    not_upheld = driver.create(CORPORATE)
    driver.do(not_upheld, Action.ACKNOWLEDGE)
    driver.give_point_outcomes(not_upheld, ["not upheld"])
    driver.do(not_upheld, Action.RESPOND, prepare=False)
    with pytest.raises(ValidationError, match="upheld or partially upheld"):
        driver.db.write(
            lambda s: add_action_item(s, not_upheld.case_id, "Train staff", "Team leader", OFFICER)
        )
    upheld = driver.create(CORPORATE)
    driver.do(upheld, Action.ACKNOWLEDGE)
    driver.do(upheld, Action.RESPOND)
    item = driver.db.write(
        lambda s: add_action_item(
            s,
            upheld.case_id,
            "Update the leaflet",
            "Head of Service",
            OFFICER,
            agreed_with="Assistant Director, Highways",
            due_on=dt.date(2024, 6, 1),
        )
    )
    from crm_desktop.services.workflow import complete_action_item

    driver.db.write(
        lambda s: complete_action_item(
            s,
            item,
            dt.date(2024, 5, 20),
            "New leaflet published",
            OFFICER,
            TODAY,
            learning_example=True,
        )
    )
    with driver.db.session() as session:
        row = session.get(ActionItem, item)
    assert row is not None and row.agreed_with == "Assistant Director, Highways"
    assert row.done_on == dt.date(2024, 5, 20) and row.learning_example


def test_every_change_is_audited_through_one_mechanism(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    driver.do(handle, Action.ACKNOWLEDGE)
    with driver.db.session() as session:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.case_id == handle.case_id)
        ).all()
        assert verify_chain(session) == []
    entities = {e.entity for e in events}
    assert {
        "representation",
        "stage",
        "complaint_point",
        "case_party",
        "due_date_change",
        "workflow",
    } <= entities
    workflow = [e for e in events if e.entity == "workflow"]
    assert [(e.action, e.username) for e in workflow] == [("acknowledge", "officer1")]
    assert json.loads(workflow[0].after or "{}")["on"] == "2024-03-02"
    ack = next(
        e
        for e in events
        if e.entity == "stage" and e.action == "update" and "acknowledged_on" in (e.after or "")
    )
    assert json.loads(ack.before or "{}")["acknowledged_on"] is None
    assert json.loads(ack.after or "{}")["acknowledged_on"] == "2024-03-02"


def test_two_officers_moving_one_case_at_the_same_moment(any_database: Database) -> None:
    from crm_desktop.services.workflow import perform

    driver = Driver(any_database)
    handle = driver.create(CORPORATE)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(action: Action, data: ActionInput) -> None:
        barrier.wait()
        try:
            any_database.write(
                lambda s: perform(s, handle.case_id, handle.version, action, data, OFFICER, TODAY)
            )
            outcomes.append("moved")
        except ConflictError:
            outcomes.append("conflict")
        except Exception as exc:  # any other outcome is named in the failure, not lost
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(
            target=move, args=(Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 3, 4)))
        ),
        threading.Thread(
            target=move,
            args=(
                Action.WITHDRAW,
                ActionInput(on=dt.date(2024, 3, 4), reason="Complainant withdrew"),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "moved"]
    with any_database.session() as session:
        workflow_events = session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.case_id == handle.case_id, AuditEvent.entity == "workflow"
            )
        ).all()
    assert len(workflow_events) == 1


def test_a_move_that_read_the_case_before_another_save_committed_is_a_conflict(
    postgres_database: Database,
) -> None:
    """The same race as above, made certain: the second save has the case in hand (as
    the access check leaves it) from before the first save commits, and reads the
    stages after. It must be told of the conflict, not judged on the new stages."""
    from crm_desktop.services.workflow import perform

    driver = Driver(postgres_database)
    handle = driver.create(CORPORATE)

    def second_officer(session: Session) -> object:
        early = session.get(Case, handle.case_id)
        assert early is not None and early.version == handle.version
        postgres_database.write(
            lambda s: perform(
                s,
                handle.case_id,
                handle.version,
                Action.WITHDRAW,
                ActionInput(on=dt.date(2024, 3, 4), reason="Complainant withdrew"),
                OFFICER,
                TODAY,
            )
        )
        return perform(
            session,
            handle.case_id,
            handle.version,
            Action.ACKNOWLEDGE,
            ActionInput(on=dt.date(2024, 3, 4)),
            OFFICER,
            TODAY,
        )

    with pytest.raises(ConflictError):
        postgres_database.write(second_officer, attempts=1)
    with postgres_database.session() as session:
        actions = session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.case_id == handle.case_id, AuditEvent.entity == "workflow"
            )
        ).all()
    assert actions == ["withdraw"]


def test_a_save_holds_the_case_row_until_it_ends_and_a_read_does_not_wait(
    postgres_database: Database,
) -> None:
    """The lock behind the test above: while one save has the case in hand, a second
    save of it waits (here: gives up after 0.2 s), and a read goes on."""
    from crm_desktop.services.cases import load_case

    handle = Driver(postgres_database).create(CORPORATE)
    first = postgres_database.write_sessions()
    second = postgres_database.write_sessions()
    try:
        assert load_case(first, handle.case_id, handle.version).id == handle.case_id
        second.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(sa.exc.OperationalError, match="lock"):
            load_case(second, handle.case_id, handle.version)
        second.rollback()
        with postgres_database.session() as reader:
            assert load_case(reader, handle.case_id).version == handle.version
        first.rollback()
        assert load_case(second, handle.case_id, handle.version).id == handle.case_id
    finally:
        first.close()
        second.close()


def test_editing_details_checks_names_and_versions(driver: Driver) -> None:
    from crm_desktop.services.cases import CaseEdit, edit_case

    handle = driver.create(CORPORATE)
    new_version = driver.db.write(
        lambda s: edit_case(
            s,
            handle.case_id,
            handle.version,
            CaseEdit(service_area="Legal & Democratic", summary="Updated summary"),
            OFFICER,
            TODAY,
        )
    )
    assert new_version > handle.version
    with pytest.raises(ConflictError):
        driver.db.write(
            lambda s: edit_case(
                s, handle.case_id, handle.version, CaseEdit(summary="Stale"), OFFICER, TODAY
            )
        )
    with pytest.raises(ValidationError, match="no corporate service area called 'Nowhere'"):
        driver.db.write(
            lambda s: edit_case(
                s, handle.case_id, new_version, CaseEdit(service_area="Nowhere"), OFFICER, TODAY
            )
        )
    with driver.db.session() as session:
        case = session.get(Case, handle.case_id)
        assert case is not None and case.summary == "Updated summary"
        from crm_desktop.db.models import ServiceArea

        area = session.get(ServiceArea, case.service_area_id)
        assert area is not None and area.name == "Legal & Democratic"


def test_the_ombudsman_enquiry_has_a_response_due_date(driver: Driver) -> None:
    from crm_desktop.services.workflow import record_enquiry_response

    handle = driver.create(CORPORATE)
    for action in (Action.ACKNOWLEDGE, Action.RESPOND):
        driver.do(handle, action)
    result = driver.do(handle, Action.ESCALATE_TO_LGSCO, ActionInput(on=dt.date(2024, 5, 1)))
    assert result.stage_id is not None
    with driver.db.session() as session:
        detail = session.get(LgscoDetail, result.stage_id)
    # 20 working days after Wed 1 May 2024, skipping the 6 and 27 May bank holidays.
    assert detail is not None and detail.enquiry_response_due_on == dt.date(2024, 5, 31)
    with pytest.raises(ValidationError, match="before the enquiry arrived"):
        driver.db.write(
            lambda s: record_enquiry_response(
                s, result.stage_id, dt.date(2024, 4, 1), OFFICER, TODAY
            )
        )
    driver.db.write(
        lambda s: record_enquiry_response(s, result.stage_id, dt.date(2024, 5, 20), OFFICER, TODAY)
    )
    with driver.db.session() as session:
        detail = session.get(LgscoDetail, result.stage_id)
        assert detail is not None and detail.enquiry_responded_on == dt.date(2024, 5, 20)


def test_investigators_cannot_use_the_officers_services(driver: Driver) -> None:
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole

    investigator = Actor("io1", UserRole.INVESTIGATOR)
    handle = driver.create(CORPORATE)
    before = snapshot(driver.db, handle.case_id)
    with pytest.raises(PermissionRefused):
        run_operation(driver.db, investigator, TODAY, ops.available_actions, handle.case_id)
    with pytest.raises(PermissionRefused):
        run_operation(driver.db, investigator, TODAY, ops.add_action_item, handle.case_id, "x", "y")
    with pytest.raises(PermissionRefused):
        driver.do(handle, Action.ACKNOWLEDGE, actor=investigator)
    assert snapshot(driver.db, handle.case_id) == before


def _where_allowed(action: Action) -> tuple[Start, list[Action]]:
    """A start and the shortest path to a node whose table allows ``action``."""
    for start in STARTS:
        for (code, state), path in sorted(paths(start).items(), key=lambda item: len(item[1])):
            if action in allowed_actions(start.kind, start.procedure, code, state):
                return start, path
    raise AssertionError(f"no table allows {action}")


REQUIRED = [
    (action, item.name)
    for action, form in ACTION_FORMS.items()
    for item in form.inputs
    if item.required
]


def test_the_inputs_table_names_the_reason_for_every_ending_and_exception() -> None:
    reason_needed = {action for action, name in REQUIRED if name == "reason"}
    assert reason_needed == {
        Action.EXTEND,
        Action.REOPEN,
        Action.REGRADE,
        Action.WITHDRAW,
        Action.DISCONTINUE,
        Action.REDIRECT,
    }
    assert all(form.date_label for form in ACTION_FORMS.values())
    assert set(ACTION_FORMS) == set(Action)
    # Each action dialog opens with a sentence saying what the action does.
    unexplained = [
        action
        for action, form in ACTION_FORMS.items()
        if not (form.explanation[:1].isupper() and form.explanation.endswith("."))
    ]
    assert unexplained == []


@pytest.mark.parametrize(("action", "name"), REQUIRED, ids=lambda v: str(v).replace(" ", "-"))
def test_perform_refuses_a_missing_required_input_naming_it(
    driver: Driver, action: Action, name: str
) -> None:
    start, path = _where_allowed(action)
    handle = driver.walk(start, path)
    code, _state = driver.state(handle)
    driver.prepare(handle, action, code)
    complete = driver.standard_input(handle, action, code)
    blank = "" if isinstance(getattr(complete, name), str) else None
    data = dataclasses.replace(complete, **{name: blank})
    before = snapshot(driver.db, handle.case_id)
    with pytest.raises(ValidationError) as refused_input:
        driver.do(handle, action, data, prepare=False)
    assert refused_input.value.field == name
    assert refused_input.value.message == ACTION_FORMS[action].inputs_by_name[name].missing
    assert snapshot(driver.db, handle.case_id) == before
    driver.do(handle, action, complete, prepare=False)  # and with it, the action is taken
