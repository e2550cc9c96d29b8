"""Database addresses: the URL forms CRM Desktop accepts, and the file behind a SQLite one.

Kept apart from :mod:`crm_desktop.db` so that the site settings can check an address
without the database layer (which itself reads the site settings).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL

from crm_desktop.errors import DatabaseError

__all__ = ["parse_url", "sqlite_file"]


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        raise DatabaseError(
            f"'{url}' is not a database address. Use sqlite:////absolute/path/to/file.db, "
            "sqlite:///relative/path.db or postgresql+psycopg://user@host/database."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"CRM Desktop works with SQLite or PostgreSQL, not '{parsed.get_backend_name()}'. "
            "Use sqlite:///path/to/file.db or postgresql+psycopg://user@host/database."
        )
    if parsed.get_backend_name() == "sqlite" and (
        parsed.host or parsed.port or parsed.username or parsed.password
    ):
        # sqlite://tmp/x.db: two slashes make "tmp" a server, which a SQLite file has not.
        meant = "/".join(part for part in (parsed.host, parsed.database) if part)
        raise DatabaseError(
            f"'{url}' is not a SQLite file's address: write it with three slashes and the "
            f"path, sqlite:////{meant} for an absolute path (four slashes in all) or "
            "sqlite:///relative/path.db."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)
