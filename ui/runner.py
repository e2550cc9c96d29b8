"""The one way screens run database and report work: off the GUI thread.

``Runner.submit(work, on_done, on_error)`` runs ``work()`` on a worker thread and calls
``on_done(result)`` or ``on_error(exc)`` back on the GUI thread. After work that changes
data, ``Runner.announce(what)`` emits ``changed``; screens listen and decide whether to
reload, so widgets never call each other to refresh. Tests use ``synchronous=True``,
which runs the work at once on the calling thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a finished job's result back to the GUI thread.

    The relay is created on the GUI thread, so when the worker emits ``finished`` Qt
    queues the call to ``_on_finished`` onto the GUI thread's event loop.
    """

    finished = Signal(object, object)  # result, exception

    def __init__(self, deliver: Callable[[_Relay, Any, BaseException | None], None]) -> None:
        super().__init__()
        self._deliver = deliver
        self.finished.connect(self._on_finished)

    @Slot(object, object)
    def _on_finished(self, result: Any, exc: BaseException | None) -> None:
        self._deliver(self, result, exc)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:  # handed to the GUI thread, which decides
            if not _is_expected(exc):
                log.error("Background work failed:\n%s", traceback.format_exc())
            self._relay.finished.emit(None, exc)
        else:
            self._relay.finished.emit(result, None)


def _is_expected(exc: BaseException) -> bool:
    from crm_desktop.errors import UserFacingError

    return isinstance(exc, UserFacingError)


class Runner(QObject):
    """Runs work off the GUI thread; announces data changes with ``changed``."""

    changed = Signal(str)  # what changed: "cases", "reference data", ...
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._relays: set[_Relay] = set()
        self._pending = 0

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self.synchronous:
            try:
                result = work()
            except BaseException as exc:
                self._deliver(None, exc, on_done, on_error)
            else:
                self._deliver(result, None, on_done, on_error)
            return

        def finished(relay: _Relay, result: Any, exc: BaseException | None) -> None:
            self._relays.discard(relay)
            self._set_pending(self._pending - 1)
            self._deliver(result, exc, on_done, on_error)

        relay = _Relay(finished)
        self._relays.add(relay)
        self._set_pending(self._pending + 1)
        self._pool.start(_Job(work, relay))

    def _deliver(
        self,
        result: Any,
        exc: BaseException | None,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        if exc is None:
            if on_done is not None:
                on_done(result)
        elif on_error is not None:
            on_error(exc)
        else:
            raise exc

    def _set_pending(self, count: int) -> None:
        was_busy = self._pending > 0
        self._pending = count
        if was_busy != (count > 0):
            self.busy_changed.emit(count > 0)

    def announce(self, what: str) -> None:
        self.changed.emit(what)

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for running work to finish (shutdown and tests)."""
        return self._pool.waitForDone(msecs)
