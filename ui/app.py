"""Starting the desktop program: the application object, sign-in, the window, the database."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from crm_desktop import __version__
from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.access import Actor
from crm_desktop.errors import UserFacingError
from crm_desktop.logs import configure_logging, record_bug
from ui.context import AppContext
from ui.crash import install as install_crash_handling
from ui.main_window import MainWindow
from ui.notifier import Notifier
from ui.runner import Runner

if TYPE_CHECKING:  # loaded when first needed: the sign-in screen, the daily check
    from crm_desktop.services.maintenance import CheckReport
    from ui.sign_in import SignInDialog


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("CRM Desktop")
    app.setOrganizationName("CRM Desktop")
    app.setApplicationVersion(__version__)
    from ui import fit

    app.setProperty("screen_fitter", fit.install(app))
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

    The database opens once the window is built: opening it alongside would slow both, as
    the two threads take turns with Python's interpreter lock row by row.
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


class SignInFlow(QObject):
    """Who is signed in and their window: signing in, signing out, switching user.

    Each sign-in has its own context, so a window never acts for the next person. On
    switching user, the first window stays until the other person has signed in, and
    closes only if it may (it asks about unsaved work first); if it may not, the new
    sign-in is dropped and the first user carries on.
    """

    def __init__(
        self,
        runner: Runner,
        notifier: Notifier,
        account: str | None,
        quit_program: Callable[[], None],
    ) -> None:
        super().__init__()
        self.runner = runner
        self.notifier = notifier
        self.account = account
        self.quit_program = quit_program
        self.database: Database | None = None
        self.window: MainWindow | None = None
        self.dialog: SignInDialog | None = None
        self.failure: str | None = None

    def database_opened(self, database: Database) -> None:
        self.database = database
        if self.dialog is not None:
            self.dialog.set_database(database)

    def database_failed(self, exc: BaseException) -> None:
        self.failure = _open_failure(exc)
        if self.dialog is not None:
            self.dialog.database_failed(self.failure)

    def ask(self, switching: bool = False) -> SignInDialog:
        """Show the sign-in screen (for another user when ``switching``)."""
        from ui.sign_in import SignInDialog

        context = AppContext(self.runner, self.notifier, database=self.database)
        dialog = SignInDialog(context, self.account)
        if switching:
            dialog.setWindowTitle("Switch user – CRM Desktop")
        elif self.failure is not None:
            dialog.database_failed(self.failure)
        dialog.signed_in.connect(lambda _actor: self._signed_in(context))
        dialog.rejected.connect(lambda: self._not_signed_in(switching))
        self.dialog = dialog
        if self.window is None:
            self.notifier.parent = dialog
        dialog.show()
        return dialog

    def _signed_in(self, context: AppContext) -> None:
        self.dialog = None
        old = self.window
        if old is not None:
            old.replacing = True
            if not old.close():
                old.replacing = False
                self.notifier.info(
                    "Still signed in",
                    f"{old.context.username} has unsaved changes, so they are still signed in. "
                    "Save or close their work, then switch user again.",
                )
                return
        window = MainWindow(context=context)
        window.sign_out_requested.connect(self.ask)
        window.switch_user_requested.connect(lambda: self.ask(switching=True))
        window.closed.connect(lambda w=window: self._window_closed(w))
        self.notifier.parent = window
        self.window = window
        window.show()
        if context.database is not None:
            window.set_database(context.database)
            window.when_idle(lambda: run_daily_check(context))  # after the first page

    def _window_closed(self, window: MainWindow) -> None:
        if window is not self.window or window.replacing:
            return
        self.window = None
        if not window.signing_out:
            self.quit_program()

    def _not_signed_in(self, switching: bool) -> None:
        self.dialog = None
        if not switching and self.window is None:
            self.quit_program()


def run_gui(url: str) -> int:
    configure_logging()
    app = create_application()
    app.setQuitOnLastWindowClosed(False)  # signing out closes the window, not the program
    from ui import theme

    theme.apply(theme.SYSTEM)  # until someone signs in and their own choice applies
    runner = Runner(app)
    notifier = Notifier()
    install_crash_handling(notifier.crash)
    from ui.sign_in import windows_account

    flow = SignInFlow(runner, notifier, windows_account(), app.quit)
    flow.ask()
    runner.submit(lambda: open_database(url), flow.database_opened, flow.database_failed)
    result = app.exec()
    runner.wait()
    if flow.database is not None:
        flow.database.dispose()
    return 2 if flow.failure is not None and flow.window is None else result
