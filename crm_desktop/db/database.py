"""Opening a database: checks, migration, first-start data, sessions and write retries.

``open_database`` is the one entry point the CLI, the desktop program and the tests use.
It refuses, with a message that says what to do and without touching the file, a
database it cannot safely use: unreachable, not a SQLite file, made by a newer version
of the program, or read-only.
"""

from __future__ import annotations

import functools
import gc
import logging
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.db import (
    audit,
    calendar_table,
    identity,
    migrate,
    rules_cache,
    witness,
    write_queue,
)
from crm_desktop.db import lengths as _lengths  # noqa: F401  (checks text lengths at each flush)
from crm_desktop.db.engine import (
    BUSY_TIMEOUT_MS,
    default_database_path,
    describe_url,
    make_engine,
    sqlite_mode,
    write_engine,
)
from crm_desktop.db.errors import (
    BUSY_MESSAGE,
    classified,
    is_race,
    is_retryable,
    unreadable_file,
)
from crm_desktop.domain.calendar import CalendarError
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.statutory import calendar_for
from crm_desktop.errors import (
    ConflictError,
    DatabaseBusyError,
    DatabaseError,
    UserFacingError,
    ValidationError,
    conflict_message,
)
from crm_desktop.urls import parse_url, sqlite_file

log = logging.getLogger(__name__)

T = TypeVar("T")

SQLITE_HEADER = b"SQLite format 3\x00"
WRITE_ATTEMPTS = 5
SYSTEM_ACTOR = "system"
# PostgreSQL: how often (seconds) a program that writes links new audit events into the
# chain; sealing never holds up a write (it is skipped while another session seals).
SEAL_INTERVAL = 1.0
NETWORK_WARNING = (
    "This database file is on a network drive. SQLite cannot guarantee safe sharing "
    "there; for a team, ask IT to move the data to PostgreSQL."
)


