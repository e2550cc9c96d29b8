"""Starting the desktop program: the application object, sign-in, the window, the database."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QApplication

from crm_desktop import __version__
from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.access import Actor
from crm_desktop.errors import UserFacingError
from crm_desktop.logs import configure_logging, record_bug
from crm_desktop.services.maintenance import CheckReport
from ui.context import AppContext
from ui.crash import install as install_crash_handling
from ui.main_window import MainWindow
from ui.notifier import Notifier
from ui.runner import Runner
from ui.sign_in import SignInDialog, windows_account


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("CRM Desktop")
    app.setOrganizationName("CRM Desktop")
    app.setApplicationVersion(__version__)
    return app


def _open_failure(exc: BaseException) -> str:
    if isinstance(exc, UserFacingError):
        return exc.message
    return record_bug(exc, "opening the database").message


def start_main_window(
    url: str,
    runner: Runner,
    notifier: Notifier,
    actor: Actor,
    on_failure: Callable[[], None] | None = None,
) -> MainWindow:
    """Show the window at once and open (create, migrate) the database off the GUI thread.

    For a user already signed in (or for tests): :func:`run_gui` signs in first.
    """
    context = AppContext(runner, notifier, actor=actor)
    window = MainWindow(context=context)
    window.show()
    notifier.parent = window

    def failed(exc: BaseException) -> None:
        window.database_failed(_open_failure(exc))
        if on_failure is not None:
            on_failure()

    runner.submit(lambda: open_database(url), window.set_database, failed)
    return window


def run_daily_check(context: AppContext) -> None:
    """The once-a-day integrity check, in the background, for the user who signed in; a
    problem is reported to them."""
    from crm_desktop.operations import maintenance

    def done(report: CheckReport | None) -> None:
        if report is not None and report.problems:
            context.notifier.warning(
                "Database check",
                "The daily check found problems with the database:\n\n"
                + "\n".join(report.problems[:10])
                + "\n\nTell IT; the latest backup may need restoring.",
            )

    def failed(exc: BaseException) -> None:
        logging.getLogger(__name__).warning("The daily database check could not run: %s", exc)

    context.op(maintenance.daily_check).on_done(done).on_error(failed).run()


def run_gui(url: str) -> int:
    configure_logging()
    app = create_application()
    runner = Runner(app)
    notifier = Notifier()
    install_crash_handling(notifier.crash)
    context = AppContext(runner, notifier)
    dialog = SignInDialog(context, windows_account())
    notifier.parent = dialog
    state: dict[str, Any] = {"window": None, "code": 0}

    def opened(database: Database) -> None:
        dialog.set_database(database)

    def failed(exc: BaseException) -> None:
        dialog.database_failed(_open_failure(exc))
        state["code"] = 2

    def signed_in(_actor: Actor) -> None:
        window = MainWindow(context=context)
        notifier.parent = window
        state["window"] = window
        window.show()
        assert context.database is not None
        window.set_database(context.database)
        run_daily_check(context)

    def closed_without_signing_in() -> None:
        if state["window"] is None:
            app.quit()

    dialog.signed_in.connect(signed_in)
    dialog.rejected.connect(closed_without_signing_in)
    dialog.show()
    runner.submit(lambda: open_database(url), opened, failed)
    result = app.exec()
    runner.wait()
    if context.database is not None:
        context.database.dispose()
    return int(state["code"]) if state["window"] is None and state["code"] else result
