"""The mock provider in-process: the same Starlette app as a synchronous httpx transport.

For tests and tools that want no socket at all: ``Engine(store, transport=InProcessMock(store)
.transport)`` sends every HTTP handler's callouts straight into the app. The app runs on a private
event loop thread (``httpx.ASGITransport`` is async-only, the handler is sync). The handler's read
timeout bounds each call, so ``hang`` and ``drip`` faults time out as over a socket, and a
``drop`` fault surfaces as the protocol error a closed connection gives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import httpx

from otp_bench.delivery.base import Inbox
from otp_bench.mockprovider.app import MockState, create_app
from otp_bench.mockprovider.control import MockControl

BASE_URL = "http://mock-provider.invalid"  # any host works: nothing is resolved


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="otp-bench-inprocess-mock")
        self._thread.start()

    async def _call(self, req: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        resp = await self._asgi.handle_async_request(req)
        body = await resp.aread()
        return resp.status_code, resp.headers.raw, body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        forward = httpx.Request(request.method, request.url, headers=request.headers,
                                content=content, extensions=request.extensions)
        timeouts = request.extensions.get("timeout", {})
        limit = timeouts.get("read") or timeouts.get("pool")
        future = asyncio.run_coroutine_threadsafe(self._call(forward), self._loop)
        try:
            status, headers, body = future.result(timeout=limit)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise httpx.ReadTimeout("the in-process mock didn't answer in time",
                                    request=request) from None
        except AssertionError:  # the app returned mid-answer: what a dropped connection is
            raise httpx.RemoteProtocolError("the mock closed the connection mid-answer",
                                            request=request) from None
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


class InProcessMock(MockControl):
    """The mock's controls without a server: faults, expected credentials, and a transport."""

    def __init__(self, inbox: Inbox) -> None:
        self.state = MockState(inbox)
        self.app = create_app(self.state)
        self.transport = InProcessTransport(self.app)
        self.base_url = BASE_URL

    def close(self) -> None:
        self.state.close()  # first: queued messages are written while their loop still runs
        self.transport.close()