@dataclass
class Database:
    """An open, migrated database and the two session factories over it."""

    url: str
    engine: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]
    warnings: list[str] = field(default_factory=list)
    _last_seal: float = field(default=0.0, repr=False)
    _calendars_ready: bool = field(default=False, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_url(self) -> str:
        return describe_url(self.url)

    @functools.cached_property
    def where(self) -> str:
        """The database as messages name it: the file, or the server address."""
        path = sqlite_file(self.engine.url)
        return str(path) if path is not None else self.display_url

    @functools.cached_property
    def plain_name(self) -> str:
        """The database as the desktop shows it to a user: the file, or "crm on
        dbserver" (the server's port only when it is not the usual one)."""
        url = self.engine.url
        if not self.is_sqlite and url.database and url.host:
            port = f":{url.port}" if url.port not in (None, 5432) else ""
            return f"{url.database} on {url.host}{port}"
        return self.where

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (one per user action).

        It ends with a commit when nothing was changed in it (cheaper than a rollback
        on PostgreSQL, where psycopg forgets its prepared statements on ROLLBACK), and
        with a rollback otherwise: changes are only ever saved through :meth:`write`.
        Errors the environment causes come out typed (:mod:`crm_desktop.db.errors`).
        """
        with classified(self.where), self.read_sessions() as session:
            yield session
            if session.new or session.dirty or session.deleted:
                session.rollback()
            else:
                session.commit()

    def write(
        self,
        work: Callable[[Session], T],
        *,
        actor: str | None = None,
        attempts: int = WRITE_ATTEMPTS,
    ) -> T:
        """Run ``work`` in one write transaction and commit; retry briefly if locked.

        On SQLite the transaction begins with ``BEGIN IMMEDIATE``, so a second writer
        waits at the start (busy timeout) rather than failing half-way. On PostgreSQL
        writers do not wait for one another: two changes of one record meet at its row
        (the second is a conflict, or, on a deadlock, retried). If the database stays
        locked, the work is retried a few times with back-off, each attempt from a clean
        rollback, then the user is told the database is busy; nothing is half written.
        A stale optimistic-lock version becomes a :class:`ConflictError`; other errors
        the environment causes come out typed (:mod:`crm_desktop.db.errors`).

        Every change is recorded in the audit trail: on SQLite under ``actor``; on
        PostgreSQL under the CRM Desktop user whose own login is connected (``actor``
        counts only for the database owner's login, which could write anything anyway).
        """
        with classified(self.where):
            result = self._write(work, actor, attempts)
        if not self.is_sqlite:
            self._seal_now_and_then()
        return result

    def _write(self, work: Callable[[Session], T], actor: str | None, attempts: int) -> T:
        delay = 0.05
        for attempt in range(1, attempts + 1):
            session = self.write_sessions()
            session.info[audit.ACTOR_KEY] = actor
            try:
                with self._turn():
                    if not self.is_sqlite and actor and rules_cache.installed(self.engine):
                        # The writer's name, and the number the rules' cache goes by.
                        _, version = session.execute(
                            rules_cache.version_with_actor(), {"actor": actor}
                        ).one()
                        rules_cache.note_version(session, version)
                    elif not self.is_sqlite and actor:
                        session.execute(
                            sa.text("SELECT set_config('crm.actor', :actor, true)"),
                            {"actor": actor},
                        )
                    result = work(session)
                    session.commit()
                head = session.info.get(audit.HEAD_KEY)
                if head is not None:
                    witness.note_written(self.engine.url, audit.ChainHead(*head))
                return result
            except StaleDataError:
                session.rollback()
                raise ConflictError(conflict_message("This record", None, None)) from None
            except sa.exc.DBAPIError as exc:
                session.rollback()
                if not is_retryable(exc):
                    raise
                if attempt == attempts:
                    if is_race(exc):
                        raise
                    raise DatabaseBusyError(BUSY_MESSAGE) from None
                time.sleep(delay)
                delay *= 2
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def ready_calendars(self) -> None:
        """Build the working-day calendars now, outside any write, unless already built.

        The first clock a program works out builds them, and building takes a few
        tenths of a second (the bank holidays package loads). Inside a write that time
        would hold up every other user's saves: SQLite lets one writer in at a time, and
        on PostgreSQL a new case holds the reference counter until it commits. So an
        operation that works out clocks calls this before its write
        (:func:`crm_desktop.operations.core.run_operation`). Nothing is built at start-up,
        which stays quick.
        """
        if self._calendars_ready:
            return
        try:
            with self.session() as session:
                calendar_table.working_calendar(session, Procedure.CORPORATE)
            calendar_for(Procedure.CHILDREN)
        except (UserFacingError, CalendarError) as exc:
            # The write builds what it needs itself, and says what is wrong there; the
            # next operation tries again.
            log.debug("The calendars were not built ahead of the write: %s", exc)
            return
        self._calendars_ready = True

    @functools.cached_property
    def _sqlite_path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL and a database in memory)."""
        return sqlite_file(self.engine.url) if self.is_sqlite else None

    @functools.cached_property
    def _queue_at(self) -> Path | None:
        """The SQLite file whose writers queue (:mod:`crm_desktop.db.write_queue`): one
        on a local disk."""
        mode = sqlite_mode(self.engine)
        return None if mode is None or mode.on_network else self._sqlite_path

    def _turn(self) -> AbstractContextManager[None]:
        if self._queue_at is None:
            return nullcontext()
        return write_queue.turn(self._queue_at, BUSY_TIMEOUT_MS / 1000)

    @functools.cached_property
    def _may_seal(self) -> bool:
        """PostgreSQL: whether this login may seal the trail (managers, administrators
        and the owner: the seal's lock lasts as long as the caller's transaction, so a
        login that could seal could also keep everyone else from sealing)."""
        try:
            with self.engine.connect() as connection:
                return bool(
                    connection.exec_driver_sql(
                        "SELECT has_function_privilege('crm_audit_seal(boolean)', 'EXECUTE')"
                    ).scalar()
                )
        except sa.exc.DBAPIError:
            return False

    def _seal_now_and_then(self) -> None:
        """Link the audit events written lately into the chain, at most once every
        :data:`SEAL_INTERVAL` seconds, never waiting for another session's seal. Below a
        manager a login does not seal: a manager's program, or ``audit verify``, seals
        everyone's events."""
        now = time.monotonic()
        if now - self._last_seal < SEAL_INTERVAL or not self._may_seal:
            return
        self._last_seal = now
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.text("SELECT crm_audit_seal(false)"))
        except sa.exc.DBAPIError as exc:
            # Whoever writes next, or `audit verify`, seals them: nothing is lost.
            log.warning("The audit trail was not sealed just now: %s", exc.orig)

    def seal_audit(self) -> int:
        """Link every audit event written so far into the chain (PostgreSQL); the
        number linked."""
        if self.is_sqlite:
            return 0
        with classified(self.where), self.engine.begin() as connection:
            return int(connection.execute(sa.text("SELECT crm_audit_seal(true)")).scalar_one())

    def dispose(self) -> None:
        if not self.is_sqlite and self._last_seal and self._may_seal:
            # Seal what this program wrote since its last seal, so the chain is whole
            # when it closes.
            self._last_seal = 0.0
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text("SELECT crm_audit_seal(false)"))
            except sa.exc.DBAPIError as exc:
                log.warning("The audit trail was not sealed at close: %s", exc.orig)
        if self._sqlite_path is not None:
            witness.keep_written(self._sqlite_path)
        self.engine.dispose()


