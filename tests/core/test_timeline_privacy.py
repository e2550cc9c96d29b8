"""An anonymised case's timeline shows what happened but not who or what was written."""

from __future__ import annotations

import datetime as dt

from crm_desktop.db.database import Database
from crm_desktop.domain.workflow import Action
from crm_desktop.privacy.retention import anonymise_case
from crm_desktop.services.timeline import case_timeline
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import MANAGER, STARTS, Driver


def test_an_anonymised_timeline_hides_personal_text(database: Database) -> None:
    driver = Driver(database)
    handle = driver.create(STARTS[1])
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(
        handle,
        Action.WITHDRAW,
        ActionInput(on=dt.date(2024, 3, 8), reason="Mrs O'Neil phoned to withdraw it"),
    )
    driver.do(handle, Action.CLOSE_CASE, ActionInput(on=dt.date(2024, 3, 11)))
    with database.session() as session:
        before = [e.text for e in case_timeline(session, handle.case_id)]
    assert any("Mrs O'Neil phoned" in text for text in before)
    database.write(lambda s: anonymise_case(s, MANAGER, handle.case_id, "Retention period over"))
    with database.session() as session:
        after = [e.text for e in case_timeline(session, handle.case_id)]
    assert len(after) >= len(before) - 1
    assert not any("O'Neil" in text for text in after)
    assert any(text.startswith("Withdraw on 8 Mar 2024") for text in after)
