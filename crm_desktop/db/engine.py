"""Engine factory: one place decides how we talk to SQLite and PostgreSQL.

SQLite (sqlite.org's advice, applied):
- ``foreign_keys=ON`` on every connection and a busy timeout;
- reads begin a deferred transaction, writes ``BEGIN IMMEDIATE`` (so two writers queue
  at the start rather than fail half-way), see :func:`write_engine`;
- WAL on a local disk; the rollback journal when the file is on a network path, where
  WAL's shared memory does not work.

PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL

from crm_desktop.site_config import load_site_config
from crm_desktop.urls import parse_url, sqlite_file

APP_NAME = "CRM Desktop"
DATABASE_ENV = "CRM_DATABASE_URL"
JOURNAL_ENV = "CRM_SQLITE_JOURNAL"  # force "wal" or "delete" (tests, odd file systems)
BUSY_TIMEOUT_MS = 5000
WRITE_OPTION = "crm_write"
# A pooled server connection idle this long is checked before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0
IDLE_SINCE = "crm_idle_since"

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ncpfs",
        "glusterfs",
        "ceph",
        "fuse.sshfs",
        "sshfs",
        "davfs",
        "fuse.davfs2",
        "lustre",
        "gpfs",
        "fuse.smbnetfs",
    }
)


def default_database_path() -> Path:
    """The embedded default: a SQLite file in the user's data folder."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "crm-desktop.db"


def resolve_database_url(explicit: str | None = None) -> str:
    """``--database`` wins, then ``CRM_DATABASE_URL``, then the machine-wide site settings
    (``[database] url``, see :mod:`crm_desktop.site_config`), then the default file.

    A site settings file that cannot be used raises
    :class:`~crm_desktop.site_config.SiteConfigError` naming the file and line; it is
    read only when neither of the first two gives a URL.
    """
    if explicit:
        return explicit
    from_env = os.environ.get(DATABASE_ENV)
    if from_env:
        return from_env
    site_url = load_site_config().database_url
    if site_url:
        return site_url
    return f"sqlite:///{default_database_path()}"


def is_network_path(path: Path) -> bool:
    """True when ``path`` lives on a network file system (where WAL is unsafe)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0]
        if drive:
            drive_remote = 4
            return int(ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")) == drive_remote
        return False
    return _filesystem_type(path) in NETWORK_FILESYSTEMS


def _filesystem_type(path: Path) -> str | None:
    """The file system type of the mount holding ``path`` (Linux: /proc/self/mounts)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path.parent if not path.exists() else path)
    best: tuple[int, str] | None = None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) > best[0]):
            best = (len(mount_point), fields[2])
    return best[1] if best else None


@dataclass(frozen=True)
class SqliteMode:
    journal_mode: str  # "wal" or "delete"
    on_network: bool


def choose_journal_mode(path: Path | None) -> SqliteMode:
    forced = os.environ.get(JOURNAL_ENV, "").lower()
    on_network = path is not None and is_network_path(path)
    if forced in ("wal", "delete"):
        return SqliteMode(forced, on_network)
    if path is None or on_network:
        return SqliteMode("delete", on_network)
    return SqliteMode("wal", on_network)


# What the program's PostgreSQL sessions start with, whatever a login has set as its own
# defaults (any login may, with ALTER ROLE ... SET): the tables where the program looks
# for them, the isolation level its checks are made at (the server refuses a stage
# added at a stricter one), writing allowed, and row-level security on (off, a query
# on a table with policies fails). Given when connecting, they come before the login's.
SESSION_OPTIONS = (
    "-c search_path=public",
    "-c default_transaction_isolation=read\\ committed",
    "-c default_transaction_read_only=off",
    "-c row_security=on",
)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``; nothing is connected or written yet."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    given = parsed.query.get("options")
    options = " ".join((*SESSION_OPTIONS, *([given] if isinstance(given, str) else given or ())))
    return _ping_when_idle(
        sa.create_engine(
            parsed.difference_update_query(["options"]),
            echo=echo,
            connect_args={"options": options},
        )
    )


def _ping_when_idle(engine: Engine) -> Engine:
    """Check a pooled server connection is still alive before it is handed out, when it
    has been idle for :data:`PING_AFTER_IDLE_SECONDS` or more (a server restarted, a
    network that dropped it); one used a moment ago is handed out as it is, so busy work
    does not pay a round trip for every transaction. A connection that fails the check
    is replaced with a new one (SQLAlchemy's "pessimistic" disconnect handling)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise sa.exc.DisconnectionError(str(exc)) from exc
            raise

    return engine


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    path = sqlite_file(url)
    mode = choose_journal_mode(path)
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    if (url.database or "").startswith("file:"):
        connect_args["uri"] = True
    kwargs: dict[str, Any] = {}
    if path is None:
        # One shared in-memory database per engine.
        kwargs["poolclass"] = sa.pool.StaticPool
    engine = sa.create_engine(url, echo=echo, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None:
                cursor.execute(f"PRAGMA journal_mode = {mode.journal_mode}")
                cursor.execute(
                    "PRAGMA synchronous = " + ("NORMAL" if mode.journal_mode == "wal" else "FULL")
                )
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine, but its transactions start with ``BEGIN IMMEDIATE`` on SQLite."""
    return engine.execution_options(**{WRITE_OPTION: True})


def sqlite_mode(engine: Engine) -> SqliteMode | None:
    """How a SQLite engine keeps its journal (None for PostgreSQL)."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    return choose_journal_mode(sqlite_file(engine.url))


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
