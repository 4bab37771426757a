"""``WorkerPool``: the loopback mock as N processes sharing one listening socket (load tests).

One Python process is GIL-bound well below what a JVM mock serves on two cores, so for load
tests the CLI can pre-fork: the supervisor binds the socket, opens the workspace once (so the
schema migration and the seal key are made by one process, not raced by N), then starts N
workers. Where the platform has it (Linux, macOS) they are forked from multiprocessing's
forkserver, a fresh single-threaded process that imported the worker's modules (the store,
SQLAlchemy, uvicorn) once: a worker then starts in tens of milliseconds instead of paying ~1
CPU-s of imports each. Elsewhere (Windows) they are spawned. Neither forks a process holding
threads or locks (the supervisor may hold both). Each worker serves the shared socket with
its own ``LoopbackMock`` and ``InboxWriter``; they all write to the same SQLite workspace, whose
WAL and busy timeout (``store/db.py``) serialise their batch commits.

Each worker talks to the supervisor over a pipe: it sends ``ready`` (or the error that stopped
it), then waits on the pipe. Closing the pipe — or the supervisor dying — is the stop signal,
so a worker flushes its queued messages and exits on every platform (``Process.terminate`` is a
hard kill on Windows, and it is only the fallback here).

Faults are per process, so ``PUT /_bench/faults/{key}`` could reach one worker only; with more
than one worker the faults are the ones given at start (``--faults FILE``) and the endpoint
refuses changes with a clear message. Fault counters (``times``, ``every``) count per worker.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import signal
import socket
import threading
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

from otp_bench.delivery.base import Inbox
from otp_bench.mockprovider.app import MockState
from otp_bench.mockprovider.faults import Fault, FaultError

READY_TIMEOUT_S = 60.0
# a worker's stop: the graceful second, answers still committing (FINISH_TIMEOUT_S, after which
# the server cuts them and logs it), then the flush of what is queued (a commit: the busy timeout)
STOP_TIMEOUT_S = 30.0

FaultTable = dict[str, list[dict[str, Any]]]


class DeliveryInbox(Inbox, Protocol):
    """All the mock holds of the workspace it opens (``store.phone_inbox.open_inbox``)."""

    def deliver_many(self, messages: Iterable[Mapping[str, Any]]) -> int: ...

    def close(self) -> None: ...


def load_faults(path: str) -> FaultTable:
    """``{"twilio": [{"status": 500, "every": 10}], "my-provider": [...]}`` from a JSON file;
    raises ``FaultError`` naming the file and the key that is wrong."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FaultError("--faults", f"can't read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise FaultError("--faults", f"{path} must hold a JSON object: route key -> fault list")
    for key, items in data.items():
        if not isinstance(items, list):
            raise FaultError(f"--faults {path}: {key}", "must be a JSON list of faults")
        for item in items:
            try:
                Fault.from_dict(item)
            except FaultError as exc:
                raise FaultError(f"--faults {path}: {key}", str(exc)) from None
    return data


class FixedFaultState(MockState):
    """A worker's state: the faults given at start; changes over HTTP are refused (400)."""

    workers: int = 2
    frozen: bool = False

    def set_faults(self, key: str, faults: Iterable[Fault | Mapping[str, Any]]) -> None:
        if self.frozen:
            raise FaultError(
                "faults", f"this mock runs {self.workers} worker processes, so its faults are "
                "fixed at start: restart it with --faults FILE (or with --workers 1)")
        super().set_faults(key, faults)


class _Stop(Exception):
    pass


def _stop_on_signal(*_: object) -> None:
    raise _Stop


def _worker(url: str, host: str, sock: socket.socket, faults: FaultTable, workers: int,
            conn: Connection) -> None:
    """One worker process: serve ``sock`` until the supervisor's pipe closes."""
    from otp_bench.logs import setup_logging
    from otp_bench.mockprovider.loopback import LoopbackMock
    from otp_bench.store.phone_inbox import open_inbox

    # stderr at the supervisor's level ($OTP_BENCH_LOG_LEVEL), masked; only the supervisor writes
    # mock-provider.log, so no two processes rotate one file
    setup_logging(None)
    # the supervisor decides when to stop; a Ctrl-C reaching the whole process group must not
    # cut this worker short of its flush (the supervisor closes the pipe a moment later)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Process.terminate (the supervisor's fallback) or a stray SIGTERM: stop cleanly too
    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        store: DeliveryInbox = open_inbox(url)
    except Exception as exc:  # e.g. the workspace became unreadable: tell the supervisor
        conn.send(("error", str(exc)))
        return
    state = FixedFaultState(store)
    state.workers = workers
    for key, items in faults.items():
        state.set_faults(key, items)
    state.frozen = True
    mock = LoopbackMock(store, host=host, state=state)
    try:
        mock.start(sock=sock)
        conn.send(("ready", None))
        # nothing is ever sent: recv ends (EOFError) when the supervisor lets go or dies
        with contextlib.suppress(EOFError, OSError, _Stop):
            conn.recv()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the flush
        mock.stop()  # the server first, then every queued message is written
        store.close()


