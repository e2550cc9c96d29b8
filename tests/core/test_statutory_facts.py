"""Recording the statutory annual reports' facts and the Ombudsman's published figures
through the operations: what is accepted, what is refused (with data unchanged), and
that the report counts what was recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, CaseParty, LgscoDetail, Person, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    ComplainantType,
    Kind,
    LgscoDecision,
    NotAcceptedReason,
    Ombudsman,
    PartyRole,
    Procedure,
    StageCode,
    UserRole,
)
from crm_desktop.errors import PermissionRefused, ValidationError
from crm_desktop.operations import cases, reports, run_operation
from crm_desktop.reports.figures import annual_report
from crm_desktop.services.statutory import StatutoryFacts
from tests.factories import add_case

TODAY = dt.date(2023, 3, 20)
OFFICER = Actor("officer1", UserRole.OFFICER)
MANAGER = Actor("boss", UserRole.MANAGER)
INVESTIGATOR = Actor("io", UserRole.INVESTIGATOR)


def _cases(session: Session) -> dict[str, int]:
    child = add_case(
        session, procedure=Procedure.CHILDREN, area="Through Care", received_on=dt.date(2022, 6, 1)
    )
    adult = add_case(
        session, procedure=Procedure.ADULT, area="Urgent Care", received_on=dt.date(2022, 6, 1)
    )
    lgsco = Stage(case_id=adult.id, seq=2, stage=StageCode.LGSCO, started_on=dt.date(2022, 9, 1))
    session.add(lgsco)
    session.flush()
    session.add(LgscoDetail(stage_id=lgsco.id, enquiry_received_on=dt.date(2022, 9, 1)))
    comment = add_case(
        session,
        kind=Kind.COMMENT,
        procedure=Procedure.CORPORATE,
        received_on=dt.date(2022, 6, 1),
        stage=None,
    )
    person = Person(full_name="Pat Persistent")
    session.add(person)
    session.flush()
    session.add(CaseParty(case_id=adult.id, person_id=person.id, role=PartyRole.COMPLAINANT))
    return {"child": child.id, "adult": adult.id, "comment": comment.id, "person": person.id}


def _version(database: Database, case_id: int) -> int:
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.version


def _record(database: Database, case_id: int, facts: StatutoryFacts) -> int:
    return run_operation(
        database,
        OFFICER,
        TODAY,
        cases.record_statutory_facts,
        case_id,
        _version(database, case_id),
        facts,
    ).value


def test_facts_are_recorded_and_counted(any_database: Database) -> None:
    ids = any_database.write(_cases)
    _record(
        any_database,
        ids["child"],
        StatutoryFacts(complainant_type=ComplainantType.CARER, advocacy_provided=True),
    )
    _record(
        any_database,
        ids["adult"],
        StatutoryFacts(
            well_founded=True,
            not_accepted_reason=NotAcceptedReason.ALREADY_DEALT_WITH,
            ombudsman=Ombudsman.HEALTH_SERVICE,
        ),
    )
    read = run_operation(any_database, OFFICER, TODAY, cases.statutory_facts, ids["adult"]).value
    # The decision not to accept it is dated today when no date is given.
    assert read.facts == StatutoryFacts(
        well_founded=True,
        not_accepted_reason=NotAcceptedReason.ALREADY_DEALT_WITH,
        not_accepted_on=TODAY,
        ombudsman=Ombudsman.HEALTH_SERVICE,
    )
    assert read.has_ombudsman_stage
    run_operation(
        any_database,
        OFFICER,
        TODAY,
        cases.set_vexatious,
        ids["adult"],
        ids["person"],
        True,
        dt.date(2023, 9, 1),
    )
    with any_database.session() as session:
        person = session.get(Person, ids["person"])
        assert person is not None and person.vexatious_since == TODAY
        report = annual_report(session, 2022)
    y = "2022/23"
    assert report.table("children_who_complained").value("Carer", y) == 1
    assert report.table("children_advocacy").value("Advocacy provided", y) == 1
    other = report.table("adult_other_representations")
    assert other.value("Not accepted: Already dealt with", y) == 1
    assert other.value("People treated under the unreasonable-behaviour policy", y) == 1
    statutory = report.table("adult_statutory")
    assert statutory.value("Referred to the Health Service Ombudsman", f"{y} number") == 1
    assert (
        statutory.value("Referred to the Local Government and Social Care Ombudsman", f"{y} number")
        == 0
    )
    # Not accepted: not among the complaints received.
    assert statutory.value("Complaints received", f"{y} number") == 0


@pytest.mark.parametrize(
    ("which", "facts", "field"),
    [
        ("adult", StatutoryFacts(complainant_type=ComplainantType.PARENT), "complainant_type"),
        ("child", StatutoryFacts(well_founded=True), "well_founded"),
        ("child", StatutoryFacts(ombudsman=Ombudsman.LGSCO), "ombudsman"),
        (
            "child",
            StatutoryFacts(not_accepted_on=dt.date(2022, 7, 1)),
            "not_accepted_reason",
        ),
        (
            "child",
            StatutoryFacts(
                not_accepted_reason=NotAcceptedReason.TOO_LATE,
                not_accepted_on=dt.date(2022, 5, 31),
            ),
            "not_accepted_on",
        ),
        (
            "child",
            StatutoryFacts(
                not_accepted_reason=NotAcceptedReason.TOO_LATE,
                not_accepted_on=TODAY.replace(day=21),
            ),
            "not_accepted_on",
        ),
        ("comment", StatutoryFacts(advocacy_provided=True), None),
    ],
)
def test_facts_for_another_procedure_or_a_bad_date_are_refused(
    database: Database, which: str, facts: StatutoryFacts, field: str | None
) -> None:
    ids = database.write(_cases)
    before = _version(database, ids[which])
    with pytest.raises(ValidationError) as refused:
        _record(database, ids[which], facts)
    assert refused.value.field == field
    assert _version(database, ids[which]) == before


def test_the_health_service_ombudsman_is_for_adult_complaints_only(database: Database) -> None:
    def child_to_ombudsman(session: Session) -> int:
        case = add_case(session, procedure=Procedure.CHILDREN, area="Through Care")
        stage = Stage(case_id=case.id, seq=2, stage=StageCode.LGSCO, started_on=case.received_on)
        session.add(stage)
        session.flush()
        session.add(LgscoDetail(stage_id=stage.id))
        return case.id

    case_id = database.write(child_to_ombudsman)
    with pytest.raises(ValidationError, match="Health Service Ombudsman"):
        _record(database, case_id, StatutoryFacts(ombudsman=Ombudsman.HEALTH_SERVICE))


def test_the_ombudsmans_published_figures(database: Database) -> None:
    upheld = "Detailed investigations upheld"
    figures: dict[tuple[str, str], float | None] = {
        (upheld, "Ombudsman's figure"): 92,
        (upheld, "Ombudsman's base"): 24,
        (upheld, "similar authorities"): 80,
        ("Compliance with the Ombudsman's recommendations", "Ombudsman's figure"): None,
    }
    with pytest.raises(PermissionRefused):
        run_operation(database, INVESTIGATOR, TODAY, reports.save_ombudsman_letter, 2022, figures)
    saved = run_operation(
        database, MANAGER, TODAY, reports.save_ombudsman_letter, 2022, figures
    ).value
    assert saved == 3
    read = run_operation(database, MANAGER, TODAY, reports.ombudsman_letter, 2022).value
    assert read == {
        (upheld, "Ombudsman's figure"): 92,
        (upheld, "Ombudsman's base"): 24,
        (upheld, "similar authorities"): 80,
    }
    for bad in (
        {(upheld, "Ombudsman's figure"): 120.0},
        {(upheld, "Ombudsman's base"): 2.5},
        {(upheld, "similar authorities"): -1.0},
        {("Happiness", "Ombudsman's figure"): 1.0},
    ):
        with pytest.raises(ValidationError):
            run_operation(database, MANAGER, TODAY, reports.save_ombudsman_letter, 2022, bad)
    # Refused: what was saved is unchanged.
    assert run_operation(database, MANAGER, TODAY, reports.ombudsman_letter, 2022).value == read
    with database.session() as session:
        table = annual_report(session, 2022).table("lgsco_letter")
    assert table.value(f"{upheld}: the Ombudsman's figure", "2022/23") == 92
    assert table.value(f"{upheld}: the Ombudsman's figure", "2022/23 out of") == 24
    assert table.value(f"{upheld}: similar authorities' average", "2022/23") == 80


def test_migration_0008_down_and_up_with_the_new_facts(any_database: Database) -> None:
    """Down to 0006: the figures and decisions the earlier schema cannot hold are dropped,
    the rest kept; up again: the schema is the models'."""
    from crm_desktop.db import migrate
    from crm_desktop.db.models import BaselineFigure

    ids = any_database.write(_cases)
    _record(any_database, ids["child"], StatutoryFacts(complainant_type=ComplainantType.PARENT))

    def figures(session: Session) -> None:
        session.add(
            BaselineFigure(
                financial_year=2021,
                procedure=Procedure.CHILDREN,
                table_key="children_by_team",
                row_label="Through Care",
                value=40,
            )
        )
        session.add(
            BaselineFigure(
                financial_year=2021,
                procedure=None,
                table_key="lgsco_letter",
                row_label="Detailed investigations upheld",
                measure="Ombudsman's figure",
                value=92,
            )
        )
        detail = session.query(LgscoDetail).one()
        detail.decision = LgscoDecision.UPHELD_REMEDY_PROVIDED

    any_database.write(figures)
    migrate.downgrade(any_database.engine, "0006")
    with any_database.engine.connect() as connection:
        kept = connection.exec_driver_sql(
            "SELECT table_key, row_label, value FROM baseline_figure"
        ).all()
        decision = connection.exec_driver_sql("SELECT decision FROM lgsco_detail").scalar()
    assert [tuple(r) for r in kept] == [("children_by_team", "Through Care", 40.0)]
    assert decision is None
    migrate.upgrade(any_database.engine)
    with any_database.session() as session:
        figure = session.query(BaselineFigure).one()
        assert (figure.measure, figure.procedure) == ("", Procedure.CHILDREN)
        case = session.get(Case, ids["child"])
        assert case is not None and case.complainant_type is None  # the column was dropped
