"""``otp-bench headless``: a real process serving a workspace file on loopback until Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from otp_bench.domain.flags import Flags
from otp_bench.domain.model import Settings
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store


def _read_until(proc: subprocess.Popen[str], marker: str, deadline: float) -> str:
    """What the process prints, up to the line containing ``marker`` (or the deadline)."""
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stream = proc.stdout
    threading.Thread(target=lambda: [lines.put(x) for x in stream], daemon=True).start()
    out = ""
    while marker not in out:
        try:
            out += lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no {marker!r} in time; got {out!r}") from None
    return out


def test_headless_command_serves_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")  # keep the test off the desktop keyring
    db = f"sqlite:///{tmp_path / 'ws.db'}"
    engine = Engine(Store(db))
    engine.save_settings(Settings(custom_otp_enabled=True))
    engine.new_provider("sms-ok")
    site = engine.new_site("Customers", url_prefix="customers", handler="sms-ok",
                           headless_passwordless_login=True)
    engine.new_user("ana@example.com", mobile="+1 415 555 2671", flags=Flags(False, True),
                    sites=frozenset({site.id}))
    engine.close()

    proc = subprocess.Popen(
        [sys.executable, "-m", "otp_bench", "headless", "--port", "0", "--db", db,
         "--expose-inbox"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OTP_BENCH_SECRETS": "file"},
    )
    try:
        banner = _read_until(proc, "Ctrl-C stops.", time.monotonic() + 30)
        base = banner.split("Headless identity API on ", 1)[1].split()[0]
        assert f"{base}/customers" in banner
        assert "passwordless login on" in banner
        init = httpx.post(f"{base}/customers/services/auth/headless/init/passwordless/login",
                          json={"username": "ana@example.com", "verificationmethod": "sms"})
        assert init.status_code == 200, init.text
        inbox = httpx.get(f"{base}/_bench/inbox/+14155552671").json()
        assert inbox[-1]["otp"] in inbox[-1]["body"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_taken_port_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import socket

    from otp_bench.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["headless", "--port", str(port), "--db", str(tmp_path / "ws.db")])
    assert code == 2
    assert f"can't listen on 127.0.0.1:{port}" in capsys.readouterr().err
