"""The dashboard's figures: counts in SQL that agree with the queues and the annual report."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.domain.enums import Kind, LgscoDecision, Procedure, StageCode
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.workflow import Action
from crm_desktop.reports.dashboard import (
    dashboard_figures,
    dashboard_kpis,
    open_ombudsman_stages,
)
from crm_desktop.reports.figures import annual_report
from crm_desktop.services import queues
from crm_desktop.services.demo import generate_demo
from crm_desktop.services.workflow import ActionInput, add_remedy
from tests.factories import add_case
from tests.workflow_driver import OFFICER, TODAY, Driver, Start


def test_financial_year() -> None:
    assert FinancialYear.of(dt.date(2025, 3, 31)).start_year == 2024
    assert FinancialYear.of(dt.date(2025, 4, 1)).start_year == 2025


def test_counts_by_month_procedure_kind_and_stage(database: Database) -> None:
    def build(session: Session) -> None:
        add_case(session, received_on=dt.date(2024, 4, 2))
        add_case(
            session,
            received_on=dt.date(2024, 4, 30),
            procedure=Procedure.CHILDREN,
            area="Through Care",
        )
        add_case(session, received_on=dt.date(2024, 6, 1), kind=Kind.COMPLIMENT, stage=None)
        add_case(session, received_on=dt.date(2024, 3, 31))  # the year before
        add_case(
            session,
            received_on=dt.date(2024, 5, 5),
            stage=StageCode.STAGE_2,
            closed_on=dt.date(2024, 6, 1),
        )
        add_case(session, received_on=dt.date(2024, 5, 6), due_on=dt.date(2024, 7, 1))

    database.write(build)
    with database.session() as session:
        figures = dashboard_figures(session, dt.date(2024, 7, 10))
    assert figures.year == 2024 and figures.year_label == "2024/25"
    months = [(c.label, c.value) for c in figures.received_by_month]
    assert months == [("Apr 24", 2), ("May 24", 2), ("Jun 24", 1), ("Jul 24", 0)]
    by_procedure = {c.label: c.value for c in figures.received_by_procedure}
    assert by_procedure == {"Children's social care": 1, "Adult social care": 0, "Corporate": 4}
    assert {c.label: c.value for c in figures.received_by_kind}["Compliment"] == 1
    stages = {c.label: c.value for c in figures.open_by_stage}
    assert stages["Stage 1"] == 4  # includes the case received the year before
    assert stages["Stage 2"] == 0  # closed
    assert stages["Compliments and comments"] == 1
    assert figures.open_cases == 5
    assert figures.overdue == 1  # due 1 Jul 2024


def test_overdue_and_due_soon_agree_with_the_queues(database: Database) -> None:
    generate_demo(database, 600, 3, dt.date(2025, 11, 20))
    as_of = dt.date(2025, 11, 20)
    with database.session() as session:
        figures = dashboard_figures(session, as_of)
        assert figures.overdue == len(queues.overdue(session, as_of))
        assert figures.due_soon == len(queues.due_within(session, as_of))
        assert figures.awaiting_acknowledgement == len(
            queues.awaiting_acknowledgement(session, as_of)
        )
        assert figures.open_cases == sum(c.value for c in figures.open_by_stage)
        assert sum(c.value for c in figures.received_by_month) == sum(
            c.value for c in figures.received_by_procedure
        )


def test_kpis_are_the_annual_reports(database: Database) -> None:
    generate_demo(database, 800, 5, dt.date(2025, 11, 20))
    with database.session() as session:
        summary = dashboard_kpis(session, dt.date(2025, 11, 20))
        table = annual_report(session, 2025).table("kpis")
    assert summary.year_label == "2025/26" and summary.previous_label == "2024/25"
    assert len(summary.kpis) == len(table.rows) > 0
    for figure, row in zip(summary.kpis, table.rows, strict=True):
        assert figure.label == row[0].value
        assert figure.target == row[1].value
        assert figure.value == row[3].value
        assert figure.rag == (row[3].rag.value if row[3].rag else None)
        assert figure.rag in (None, "green", "amber", "red")


@pytest.fixture
def driver(database: Database) -> Driver:
    return Driver(database)


def test_open_ombudsman_stages(driver: Driver, database: Database) -> None:
    start = Start(Kind.COMPLAINT, Procedure.CORPORATE)
    waiting = driver.walk(start, [Action.ACKNOWLEDGE, Action.RESPOND, Action.ESCALATE_TO_LGSCO])
    decided = driver.walk(start, [Action.ACKNOWLEDGE, Action.RESPOND, Action.ESCALATE_TO_LGSCO])
    driver.do(
        decided,
        Action.RECORD_LGSCO_DECISION,
        ActionInput(
            on=decided.tick(), lgsco_decision=LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE
        ),
    )
    closed = driver.walk(start, [Action.ACKNOWLEDGE, Action.RESPOND, Action.ESCALATE_TO_LGSCO])
    driver.do(closed, Action.RECORD_LGSCO_DECISION)
    driver.do(closed, Action.CLOSE_CASE)
    stage_id = decided.results[-1].stage_id
    assert stage_id is not None
    database.write(
        lambda s: add_remedy(
            s,
            stage_id,
            "Apologise",
            decided.day,
            decided.day + dt.timedelta(days=30),
            OFFICER,
            TODAY,
        ),
        actor="officer1",
    )
    with database.session() as session:
        rows = open_ombudsman_stages(session, TODAY)
    assert [r.case_id for r in rows] == [waiting.case_id, decided.case_id]
    assert rows[0].decision is None and rows[0].status.startswith("Enquiry response")
    assert rows[1].decision == "Upheld: maladministration and injustice"
    assert rows[1].open_remedies == 1 and "1 remedy open" in rows[1].status
    assert rows[0].procedure == "Corporate"