def open_database(
    url: str, *, upgrade: bool = True, load_reference_data: bool = True, create: bool = True
) -> Database:
    """Check, create or upgrade, and open the database at ``url``.

    A new SQLite file is created and brought to the current schema; an older schema is
    upgraded (a SQLite file is first copied beside itself as a safety backup). With
    ``create`` False (commands that only read: a mistyped path must not become a new,
    empty database that is then reported on), a SQLite file that does not exist, or is
    empty, or a database in memory, is refused instead.
    """
    parsed = parse_url(url)
    path = sqlite_file(parsed)
    if not create and parsed.get_backend_name() == "sqlite":
        _check_exists(path, url)
    if path is not None:
        _check_sqlite_file(path, create_folder=path == default_database_path())
    engine = make_engine(url)
    try:
        with _friendly_errors(url, path):
            warnings = _prepare(engine, path, upgrade=upgrade)
            read_sessions = sessionmaker(engine, expire_on_commit=False)
            write_sessions = sessionmaker(write_engine(engine), expire_on_commit=False)
            if path is not None or engine.dialect.name == "sqlite":
                # PostgreSQL's own triggers record the changes (db/pg_security.py).
                audit.install(read_sessions)
                audit.install(write_sessions)
            calendar_table.install(write_sessions)
            rules_cache.install(engine)
            database = Database(url, engine, read_sessions, write_sessions, warnings)
            if load_reference_data:
                from crm_desktop.db.policy_seed import (
                    ensure_procedure_policies,
                    procedure_policies_seeded,
                )
                from crm_desktop.db.reference_data import (
                    ensure_reference_data,
                    reference_data_loaded,
                )

                # One read first: an ordinary open does not wait for the write lock.
                with database.session() as session:
                    loaded = reference_data_loaded(session)
                    seeded = procedure_policies_seeded(session)
                if not loaded:
                    database.write(ensure_reference_data, actor=SYSTEM_ACTOR)
                if not seeded:
                    database.write(ensure_procedure_policies, actor=SYSTEM_ACTOR)
            _bring_calendar_table_up_to_date(database)
            _freeze_what_was_loaded()
            return database
    except BaseException:
        engine.dispose()
        raise


_frozen = False


