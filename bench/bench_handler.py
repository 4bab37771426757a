"""Custom handler latency vs a raw httpx POST to the same loopback mock (SPEC §4: ≤ 1.3x).

Both send the Twilio preset's request to the mock provider (uvicorn on 127.0.0.1, its inbox a
SQLite workspace), interleaved one for one so both see the same server, cache and disk state.
Run: .venv/bin/python bench/bench_handler.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from otp_bench.delivery.http_config import HttpConfig
from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.delivery.request import CompiledConfig, call_variables
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store

PHONE, OTP = "+1 4155552671", "482915"
TEXT = f"{OTP} is your verification code for Customers. Don't share it with anyone."


def main(n: int = 1000) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}", throwaway=True)
        mock = LoopbackMock(store)
        base = mock.start()
        preset = get_preset("twilio")
        config = ProviderConfig(
            id="0Pr000000000001AAA", name="bench", kind=ProviderKind.HTTP,
            http=preset_http("twilio", base_url=base, sender="+15005550006"),
            credentials=preset.example_credentials)
        handler = HttpHandler(config)
        # the raw side sends the very same bytes, built once
        req = CompiledConfig(HttpConfig.from_dict(config.http)).build(call_variables(
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
        mock.stop()
        store.close()
    hm, rm = statistics.mean(h_times), statistics.mean(r_times)
    hp, rp = statistics.median(h_times), statistics.median(r_times)
    print(f"{n} sends each, interleaved, Twilio preset → loopback mock (SQLite inbox)")
    print(f"  handler : {1 / hm:8.0f} sends/s  mean {hm * 1000:.3f} ms  median {hp * 1000:.3f} ms")
    print(f"  raw POST: {1 / rm:8.0f} sends/s  mean {rm * 1000:.3f} ms  median {rp * 1000:.3f} ms")
    ratio = hm / rm
    print(f"  ratio (handler / raw, mean): {ratio:.2f}x  (median {hp / rp:.2f}x; target ≤ 1.3x)")
    return 0 if ratio <= 1.3 else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
