"""The annual report's commentary (saved per year, managers only, shown in the report) and
a case's correspondence as the case form lists it."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_desktop.correspondence.case_correspondence import CorrespondenceRow
from crm_desktop.correspondence.letters import Letter
from crm_desktop.db.database import Database
from crm_desktop.db.models import Setting
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import PermissionRefused, ValidationError
from crm_desktop.operations import correspondence as ops
from crm_desktop.operations import run_operation
from crm_desktop.reports.commentary import SECTIONS, load_commentary, save_commentary
from crm_desktop.reports.figures import annual_report
from tests.core.test_correspondence_support import build_case, configure, officer

MANAGER = Actor("boss", UserRole.MANAGER)
OFFICER = Actor("officer1", UserRole.OFFICER)


def test_commentary_is_saved_per_year_and_shown_in_the_report(database: Database) -> None:
    with database.session() as session:
        assert load_commentary(session, 2023) == dict.fromkeys(SECTIONS, "")
    text = "Complaints fell by a fifth. <img src='/etc/passwd'> stays text."
    saved = database.write(
        lambda s: save_commentary(s, 2023, {"children": text, "kpis": "On target."}, MANAGER)
    )
    assert saved["children"] == text and saved["kpis"] == "On target." and saved["adult"] == ""
    with database.session() as session:
        assert load_commentary(session, 2022)["children"] == ""
        row = session.get(Setting, "report.commentary.2023.children")
        assert row is not None and row.updated_by == "boss"
        report = annual_report(session, 2023)
    by_key = {section.key: section.commentary for section in report.sections}
    assert by_key["children"] == text and by_key["kpis"] == "On target."
    # Saving one section leaves the others; empty text clears.
    database.write(lambda s: save_commentary(s, 2023, {"kpis": ""}, MANAGER))
    with database.session() as session:
        assert load_commentary(session, 2023) | {"children": ""} == dict.fromkeys(SECTIONS, "")
        assert load_commentary(session, 2023)["children"] == text


def test_only_a_manager_writes_commentary_and_sections_are_checked(database: Database) -> None:
    with pytest.raises(ValidationError, match="Only a manager"):
        database.write(lambda s: save_commentary(s, 2023, {"children": "x"}, OFFICER))
    with pytest.raises(ValidationError, match="not a section"):
        database.write(lambda s: save_commentary(s, 2023, {"gossip": "x"}, MANAGER))
    with pytest.raises(ValidationError, match="longer than"):
        database.write(lambda s: save_commentary(s, 2023, {"adult": "x" * 10_001}, MANAGER))
    with database.session() as session:
        assert load_commentary(session, 2023) == dict.fromkeys(SECTIONS, "")


def test_a_cases_correspondence_is_listed_newest_first(database: Database) -> None:
    built = database.write(build_case)
    configure(database, None)
    today = dt.date(2024, 3, 18)

    def listed(actor: Actor) -> list[CorrespondenceRow]:
        return run_operation(database, actor, today, ops.case_correspondence, built.case_id).value

    assert listed(officer(built)) == []
    for key in ("acknowledgement", "extension"):
        run_operation(database, officer(built), today, ops.send_letter, built.case_id, Letter(key))
    rows = listed(officer(built))
    assert [r.template_key for r in rows] == ["extension", "acknowledgement"]
    assert rows[0].channel == "letter" and rows[0].status == "Recorded"
    assert rows[0].recipient.startswith("Jane Smith")
    assert rows[0].created_by == "alice"
    investigator = Actor("io", UserRole.INVESTIGATOR, 999)
    with pytest.raises(PermissionRefused):
        listed(investigator)
