"""Starting the desktop program: the application object, the window, the database."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from crm_desktop import __version__
from crm_desktop.db.database import Database, open_database
from crm_desktop.errors import UserFacingError
from ui.main_window import MainWindow
from ui.notifier import Notifier
from ui.runner import Runner


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("CRM Desktop")
    app.setOrganizationName("CRM Desktop")
    app.setApplicationVersion(__version__)
    return app


def start_main_window(
    url: str, runner: Runner, notifier: Notifier, on_failure: object = None
) -> MainWindow:
    """Show the window at once and open (create, migrate) the database off the GUI thread."""
    window = MainWindow(runner, notifier)
    window.show()
    notifier.parent = window

    def opened(database: Database) -> None:
        window.set_database(database)

    def failed(exc: BaseException) -> None:
        message = (
            exc.message
            if isinstance(exc, UserFacingError)
            else f"The database could not be opened ({exc.__class__.__name__}: {exc})."
        )
        window.count_label.setText("No database open.")
        notifier.error("Cannot open the database", message)
        if callable(on_failure):
            on_failure()

    runner.submit(lambda: open_database(url), opened, failed)
    return window


def run_gui(url: str) -> int:
    app = create_application()
    runner = Runner(app)
    notifier = Notifier()
    exit_code = {"value": 0}

    def give_up() -> None:
        exit_code["value"] = 2
        app.quit()

    window = start_main_window(url, runner, notifier, give_up)
    result = app.exec()
    runner.wait()
    if window.database is not None:
        window.database.dispose()
    return exit_code["value"] or result
