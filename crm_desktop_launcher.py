"""The ``crm-desktop`` program: the console script and the built program's entry point
(PyInstaller, see build_installer.spec).

It runs ``crm_desktop.cli.main`` with the desktop program (``ui.desktop``) to hand: the
window when no command is given, the console commands otherwise (``crm-desktop
--version``, ``crm-desktop selfcheck``...). It is the one place that knows both the core
and the screens, so that ``crm_desktop/`` never imports ``ui/`` and ``ui/`` never
imports the command line.

On Windows the installer also ships ``crm-desktop-gui.exe``, the same program built
without a console window, for the Start menu shortcut. That one has no standard error
to print to, so a one-line error (a broken site settings file, a database that cannot
be opened) is shown in a message box instead of being lost.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_desktop.desktop import DesktopProgram

# Never write __pycache__ beside the installed files (Alembic compiles the migration
# scripts it reads from disk): the install folder is read-only for users, and the
# uninstaller removes only what the installer put there.
sys.dont_write_bytecode = True


def _show_error(text: str) -> None:  # pragma: no cover - Windows, no console
    import ctypes

    message_box_iconerror = 0x10
    ctypes.windll.user32.MessageBoxW(None, text, "CRM Desktop", message_box_iconerror)  # type: ignore[attr-defined]


def _desktop() -> DesktopProgram:
    from ui.desktop import DESKTOP

    return DESKTOP


def main(argv: Sequence[str] | None = None) -> int:
    """``crm-desktop [COMMAND]``."""
    from crm_desktop.cli import main as command_line

    return command_line(argv, desktop=_desktop)


def run() -> int:
    """The built program: :func:`main`, with a message box for a windowed build."""
    if sys.platform != "win32" or sys.stderr is not None:
        return main()
    # Built without a console: keep what would have gone to stderr and show it.
    captured = io.StringIO()
    sys.stderr = captured
    if sys.stdout is None:
        sys.stdout = io.StringIO()
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, a mistyped option
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:
        _show_error(f"CRM Desktop stopped unexpectedly: {exc.__class__.__name__}: {exc}")
        return 1
    if code and captured.getvalue().strip():
        _show_error(captured.getvalue().strip())
    return code


if __name__ == "__main__":
    raise SystemExit(run())
