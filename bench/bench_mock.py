"""The mock provider under load: requests per second and the server's memory (SPEC §4).

Runs ``otp-bench mock-provider`` in its own process (its inbox a SQLite workspace) and drives it
with 8 keep-alive connections sending Twilio form POSTs (a small asyncio HTTP/1.1 client, since
wrk isn't always installed), then reports throughput and the server's RSS after each round:
memory must stay flat because messages go to the store, not to a request journal.
Run: .venv/bin/python bench/bench_mock.py [REQUESTS_PER_ROUND] [--rounds N]
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import tempfile
import time

SID = "AC" + "0123456789abcdef" * 2
BODY = b"To=%2B14155552671&From=%2B15005550006&Body=48291537+is+your+code"
CONNECTIONS = 8


def _request(host: str) -> bytes:
    auth = base64.b64encode(f"{SID}:token".encode()).decode()
    return (f"POST /2010-04-01/Accounts/{SID}/Messages.json HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Basic {auth}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n").encode() + BODY


async def _connection(host: str, port: int, n: int) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    data, done = _request(f"{host}:{port}"), 0
    for _ in range(n):
        writer.write(data)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        done += 1
    writer.close()
    return done


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def main(per_round: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0",
             "--db", f"sqlite:///{tmp}/mock.db"], stdout=subprocess.PIPE, text=True,
            env={**os.environ, "OTP_BENCH_SECRETS": "file"})
        assert proc.stdout is not None
        base = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        host, port = base.split("//")[1].split(":")
        try:
            await asyncio.gather(*(_connection(host, int(port), 100)
                                   for _ in range(CONNECTIONS)))
            print(f"mock provider pid {proc.pid}, {CONNECTIONS} connections, Twilio form POST, "
                  f"SQLite inbox; RSS after warm-up {_rss_mb(proc.pid):.0f} MB")
            for i in range(rounds):
                t = time.perf_counter()
                done = sum(await asyncio.gather(*(
                    _connection(host, int(port), per_round // CONNECTIONS)
                    for _ in range(CONNECTIONS))))
                dt = time.perf_counter() - t
                print(f"  round {i + 1}: {done} requests in {dt:.2f} s = {done / dt:,.0f}/s, "
                      f"server RSS {_rss_mb(proc.pid):.0f} MB")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 4
    if "--rounds" in sys.argv:
        args.remove(str(rounds))
    raise SystemExit(asyncio.run(main(int(args[0]) if args else 8000, rounds)))
