"""Declarative base, naming convention and the column helpers every model shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from crm_desktop.errors import ConflictError, conflict_message

# Stable constraint names, so Alembic batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def sqlite_only_index(name: str, *columns: str) -> sa.Index:
    """An index on a column of a person's name, made on SQLite only.

    On PostgreSQL, where row-level security hides other cases' rows from a service
    responder's or an investigator's own login, an index on a name would let that login
    learn a hidden name: ``EXPLAIN ANALYZE`` of ``WHERE full_name > 'C' AND full_name <
    'D'`` finds the hidden row through the index before the row's policy filters it
    out, and counts it ("Rows Removed by Filter: 1"). Without the index the policy is
    applied first, to every row, and the plan counts the same whatever the name asked
    for (migration 0019). On SQLite whoever has the file reads every row anyway, and the
    index sorts the case list by name.
    """
    index = sa.Index(name, *columns)
    index.info["only_on"] = "sqlite"
    return index.ddl_if(dialect="sqlite")


def in_schema_of(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect``: the models' objects
    that dialect does not have (:func:`sqlite_only_index`) are left out of comparisons."""

    def include_object(
        item: object, name: str | None, kind: str, reflected: bool, *_: object
    ) -> bool:
        info = getattr(item, "info", {})
        return reflected or info.get("only_on", dialect) == dialect

    return include_object


def utcnow() -> dt.datetime:
    """The current time in UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def enum_type(enum_cls: type[StrEnum], length: int = 40) -> sa.Enum:
    """A portable enum column: stored as its value string, checked in Python on write.

    No database CHECK constraint is created, so adding a value later needs no table
    rebuild; the ORM refuses unknown strings before they reach the database.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps ``version``.

    A second writer whose copy is stale gets ``StaleDataError`` from SQLAlchemy, which
    the services turn into a "changed by X at T" conflict for the user.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    updated_by: Mapped[str | None] = mapped_column(sa.String(80))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}

    def check_version(self, expected: int | None, what: str) -> None:
        """Refuse a save made from a copy older than this row (``expected`` None: no
        check), naming who changed it and when."""
        if expected is not None and self.version != expected:
            raise ConflictError(conflict_message(what, self.updated_by, self.updated_at))
