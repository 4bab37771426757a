"""Running blocking engine calls off the GUI thread and handing results back to it.

``TaskRunner.run(fn, on_done, on_error)`` submits ``fn`` to a thread pool; when it finishes, the
callback runs on the GUI thread (a queued Qt signal carries it over). Nothing here touches a widget
from a worker. ``pending`` counts tasks in flight and ``idle`` fires when it drops to zero, which
tests and the status bar use instead of sleeping.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

# Enough workers for many concurrent slow callouts (each flow blocks one worker while the provider
# answers); SQLite writes are serialised by the store's own lock, so more workers cost nothing.
MAX_WORKERS = 32
WORKER_NICE = 10


def _lower_priority() -> None:
    """Workers yield the CPU to the GUI thread: when a burst of flows competes for the GIL and
    two cores, the event loop still gets its turn (Linux: a per-thread nice value)."""
    with contextlib.suppress(AttributeError, OSError):  # elsewhere: only latency suffers
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


class TaskRunner(QObject):
    """Thread pool + GUI-thread delivery of results.

    Signals:
        finished_one: a task finished (after its callback ran).
        idle: no task is in flight any more.
        failed: (title, message) for a task without its own error callback.
    """

    finished_one = Signal()
    idle = Signal()
    failed = Signal(str, str)
    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None, max_workers: int = MAX_WORKERS) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="otp-bench",
                                        initializer=_lower_priority)
        self._pending = 0
        self._closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        return self._pending

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        title: str = "Task failed",
    ) -> Future[Any] | None:
        """Run ``fn`` in a worker; ``on_done(result)`` / ``on_error(exc)`` run on the GUI thread."""
        if self._closed:
            return None
        self._pending += 1
        future = self._pool.submit(fn)

        def done(f: Future[Any]) -> None:  # worker thread: only emit
            self._deliver.emit((f, on_done, on_error, title))

        future.add_done_callback(done)
        return future

    @Slot(object)
    def _on_deliver(self, item: tuple[Future[Any], Any, Any, str]) -> None:
        future, on_done, on_error, title = item
        self._pending -= 1
        try:
            if future.cancelled():  # dropped at shutdown: nobody waits for it any more
                return
            exc = future.exception()
            if exc is None:
                if on_done is not None:
                    on_done(future.result())
            elif on_error is not None:
                on_error(exc)
            else:
                log.error("%s: %s", title, "".join(traceback.format_exception(exc)))
                self.failed.emit(title, f"{type(exc).__name__}: {exc}")
        finally:
            self.finished_one.emit()
            if self._pending == 0:
                self.idle.emit()

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; with ``wait`` block until running tasks end (app exit, tests)."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
