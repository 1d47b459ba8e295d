"""THE one way to run slow work off the GUI thread (hashing evidence, export, PDF, imports).

Like Picard's ``thread.run_task``: the function runs on a ``QThreadPool``; its result, its
error and its progress come back on the GUI thread through Qt signals (queued connections
cross the thread boundary safely), so callbacks may touch widgets. Tests switch the runner to
synchronous mode, where the same callbacks run immediately and in order: no sleeps, no races.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from desktop.qt import QObject, QRunnable, QThreadPool, Signal

Progress = Callable[[int, int], None]  # (done, total)


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker are delivered there."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


# a progress bar needs no more than about 20 updates a second; a merge reports every package
# (thousands a second), and each report is a queued signal the GUI thread must handle
PROGRESS_INTERVAL = 0.05


def _throttled(emit: Callable[[int, int], Any]) -> Callable[[int, int], None]:
    """Pass on the first report, then at most one per ``PROGRESS_INTERVAL``, and always the
    one that completes (done >= total)."""
    last = float("-inf")

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done >= total or now - last >= PROGRESS_INTERVAL:
            last = now
            emit(done, total)

    return report


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: _Relay, wants_progress: bool) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self._wants_progress = wants_progress
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            if self._wants_progress:
                result = self._fn(_throttled(self._relay.progressed.emit))
            else:
                result = self._fn()
        except Exception as exc:  # noqa: BLE001 - every error goes back to the GUI as a message
            exc.__dict__.setdefault("formatted_traceback", traceback.format_exc())
            self._relay.failed.emit(exc)
        else:
            self._relay.finished.emit(result)


class TaskRunner(QObject):
    """Run ``fn`` in the background; ``on_done(result)`` / ``on_error(exc)`` on the GUI thread.

    ``fn`` takes no argument, or one ``progress(done, total)`` callable when ``on_progress``
    is given. ``busy`` tells views to show a busy indicator; ``active`` counts running jobs.
    """

    busy = Signal(bool)

    def __init__(self, synchronous: bool = False, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.synchronous = synchronous
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    @property
    def active(self) -> int:
        return len(self._relays)

    def run(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        if self.synchronous:
            self._run_now(fn, on_done, on_error, on_progress)
            return
        relay = _Relay()
        self._relays.add(relay)
        if len(self._relays) == 1:
            self.busy.emit(True)

        def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not self._relays:
                self.busy.emit(False)
            if callback is not None:
                callback(value)
            elif isinstance(value, BaseException):
                raise value

        relay.finished.connect(lambda result: finish(on_done, result))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        if on_progress is not None:
            relay.progressed.connect(on_progress)
        self._pool.start(_Job(fn, relay, on_progress is not None))

    def _run_now(self, fn, on_done, on_error, on_progress) -> None:
        self.busy.emit(True)
        try:
            result = fn(on_progress) if on_progress is not None else fn()
        except Exception as exc:  # noqa: BLE001
            self.busy.emit(False)
            if on_error is None:
                raise
            on_error(exc)
            return
        self.busy.emit(False)
        if on_done is not None:
            on_done(result)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (used at shutdown and by the self-test)."""
        return bool(self._pool.waitForDone(msecs))
