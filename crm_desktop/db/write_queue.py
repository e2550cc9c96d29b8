"""SQLite: the program's writers to one file take their turn in a queue the operating
system keeps, rather than in SQLite's own busy handling.

SQLite lets one writer in at a time. A writer that finds the file locked is told to
wait by SQLite's busy handler, which sleeps and tries again, sleeping longer each time
(up to a tenth of a second between tries): under steady saving from several programs a
writer can sleep on well after the lock is free, while others who came later get in
first. That sleeping made the slowest saves tens of times slower than the typical one.

So before it begins its transaction, a writer takes an exclusive lock on a small file
beside the database (``<database>-writers``): the operating system wakes the next
waiter the moment the lock is released, and a writer killed in the middle of its work
releases it with its process. The lock only orders this program's writers; SQLite's own
lock is still what keeps the file safe, so anything that does not take the queue (an
older version of the program, a SQLite tool) is waited for as before. Where the queue
file cannot be used (a read-only folder, a file system without locks) writers simply
go to SQLite's busy handling as before; so do writers to a file on a network drive,
where each lock would be one more round trip to the file server.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

QUEUE_SUFFIX = "-writers"
# Windows: how often a writer waiting for its turn looks again (seconds).
POLL_SECONDS = 0.001
_held = threading.local()


def queue_file(database: Path) -> Path:
    return database.with_name(database.name + QUEUE_SUFFIX)


@contextmanager
def turn(database: Path, timeout: float) -> Iterator[None]:
    """Wait (at most ``timeout`` seconds) for this writer's turn at ``database``, and
    hold it for the block. A thread already holding its turn (a write inside a write)
    does not queue again."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    fd = _open(queue_file(database))
    if fd is None:
        yield
        return
    try:
        locked = _lock(fd, timeout)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            if locked:
                _unlock(fd)
    finally:
        os.close(fd)


def _open(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        pass
    except OSError as exc:
        log.debug("No writers' queue at %s: %s", path, exc)
        return None
    try:
        # Made by another user, who may write it: locking needs only to read it.
        return os.open(path, os.O_RDONLY)
    except OSError as exc:
        log.debug("No writers' queue at %s: %s", path, exc)
        return None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass  # closing the file releases it too

    def _lock(fd: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

else:
    import fcntl

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock(fd: int, timeout: float) -> bool:
        """Take the lock, waiting in the operating system's queue for it; False when it
        was not had within ``timeout`` (or the file system does not lock): the writer
        then goes on to SQLite's own waiting, as if there were no queue.

        The wait is made in a helper thread so that it can be given up: one given up
        releases the lock as soon as it gets it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        except OSError:
            return False
        try:
            waiter = _Waiter(fd)
        except (OSError, RuntimeError):  # no descriptor or thread to be had just now
            return False
        return waiter.wait(timeout)

    class _Waiter:
        def __init__(self, fd: int) -> None:
            # Its own descriptor of the same open file: the lock it takes is the
            # writer's, and it can be released from either.
            self.fd = os.dup(fd)
            self.done = threading.Event()
            self.guard = threading.Lock()
            self.got = False
            self.given_up = False
            threading.Thread(target=self._run, name="crm-writers-queue", daemon=True).start()

        def _run(self) -> None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
                got = True
            except OSError:
                got = False
            with self.guard:
                if self.given_up:
                    if got:
                        fcntl.flock(self.fd, fcntl.LOCK_UN)
                else:
                    self.got = got
            os.close(self.fd)
            self.done.set()

        def wait(self, timeout: float) -> bool:
            self.done.wait(timeout)
            with self.guard:
                if not self.got:
                    self.given_up = True
                return self.got
