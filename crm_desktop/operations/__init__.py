"""The operations layer: every use case the desktop program or the command line can
start, each checked against one access policy (see :mod:`.core` and :mod:`.policy`).

Import an area's operations from its module (``from crm_desktop.operations import
cases``); :func:`load_all` imports every module, for the tests and documentation that
walk the whole registry.
"""

from __future__ import annotations

import importlib

from crm_desktop.operations.core import (
    REGISTRY,
    Change,
    OpChanges,
    OpContext,
    Operation,
    OpResult,
    operation,
    run_operation,
)

__all__ = [
    "MODULES",
    "REGISTRY",
    "Change",
    "OpChanges",
    "OpContext",
    "OpResult",
    "Operation",
    "load_all",
    "operation",
    "run_operation",
]

MODULES: tuple[str, ...] = (
    "cases",
    "workflow",
    "deadlines",
    "investigators",
    "correspondence",
    "attachments",
    "privacy",
    "reports",
    "code",
    "imports",
    "admin",
    "maintenance",
    "procedure_policies",
)
"""Every module that registers operations."""


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"crm_desktop.operations.{name}")
