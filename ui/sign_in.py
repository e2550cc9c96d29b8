"""Signing in: username and password, or the Windows account; the first administrator on a new
database. Every refusal is shown inside the dialog, in the service's own words.

These are the one documented exception to "screens call only operations": signing in
and creating the first administrator of a new database establish who acts, so there is no
actor yet for an operation to check. They are plain service calls, run off the GUI
thread by the runner; everything after sign-in is an operation.
"""

from __future__ import annotations

import getpass
import os
import sys

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import __version__
from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.services.reference_admin import create_first_administrator, has_users
from crm_desktop.services.users import MIN_PASSWORD_LENGTH, authenticate_windows, sign_in
from ui.context import AppContext
from ui.widgets import error_label, error_text, show_error


def windows_account() -> str | None:
    """``DOMAIN\\user`` of the Windows account the program runs under; None elsewhere."""
    if sys.platform != "win32":
        return None
    try:
        user = os.getlogin()
    except OSError:
        user = getpass.getuser()
    domain = os.environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}".lower() if domain else user.lower()


class SignInDialog(QDialog):
    signed_in = Signal(object)  # Actor

    def __init__(
        self,
        context: AppContext,
        account: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.account = account
        self.actor: Actor | None = None
        self.setObjectName("SignInDialog")
        self.setWindowTitle("Sign in to CRM Desktop")
        layout = QVBoxLayout(self)
        heading = QLabel("CRM Desktop", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        self.where = QLabel("Opening the database…", self)
        self.where.setObjectName("DatabaseLabel")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        self.error = error_label("SignInError", self)
        layout.addWidget(self.error)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages)

        # -- signing in ------------------------------------------------------------------
        page = QWidget(self)
        form = QFormLayout(page)
        self.username = QLineEdit(page)
        self.username.setObjectName("Username")
        self.username.setAccessibleName("Username")
        form.addRow("&Username", self.username)
        self.password = QLineEdit(page)
        self.password.setObjectName("Password")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Password", self.password)
        buttons = QHBoxLayout()
        self.windows_button = QPushButton(
            f"Use my Windows account ({account})" if account else "Use my Windows account", page
        )
        self.windows_button.setObjectName("WindowsButton")
        self.windows_button.setVisible(account is not None)
        self.windows_button.clicked.connect(self.sign_in_windows)
        buttons.addWidget(self.windows_button)
        buttons.addStretch(1)
        self.sign_in_button = QPushButton("Sign in", page)
        self.sign_in_button.setObjectName("SignInButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        buttons.addWidget(self.sign_in_button)
        form.addRow(buttons)
        self.pages.addWidget(page)

        # -- the first administrator (the team manager) -------------------------------
        first = QWidget(self)
        first_form = QFormLayout(first)
        intro = QLabel(
            "This database has no users yet. Create the first account, the team "
            "manager's: an administrator, who can then add everyone else and give their "
            "roles.",
            first,
        )
        intro.setWordWrap(True)
        # A wrapped label's height follows its width: give it one, so the page is laid
        # out tall enough for every line (it was clipped at the top and bottom).
        intro.setMinimumWidth(intro.fontMetrics().horizontalAdvance("M") * 26)
        intro.setMinimumHeight(intro.heightForWidth(intro.minimumWidth()))
        first_form.addRow(intro)
        self.new_username = QLineEdit(first)
        self.new_username.setObjectName("NewUsername")
        self.new_username.setAccessibleName("New username")
        first_form.addRow("&Username", self.new_username)
        self.new_name = QLineEdit(first)
        self.new_name.setObjectName("NewName")
        self.new_name.setAccessibleName("Your name")
        first_form.addRow("Your &name", self.new_name)
        self.new_password = QLineEdit(first)
        self.new_password.setObjectName("NewPassword")
        self.new_password.setAccessibleName("New password")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        first_form.addRow("&Password", self.new_password)
        self.new_confirm = QLineEdit(first)
        self.new_confirm.setObjectName("ConfirmPassword")
        self.new_confirm.setAccessibleName("Password again")
        self.new_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        first_form.addRow("Password &again", self.new_confirm)
        hint = QLabel(
            f"At least {MIN_PASSWORD_LENGTH} characters; not a common password, nor your "
            "username or name.",
            first,
        )
        first_form.addRow("", hint)
        self.create_button = QPushButton("&Create the administrator account and sign in", first)
        self.create_button.setObjectName("CreateManagerButton")
        self.create_button.clicked.connect(self.create_manager)
        first_form.addRow(self.create_button)
        self.pages.addWidget(first)

        version = QLabel(f"Version {__version__}", self)
        layout.addWidget(version)
        self._set_enabled(False)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 34, self.sizeHint().height())
        if context.database is not None:
            self.set_database(context.database)

    @property
    def first_run(self) -> bool:
        return self.pages.currentIndex() == 1

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.sign_in_button, self.windows_button, self.create_button):
            widget.setEnabled(enabled)

    def set_database(self, database: Database) -> None:
        self.context.database = database
        self.where.setText(f"Database: {database.plain_name}")

        def work() -> bool:
            with database.session() as session:
                return has_users(session)

        def checked(any_users: bool) -> None:
            self.pages.setCurrentIndex(0 if any_users else 1)
            # Enter presses the page's own button: sign in, or create the first administrator.
            self.sign_in_button.setDefault(any_users)
            self.create_button.setDefault(not any_users)
            page = self.pages.currentWidget()
            if page is not None:
                page.adjustSize()
            self.adjustSize()
            self._set_enabled(True)
            (self.username if any_users else self.new_username).setFocus()

        self.context.runner.submit(work, checked, self._failed)

    def database_failed(self, message: str) -> None:
        self.where.setText("No database is open.")
        show_error(self.error, message)

    # -- signing in --------------------------------------------------------------------

    def sign_in(self) -> None:
        database = self.context.database
        if database is None:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            show_error(self.error, "Enter your username and password.")
            (self.username if not username else self.password).setFocus()
            return
        show_error(self.error, "")
        self._set_enabled(False)
        self.context.runner.submit(
            lambda: sign_in(database, username, password), self._signed_in, self._failed
        )

    def sign_in_windows(self) -> None:
        database, account = self.context.database, self.account
        if database is None or account is None:
            return
        show_error(self.error, "")
        self._set_enabled(False)
        self.context.runner.submit(
            lambda: database.write(lambda s: authenticate_windows(s, account), actor=account),
            self._signed_in,
            self._failed,
        )

    def create_manager(self) -> None:
        database = self.context.database
        if database is None:
            return
        username = self.new_username.text().strip()
        name, password, confirm = (
            self.new_name.text(),
            self.new_password.text(),
            self.new_confirm.text(),
        )
        show_error(self.error, "")
        self._set_enabled(False)

        def work() -> Actor:
            database.write(
                lambda s: create_first_administrator(s, username, name, password, confirm),
                actor=username.lower(),
            )
            return sign_in(database, username, password)

        self.context.runner.submit(work, self._signed_in, self._failed)

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.context.actor = actor
        self.password.clear()
        self.new_password.clear()
        self.new_confirm.clear()
        self.signed_in.emit(actor)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_enabled(True)
        show_error(self.error, error_text(exc, "signing in"))
        self.password.selectAll()
        self.password.setFocus()
