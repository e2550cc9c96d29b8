"""A case's History and Timeline say every choice (a status, an outcome, a reason) by the
label the screens show, with its capital: "Status: Open → Closed", never "open"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm_desktop.db.database import Database
from crm_desktop.domain.enums import (
    AssignmentStatus,
    CaseStatus,
    LgscoDecision,
    Outcome,
    StageStatus,
    SuspensionReason,
)
from crm_desktop.domain.workflow import Action
from crm_desktop.services.audit_words import AuditWords, enum_label
from crm_desktop.services.case_view import load_case_detail
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import STARTS, Driver

CORPORATE = STARTS[1]
# Every value a choice of these kinds can take, as stored (lower case).
STORED = {
    v.value
    for e in (
        CaseStatus,
        StageStatus,
        Outcome,
        SuspensionReason,
        AssignmentStatus,
        LgscoDecision,
    )
    for v in e
}


@pytest.fixture
def driver(database: Database) -> Driver:
    return Driver(database)


def test_history_and_timeline_say_choices_by_their_labels(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(
        handle,
        Action.SUSPEND,
        ActionInput(
            on=dt.date(2024, 3, 11),
            suspension_reason=SuspensionReason.COURT_PROCEEDINGS,
            expected_resume_on=dt.date(2024, 3, 22),
        ),
    )
    driver.do(handle, Action.RESUME, ActionInput(on=dt.date(2024, 3, 13)))
    driver.do(handle, Action.RESPOND)
    driver.do(handle, Action.CLOSE_CASE)
    with driver.db.session() as session:
        detail = load_case_detail(session, handle.case_id, dt.date(2024, 6, 3))
    history = [f"{h.what}: {h.details}" for h in detail.history]
    joined = "\n".join(history)
    assert "Case changed: Closed on: None → 15 Mar 2024; Status: Open → Closed" in joined
    assert "Stage changed: Status: Open → Suspended" in joined
    assert "Reason: Court proceedings" in joined
    assert "Expected to restart on: 22 Mar 2024" in joined
    assert "Cause: Resume; Field: Due" in joined
    assert "Imported: No" in joined
    assert "Stage changed: Outcome: None → Partially upheld" in joined
    # Every value of a "Label: value" or "Label: before → after" in words, with a capital.
    values = [
        part
        for entry in detail.history
        for item in entry.details.split("; ")
        if ": " in item
        for part in item.split(": ", 1)[1].split(" → ")
    ]
    assert values
    lower = [v for v in values if v in STORED or v in ("none", "yes", "no")]
    assert not lower, lower
    starts_lower = [v for v in values if re.match(r"[a-z]", v)]
    assert not starts_lower, starts_lower

    texts = [t.text for t in detail.timeline]
    assert any(t.startswith("Case COR-2024-") and "(Complaint, received" in t for t in texts)
    assert "Complaint point outcome recorded: Upheld" in texts
    assert (
        "Suspend on 11 Mar 2024; reason: Court proceedings; expected to restart on: 22 Mar 2024"
        in texts
    )


def test_a_choice_is_said_by_its_label() -> None:
    assert enum_label(Outcome.PARTIALLY_UPHELD) == "Partially upheld"
    assert enum_label(SuspensionReason.ADVOCATE_APPOINTMENT) == "Advocate being appointed"
    assert enum_label(StageStatus.SUSPENDED) == "Suspended"
    assert enum_label(AssignmentStatus.REPORT_RECEIVED) == "Report received"


def test_free_text_is_left_as_written(database: Database) -> None:
    with database.session() as session:
        words = AuditWords(session)
        assert words.value("summary", "open") == "open"  # not a choice: as typed
        assert words.value("status", "open") == "Open"
        assert words.value("reason", "court proceedings") == "Court proceedings"
        assert words.value("reason", "the family asked") == "the family asked"


def test_a_note_the_program_did_not_write_does_not_stop_a_case_being_shown(
    database: Database,
) -> None:
    """A note whose before or after is not a JSON object (written from outside the
    program, into an older database; the trail is never edited) is shown without its
    details: the case still opens, with its history, timeline and masked history."""
    from sqlalchemy.orm import Session

    from crm_desktop.db import audit
    from crm_desktop.db.base import utcnow
    from crm_desktop.services.personal_data import masked_history
    from crm_desktop.services.timeline import case_timeline
    from tests.factories import add_case

    def plant(session: Session) -> int:
        case = add_case(session, summary="Planted on")
        audit.record_events(
            session,
            [
                {
                    "occurred_at": utcnow(),
                    "username": "someone",
                    "action": action,
                    "entity": entity,
                    "entity_id": None,
                    "case_id": case.id,
                    "before": before,
                    "after": after,
                }
                for action, entity, before, after in (
                    ("close case", "workflow", None, "not json at all"),
                    ("import", "representation", "[1, 2]", "{"),
                    ("update", "representation", "7", "null"),
                )
            ],
        )
        return int(case.id)

    case_id = database.write(plant, actor="someone")
    with database.session() as session:
        detail = load_case_detail(session, case_id, dt.date(2026, 12, 8))
        timeline = case_timeline(session, case_id)
        history = masked_history(session, case_id)
    assert detail.id == case_id and detail.summary == "Planted on"
    assert ("Close case", "") in [(h.what, h.details) for h in detail.history]
    assert timeline
    # Nothing of such a note is shown, masked or not (its text could be anything).
    assert [e.after for e in history if e.username == "someone"][-3:] == [{}, {}, {}]
