"""The screens that record the statutory report's facts and the Ombudsman's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_desktop.db.database import Database
from crm_desktop.db.models import BaselineFigure, Case
from crm_desktop.domain.enums import ComplainantType, Kind, NotAcceptedReason, Procedure
from crm_desktop.reports.figures import LETTER_MEASURES
from tests.factories import add_case
from ui.context import AppContext
from ui.ombudsman_letter import OmbudsmanLetterBox
from ui.reports_page import ReportsPage
from ui.statutory_dialog import StatutoryDialog


def _case(database: Database, procedure: Procedure, kind: Kind = Kind.COMPLAINT) -> int:
    area = {
        Procedure.CHILDREN: "Through Care",
        Procedure.ADULT: "Urgent Care",
        Procedure.CORPORATE: "Contact Centre",
    }[procedure]
    return int(
        database.write(
            lambda s: (
                add_case(
                    s, procedure=procedure, kind=kind, area=area, received_on=dt.date(2025, 5, 1)
                ).id
            )
        )
    )


def test_a_childrens_complaint_records_who_complained_and_advocacy(
    qtbot: Any, context: AppContext, database: Database
) -> None:
    case_id = _case(database, Procedure.CHILDREN)
    dialog = StatutoryDialog(context, case_id, "CSC-1")
    qtbot.addWidget(dialog)
    assert not dialog.who.isHidden() and not dialog.advocacy.isHidden()
    assert dialog.well_founded.isHidden()
    assert dialog.ombudsman.isHidden()  # not gone to an Ombudsman
    dialog.who.setCurrentIndex(dialog.who.findData(ComplainantType.CHILD))
    dialog.advocacy.setCurrentIndex(dialog.advocacy.findData(True))
    dialog.save_button.click()
    assert dialog.error.text() == ""
    assert dialog.status.text() == "Saved."
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.complainant_type == ComplainantType.CHILD
        assert case.advocacy_provided is True
        assert case.not_accepted_reason is None


def test_an_adult_complaint_not_accepted_in_the_future_is_refused(
    qtbot: Any, context: AppContext, database: Database
) -> None:
    case_id = _case(database, Procedure.ADULT)
    dialog = StatutoryDialog(context, case_id, "ASC-1")
    qtbot.addWidget(dialog)
    assert dialog.who.isHidden() and not dialog.well_founded.isHidden()
    dialog.well_founded.setCurrentIndex(dialog.well_founded.findData(False))
    choices = [dialog.not_accepted.itemText(i) for i in range(dialog.not_accepted.count())]
    assert choices[:2] == ["Yes", "No: made too late"] and choices[-1] == "No: another reason"
    dialog.not_accepted.setCurrentIndex(dialog.not_accepted.findData(NotAcceptedReason.TOO_LATE))
    assert dialog.not_accepted_on.isEnabled()
    dialog.not_accepted_on.setDate(dialog.not_accepted_on.date().addDays(5))
    dialog.save_button.click()
    assert "future" in dialog.error.text()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.well_founded is None  # nothing saved


def test_a_comment_has_no_statutory_facts(
    qtbot: Any, context: AppContext, database: Database
) -> None:
    case_id = _case(database, Procedure.CORPORATE, Kind.COMMENT)
    dialog = StatutoryDialog(context, case_id, "COR-1")
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "Only complaints" in dialog.error.text()


def test_the_letters_figures_are_saved_and_read_back(
    qtbot: Any, manager_context: AppContext, database: Database
) -> None:
    box = OmbudsmanLetterBox(manager_context, 2024)
    qtbot.addWidget(box)
    box.load()
    upheld = LETTER_MEASURES[0]
    box.boxes[(upheld, "Ombudsman's figure")].setText("92%")
    box.boxes[(upheld, "Ombudsman's base")].setText("24")
    box.boxes[(upheld, "similar authorities")].setText("eighty")
    box.save()
    assert "not a number" in box.error.text()
    with database.session() as session:
        assert session.query(BaselineFigure).count() == 0
    box.boxes[(upheld, "similar authorities")].setText("80")
    box.save()
    assert box.error.text() == ""
    assert box.status.text() == "Saved 3 figures for 2024/25."
    again = OmbudsmanLetterBox(manager_context, 2024)
    qtbot.addWidget(again)
    again.load()
    assert again.boxes[(upheld, "Ombudsman's figure")].text() == "92"
    assert again.boxes[(upheld, "similar authorities")].text() == "80"


def test_the_reports_page_has_the_letter_form(qtbot: Any, context: AppContext) -> None:
    page = ReportsPage(context)
    qtbot.addWidget(page)
    page.reload()
    assert page.letter.chosen_year == 2024
    # An officer may make reports but not change their inputs.
    assert not page.letter.save_button.isEnabled()
