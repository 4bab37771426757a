"""How long the app's own loopback servers take to stop: the mock provider and the headless API.

    python bench/bench_servers.py            # 20 start / request / stop cycles of each
    python bench/bench_servers.py --n 50

Each cycle starts the server, answers one request over a keep-alive connection (left open, as a
client such as the GUI's or a test's leaves it), then times ``stop()`` until its thread has
ended. Every close of the app's mock or headless pane, and each of the core suite's ~150 server
stops, pays this. Run it from another tree (``cd OLD && PYTHONPATH=. python .../bench_servers.py``)
to compare.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from otp_bench.engine.engine import Engine
from otp_bench.headless.server import HeadlessServer
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store


class _NoInbox:
    def deliver(self, *args: object, **kwargs: object) -> None:
        """The mock's answers aren't the point here."""


def _cycles(n: int, start: Callable[[], tuple[str, Callable[[], None]]]) -> list[float]:
    stops = []
    with httpx.Client(timeout=10) as client:  # plain HTTP on loopback
        for _ in range(n):
            base, stop = start()
            client.get(base + "/")  # any answer will do: it leaves a keep-alive connection
            t0 = time.perf_counter()
            stop()
            stops.append(time.perf_counter() - t0)
    return stops


def _mock() -> tuple[str, Callable[[], None]]:
    mock = LoopbackMock(_NoInbox())  # type: ignore[arg-type]
    return mock.start(), mock.stop


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="cycles per server (default 20)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Store(f"sqlite:///{Path(tmp) / 'ws.db'}", throwaway=True))

        def headless() -> tuple[str, Callable[[], None]]:
            server = HeadlessServer(engine)
            return server.start(), server.stop

        try:
            for name, start in (("loopback mock", _mock), ("headless API", headless)):
                _cycles(2, start)  # warm-up: imports, the first event loop
                cpu0 = time.process_time()
                stops = _cycles(args.n, start)
                cpu = (time.process_time() - cpu0) / args.n
                print(f"{name:<14} stop: median {statistics.median(stops) * 1000:6.1f} ms, "
                      f"max {max(stops) * 1000:6.1f} ms over {args.n} "
                      f"(whole cycle {cpu * 1000:.1f} ms CPU)")
        finally:
            engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
