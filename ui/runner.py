"""The one way screens run database and report work: off the GUI thread.

``Runner.submit(work, on_done, on_error)`` runs ``work()`` on a worker thread and calls
``on_done(result)`` or ``on_error(exc)`` back on the GUI thread. Screens do not call it
for use cases: they run operations through ``AppContext.op`` (:mod:`ui.ops`), which
announces what each operation changed with ``changed`` (an ``OpChanges``); screens
listen and decide whether to reload, so widgets never call each other to refresh and
no screen announces anything by hand. Tests use ``synchronous=True``, which runs the
work at once on the calling thread.

Long work goes through ``Runner.submit_job(work, on_done, on_error, on_progress)``:
``work(job)`` may call ``job.report(done, total, text)`` (delivered to ``on_progress``
on the GUI thread) and ``job.check()`` between steps, which stops the work once the
user has pressed Cancel. A cancelled job's result is not delivered, unless the work had
already saved its change when Cancel came (``job.committed``, set by :mod:`ui.ops` for
an operation that changed data): then it is delivered, so the screen says it was
saved and every screen hears of the change. Python cannot
interrupt a running database call, so cancelling a single long query means the screen
stops waiting for it and drops its answer.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from crm_desktop.operations.core import Cancelled, OpChanges

log = logging.getLogger(__name__)


class Job:
    """A handle on submitted work: cancel it, or (in the worker) report progress."""

    def __init__(self) -> None:
        self.cancelled = False
        # Set by the worker once the work's change is committed: too late to cancel.
        self.committed = False
        self._report: Callable[[int, int, str], None] | None = None

    def cancel(self) -> None:
        self.cancelled = True

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()

    def report(self, done: int, total: int, text: str = "") -> None:
        if self._report is not None:
            self._report(done, total, text)


class _Relay(QObject):
    """Carries a finished job's result back to the GUI thread.

    The relay is created on the GUI thread, so when the worker emits ``finished`` Qt
    queues the call to ``_on_finished`` onto the GUI thread's event loop.
    """

    finished = Signal(object, object)  # result, exception
    progressed = Signal(int, int, str)

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

    return isinstance(exc, UserFacingError | Cancelled)


class Runner(QObject):
    """Runs work off the GUI thread; announces data changes with ``changed``."""

    changed = Signal(object)  # OpChanges: what an operation changed
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
    ) -> Job:
        return self.submit_job(lambda _job: work(), on_done, on_error)

    def submit_job(
        self,
        work: Callable[[Job], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Job:
        job = Job()
        if self.synchronous:
            job._report = on_progress
            try:
                result = work(job)
            except BaseException as exc:
                self._deliver(job, None, exc, on_done, on_error)
            else:
                self._deliver(job, result, None, on_done, on_error)
            return job

        def finished(relay: _Relay, result: Any, exc: BaseException | None) -> None:
            self._relays.discard(relay)
            self._set_pending(self._pending - 1)
            self._deliver(job, result, exc, on_done, on_error)

        relay = _Relay(finished)
        if on_progress is not None:

            def progressed(done: int, total: int, text: str) -> None:
                if not job.cancelled:
                    on_progress(done, total, text)

            relay.progressed.connect(progressed)
            job._report = relay.progressed.emit
        self._relays.add(relay)
        self._set_pending(self._pending + 1)
        self._pool.start(_Job(lambda: work(job), relay))
        return job

    def _deliver(
        self,
        job: Job,
        result: Any,
        exc: BaseException | None,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        if isinstance(exc, Cancelled) or (job.cancelled and not job.committed):
            return
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

    def announce(self, changes: OpChanges) -> None:
        """Tell every screen what an operation changed (only :mod:`ui.ops` calls it)."""
        if changes:
            self.changed.emit(changes)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for running work to finish (shutdown and tests)."""
        return self._pool.waitForDone(msecs)
