"""The mock provider under load, against WireMock in the same run (SPEC §4).

Starts ``otp-bench mock-provider`` (its inbox a SQLite workspace) once as one process and once
with ``--workers 2`` (2 processes sharing the port and one SQLite workspace) and, when its jar is
given, WireMock standalone with its request journal on (the default) and a stub for the same
Twilio path, all on loopback. Each gets the same warm-up, then ROUNDS rounds of REQUESTS Twilio form
POSTs (Basic auth) over 8 keep-alive connections, driven by ``wrk`` — or, when wrk is missing, by
a small asyncio client in this process (slower: it shares the CPU with the server). Prints
requests per second, the ratio, and each server's RSS at start, after every round and its peak
(sampled; for ``--workers`` the sum over the supervisor and its workers, so shared library pages
count once per process): ours stays flat because messages go to the store, WireMock's journal
keeps growing. Checks after each of our runs that every accepted message is in the inbox after a
clean stop (SIGTERM); tests/mockprovider/test_workers.py checks "exactly once" with distinct
messages.

Run:  .venv/bin/python bench/bench_mock.py [--requests 40000] [--rounds 4]
          [--wiremock-jar PATH | env OTP_BENCH_WIREMOCK_JAR=PATH] [--python-load]
          [--workers 2]  (0: skip the multi-process run)
WireMock's jar: ``npm install wiremock`` in a scratch directory (e.g. /tmp/wm), then
node_modules/wiremock/build/wiremock-standalone-*.jar. Needs Java 11+.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SID = "AC" + "0123456789abcdef" * 2
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
FORM = "To=%2B14155552671&From=%2B15005550006&Body=482915+is+your+code"
AUTH = "Basic " + base64.b64encode(f"{SID}:token".encode()).decode()
WRK_THREADS = 2
WARMUP = 5000

# wrk only knows a duration (-d): each thread stops after its share of the round's requests and
# leaves a marker file; once all have, the bench interrupts wrk, which then reports the real time
LUA = f"""
wrk.method = "POST"
wrk.body = "{FORM}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "{AUTH}"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
local limit, n, marker = 0, 0, ""
function init(args)
  limit = tonumber(args[1])
  marker = args[2]
end
function response(status, headers, body)
  n = n + 1
  if n == limit then
    local f = io.open(marker .. "." .. id, "w")
    f:write(n)
    f:close()
    wrk.thread:stop()
  end
end
"""

WIREMOCK_STUB = {
    "request": {
        "method": "POST", "urlPathPattern": "/2010-04-01/Accounts/AC[0-9a-fA-F]{32}/Messages.json",
        "basicAuthCredentials": {"username": SID, "password": "token"},
        "formParameters": {"To": {"matches": r"\+[0-9]{8,15}"}},
    },
    "response": {
        "status": 201, "headers": {"Content-Type": "application/json"},
        "jsonBody": {"sid": "SM" + "0" * 32, "status": "queued", "to": "+14155552671",
                     "body": "482915 is your code", "account_sid": SID},
    },
}


# -- servers ------------------------------------------------------------------------------------

def _rss_one(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # the ppid is the 2nd field after the parenthesised command name
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out


def rss_mb(pid: int) -> float:
    """RSS of ``pid`` and its descendants (the worker processes of ``--workers N``)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_one(p)
        todo += _children(p)
    return total


