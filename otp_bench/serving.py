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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn

TICK_S = 0.1  # uvicorn's own tick: the date header and the request limit are looked at this often
DRAIN_POLL_S = 0.005  # how often a stopping server looks whether its connections have finished

logger = logging.getLogger("uvicorn.error")  # where uvicorn's own shutdown says what it does


class PromptServer(uvicorn.Server):
    """``uvicorn.Server`` whose ``stop()`` (from any thread) ends the main loop at once."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
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
            logger.error("Cancel %s running task(s), timeout graceful shutdown exceeded",
                         len(self.server_state.tasks))
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _drained(self) -> None:
        """Until every connection has closed and every request task has ended (or force_exit)."""
        await asyncio.sleep(0)  # the closed transports' connection_lost callbacks run first
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(DRAIN_POLL_S)
