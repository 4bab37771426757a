"""``LoopbackMock``: the mock provider on 127.0.0.1, served by uvicorn in a background thread.

Qt-free; the GUI and the scenario runner drive it. ``start`` binds the socket itself, so it
returns a usable base URL at once (connections queue in the listen backlog until uvicorn accepts
them) and port 0 picks a free port without a race.
"""

from __future__ import annotations

import logging
import socket
import threading

import uvicorn

from otp_bench.delivery.base import Inbox
from otp_bench.delivery.redaction import install_log_filter
from otp_bench.mockprovider.app import MockState, create_app
from otp_bench.mockprovider.control import MockControl
from otp_bench.serving import FINISH_TIMEOUT_S, PromptServer

GRACEFUL_S = 1  # a stop waits this long for requests in flight, then cuts those that wait


class _QuietDrops(logging.Filter):
    """A ``drop`` fault ends a response early on purpose; uvicorn's complaint is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (0: any free port), set up the way uvicorn needs."""
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto is
    # IPPROTO_TCP, and without it Nagle + delayed ACK add 40 ms to every answer
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(512)
    except OSError:
        sock.close()
        raise
    return sock


class LoopbackMock(MockControl):
    def __init__(self, inbox: Inbox, *, host: str = "127.0.0.1",
                 state: MockState | None = None, finish_timeout: float = FINISH_TIMEOUT_S,
                 ) -> None:
        """``finish_timeout``: how long a stop waits, past its graceful second, for answers
        whose message is being committed (then it cuts them and logs it)."""
        self.finish_timeout = finish_timeout
        self.state = state if state is not None else MockState(inbox)
        self.app = create_app(self.state)
        self.host = host
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.base_url = ""
        install_log_filter()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, port: int = 0, *, sock: socket.socket | None = None) -> str:
        """Listen on ``host:port`` (0: any free port); returns the base URL.

        ``sock``: serve an already listening socket instead (the worker processes of
        ``workers.py`` share one); ``stop`` closes it.
        """
        if self.running:
            return self.base_url
        if sock is None:
            sock = listening_socket(self.host, port)
        self._sock = sock
        # "auto": httptools and uvloop (uvicorn[standard]) when installed — 2-3x the requests
        # per second of h11 on asyncio — else the pure-Python ones (uvloop has no Windows build).
        # No proxy in front of a loopback mock: its header middleware would only cost time; no
        # websockets either (no vendor API speaks them): "auto" would import a protocol module.
        config = uvicorn.Config(
            self.app, log_level="warning", log_config=None, access_log=False, lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_S, timeout_keep_alive=30, backlog=512,
            loop="auto", http="auto", ws="none", proxy_headers=False,
        )
        # past the graceful second a stop cuts what waits on purpose (latency, hang, drip
        # faults) and gives answers waiting for their commit up to finish_timeout more
        self._server = PromptServer(config, finish_timeout=self.finish_timeout)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="otp-bench-mock",
            daemon=True,
        )
        self._thread.start()
        self.base_url = f"http://{self.host}:{sock.getsockname()[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL_S + self.finish_timeout + 5)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None
        self.state.close()  # after the server: answers still in flight get their commits

    def __enter__(self) -> LoopbackMock:
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
