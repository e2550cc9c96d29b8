"""Errors a user can cause or meet, each with a message that says what to do.

Anything raised as :class:`UserFacingError` is shown to the user as its message (one
line on the command line, a dialog in the desktop program); anything else is a bug and
gets a crash report.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is written for the user and says what to do next."""

    exit_code = 2

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class DatabaseError(UserFacingError):
    """The database cannot be used: unreachable, damaged, not ours, read-only, too new."""


class DatabaseBusyError(DatabaseError):
    """Another user held the database for longer than we were willing to wait."""


class ValidationError(UserFacingError):
    """Input that breaks a rule; ``field`` names the input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(UserFacingError):
    """Someone else changed the record since it was opened."""