def _freeze_what_was_loaded() -> None:
    """Once a process has opened its first database, the objects made by loading the
    program and connecting (modules, classes, mappings, compiled queries: well over a
    hundred thousand) live as long as it does. Python's garbage collector would look
    through every one of them again in each of its full passes (tens of milliseconds
    each, every second or two while saving steadily, and everyone else waits for a
    writer caught in one); frozen, its passes look only at what was made since."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()


def attach_database(url: str) -> Database:
    """The database at ``url`` as it is: no checks, no migration, no first-start data,
    nothing connected or written yet.

    For the maintenance commands that work on the file itself and must not change it
    first: a backup while others keep working, a restore over a damaged or missing
    file. Everything else opens the database with :func:`open_database`.
    """
    engine = make_engine(url)
    read_sessions = sessionmaker(engine, expire_on_commit=False)
    write_sessions = sessionmaker(write_engine(engine), expire_on_commit=False)
    audit.install(read_sessions)
    audit.install(write_sessions)
    return Database(url, engine, read_sessions, write_sessions)


def _bring_calendar_table_up_to_date(database: Database) -> None:
    """Compare the calendar table with this version of the program's bank holidays and
    the closure days (a read), and rewrite it only when it differs, so an ordinary open
    does not hold the write lock for the comparison. An open after one that found the
    table right, with nothing changed since, compares nothing (see
    :mod:`crm_desktop.db.calendar_table`); any other records what it found right.

    A closure day the calendar cannot hold (put in by hand, outside its years) does not
    stop the database opening: the calendar table is left as it is, the log says why,
    and ``db check`` reports it, so a manager can open the program and remove the day.
    """
    try:
        with database.session() as session:
            if calendar_table.unchanged_since_checked(session):
                return  # found right before, and nothing has changed since
            checked = calendar_table.check_calendar_table(session)

        def rewrite_and_remember(session: Session) -> None:
            # The rows just compared are written (built once), unless the closure days
            # changed in between; then what the table was found right against is kept.
            if checked.first_wrong_day is not None:
                calendar_table.sync_calendar_table(session, checked)
            calendar_table.remember_checked(session, checked)

        database.write(rewrite_and_remember, actor=SYSTEM_ACTOR)
    except ValidationError as exc:
        log.warning("The calendar table was not brought up to date: %s", exc)


def _check_exists(path: Path | None, url: str) -> None:
    """Refuse a SQLite database that is not there to be read."""
    if path is None:
        raise DatabaseError(
            f"{url} is a new, empty database in memory: there is nothing in "
            "it to read. Give the path of the database file."
        )
    if path.is_dir() or (not path.parent.exists() and path != default_database_path()):
        return  # said as a folder, or a missing folder, by _check_sqlite_file
    try:
        missing = not path.exists() or path.stat().st_size == 0
    except OSError:
        return  # said by the checks that read it
    if missing:
        raise DatabaseError(
            f"There is no database at {path}. Check the path, or start the program once "
            "to create it."
        )


def _check_sqlite_file(path: Path, *, create_folder: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file. Give the path of a file.")
    if not path.parent.exists():
        if create_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise DatabaseError(
                f"The folder {path.parent} does not exist. Create it first or choose "
                "another place for the database."
            )
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise DatabaseError(
                f"Cannot read {path}: {exc.strerror}. Check you have access to it."
            ) from None
        if header != SQLITE_HEADER:
            raise DatabaseError(
                f"{path} is not a CRM Desktop database (it is not a SQLite file). "
                "Choose the right file, or give a new file name to start a new database."
            )
        _check_schema_read_only(path)


def _check_schema_read_only(path: Path) -> None:
    """Refuse a newer schema before anything is written (opened read-only)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise unreadable_file(path, exc) from None
    try:
        revision_rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchall()
        if revision_rows:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if not identity.is_ours(
                connection, migrate.known_revisions(), migrate.revision_order()
            ):
                raise DatabaseError(
                    f"{path} is a SQLite database but not a CRM Desktop one. Choose the "
                    "right file, or give a new file name to start a new database."
                )
            _check_known_revision(row[0] if row else None, str(path))
        else:
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            if tables:
                raise DatabaseError(
                    f"{path} is a SQLite database but not a CRM Desktop one. Choose the "
                    "right file, or give a new file name to start a new database."
                )
    except sqlite3.DatabaseError as exc:
        raise unreadable_file(path, exc) from None
    finally:
        connection.close()


def _check_known_revision(revision: str | None, where: str) -> None:
    if revision is not None and revision not in migrate.known_revisions():
        raise DatabaseError(
            f"The database at {where} was made by a newer version of CRM Desktop "
            f"(schema {revision}). Install the newer version, or open another database."
        )


def _prepare(engine: Engine, path: Path | None, *, upgrade: bool) -> list[str]:
    warnings: list[str] = []
    mode = sqlite_mode(engine)
    if mode is not None and mode.on_network:
        warnings.append(NETWORK_WARNING)
    with _connection_errors(str(engine.url), path), engine.connect() as connection:
        current = migrate.current_revision(connection)
    _check_known_revision(current, describe_url(str(engine.url)))
    head = migrate.head_revision()
    if current != head:
        if not upgrade:
            raise DatabaseError(
                "The database needs upgrading before use. Run: crm-desktop db upgrade"
            )
        if current is not None and path is not None:
            _backup_before_upgrade(engine, path, current)
        migrate.upgrade(engine)
    elif path is not None:
        _probe_writable(engine)
    else:
        _secure_copied_database(engine)
    if path is not None:
        _mark_as_ours(engine)
    return warnings


