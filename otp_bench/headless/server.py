"""The headless API on a loopback port, served by uvicorn in a background thread.

``HeadlessServer(engine).start()`` binds 127.0.0.1 (port 0 = any free port) *before* the thread
starts, so the URL it returns is valid at once: the kernel queues connections until uvicorn
accepts them. ``start`` still waits (with a deadline, on uvicorn's ``started`` flag) so a failed
start surfaces as an exception in the caller rather than a silent dead thread.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from otp_bench.engine.engine import Engine
from otp_bench.headless.app import build_app
from otp_bench.serving import PromptServer

LOOPBACK = "127.0.0.1"


class HeadlessServerError(RuntimeError):
    """The server couldn't start (port taken, uvicorn failed)."""


class HeadlessServer:
    def __init__(
        self, engine: Engine, *, port: int = 0, reveal_reasons: bool = False,
        expose_inbox: bool = False,
    ) -> None:
        self.engine = engine
        self.port = port
        self.app = build_app(engine, reveal_reasons=reveal_reasons, expose_inbox=expose_inbox)
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise HeadlessServerError("the headless server isn't running")
        return f"http://{LOOPBACK}:{self._socket.getsockname()[1]}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def bind(self) -> socket.socket:
        """The listening socket (created on first call)."""
        if self._socket is None:
            # proto IPPROTO_TCP: asyncio then sets TCP_NODELAY on accepted connections (with
            # proto 0 it skips that, and Nagle + delayed ACK add ~40 ms to every exchange)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((LOOPBACK, self.port))
            except OSError as exc:
                sock.close()
                raise HeadlessServerError(
                    f"can't listen on {LOOPBACK}:{self.port}: {exc.strerror or exc}"
                ) from None
            sock.listen(128)
            self._socket = sock
        return self._socket

    def _config(self) -> uvicorn.Config:
        # h11 and asyncio: pure Python, no optional extras; no access log (the live log has it).
        # log_config=None: uvicorn's records reach otp_bench.logs' masked handlers and log file
        return uvicorn.Config(
            self.app, log_level="warning", log_config=None, access_log=False, lifespan="off",
            loop="asyncio", http="h11", ws="none",
        )

    def start(self, timeout: float = 10.0) -> str:
        """Serve in a daemon thread; returns the base URL, e.g. ``http://127.0.0.1:53211``."""
        if self.running:
            return self.base_url
        sock = self.bind()
        self._server = PromptServer(self._config())
        self._thread = threading.Thread(
            target=self._run, args=(self._server, sock), name="headless-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                why = f": {self._error}" if self._error else ""
                raise HeadlessServerError(f"the headless server didn't start{why}")
            self._thread.join(0.005)  # wakes early if the thread dies
        return self.base_url

    def _run(self, server: PromptServer, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by start(); the thread must not die silently
            self._error = exc

    def serve_forever(self) -> None:
        """Serve on the calling thread until Ctrl-C (the CLI)."""
        server = PromptServer(self._config())
        self._server = server
        server.run(sockets=[self.bind()])

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server = None

    def __enter__(self) -> HeadlessServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
