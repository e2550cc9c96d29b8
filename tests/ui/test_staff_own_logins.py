"""The desktop over each staff member's own PostgreSQL login: every page they are shown,
every tab on it, and a case with all its sections, load without an error.

The operations have been run over every role's own login; this checks what the screens
read besides (their lists, choices and counts), which the database's row-level security
and column grants could refuse where the owner's connection would not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget
from sqlalchemy.engine import make_url

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, ServiceArea
from crm_desktop.domain.enums import UserRole
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.importer import run_import
from crm_desktop.services.users import add_user, sign_in
from tests.ui.conftest import PASSWORD
from ui.app import start_main_window
from ui.notifier import RecordingNotifier
from ui.runner import Runner

pytestmark = pytest.mark.postgres

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "cases-example.csv"
STAFF = (UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.MANAGER, UserRole.ADMIN)


@pytest.fixture(scope="module")
def team() -> Iterator[tuple[Database, dict[UserRole, str], str]]:
    """A database with the design's example cases (every procedure, later stages, the
    Ombudsman), one user of each staff role with a login of their own, and the
    reference of a case the service responder's area holds."""
    from crm_desktop.db.database import open_database
    from crm_desktop.db.scratch import scratch_postgres_database
    from tests.conftest import require_postgres

    require_postgres()
    with scratch_postgres_database(prefix="crm_test_ui_logins") as url:
        db = open_database(url)
        try:
            result = run_import(
                db,
                EXAMPLE,
                dry_run=False,
                skip_existing=False,
                add_missing_reference_data=True,
                actor="import",
                today=dt.date(2026, 1, 15),
            )
            assert result.ok, result

            def users(session: sa.orm.Session) -> str:
                case = session.scalars(sa.select(Case).order_by(Case.id)).first()
                assert case is not None
                area = session.get(ServiceArea, case.service_area_id)
                assert area is not None
                for role in STAFF:
                    user = add_user(
                        session, f"{role.value.replace(' ', '')}.ui", role, password=PASSWORD
                    )
                    if role == UserRole.SERVICE_RESPONDER:
                        session.execute(
                            sa.text("UPDATE app_user SET service_area_id = :a WHERE id = :u"),
                            {"a": area.id, "u": user.id},
                        )
                return case.reference

            reference = db.write(users, actor="builder")
            urls = {}
            for role in STAFF:
                name = f"{role.value.replace(' ', '')}.ui"
                login = db.write(lambda s, n=name: grant_login(s, n, None))
                urls[role] = make_url(url).set(username=login).render_as_string(hide_password=False)
            yield db, urls, reference
        finally:
            db.dispose()


class RecordingRunner(Runner):
    """Runs work at once and keeps every failure, whoever handles it (a screen may show
    its error in a label of its own rather than a message box)."""

    def __init__(self) -> None:
        super().__init__(synchronous=True)
        self.failures: list[BaseException] = []

    def _deliver(self, job, result, exc, on_done, on_error):  # type: ignore[no-untyped-def]
        if exc is not None:
            self.failures.append(exc)
        super()._deliver(job, result, exc, on_done, on_error)


def _tabs_everywhere(widget: QWidget) -> None:
    """Show every tab of every tab widget under ``widget`` in turn, tabs that appear on
    the way included."""
    seen: set[int] = set()
    while True:
        pending = [t for t in widget.findChildren(QTabWidget) if id(t) not in seen]
        if not pending:
            return
        for tabs in pending:
            seen.add(id(tabs))
            for index in range(tabs.count()):
                if tabs.isTabVisible(index) and tabs.isTabEnabled(index):
                    tabs.setCurrentIndex(index)
                    QApplication.processEvents()


@pytest.mark.parametrize("role", STAFF, ids=lambda r: r.value.replace(" ", "-"))
def test_every_screen_a_role_is_shown_loads_over_their_own_login(
    qtbot,  # type: ignore[no-untyped-def]
    team: tuple[Database, dict[UserRole, str], str],
    role: UserRole,
) -> None:
    db, urls, reference = team
    from crm_desktop.db.database import open_database

    own = open_database(urls[role])
    try:
        actor = sign_in(own, f"{role.value.replace(' ', '')}.ui", PASSWORD)
    finally:
        own.dispose()
    notifier, runner = RecordingNotifier(), RecordingRunner()
    window = start_main_window(urls[role], runner, notifier, actor)
    qtbot.addWidget(window)
    try:
        assert window.context.database is not None
        names = list(window.pages)
        # The navigation follows the permissions (test_screens checks each list).
        managing = role in (UserRole.MANAGER, UserRole.ADMIN)
        assert ("Admin" in names, "Cases" in names) == (managing, True)
        for name in names:
            page = window.show_page(name)
            QApplication.processEvents()
            _tabs_everywhere(page)
        with db.session() as session:
            case_id = session.scalar(sa.select(Case.id).where(Case.reference == reference))
        assert case_id is not None
        dialog = window.open_case(case_id)
        assert dialog is not None
        QApplication.processEvents()
        _tabs_everywhere(dialog)
        dialog.close()
        problems = [m for m in notifier.messages if m[0] in ("error", "crash")]
        assert problems == [], problems
        assert [repr(exc) for exc in runner.failures] == []
        # What the case list showed came over this login, row-level security and all.
        window.show_page("Cases")
        assert window.case_model.rowCount() >= 1
    finally:
        window.close()
        if window.context.database is not None:
            window.context.database.dispose()
