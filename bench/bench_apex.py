"""An Apex handler vs the equivalent declarative handler on the same loopback callout (SPEC §4:
≤ 1.5x, parse once, cached by file hash).

The Apex side is the class ``otp-bench export apex`` generates from the Twilio preset, run by the
bench's Apex runtime through ``ApexHandler`` (Named Credential + External Credential applied, the
source re-checked by mtime on every send); the declarative side is ``HttpHandler`` with the same
preset. Both call the mock provider (``otp-bench mock-provider`` in its own process, uvicorn on
127.0.0.1, its inbox a SQLite workspace), interleaved one for one so both see the same server,
cache and disk state.
Run: .venv/bin/python bench/bench_apex.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from otp_bench.delivery.apex_handler import ApexHandler
from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.apex_provider import ApexConfig, origin
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.export.apex import generate, write

PHONE, OTP = "+1 4155552671", "482915"
TEXT = f"{OTP} is your verification code for Customers. Don't share it with anyone."
USER, NETWORK = "005000000000001AAA", "0DB000000000001AAA"


def _serve(tmp: str) -> tuple[str, subprocess.Popen[str]]:
    db = f"sqlite:///{Path(tmp) / 'bench.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0", "--db", db],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "OTP_BENCH_SECRETS": "file"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # "mock provider listening on http://127.0.0.1:PORT"
    return first.rsplit(" ", 1)[-1].strip(), proc


def _handlers(base: str, tmp: str) -> tuple[HttpHandler, ApexHandler]:
    creds = dict(get_preset("twilio").example_credentials)
    http = preset_http("twilio", base_url=base, sender="+15005550006")
    decl = HttpHandler(ProviderConfig(id="0Pr000000000001AAA", name="decl", kind=ProviderKind.HTTP,
                                      http=http, credentials=creds))
    bundle = generate(ProviderConfig(id="0Pr000000000002AAA", name="twilio-export",
                                     kind=ProviderKind.HTTP, http=http, credentials=creds))
    write(bundle, Path(tmp) / "export")
    url = bundle.url_template.format(**creds)  # what the admin enters in Setup
    apex = ApexConfig.from_dict({
        "source": str(Path(tmp) / "export" / "classes" / f"{bundle.class_name}.cls"),
        "remote_sites": {origin(url): base},  # the production host goes to the same mock
        "named_credentials": {bundle.named_credential: {
            "url": url, "external_credential": bundle.external_credential,
            "auth_headers": [list(h) for h in bundle.auth_headers]}},
    })
    assert urlsplit(url).hostname == "api.twilio.com"
    handler = ApexHandler(ProviderConfig(
        id="0Pr000000000003AAA", name="apex", kind=ProviderKind.APEX, apex=apex,
        credentials={f"{bundle.external_credential}.{k}": creds[k] for k in bundle.parameters}))
    return decl, handler


def main(n: int = 500) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base, server = _serve(tmp)
        try:
            decl, apex = _handlers(base, tmp)
            for _ in range(30):  # warm up: connections, the server, the parse cache
                for h in (decl, apex):
                    h.send_one_time_password(USER, PHONE, OTP, TEXT, NETWORK, "")
            times: dict[str, list[float]] = {"decl": [], "apex": []}
            for i in range(n):
                pair = ((decl, "decl"), (apex, "apex"))
                for h, name in pair if i % 2 == 0 else reversed(pair):
                    t = time.perf_counter()
                    rep = h.send_one_time_password(USER, PHONE, OTP, TEXT, NETWORK, "")
                    times[name].append(time.perf_counter() - t)
                    assert rep.result.value == "SUCCESS", f"{name}: {rep.note}"
            decl.close()
            apex.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    dm, am = statistics.mean(times["decl"]), statistics.mean(times["apex"])
    dp, ap = statistics.median(times["decl"]), statistics.median(times["apex"])
    print(f"{n} sends each, interleaved, Twilio → loopback mock in its own process (SQLite inbox)")
    print(f"  declarative HttpHandler : mean {dm * 1000:.3f} ms  median {dp * 1000:.3f} ms")
    print(f"  exported Apex class     : mean {am * 1000:.3f} ms  median {ap * 1000:.3f} ms")
    ratio = am / dm
    print(f"  ratio (Apex / declarative, mean): {ratio:.2f}x  (median {ap / dp:.2f}x; "
          "target ≤ 1.5x)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
