"""Worst callout wall time against its timeout, per fault kind (P9 / NET-1).

Raw loopback faults below HTTP (status line, headers, body dripped a byte every 0.2 s; a server
that accepts and never answers) and the mock provider's own faults (hang, drip, latency past the
timeout), each sent N times through the declarative handler with a 2 s timeout.
Run: .venv/bin/python bench/bench_deadline.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store
from tests.delivery.helpers import preset_config, send
from tests.hardening.faultserver import MODES, fault_server

TIMEOUT = 2.0


def _worst(url: str, n: int, arm: object = None) -> tuple[float, str]:
    worst, result = 0.0, ""
    handler = HttpHandler(preset_config("twilio", url, http={"timeout_s": TIMEOUT}))
    try:
        for _ in range(n):
            if callable(arm):
                arm()
            started = time.perf_counter()
            report = send(handler)
            worst = max(worst, time.perf_counter() - started)
            result = report.result.name
    finally:
        handler.close()
    return worst, result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"timeout {TIMEOUT:g} s, {n} callouts per fault; worst wall time, overshoot")
    for mode in MODES:
        with fault_server(mode, pause=0.2) as srv:
            worst, result = _worst(srv.url, n)
        print(f"  raw {mode:<12} {worst:6.3f} s  +{(worst - TIMEOUT) * 1000:5.0f} ms  {result}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'b.db'}", throwaway=True)
        mock = LoopbackMock(store)
        mock.start()
        try:
            for fault in ({"hang": True}, {"drip": 0.2}, {"latency": 5.0}):
                def arm(f: dict[str, object] = fault) -> None:
                    mock.set_faults("p", [{**f, "times": 1}])
                worst, result = _worst(mock.url_for("p"), n, arm)
                name = "mock " + next(iter(fault))
                print(f"  {name:<16} {worst:6.3f} s  +{(worst - TIMEOUT) * 1000:5.0f} ms  {result}")
        finally:
            mock.stop()
            store.close()


if __name__ == "__main__":
    main()
