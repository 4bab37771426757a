"""uvicorn servers the app runs in a thread of its own (the loopback mock, the headless API),
stopped when asked rather than at uvicorn's next tick.

uvicorn's ``Server`` looks at ``should_exit`` every 0.1 s and then pauses 0.1 s more in
``shutdown`` before it looks at the open connections again every 0.1 s: a stop from another thread
took 0.2 s even with nothing in flight (each close of the app's mock or headless pane, and each of
the test suite's ~150 stops). ``PromptServer`` keeps uvicorn's loop and its once-per-tick work (the
date header, ``limit_max_requests``) but wakes it the moment ``stop`` is called, and its shutdown
takes uvicorn's steps in uvicorn's order, looking at the connections as soon as the loop has run
their close callbacks instead of after fixed pauses. What a stop guarantees is unchanged: answers
in flight finish (within ``timeout_graceful_shutdown`` when one is set), idle keep-alive
connections are closed, then the lifespan shuts down.

Past the graceful timeout uvicorn cancels every request. An app can keep that cut from an answer
whose outcome is already decided elsewhere (the mock's answer to a message queued for, or in, a
commit: cut, the client hears 500 for a message that is on the phone) by running that part
``with finishing():``. At the graceful timeout the other requests (those that wait on purpose)
are cancelled; the finishing ones get up to the server's ``finish_timeout`` more, then are
cancelled too, and the log says so. A server whose app never marks one behaves as uvicorn's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import uvicorn

TICK_S = 0.1  # uvicorn's own tick: the date header and the request limit are looked at this often
DRAIN_POLL_S = 0.005  # how often a stopping server looks whether its connections have finished
FINISH_TIMEOUT_S = 12.0  # a finishing answer's bound past the graceful timeout: a SQLite commit
# waits up to its busy timeout (10 s, store/db.py) for another process's write lock

logger = logging.getLogger("uvicorn.error")  # where uvicorn's own shutdown says what it does

# request tasks (of any server's loop) inside ``finishing()``; each server looks only at its own
_finishing: set[asyncio.Task[Any]] = set()


class finishing:  # lower case: used as a statement, like contextlib.suppress
    """``with finishing():`` in a request: a server's stop lets this part end (within the
    server's ``finish_timeout``) rather than cancel it at the graceful timeout.

    A class, not a generator context manager: the mock enters it once per accepted message.
    """

    __slots__ = ("_task",)

    def __enter__(self) -> None:
        self._task = asyncio.current_task()
        if self._task is not None:
            _finishing.add(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            _finishing.discard(self._task)


class PromptServer(uvicorn.Server):
    """``uvicorn.Server`` whose ``stop()`` (from any thread) ends the main loop at once."""

    def __init__(self, config: uvicorn.Config, *, finish_timeout: float = FINISH_TIMEOUT_S,
                 ) -> None:
        super().__init__(config)
        self.finish_timeout = finish_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000  # uvicorn's own wrap: a day of ticks
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)
            should_exit = await self.on_tick(counter)

    def stop(self) -> None:
        """Ask the server to shut down gracefully; returns at once (join its thread to wait)."""
        self.should_exit = True  # seen at the loop's next look even if it hasn't started yet
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed: nothing to wake
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's graceful shutdown (as of 0.29-0.54), without its fixed 0.1 s pauses."""
        logger.info("Shutting down")
        for server in self.servers:
            server.close()  # no new connections
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle ones close now; busy ones after their answer
        try:
            await asyncio.wait_for(self._drained(), timeout=self.config.timeout_graceful_shutdown)
        except TimeoutError:
            await self._cut()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _cut(self) -> None:
        """Past the graceful timeout: cancel the requests that wait; let the finishing ones end
        within ``finish_timeout``, then cancel what is left."""
        tasks = list(self.server_state.tasks)
        kept = [t for t in tasks if t in _finishing]
        if len(kept) < len(tasks):
            logger.error("Cancel %s running task(s), timeout graceful shutdown exceeded",
                         len(tasks) - len(kept))
        for task in tasks:
            if task not in _finishing:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not kept:
            return
        logger.warning("Let %s finishing answer(s) end, for up to %g s more",
                       len(kept), self.finish_timeout)
        _, late = await asyncio.wait(kept, timeout=self.finish_timeout)
        if late:
            logger.error("Cancel %s finishing answer(s) still running %g s after the graceful "
                         "timeout", len(late), self.finish_timeout)
            for task in late:
                task.cancel(msg="Task cancelled, finishing answer exceeded its timeout")

    async def _drained(self) -> None:
        """Until every connection has closed and every request task has ended (or force_exit)."""
        await asyncio.sleep(0)  # the closed transports' connection_lost callbacks run first
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(DRAIN_POLL_S)
