"""Custom handler latency vs a raw httpx POST to the same loopback mock (SPEC §4: ≤ 1.3x).

Both send the Twilio preset's request to the mock provider (``otp-bench mock-provider`` in its
own process, uvicorn on 127.0.0.1, its inbox a SQLite workspace), interleaved one for one so both
see the same server, cache and disk state. ``--in-process`` serves the mock from a thread of this
process instead (then client and server share the GIL).
Run: .venv/bin/python bench/bench_handler.py [N] [--in-process]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.delivery.request import CompiledConfig, call_variables
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store

PHONE, OTP = "+1 4155552671", "482915"
TEXT = f"{OTP} is your verification code for Customers. Don't share it with anyone."


def _serve(tmp: str, in_process: bool) -> tuple[str, object]:
    db = f"sqlite:///{Path(tmp) / 'bench.db'}"
    if in_process:
        store = Store(db, throwaway=True)
        mock = LoopbackMock(store)
        return mock.start(), (mock, store)
    proc = subprocess.Popen(
        [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0", "--db", db],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "OTP_BENCH_SECRETS": "file"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # "mock provider listening on http://127.0.0.1:PORT"
    return first.rsplit(" ", 1)[-1].strip(), proc


def _stop(server: object) -> None:
    if isinstance(server, subprocess.Popen):
        server.terminate()
        server.wait(timeout=10)
    else:
        mock, store = server  # type: ignore[misc]
        mock.stop()
        store.close()


def main(n: int = 1000, in_process: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base, server = _serve(tmp, in_process)
        preset = get_preset("twilio")
        config = ProviderConfig(
            id="0Pr000000000001AAA", name="bench", kind=ProviderKind.HTTP,
            http=preset_http("twilio", base_url=base, sender="+15005550006"),
            credentials=preset.example_credentials)
        handler = HttpHandler(config)
        # the raw side sends the very same bytes, built once
        req = CompiledConfig(config.require_http()).build(call_variables(
            user_id="", phone_number=PHONE, one_time_password=OTP, default_text=TEXT,
            network_id="", experience_id="", sender="+15005550006",
            credentials=config.credentials, directory=None), config.credentials)
        raw = httpx.Client(trust_env=False, timeout=10)
        for _ in range(50):  # warm up both connections and the server
            handler.send_one_time_password("", PHONE, OTP, TEXT, "", "")
            raw.post(req.url, headers=list(req.headers), content=req.content)
        h_times, r_times = [], []
        for i in range(n):
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                t = time.perf_counter()
                if which == 0:
                    rep = handler.send_one_time_password("", PHONE, OTP, TEXT, "", "")
                    assert rep.result.value == "SUCCESS", rep.note
                    h_times.append(time.perf_counter() - t)
                else:
                    resp = raw.post(req.url, headers=list(req.headers), content=req.content)
                    assert resp.status_code == 201
                    r_times.append(time.perf_counter() - t)
        handler.close()
        raw.close()
        _stop(server)
    hm, rm = statistics.mean(h_times), statistics.mean(r_times)
    hp, rp = statistics.median(h_times), statistics.median(r_times)
    where = "a thread of this process" if in_process else "its own process"
    print(f"{n} sends each, interleaved, Twilio preset → loopback mock in {where} (SQLite inbox)")
    print(f"  handler : {1 / hm:8.0f} sends/s  mean {hm * 1000:.3f} ms  median {hp * 1000:.3f} ms")
    print(f"  raw POST: {1 / rm:8.0f} sends/s  mean {rm * 1000:.3f} ms  median {rp * 1000:.3f} ms")
    ratio = hm / rm
    print(f"  ratio (handler / raw, mean): {ratio:.2f}x  (median {hp / rp:.2f}x; target ≤ 1.3x)")
    return 0 if ratio <= 1.3 else 1


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    raise SystemExit(main(int(args[0]) if args else 1000, "--in-process" in sys.argv))
