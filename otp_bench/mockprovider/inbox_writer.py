"""``InboxWriter``: the mock provider's one writer to the phone inbox, committing in batches.

Under load, one SQLite transaction per accepted message was the mock's ceiling, and handing each
one to a thread pool made eight threads fight over the store's write lock and the GIL. Instead
every accepted message goes on a queue drained by one thread, which writes whatever has piled up
in one transaction (``Store.deliver_many``) — group commit: no timer, so a lone request is written
at once, and under load a batch is whatever arrived while the previous commit ran.

The HTTP answer waits for its batch's commit (``await writer.deliver(...)``). A vendor's 201 then
means what it did before batching: the message is on the phone, so a scenario or a user reading
the inbox right after the flow sees it, and nothing acknowledged is lost if the process dies.
Waiting costs one batch's commit of latency, not throughput. ``close`` (clean shutdown) writes
everything still queued before it returns.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

from otp_bench.delivery.base import Inbox

MAX_BATCH = 512  # bounds one transaction's size (and the time the store's write lock is held)

_Loop = asyncio.AbstractEventLoop
_Item = tuple[dict[str, Any], _Loop | None, "asyncio.Future[None] | None"]
_STOP = object()


class InboxWriter:
    def __init__(self, inbox: Inbox, *, max_batch: int = MAX_BATCH) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        many = getattr(inbox, "deliver_many", None)
        self._many: Callable[[list[dict[str, Any]]], object] | None = many
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # commits made: tests and the bench read it
        self.written = 0

    async def deliver(
        self, to: str, body: str, *, sender: str, via: str, **more: Any,
    ) -> None:
        """Queue one message; returns once it is committed (raises what the store raised)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._put(({"to": to, "body": body, "sender": sender, "via": via, **more}, loop, fut))
        await fut

    def submit(self, to: str, body: str, *, sender: str, via: str, **more: Any) -> None:
        """Queue one message without waiting (callers off an event loop); ``flush`` to wait."""
        self._put(({"to": to, "body": body, "sender": sender, "via": via, **more}, None, None))

    def flush(self) -> None:
        """Block until everything queued so far is committed."""
        done = threading.Event()
        with self._lock:
            if self._thread is None:
                return
            self._queue.put(done)
        done.wait()

    def close(self) -> None:
        """Write everything still queued, then stop the thread (a later message starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join()
        atexit.unregister(self.close)

    def _put(self, item: _Item) -> None:
        with self._lock:
            if self._thread is None:  # started on first use: a mock that never delivers has none
                self._thread = threading.Thread(target=self._run, name="otp-bench-mock-inbox",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.close)  # an interpreter exiting without stop() still flushes
            self._queue.put(item)

    def _run(self) -> None:
        while True:
            batch: list[_Item] = []
            waiters: list[threading.Event] = []
            stop = False
            item = self._queue.get()  # block for the first; then take what has piled up
            while True:
                if item is _STOP:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    batch.append(item)
                if stop or len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                try:
                    self._write(batch)
                except Exception as exc:  # a bug here must not leave requests waiting forever
                    self._answer(batch, [exc] * len(batch))
            for w in waiters:
                w.set()
            if stop:
                return

    def _write(self, batch: list[_Item]) -> None:
        results: list[BaseException | None]
        try:
            if self._many is not None:
                self._many([m for m, _, _ in batch])
            else:
                for m, _, _ in batch:
                    self.inbox.deliver(**m)
            results = [None] * len(batch)
            self.batches += 1
        except Exception:  # one bad message must not fail its neighbours: write them one by one
            results = []
            for m, _, _ in batch:
                try:
                    self.inbox.deliver(**m)
                    results.append(None)
                except Exception as exc:  # answered to that request as a 500
                    results.append(exc)
        self.written += sum(1 for r in results if r is None)
        self._answer(batch, results)

    def _answer(self, batch: list[_Item], results: list[BaseException | None]) -> None:
        by_loop: dict[_Loop, list[tuple[asyncio.Future[None], BaseException | None]]] = {}
        for (_, loop, fut), r in zip(batch, results, strict=True):
            if loop is not None and fut is not None:
                by_loop.setdefault(loop, []).append((fut, r))
        for loop, answers in by_loop.items():  # one wake-up per loop per batch, not per message
            # a closed loop: nobody is waiting for the answer any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, answers)


def _settle(answers: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for fut, exc in answers:
        if fut.done():  # the client went away and the request was cancelled
            continue
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(None)
