"""``otp-bench mock-provider --port N [--db URL] [--workers N] [--faults FILE]``: the mock
provider on loopback, foreground; several worker processes for load tests (``workers.py``)."""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "mock-provider", help="serve the built-in mock SMS provider on loopback",
        description="Serve every preset's dialect on 127.0.0.1; accepted messages land in the "
        "workspace's phone inbox (GET /_bench/inbox?to=+1415...).",
    )
    p.add_argument("--port", type=int, default=8025, help="port (default 8025; 0 = any free)")
    p.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    p.add_argument("--db", dest="mock_db", metavar="URL",
                   help="workspace whose phone inbox receives the messages")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes sharing the port (default 1); more serve more "
                   "requests/s on several cores, but then faults are fixed at start (--faults) "
                   "and their times/every counters count per worker")
    p.add_argument("--faults", metavar="FILE",
                   help='faults at start, JSON: {"twilio": [{"status": 500, "every": 10}], ...} '
                   "(route key or dialect name -> fault list)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from otp_bench.mockprovider.faults import FaultError
    from otp_bench.mockprovider.workers import FaultTable, load_faults

    workers = getattr(args, "workers", 1)
    if workers < 1:
        print(f"otp-bench mock-provider: --workers must be at least 1, not {workers}",
              file=sys.stderr)
        return 2
    faults: FaultTable = {}
    if getattr(args, "faults", None):
        try:
            faults = load_faults(args.faults)
        except FaultError as exc:
            print(f"otp-bench mock-provider: {exc}", file=sys.stderr)
            return 2
    url = getattr(args, "mock_db", None) or getattr(args, "db", None)
    if workers > 1:
        return _run_workers(args, url, workers, faults)
    return _run_single(args, url, faults)


def _run_single(args: argparse.Namespace, url: str | None, faults: dict[str, Any]) -> int:
    from otp_bench.mockprovider.loopback import LoopbackMock
    from otp_bench.mockprovider.workers import DeliveryInbox
    from otp_bench.progress import meter
    from otp_bench.store.db import StoreError
    from otp_bench.store.phone_inbox import open_inbox

    try:
        with meter("Opening the workspace"):  # a spinner on a terminal: a large one takes a while
            store: DeliveryInbox = open_inbox(url)
    except StoreError as exc:
        print(f"otp-bench mock-provider: {exc}", file=sys.stderr)
        return 2
    mock = LoopbackMock(store, host=args.host)
    for key, items in faults.items():
        mock.set_faults(key, items)
    try:
        base = mock.start(args.port)
    except OSError as exc:
        print(f"otp-bench mock-provider: can't listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        store.close()
        return 2
    _banner(base, [mock.state.dialects[d].path for d in mock.state.dialects],
            list(mock.state.dialects))
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a script or a service manager ending it) stops as cleanly as Ctrl-C
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        mock.stop()
        store.close()
    return 0


def _run_workers(args: argparse.Namespace, url: str | None, workers: int,
                 faults: dict[str, Any]) -> int:
    from otp_bench.mockprovider.app import all_dialects
    from otp_bench.mockprovider.workers import WorkerPool
    from otp_bench.store.db import StoreError, resolve_url

    try:
        pool = WorkerPool(resolve_url(url), args.host, args.port, workers, faults)
    except OSError as exc:
        print(f"otp-bench mock-provider: can't listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"otp-bench mock-provider: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    wake_r, wake_w = socket.socketpair()

    def on_signal(*_: object) -> None:
        stop.set()
        with contextlib.suppress(OSError):  # the pool has stopped already
            wake_w.send(b"x")

    main = threading.current_thread() is threading.main_thread()
    if main:  # Ctrl-C and SIGTERM both stop every worker cleanly (each flushes its inbox)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
    try:
        try:
            base = pool.start()
        except RuntimeError as exc:
            print(f"otp-bench mock-provider: {exc}", file=sys.stderr)
            return 2
        dialects = all_dialects()
        _banner(base, [d.path for d in dialects.values()], list(dialects),
                f"{workers} worker processes (pids {' '.join(map(str, pool.pids))}); faults "
                "are fixed at start (--faults FILE)")
        try:
            pool.wait(stop, wake_r)
        except RuntimeError as exc:  # a dead worker that can't be replaced: stop the others
            print(f"otp-bench mock-provider: {exc}", file=sys.stderr)
            return 1
    finally:
        pool.stop()
        wake_r.close()
        wake_w.close()
    return 0


def _banner(base: str, paths: list[str], names: list[str], note: str = "") -> None:
    # the first line ends with the base URL: scripts (bench/bench_mock.py) read it
    print(f"mock provider listening on {base}")
    if note:
        print(f"  {note}")
    for name, path in zip(names, paths, strict=True):
        print(f"  {name:12} POST {base}{path}")
    print(f"  inbox        GET  {base}/_bench/inbox?to=%2B14155552671")
    print("Ctrl-C stops it.", flush=True)