# what a worker imports before it serves: loaded once by the forkserver, inherited by each fork
_PRELOAD = ["otp_bench.logs", "otp_bench.mockprovider.workers", "otp_bench.mockprovider.loopback",
            "otp_bench.store.store"]


def _start_context() -> Any:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


class WorkerPool:
    """The supervisor's side: N worker processes on one socket; ``stop`` flushes them all."""

    def __init__(self, url: str, host: str, port: int, workers: int,
                 faults: FaultTable | None = None) -> None:
        from otp_bench.mockprovider.loopback import listening_socket
        from otp_bench.store.phone_inbox import open_inbox

        if workers < 1:
            raise ValueError("workers must be at least 1")
        open_inbox(url).close()  # migrate and make the seal key here, or N workers race to
        self.url, self.host, self.workers = url, host, workers
        self.faults = faults or {}
        self.sock = listening_socket(host, port)
        self.base_url = f"http://{host}:{self.sock.getsockname()[1]}"
        self._ctx = _start_context()
        self._procs: list[tuple[Any, Connection]] = []

    @property
    def pids(self) -> list[int]:
        return [p.pid for p, _ in self._procs if p.pid is not None]

    def start(self) -> str:
        """Start the workers; returns once all serve. Raises ``RuntimeError`` if one can't."""
        try:
            for _ in range(self.workers):
                self._procs.append(self._spawn())
            for proc, conn in self._procs:
                self._await_ready(proc, conn)
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _spawn(self) -> tuple[Any, Connection]:
        mine, theirs = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker, name="otp-bench-mock-worker", daemon=True,
            args=(self.url, self.host, self.sock, self.faults, self.workers, theirs))
        proc.start()
        theirs.close()  # the worker holds the only other end: its exit reads as EOF here
        return proc, mine

    def _await_ready(self, proc: Any, conn: Connection) -> None:
        if not conn.poll(READY_TIMEOUT_S):
            raise RuntimeError(f"mock worker {proc.pid} didn't start in {READY_TIMEOUT_S:.0f} s")
        try:
            what, detail = conn.recv()
        except EOFError:
            raise RuntimeError(f"mock worker {proc.pid} exited at start "
                               f"(exit code {proc.join(5) or proc.exitcode})") from None
        if what != "ready":
            raise RuntimeError(f"mock worker {proc.pid} couldn't start: {detail}")

    def wait(self, stop: threading.Event | None = None, wakeup: socket.socket | None = None,
             ) -> None:
        """Serve until ``stop`` is set (``wakeup``, a socket the setter writes to, ends the wait
        at once); a worker that dies meanwhile is replaced."""
        while stop is None or not stop.is_set():
            waitables: list[Any] = [p.sentinel for p, _ in self._procs]
            if wakeup is not None:
                waitables.append(wakeup)
            wait(waitables, timeout=1.0)
            if stop is not None and stop.is_set():
                return
            for i, (proc, conn) in enumerate(self._procs):
                if not proc.is_alive():
                    conn.close()
                    print(f"mock worker {proc.pid} exited (code {proc.exitcode}); restarting it",
                          flush=True)
                    self._procs[i] = self._spawn()
                    self._await_ready(*self._procs[i])

    def stop(self) -> None:
        """Close every worker's pipe (each flushes and exits), then wait for them."""
        for _, conn in self._procs:
            conn.close()
        for proc, _ in self._procs:
            proc.join(STOP_TIMEOUT_S)
            if proc.is_alive():  # stuck: SIGTERM closes its pipe end too, then a hard kill
                proc.terminate()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        self._procs = []
        self.sock.close()

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
