"""Where the program's own files are: in a source checkout and in the built program."""

from __future__ import annotations

import sys
from pathlib import Path


def application_root() -> Path:
    """The folder holding ``crm_desktop/``, ``ui/`` and ``resources/``.

    In a PyInstaller build the files are unpacked under ``sys._MEIPASS``.
    """
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return application_root().joinpath("resources", *parts)
