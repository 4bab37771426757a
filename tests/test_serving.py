"""``PromptServer``: a uvicorn server in a thread of its own stops when asked, not at its next tick,
and still lets an answer in flight finish."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from otp_bench import serving
from otp_bench.mockprovider.loopback import listening_socket
from otp_bench.serving import PromptServer


class _Gate:
    """An ASGI app whose answers wait, on the server's loop, until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._lock = threading.Lock()
        self._opened = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def open(self) -> None:
        with self._lock:
            self._opened = True
            if self._loop is not None and self._event is not None:
                self._loop.call_soon_threadsafe(self._event.set)

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        with self._lock:
            if self._event is None:
                self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
                if self._opened:
                    self._event.set()
        self.entered.set()
        await self._event.wait()  # the server's loop keeps running meanwhile
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


@pytest.fixture
def hour_long_tick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """uvicorn's loop would look at ``should_exit`` only once an hour: only ``stop`` can end it."""
    monkeypatch.setattr(serving, "TICK_S", 3600.0)
    yield


def _serve(app: object) -> tuple[PromptServer, threading.Thread, str]:
    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", log_config=None, lifespan="off",  # type: ignore[arg-type]
                            loop="asyncio", http="h11")
    server = PromptServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, f"http://{sock.getsockname()[0]}:{sock.getsockname()[1]}"


def test_stop_ends_the_server_without_waiting_for_a_tick(hour_long_tick: None) -> None:
    gate = _Gate()
    gate.open()
    server, thread, base = _serve(gate)
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/").text == "done"  # served, with a keep-alive connection left open
        server.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_an_answer_in_flight_finishes_before_the_server_ends(hour_long_tick: None) -> None:
    gate = _Gate()
    server, thread, base = _serve(gate)
    answers: list[str] = []
    with httpx.Client(base_url=base, timeout=10) as client:
        asking = threading.Thread(target=lambda: answers.append(client.get("/").text))
        asking.start()
        assert gate.entered.wait(10)
        server.stop()
        gate.open()
        asking.join(10)
        thread.join(timeout=10)
    assert answers == ["done"] and not thread.is_alive()


def test_stop_before_the_loop_runs_still_stops_it() -> None:
    gate = _Gate()
    sock = listening_socket("127.0.0.1", 0)
    server = PromptServer(uvicorn.Config(gate, log_level="warning", log_config=None,  # type: ignore[arg-type]
                                         lifespan="off", loop="asyncio", http="h11"))
    server.stop()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_an_answer_that_outlasts_the_graceful_timeout_is_cancelled_and_the_server_ends(
        hour_long_tick: None) -> None:
    gate = _Gate()  # never opened: the answer never comes
    sock = listening_socket("127.0.0.1", 0)
    server = PromptServer(uvicorn.Config(gate, log_level="critical", log_config=None,  # type: ignore[arg-type]
                                         lifespan="off", loop="asyncio", http="h11",
                                         timeout_graceful_shutdown=0.25))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(httpx.get(base, timeout=10).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    with httpx.Client(base_url=base, timeout=10):
        asking = threading.Thread(target=ask)
        asking.start()
        assert gate.entered.wait(10)
        server.stop()
        thread.join(timeout=6)  # well before the answer's own 10 s
        assert not thread.is_alive()
        asking.join(10)
    assert outcome and outcome[0] != 200
