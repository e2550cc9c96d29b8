"""The investigator's workspace over their own PostgreSQL login: they sign in, see their
one case, record progress and upload their report, and the database (not only the
program) keeps them to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.access import Actor
from crm_desktop.services.attachments import STORE_ENV
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import sign_in
from tests.ui.conftest import PASSWORD
from tests.ui.test_investigator_screens import (  # noqa: F401  (fixtures)
    _texts,
    _workspace_window,
    children,
    investigator,
    pool,
)
from ui.context import AppContext
from ui.notifier import RecordingNotifier
from ui.runner import Runner
from ui.workspace import InvestigatorWorkspace

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_database: Database) -> Database:
    """The owner's connection: the team's data is set up through it."""
    return postgres_database


@pytest.fixture
def own_login(
    database: Database,
    investigator: tuple[Actor, int, int],  # noqa: F811  (the fixture imported above)
) -> Iterator[tuple[Database, int, int]]:
    actor, case_id, other_id = investigator
    login = database.write(lambda s: grant_login(s, actor.username, None))
    own = open_database(
        make_url(database.url).set(username=login).render_as_string(hide_password=False)
    )
    try:
        yield own, case_id, other_id
    finally:
        own.dispose()


def test_the_workspace_works_over_the_investigators_own_login(
    qtbot,  # type: ignore[no-untyped-def]
    runner: Runner,
    own_login: tuple[Database, int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.ui.conftest import TODAY

    own, case_id, other_id = own_login
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "store"))
    actor = sign_in(own, "alice", PASSWORD)
    context = AppContext(
        runner, RecordingNotifier(), database=own, actor=actor, today=lambda: TODAY
    )
    window = _workspace_window(qtbot, context, own)
    workspace = window.workspace
    assert isinstance(workspace, InvestigatorWorkspace)
    assert workspace.cases_model.rowCount() == 1
    assert workspace.cases_model.row_at(0).case_id == case_id
    workspace.show_case(other_id)
    assert workspace.error.text() == "You can only open the cases assigned to you."
    workspace.show_case(case_id)
    workspace.cases_view.selectRow(0)
    workspace.note.setPlainText("Met the family")
    workspace.hours.setText("7.5")
    workspace.record_progress()
    assert workspace.error.isHidden(), workspace.error.text()
    assert "Hours recorded: 7.5" in workspace.detail_label.text()
    report = tmp_path / "IO report.pdf"
    report.write_bytes(b"%PDF-1.4 the findings")
    workspace.choose_file = lambda: str(report)
    workspace.upload_report()
    assert workspace.report_error.isHidden(), workspace.report_error.text()
    assert _texts(workspace.cases_model, 4) == ["Report received 2 Jun 2025"]
