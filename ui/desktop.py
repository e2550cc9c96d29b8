"""The desktop program handed to the command line (see :mod:`crm_desktop.desktop`)."""

from __future__ import annotations

import os
from pathlib import Path

from crm_desktop.desktop import DesktopProgram

QT_PLATFORM_ENV = "QT_QPA_PLATFORM"


def window_check(settings_folder: Path) -> str:
    """The self-check's window step: the main window created offscreen and closed, as
    the command-line administrator sees it (nobody signs in)."""
    if not os.environ.get(QT_PLATFORM_ENV):
        os.environ[QT_PLATFORM_ENV] = "offscreen"
    from PySide6.QtCore import QSettings, qVersion

    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole
    from ui.app import create_application
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.notifier import RecordingNotifier
    from ui.runner import Runner

    app = create_application()
    # The window saves its layout on closing: keep that in the given folder, away from
    # the user's own settings.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_folder))
    runner = Runner(app)
    actor = Actor("selfcheck", UserRole.ADMIN, display_name="Self-check")
    window = MainWindow(context=AppContext(runner, RecordingNotifier(), actor=actor))
    window.show()
    app.processEvents()
    title = window.windowTitle() or window.objectName()
    window.close()
    window.deleteLater()
    app.processEvents()
    runner.wait()
    return f"Qt {qVersion()}, {app.platformName()} platform, '{title}' created and closed"


def run(url: str) -> int:
    from ui.app import run_gui

    return run_gui(url)


DESKTOP = DesktopProgram(run=run, window_check=window_check)