class PeakRss:
    """Samples a process tree's RSS every 100 ms while a round runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, rss_mb(self.pid))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_ours(db: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0",
         "--db", f"sqlite:///{db}", "--workers", str(workers)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "OTP_BENCH_SECRETS": "file"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"the mock provider didn't start: {line!r}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # never block its stdout
    return proc, line.rsplit(" ", 1)[-1].strip()


def start_wiremock(jar: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        ["java", "-jar", jar, "--port", str(port), "--bind-address", "127.0.0.1",
         "--disable-banner"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/__admin/health", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("WireMock didn't start (is Java 11+ on PATH?)") from None
            time.sleep(0.2)
    req = urllib.request.Request(base + "/__admin/mappings", data=json.dumps(WIREMOCK_STUB)
                                 .encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()
    return proc, base


def stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- load generators ----------------------------------------------------------------------------

@dataclass
class Round:
    done: int
    seconds: float
    errors: int  # non-2xx answers and socket errors

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


@dataclass
class Wrk:
    script: str
    connections: int
    max_seconds: int
    name: str = field(default="wrk")

    def __call__(self, base: str, n: int) -> Round:
        marker = Path(self.script).with_suffix(".done")
        for old in marker.parent.glob(marker.name + ".*"):
            old.unlink()
        proc = subprocess.Popen(
            ["wrk", f"-t{WRK_THREADS}", f"-c{self.connections}", f"-d{self.max_seconds}s",
             "-s", self.script, base + PATH, "--", str(max(1, n // WRK_THREADS)), str(marker)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        while proc.poll() is None:
            if len(list(marker.parent.glob(marker.name + ".*"))) >= WRK_THREADS:
                proc.send_signal(signal.SIGINT)  # wrk stops and prints its summary
                break
            time.sleep(0.005)
        out = proc.communicate()[0]
        m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
        if not m:
            raise SystemExit(f"can't read wrk's output:\n{out}")
        secs = float(m.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(3)]
        errs = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                         out)
        errs += sum(int(x) for x in sock.groups()) if sock else 0
        return Round(int(m.group(1)), secs, errs)


@dataclass
class PythonLoad:
    connections: int
    name: str = field(default="asyncio client (wrk missing)")

    def __call__(self, base: str, n: int) -> Round:
        return asyncio.run(self._round(base, n))

    async def _round(self, base: str, n: int) -> Round:
        host, port = base.split("//")[1].split(":")
        t = time.perf_counter()
        results = await asyncio.gather(*(self._connection(host, int(port), n // self.connections)
                                         for _ in range(self.connections)))
        return Round(sum(d for d, _ in results), time.perf_counter() - t,
                     sum(e for _, e in results))

    async def _connection(self, host: str, port: int, n: int) -> tuple[int, int]:
        body = FORM.encode()
        data = (f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {AUTH}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        reader, writer = await asyncio.open_connection(host, port)
        done = errors = 0
        for _ in range(n):
            writer.write(data)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 2"):
                errors += 1
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            done += 1
        writer.close()
        return done, errors


# -- the run ------------------------------------------------------------------------------------

def measure(label: str, pid: int, base: str, load: Callable[[str, int], Round],
            per_round: int, rounds: int) -> list[Round]:
    load(base, WARMUP)
    print(f"{label} (pid {pid}): RSS after {WARMUP:,} warm-up requests {rss_mb(pid):.0f} MB")
    out = []
    for i in range(rounds):
        sampler = PeakRss(pid)
        r = load(base, per_round)
        peak = sampler.stop()
        out.append(r)
        err = f", {r.errors} errors" if r.errors else ""
        print(f"  round {i + 1}: {r.done:,} requests in {r.seconds:.2f} s = {r.rate:,.0f}/s{err}; "
              f"RSS {rss_mb(pid):.0f} MB (peak {peak:.0f} MB)", flush=True)
    return out


def run_ours(db: str, workers: int, load: Callable[[str, int], Round], per_round: int,
             rounds: int) -> list[Round]:
    proc, base = start_ours(db, workers)
    label = ("otp-bench mock provider, SQLite inbox" if workers == 1 else
             f"otp-bench mock provider --workers {workers}, one SQLite inbox (RSS: all processes)")
    try:
        out = measure(label, proc.pid, base, load, per_round, rounds)
    finally:
        stop(proc)  # SIGTERM: a clean stop, which must write every queued message
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM inbox").fetchone()[0]
    accepted = WARMUP + sum(r.done - r.errors for r in out)
    # wrk may count a request it sent before being stopped but whose answer it never read:
    # the server accepted it, so the inbox can hold a few more than wrk's count, never fewer
    verdict = "all there" if stored >= accepted else f"{accepted - stored} MISSING"
    print(f"  inbox after a clean stop: {stored:,} messages for {accepted:,} accepted "
          f"requests ({verdict})")
    return out


def mean_rate(rs: list[Round]) -> float:
    return sum(r.done for r in rs) / sum(r.seconds for r in rs)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("requests", nargs="?", type=int, help=argparse.SUPPRESS)  # the old spelling
    p.add_argument("--requests", dest="per_round", type=int, default=40_000,
                   help="requests per round (default 40000)")
    p.add_argument("--rounds", type=int, default=4, help="rounds (default 4)")
    p.add_argument("--connections", type=int, default=8, help="keep-alive connections (8)")
    p.add_argument("--max-seconds", type=int, default=60, help="time bound of one round (60)")
    p.add_argument("--wiremock-jar", default=os.environ.get("OTP_BENCH_WIREMOCK_JAR"),
                   help="WireMock standalone jar (or env OTP_BENCH_WIREMOCK_JAR)")
    p.add_argument("--python-load", action="store_true", help="use the asyncio client, not wrk")
    p.add_argument("--workers", type=int, default=2,
                   help="worker processes of the second run of ours (default 2; 0: skip it)")
    a = p.parse_args()
    per_round = a.requests or a.per_round

    with tempfile.TemporaryDirectory() as tmp:
        load: Callable[[str, int], Round]
        if shutil.which("wrk") and not a.python_load:
            script = Path(tmp, "twilio.lua")
            script.write_text(LUA)
            load = Wrk(str(script), a.connections, a.max_seconds)
            how = f"wrk -t{WRK_THREADS} -c{a.connections}"
        else:
            if not a.python_load:
                print("wrk is not installed (Debian: apt-get install wrk): falling back to a "
                      "Python load generator, which shares the CPU with the server — figures "
                      "are lower than wrk's and not comparable with them.")
            load = PythonLoad(a.connections)
            how = f"asyncio client, {a.connections} connections"
        print(f"load: {how}, Twilio form POST with Basic auth; {a.rounds} rounds x "
              f"{per_round:,} requests (each at most {a.max_seconds} s); {os.cpu_count()} CPUs")

        ours = run_ours(f"{tmp}/mock1.db", 1, load, per_round, a.rounds)
        multi = (run_ours(f"{tmp}/mock{a.workers}.db", a.workers, load, per_round, a.rounds)
                 if a.workers > 1 else [])

        theirs: list[Round] = []
        if not a.wiremock_jar:
            print("WireMock skipped: no jar (pass --wiremock-jar or set OTP_BENCH_WIREMOCK_JAR; "
                  "`npm install wiremock` in a scratch directory bundles it).")
        elif not Path(a.wiremock_jar).is_file():
            print(f"WireMock skipped: {a.wiremock_jar} is not a file.")
        elif not shutil.which("java"):
            print("WireMock skipped: java is not on PATH.")
        else:
            wm, wbase = start_wiremock(a.wiremock_jar)
            try:
                theirs = measure("WireMock standalone, request journal on", wm.pid, wbase, load,
                                 per_round, a.rounds)
            finally:
                stop(wm)

    print(f"ours, 1 process: {mean_rate(ours):,.0f} requests/s over {a.rounds} rounds")
    if multi:
        print(f"ours, --workers {a.workers}: {mean_rate(multi):,.0f} requests/s")
    if theirs:
        print(f"WireMock: {mean_rate(theirs):,.0f} requests/s; ours / WireMock = "
              f"{mean_rate(ours) / mean_rate(theirs):.2f} (1 process)" + (
                  f", {mean_rate(multi) / mean_rate(theirs):.2f} (--workers {a.workers})"
                  if multi else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