def _mark_as_ours(engine: Engine) -> None:
    """A SQLite file this program made or upgraded says so in its header (``PRAGMA
    application_id``, see :mod:`crm_desktop.db.identity`); written once, only when it
    is not there yet, so an ordinary open only reads it."""
    with engine.connect() as connection:
        found = connection.exec_driver_sql("PRAGMA application_id").scalar()
    if found == identity.APPLICATION_ID:
        return
    with write_engine(engine).begin() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {identity.APPLICATION_ID}")


def _secure_copied_database(engine: Engine) -> None:
    """A PostgreSQL database copied under a new name (``CREATE DATABASE ... TEMPLATE``,
    or ``pg_restore`` into another database) still holds the rights of the roles made
    for the database it was copied from, and none for its own. When the owner opens it,
    its own roles and rights are installed (nothing happens for anyone else, or when
    they are already there)."""
    from crm_desktop.db import pg_security

    with engine.connect() as connection:
        if pg_security.is_installed(connection) or not pg_security.is_owner(connection):
            return
    with engine.begin() as connection:
        pg_security.install(connection)
        log.info("Installed this database's own roles and rights (it was copied)")


def _probe_writable(engine: Engine) -> None:
    """Fail now, not at the first save, if the file cannot be written (nothing is kept)."""
    with write_engine(engine).connect() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        connection.rollback()


def _backup_before_upgrade(engine: Engine, path: Path, revision: str) -> None:
    target = path.with_name(f"{path.stem}.before-upgrade-{revision}{path.suffix}")
    source = sqlite3.connect(str(path))
    try:
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    log.info("Backed up %s to %s before upgrading", path, target)
    shutil.copymode(path, target)


@contextmanager
def _friendly_errors(url: str, path: Path | None) -> Iterator[None]:
    """Turn the environment's database errors into messages that say what to do.

    Anything not recognised here is a bug and goes on up as it is.
    """
    where = str(path) if path is not None else describe_url(url)
    try:
        yield
    except sa.exc.OperationalError as exc:
        lower = str(exc.orig).lower()
        if "readonly" in lower or "read-only" in lower:
            raise DatabaseError(
                f"{where} is read-only. Ask IT for write access to the file and its "
                "folder, or copy it somewhere you can write."
            ) from None
        if "unable to open database" in lower:
            raise DatabaseError(
                f"Cannot open {where}. Check the folder exists and you can write to it."
            ) from None
        if "is not a database" in lower:
            raise DatabaseError(
                f"{where} is not a CRM Desktop database (it is not a SQLite file). "
                "Choose the right file, or give a new file name to start a new database."
            ) from None
        if "database is locked" in lower:
            raise DatabaseBusyError(
                f"{where} is in use by someone else's long change. Try again in a moment."
            ) from None
        raise


# What the server says when it answers but will not let this login in, and what to do.
_LOGIN_REFUSALS = (
    (
        "is not permitted to log in",
        "the account has been disabled. Ask an administrator to enable it.",
    ),
    (
        "password authentication failed",
        "the user name or password is not right. Check them, or ask IT to set a new password.",
    ),
    (
        "role .* does not exist",
        "there is no such login. Check the user name, or ask IT to give you one.",
    ),
    (
        "database .* does not exist",
        "there is no database of that name. Check the address.",
    ),
    (
        "permission denied for database",
        "this login may not use that database. Ask IT to give it access.",
    ),
)


def _login_refusal(text: str) -> str | None:
    """What to tell the user when the server refused the login itself (not a server
    that did not answer); None for anything else."""
    lower = text.lower()
    for pattern, advice in _LOGIN_REFUSALS:
        if re.search(pattern, lower):
            return advice
    return None


@contextmanager
def _connection_errors(url: str, path: Path | None) -> Iterator[None]:
    """A server that does not answer, or refuses us, at the first connection."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        if path is not None:
            raise  # SQLite: _friendly_errors names the file problem
        text = str(exc.orig).strip()
        refusal = _login_refusal(text)
        if refusal is not None:
            raise DatabaseError(
                f"The database at {describe_url(url)} refused this login: {refusal}"
            ) from None
        first_line = text.splitlines()[0] if text else "no answer"
        raise DatabaseError(
            f"Cannot connect to the database at {describe_url(url)}: {first_line}. Check the "
            "server is running and the address is right."
        ) from None
