"""Running operations from the screens: off the GUI thread, changes announced.

``context.op(cases.edit_case, case_id, version, edit).on_done(saved).on_error(failed)
.run()`` runs the operation through :func:`crm_desktop.operations.run_operation` on a
worker thread, with the signed-in user and today's date from the context. When it
succeeds, ``on_done`` gets the operation's plain value and then the runner announces
what the operation changed, so every screen showing that data reloads (Anki's
``CollectionOp``). ``on_error`` gets user-facing errors (permission refused, not found,
conflict, invalid input, database busy, ...); a bug is first logged and shown in the
crash dialog, then handed to ``on_error`` too so the screen can re-enable its buttons.
Without ``on_error`` a user-facing error is shown in a message box titled ``title``.

Long operations take a ``progress`` argument; ``with_progress(callback)`` hands them the
runner's job, whose Cancel stops the work at its next check.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from crm_desktop.errors import UserFacingError
from crm_desktop.operations.core import Operation, run_operation
from ui.runner import Job

if typing.TYPE_CHECKING:
    from ui.context import AppContext

T = TypeVar("T")

__all__ = ["PendingOp"]


class PendingOp(Generic[T]):
    """An operation ready to run; configure its callbacks, then :meth:`run` it."""

    def __init__(
        self,
        context: AppContext,
        op: Operation[Any, T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.context = context
        self.op = op
        self.args = args
        self.kwargs = kwargs
        self._done: Callable[[T], None] | None = None
        self._error: Callable[[BaseException], None] | None = None
        self._progress: Callable[[int, int, str], None] | None = None
        self.title = "Something could not be done"

    def on_done(self, callback: Callable[[T], None]) -> PendingOp[T]:
        self._done = callback
        return self

    def on_error(self, callback: Callable[[BaseException], None]) -> PendingOp[T]:
        self._error = callback
        return self

    def with_progress(self, callback: Callable[[int, int, str], None]) -> PendingOp[T]:
        """Give the operation the job as its ``progress`` argument (it must take one)."""
        self._progress = callback
        return self

    def titled(self, title: str) -> PendingOp[T]:
        """The message box title for an error no ``on_error`` handles."""
        self.title = title
        return self

    def run(self, started: Callable[[Job], None] | None = None) -> Job:
        """Submit the operation. ``started`` gets its job once it is under way, to show
        progress and Cancel; it is not called when the operation finished already (the
        runner may run it at once), so a screen needs no flag of its own for that."""
        context = self.context
        database = context.require_database()
        actor = context.actor
        today = context.today()
        op, args, kwargs = self.op, self.args, dict(self.kwargs)
        wants_progress = self._progress is not None

        def work(job: Job) -> Any:
            if wants_progress:
                kwargs["progress"] = job
            result = run_operation(database, actor, today, op, *args, **kwargs)
            if result.changes:
                # Saved: a Cancel pressed from now on comes too late, so the screen
                # still hears that it was saved (see Runner._deliver).
                job.committed = True
            return result

        finished = False

        def done(result: Any) -> None:
            nonlocal finished
            finished = True
            if self._done is not None:
                self._done(result.value)
            context.runner.announce(result.changes)

        def failed(exc: BaseException) -> None:
            nonlocal finished
            finished = True
            self._failed(exc)

        job = context.runner.submit_job(work, done, failed, self._progress)
        if started is not None and not finished:
            started(job)
        return job

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, UserFacingError):
            from ui.crash import report_bug

            report = report_bug(exc, self.op.description or self.op.name)
            self.context.notifier.crash(report)
            if self._error is not None:
                self._error(exc)
            return
        if self._error is not None:
            self._error(exc)
        else:
            self.context.notifier.error(self.title, exc.message)
