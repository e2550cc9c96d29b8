"""Text longer than its column holds is refused with a message, on every database.

PostgreSQL refuses a value longer than a ``VARCHAR(n)`` with an error an officer cannot
act on ("Something went wrong"); SQLite, which does not enforce lengths, keeps it whole,
so the same record could later not be copied to PostgreSQL. So before anything is
written, every text a record holds is checked against its column's length, and a longer
one is refused naming the field, with the data left as it was.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session, UOWTransaction, object_mapper

from crm_desktop.errors import ValidationError

__all__ = ["check_lengths"]

# How a column is named to the user, where its name is not plain English.
_WORDS = {
    "full_name": "name",
    "display_name": "name",
    "complainant_name": "complainant's name",
    "email": "email address",
    "phone": "phone number",
    "username": "user name",
    "windows_account": "Windows account",
    "lgsco_reference": "Ombudsman reference",
}


@cache
def _limits(mapper: Mapper[Any]) -> tuple[tuple[str, int, str], ...]:
    """``(attribute, length, words)`` of each of the mapper's text columns with a length
    (not an enumeration's: its values are the program's own)."""
    found = []
    for prop in mapper.column_attrs:
        for column in prop.columns:
            kind = column.type
            if isinstance(kind, sa.String) and not isinstance(kind, sa.Enum) and kind.length:
                words = _WORDS.get(prop.key, prop.key.replace("_", " "))
                found.append((prop.key, int(kind.length), words))
    return tuple(found)


def check_lengths(objects: Any, *, changed_only: bool = False) -> None:
    """Refuse the first text among ``objects`` longer than its column holds;
    ``changed_only``: of a record already saved, only what this save changes (an older
    version kept long text whole on SQLite: such a record must still take other
    changes)."""
    for obj in objects:
        state = obj.__dict__  # only what is loaded: never a load in the middle of a flush
        attrs = sa.inspect(obj).attrs if changed_only else None
        for key, length, words in _limits(object_mapper(obj)):
            value = state.get(key)
            if not (isinstance(value, str) and len(value) > length):
                continue
            if attrs is not None and not attrs[key].history.has_changes():
                continue
            raise ValidationError(
                f"The {words} is {len(value):,} characters long; at most {length:,} "
                "can be kept. Shorten it and try again.",
                key,
            )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    check_lengths(session.new)
    check_lengths(session.dirty, changed_only=True)
