"""PostgreSQL: officers recording cases at the same moment do not wait for each other's
whole save (the reference number is taken in a short transaction of its own)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case
from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.services.cases import CreatedCase, NewCase, PersonInput, PointInput, create_case
from tests.workflow_driver import OFFICER, TODAY


def _new(name: str) -> NewCase:
    return NewCase(
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=dt.date(2024, 3, 1),
        service_area="Contact Centre",
        directorate="COaCH",
        complainant=PersonInput(name),
        points=[PointInput("Communication")],
    )


@pytest.mark.postgres
def test_a_case_is_recorded_while_another_is_still_being_saved(
    postgres_database: Database,
) -> None:
    db = postgres_database
    first_created, release = threading.Event(), threading.Event()
    created: dict[str, CreatedCase] = {}

    def slow_save(session: sa.orm.Session) -> CreatedCase:
        case = create_case(session, _new("First Person"), OFFICER, TODAY)
        first_created.set()
        release.wait(60)  # its save is not finished: the transaction stays open
        return case

    first = threading.Thread(target=lambda: created.update(first=db.write(slow_save)))
    first.start()
    try:
        assert first_created.wait(60)
        second = threading.Thread(
            target=lambda: created.update(
                second=db.write(lambda s: create_case(s, _new("Second Person"), OFFICER, TODAY))
            )
        )
        second.start()
        # Were it waiting for the first save's counter row, it would wait for ever.
        second.join(timeout=60)
        assert not second.is_alive()
        assert first.is_alive()
    finally:
        release.set()
        first.join(timeout=60)
    assert created["first"].reference != created["second"].reference
    with db.session() as session:
        references = set(session.scalars(sa.select(Case.reference)))
    assert {created["first"].reference, created["second"].reference} <= references
