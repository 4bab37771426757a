"""One HTTP exchange under one overall deadline: the bench's single outbound callout path.

httpx's timeouts are per operation (connect, each read, each write), so a server that drips its
status line, its headers or its body a byte at a time can hold a request far beyond them. Here the
whole exchange — pool wait, connect, TLS, request, status line, headers and body — shares one
deadline: the bench's transport (``DeadlineTransport``) gives every blocking socket operation the
time *left until the deadline* as its timeout (a socket timer, not a check between reads), so the
exchange ends when the deadline passes wherever it is waiting. Synchronous test transports
(in-process mocks, MockTransport) run on a worker pool and the caller stops waiting at the
deadline; async transports run on a callout event loop inside ``asyncio.timeout``.

Anything that makes a callout for a handler (the declarative HTTP handler, send-test, the Apex
runtime's ``Http.send``) calls :func:`perform` so the deadline lives in one place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import ssl
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import httpcore
import httpx

T = TypeVar("T")

_GRACE_S = 1.0  # the calling thread's backup timer: the loop's own timer fires first


@dataclass(frozen=True)
class Exchange:
    """What came back (or how it failed). ``error`` is None, ``timeout``, ``connect``,
    ``protocol``, ``network`` or ``too_large``; ``detail`` says what happened in words."""

    request_headers: tuple[tuple[str, str], ...]
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    error: str | None
    detail: str
    elapsed_s: float


class _TooLarge(Exception):
    pass


class _Partial:
    """What has been received so far: kept when the deadline cuts an exchange short."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: tuple[tuple[str, str], ...] = ()
        self.body = bytearray()
        self.cancelled = threading.Event()


def error_kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "protocol"
    return "network"


# -- the shared callout loop ---------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, Any] = {}


def callout_loop() -> asyncio.AbstractEventLoop:
    """The process's callout event loop (started on first use; a forked child gets its own)."""
    with _lock:
        loop = _state.get("loop")
        if loop is not None and _state.get("pid") == os.getpid():
            return loop  # type: ignore[no-any-return]
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="otp-bench-callouts",
                                  daemon=True)
        thread.start()
        _state.update(loop=loop, pid=os.getpid(), thread=thread)
        return loop


def run_bounded(coro: Coroutine[Any, Any, T], seconds: float) -> T:
    """Run ``coro`` on the callout loop, cancelled after ``seconds`` (raises TimeoutError)."""

    async def bounded() -> T:
        async with asyncio.timeout(seconds):
            return await coro

    future = asyncio.run_coroutine_threadsafe(bounded(), callout_loop())
    try:
        return future.result(timeout=seconds + _GRACE_S)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise TimeoutError from None


def _sync_pool() -> concurrent.futures.ThreadPoolExecutor:
    """Threads for synchronous transports (test seams, in-process mocks), apart from the loop."""
    with _lock:
        pool = _state.get("sync_pool")
        if pool is None or _state.get("sync_pid") != os.getpid():
            pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=64, thread_name_prefix="otp-bench-callouts-sync")
            _state.update(sync_pool=pool, sync_pid=os.getpid())
        return pool  # type: ignore[no-any-return]


def close_transport(transport: Any) -> None:
    """Close a transport made for :func:`perform` (async ones close on the callout loop)."""
    if isinstance(transport, httpx.AsyncBaseTransport):
        # a pool that can't close in 5 s is dropped with the process
        with contextlib.suppress(TimeoutError, RuntimeError):
            run_bounded(transport.aclose(), 5.0)
    elif hasattr(transport, "close"):
        transport.close()


_tls = threading.local()  # the deadline of the exchange running on this thread


