"""``otp-bench mock-provider --port N [--db URL]``: the mock provider on loopback, foreground."""

from __future__ import annotations

import argparse
import signal
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from otp_bench.mockprovider.loopback import LoopbackMock
    from otp_bench.store.store import Store

    url = getattr(args, "mock_db", None) or getattr(args, "db", None)
    store = Store(url)
    mock = LoopbackMock(store, host=args.host)
    try:
        base = mock.start(args.port)
    except OSError as exc:
        print(f"otp-bench mock-provider: can't listen on {args.host}:{args.port}: {exc}")
        store.close()
        return 2
    print(f"mock provider listening on {base}")
    for d in mock.state.dialects.values():
        print(f"  {d.name:12} POST {base}{d.path}")
    print(f"  inbox        GET  {base}/_bench/inbox?to=%2B14155552671")
    print("Ctrl-C stops it.", flush=True)
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
