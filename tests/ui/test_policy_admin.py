"""The Admin page's procedure policies: versions in use are refused, new ones previewed."""

from __future__ import annotations

import datetime as dt

from crm_desktop.db.database import Database
from crm_desktop.domain.enums import StageCode
from crm_desktop.services.procedure_policies import list_policies
from tests.factories import add_case
from ui.admin_page import AdminPage, PoliciesSection
from ui.context import AppContext
from ui.widgets import to_qdate


def test_a_version_in_use_is_refused_and_a_new_one_is_previewed_and_added(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext, database: Database
) -> None:
    database.write(lambda s: add_case(s, received_on=dt.date(2025, 5, 1)), actor="setup")
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    section = next(s for s in page.sections if isinstance(s, PoliciesSection))
    names = [r.name for r in section.model.rows]
    assert names == [
        "Corporate complaints procedure 2023",
        "Complaint Handling Code (Local Government and Social Care Ombudsman)",
    ]
    old = section.model.rows[0]
    assert old.in_use and old.cases == 1

    section.view.selectRow(0)
    assert "Stage 1: acknowledge within 3 working days" in section.rules_text.text()
    _rules, _ack, respond, _extend, _good = section._stage_rows[0]
    respond.setValue(15)
    section.save()
    assert "is in use: 1 case (1 open) follows it, so it cannot be changed" in (
        section.message.text()
    )
    with database.session() as session:
        kept = list_policies(session)[0].rules.stage(StageCode.STAGE_1)
    assert kept is not None and kept.response_days == 20

    section.new_name.setText("Corporate procedure 2027")
    section.new_from.setDate(to_qdate(dt.date(2027, 1, 1)))
    section.preview()
    assert section.preview_text.text().startswith("Applies to no existing case (0 open cases)")
    section.add()
    assert section.message.text() == (
        "Added 'Corporate procedure 2027' for cases received from 1 Jan 2027."
    )
    assert [r.name for r in section.model.rows][-1] == "Corporate procedure 2027"
    with database.session() as session:
        added = list_policies(session)[-1]
    stage_1 = added.rules.stage(StageCode.STAGE_1)
    assert stage_1 is not None and stage_1.response_days == 15
    assert not added.in_use