def _left(timeout: float | None, kind: type[Exception]) -> float:
    """``timeout`` cut to what is left of this thread's exchange deadline (raises past it)."""
    deadline: float | None = getattr(_tls, "deadline", None)
    if deadline is None:
        return timeout  # type: ignore[return-value]
    left = deadline - time.monotonic()
    if left <= 0:
        raise kind("the overall callout deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport whose sockets never wait past the exchange's overall deadline."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pool = self._pool
        # httpcore builds connections with this backend; wrapping it is the one seam it offers
        pool._network_backend = _DeadlineBackend(  # type: ignore[union-attr]
            pool._network_backend)  # type: ignore[union-attr]


@functools.cache
def default_tls() -> ssl.SSLContext:
    """The verifying TLS context every handler's pool shares: loading the CA bundle costs about
    0.1 s of CPU, once per process instead of once per handler (an SSLContext is thread-safe)."""
    return httpx.create_ssl_context(trust_env=False)


def default_transport() -> DeadlineTransport:
    """One pool per handler: no retries (a resent SMS costs twice), no proxy from the
    environment; redirects and cookies are a Client's business and there is none."""
    return DeadlineTransport(
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        trust_env=False, retries=0, verify=default_tls(),
    )


# -- one exchange --------------------------------------------------------------------------------

async def _exchange_async(transport: httpx.AsyncBaseTransport, request: httpx.Request,
                          max_bytes: int, got: _Partial) -> None:
    response = await transport.handle_async_request(request)
    try:
        _take_head(response, max_bytes, got)
        async for chunk in response.aiter_bytes():
            _take_chunk(chunk, max_bytes, got)
    finally:
        await response.aclose()


def _exchange_sync(transport: httpx.BaseTransport, request: httpx.Request,
                   max_bytes: int, got: _Partial) -> None:
    response = transport.handle_request(request)
    try:
        _take_head(response, max_bytes, got)
        for chunk in response.iter_bytes():
            if got.cancelled.is_set():  # the caller has gone: stop reading
                return
            _take_chunk(chunk, max_bytes, got)
    finally:
        response.close()


def _take_head(response: httpx.Response, max_bytes: int, got: _Partial) -> None:
    got.status = response.status_code
    got.headers = tuple(response.headers.items())
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge


def _take_chunk(chunk: bytes, max_bytes: int, got: _Partial) -> None:
    got.body += chunk
    if len(got.body) > max_bytes:
        raise _TooLarge


def perform(transport: Any, request: httpx.Request, *, deadline_s: float,
            max_bytes: int, timeout_s: float | None = None) -> Exchange:
    """Send ``request`` and read the whole answer (at most ``max_bytes`` of body) within
    ``deadline_s`` seconds overall. Never raises for what the network or server does.
    ``timeout_s`` is the configured timeout the message names (what is left of it when part
    was spent before the callout is ``deadline_s``)."""
    started = time.perf_counter()
    got = _Partial()
    error: str | None = None
    detail = ""
    try:
        if isinstance(transport, DeadlineTransport):  # the bench's own: on this thread
            _tls.deadline = time.monotonic() + deadline_s
            timeouts = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {  # the pool wait is bounded by it too
                k: min(v, deadline_s) if v is not None else deadline_s
                for k, v in {"connect": None, "read": None, "write": None, "pool": None,
                             **timeouts}.items()}
            try:
                _exchange_sync(transport, request, max_bytes, got)
            finally:
                _tls.deadline = None
        elif isinstance(transport, httpx.AsyncBaseTransport) and not isinstance(
                transport, httpx.BaseTransport):  # a test seam speaking both is driven sync
            run_bounded(_exchange_async(transport, request, max_bytes, got), deadline_s)
        else:
            # not on the callout loop's executor: an abandoned in-process exchange must never
            # hold a thread the loop needs (its DNS lookups run there)
            future = _sync_pool().submit(_exchange_sync, transport, request, max_bytes, got)
            try:
                future.result(timeout=deadline_s)
            except concurrent.futures.TimeoutError:
                future.cancel()
                raise TimeoutError from None
    except _TooLarge:
        error = "too_large"
    except TimeoutError:
        error, detail = "timeout", (
            f"no complete answer within the {timeout_s or deadline_s:g} s deadline")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        error, detail = error_kind(exc), type(exc).__name__
        if error == "timeout" and time.perf_counter() - started >= deadline_s * 0.98:
            detail = f"no complete answer within the {timeout_s or deadline_s:g} s deadline"
    finally:
        got.cancelled.set()
    return Exchange(
        request_headers=tuple(request.headers.items()), status=got.status, headers=got.headers,
        body=bytes(got.body), error=error, detail=detail,
        elapsed_s=time.perf_counter() - started,
    )
