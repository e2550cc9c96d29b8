"""The desktop program, as the core knows it: two functions handed in at start-up.

The core never imports the screens (``ui/``): the ``crm-desktop`` launcher
(``crm_desktop_launcher.py``) gives the command line a :class:`DesktopProgram` that
starts the window, and that the self-check uses to open the main window offscreen.
Started without one (``python -m crm_desktop``), the commands work and the window is
said to be missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DesktopProgram", "Loader"]


@dataclass(frozen=True)
class DesktopProgram:
    run: Callable[[str], int]
    """Sign in and show the main window on the database at the URL; the exit status."""
    window_check: Callable[[Path], str]
    """Create the main window offscreen and close it, keeping Qt's settings in the given
    folder; what was checked, in a sentence."""


Loader = Callable[[], DesktopProgram]
"""Loads the desktop program only when it is wanted (Qt takes a while to import)."""
