"""Errors a user can cause or meet, each with a message that says what to do.

Anything raised as :class:`UserFacingError` is shown to the user as its message (one
line on the command line, a dialog in the desktop program); anything else is a bug: it
is logged with its traceback and shown as a crash report.

The kinds are distinct so that callers (and tests) decide by type, never by wording:

- :class:`PermissionRefused`: the signed-in user may not do this, or see this record;
- :class:`NotFound`: the record does not exist (any more);
- :class:`IllegalTransition`: the procedure does not allow this step now;
- :class:`ConflictError`: someone else saved the record after it was opened;
- :class:`ValidationError`: input that breaks a rule (``field`` names the input);
- :class:`EnvironmentProblem`: the machine or the database server is in the way (busy,
  disk full, read-only, server gone, damaged file); nothing was saved.
"""

from __future__ import annotations

import datetime as dt


class UserFacingError(Exception):
    """An error whose message is written for the user and says what to do next."""

    exit_code = 2

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class PermissionRefused(UserFacingError):
    """The actor's role, or their access to this record, does not allow it."""


class NotFound(UserFacingError):
    """The record asked for does not exist, or no longer does."""


class IllegalTransition(UserFacingError):
    """The procedure does not allow this step in the record's present state."""


class ValidationError(UserFacingError):
    """Input that breaks a rule; ``field`` names the input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(UserFacingError):
    """Someone else changed the record since it was opened."""


def conflict_message(what: str, who: str | None, when: dt.datetime | None) -> str:
    """The one wording of a stale save: "COR-2024-00017 was changed by Priya Raman at
    14:05 on 14 Mar 2024 after you opened it. Reload it to see their change; what you
    typed is kept." ``when`` is UTC as stored (naive) and is shown in local time."""
    from crm_desktop.domain.formatting import format_date

    by = f" by {who}" if who else " by someone else"
    at = ""
    if when is not None:
        local = (when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when).astimezone()
        at = f" at {local:%H:%M} on {format_date(local.date())}"
    return (
        f"{what} was changed{by}{at} after you opened it. "
        "Reload it to see their change; what you typed is kept."
    )


class EnvironmentProblem(UserFacingError):
    """Something outside the program is in the way; nothing was saved."""


class DatabaseError(EnvironmentProblem):
    """The database cannot be used: unreachable, damaged, not ours, read-only, too new."""


class DatabaseBusyError(DatabaseError):
    """Another user held the database for longer than we were willing to wait."""


class ServerGone(DatabaseError):
    """The connection to the database server was lost."""


class ReadOnlyError(DatabaseError):
    """The database file, its folder or the server refuses writes."""


class DamagedDatabase(DatabaseError):
    """The database file has damaged pages."""


class DiskFull(EnvironmentProblem):
    """The disk (or the database server's disk) has no room left."""


class FileProblem(EnvironmentProblem):
    """A file or folder the user chose cannot be read or written."""
