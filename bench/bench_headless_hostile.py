"""Headless API under hostile bodies: server memory and time to answer a 400 MB upload.

Starts ``otp-bench headless`` in its own process on a fresh workspace, sends 400 MB to the init
endpoint (once with ``Content-Length``, once chunked) over a raw socket, and prints the server's
RSS (VmRSS from /proc) before and after, how much of the body the server let in before it
answered 413 and hung up, and how long the answer took. Then 60 KB of nested JSON: status and
time. Linux only (/proc). Run: .venv/bin/python bench/bench_headless_hostile.py
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store

MB = 1024 * 1024
PATH = "/customers/services/auth/headless/init/passwordless/login"


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def upload(base: str, chunked: bool, total: int = 400 * MB) -> tuple[bytes, int, float]:
    host, port = base.removeprefix("http://").split(":")
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()
    block = b"[" * MB
    chunk = (f"{MB:x}\r\n".encode() + block + b"\r\n") if chunked else block
    sent, answer = 0, b""
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head)
        while sent < total:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += MB
        sock.settimeout(5)
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent, time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        # the throwaway workspace's key goes to the temp dir, not the user's data dir
        os.environ.update(XDG_DATA_HOME=tmp, OTP_BENCH_KEY_STORE="file")
        url = f"sqlite:///{Path(tmp) / 'ws.db'}"
        eng = Engine(Store(url))
        eng.new_site("Customers", url_prefix="customers", headless_passwordless_login=True)
        eng.close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "otp_bench", "headless", "--port", "0", "--db", url],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=dict(os.environ))
        try:
            assert proc.stdout is not None
            match = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline())
            assert match, "the server didn't start"
            base = match.group(1)
            httpx.get(f"{base}/id/keys", timeout=30)  # warm: first request paths imported
            print(f"server RSS at rest: {rss_mb(proc.pid):.0f} MB")
            for chunked in (False, True):
                before = rss_mb(proc.pid)
                answer, sent, secs = upload(base, chunked)
                status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
                print(f"400 MB {'chunked' if chunked else 'Content-Length'}: {status!r}; "
                      f"client got {sent / MB:.0f} MB onto the socket before the hang-up; "
                      f"{secs * 1000:.0f} ms; server RSS {before:.0f} → "
                      f"{rss_mb(proc.pid):.0f} MB")
            started = time.perf_counter()
            resp = httpx.post(f"{base}{PATH}", content="[" * 30_000 + "]" * 30_000, timeout=10)
            print(f"60 KB nested JSON: HTTP {resp.status_code} "
                  f"{resp.json().get('error_description')!r} in "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
