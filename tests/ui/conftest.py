from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QtMsgType

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Kind, Procedure, UserRole
from crm_desktop.services.cases import NewCase, PersonInput, PointInput, create_case
from crm_desktop.services.users import add_user
from ui.context import AppContext
from ui.notifier import RecordingNotifier
from ui.runner import Runner

TODAY = dt.date(2025, 6, 2)
PASSWORD = "correct horse 1"
# Messages the offscreen platform prints about itself, not about our widgets.
IGNORED_QT_MESSAGES = ("This plugin does not support",)


@pytest.fixture(autouse=True)
def _fresh_settings(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Each test starts with empty settings (window layout, saved filters, last page)."""
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture(autouse=True)
def _qt_warnings_fail(qtlog) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """A Qt warning (or worse) during a UI test fails it."""
    yield
    bad = [
        record.message
        for record in qtlog.records
        if record.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        and not record.message.startswith(IGNORED_QT_MESSAGES)
    ]
    if bad:
        pytest.fail("Qt warnings: " + "; ".join(bad))


@pytest.fixture
def runner(qapp) -> Runner:  # type: ignore[no-untyped-def]
    return Runner(synchronous=True)


@pytest.fixture
def people(database: Database) -> dict[str, Actor]:
    """An officer and the team manager (an administrator, who also changes users and
    roles) who can sign in with PASSWORD."""

    def build(session):  # type: ignore[no-untyped-def]
        officer = add_user(
            session, "officer1", UserRole.OFFICER, display_name="Priya Raman", password=PASSWORD
        )
        manager = add_user(
            session, "boss", UserRole.ADMIN, display_name="Morag Ellison", password=PASSWORD
        )
        return {
            "officer": Actor(officer.username, officer.role, officer.id, officer.display_name),
            "manager": Actor(manager.username, manager.role, manager.id, manager.display_name),
        }

    return database.write(build, actor="system")


@pytest.fixture
def context(runner: Runner, database: Database, people: dict[str, Actor]) -> AppContext:
    return AppContext(
        runner, RecordingNotifier(), database=database, actor=people["officer"], today=lambda: TODAY
    )


@pytest.fixture
def manager_context(context: AppContext, people: dict[str, Actor]) -> AppContext:
    context.actor = people["manager"]
    return context


def bins_case(
    database: Database, people: dict[str, Actor], email: str | None = None, **changes: Any
) -> int:
    """The corporate complaint many screens' tests open: bins not collected, one point,
    recorded by the officer (``changes``: another complaint like it); its id."""
    new = NewCase(
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=dt.date(2025, 5, 1),
        service_area="Contact Centre",
        directorate="COaCH",
        summary="Bins not collected",
        complainant=PersonInput("Ann Other", email=email),
        points=[PointInput("Communication", "Nobody called back")],
    )
    new = dataclasses.replace(new, **changes)
    created = database.write(
        lambda s: create_case(s, new, people["officer"], TODAY), actor="officer1"
    )
    return created.case_id


@pytest.fixture
def case_id(database: Database, people: dict[str, Actor]) -> int:
    return bins_case(database, people)


def open_new_case(qtbot, context: AppContext):  # type: ignore[no-untyped-def]
    """The new case form, shown, its lists loaded."""
    from ui.new_case import NewCaseDialog

    dialog = NewCaseDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.choices is not None)
    return dialog


def open_case(qtbot, context: AppContext, case_id: int):  # type: ignore[no-untyped-def]
    """The case window, shown and loaded."""
    from ui.case_form import CaseDialog

    dialog = CaseDialog(context, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.detail is not None, dialog.error.text()
    return dialog
