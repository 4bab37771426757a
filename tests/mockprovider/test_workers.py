"""``otp-bench mock-provider --workers 2``: two processes on one port, one SQLite inbox.

Run as the user runs it (the CLI in a subprocess): concurrent senders, then a clean stop by
signal; every accepted message must be in the workspace exactly once, none refused by a locked
database, and faults from ``--faults FILE`` apply whichever worker answers.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

SID = "AC" + "0123456789abcdef" * 2
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
BROKEN = "+14155550100"  # the --faults file refuses this number


class Server:
    def __init__(self, db: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0", "--db",
             f"sqlite:///{db}", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, "OTP_BENCH_SECRETS": "file",
                            # key files chosen, not announced: the banner stays the first line
                            "OTP_BENCH_KEY_STORE": "file"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put("")  # EOF

    def banner(self) -> tuple[str, str]:
        """The base URL and the line naming the workers, once the server serves."""
        first = self.lines.get(timeout=60)
        assert "listening on" in first, "".join(self.output)
        return first.rsplit(" ", 1)[-1].strip(), self.lines.get(timeout=10)

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def inbox_refs(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as conn:
        bodies = [b for (b,) in conn.execute("SELECT body_masked FROM inbox")]
    return Counter(m.group(1) for b in bodies if (m := re.search(r"ref (r\d+z)", b)))


def send_all(base: str, n: int, *, stop_after: int, stop: Callable[[], None]) -> dict[str, int]:
    """n Twilio messages with distinct refs from 16 threads; ref -> HTTP status (0: no answer).

    After ``stop_after`` answers ``stop`` runs while the rest are still being sent: the server
    stops under load, with messages in flight.

    Each thread sends through a client of its own. Threads sharing one httpx client's pool hit
    httpcore's race (encode/httpcore#1110, in 1.0.9): while the server closed its keep-alive
    connections on stopping, one thread's pool pass closed a connection another thread was
    reading an answer from, and that read hung to the client's timeout (30 s, about one run in
    ten) though the answer had arrived."""
    answered = threading.Semaphore(0)
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    tls = ssl.create_default_context()  # plain HTTP; one context, not one CA load per client

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, auth=(SID, "token"), timeout=30,
                                        verify=tls, trust_env=False)
            with lock:
                clients.append(local.client)
        return local.client  # type: ignore[no-any-return]

    def one(i: int) -> tuple[str, int]:
        to = BROKEN if i % 10 == 0 else "+14155552671"
        try:
            r = client().post(PATH, data={"To": to, "From": "+15005550006",
                                          "Body": f"Your code is 482915 ref r{i}z"})
            status = r.status_code
        except httpx.HTTPError:  # the server is going away
            status = 0
        answered.release()
        return f"r{i}z", status

    def stopper() -> None:
        for _ in range(stop_after):
            answered.acquire()
        stop()

    stopping = threading.Thread(target=stopper, daemon=True)
    stopping.start()
    try:
        with ThreadPoolExecutor(16) as pool:
            out = dict(pool.map(one, range(n)))
        stopping.join(30)
        assert not stopping.is_alive(), "the stop never ran"
        return out
    finally:
        for c in clients:
            c.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_two_workers_land_every_accepted_message_exactly_once(tmp_path: Path, sig: int) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"twilio": [{"status": 500, "number": BROKEN}]}))
    db = tmp_path / "ws.db"
    server = Server(db, "--workers", "2", "--faults", str(faults))
    try:
        base, note = server.banner()
        pids = [int(p) for p in re.findall(r"\d+", note.split("pids", 1)[1].split(")")[0])]
        assert len(set(pids)) == 2 and server.proc.pid not in pids, note
        # faults can't change behind the workers' backs: the endpoint says why
        r = httpx.put(f"{base}/_bench/faults/twilio", json=[{"status": 503}])
        assert r.status_code == 400 and "--faults FILE" in r.json()["error"]

        statuses = send_all(base, 500, stop_after=200, stop=lambda: server.proc.send_signal(sig))
        assert server.proc.wait(timeout=30) == 0
    finally:
        server.kill()

    good = {ref for ref in statuses if int(ref[1:-1]) % 10}
    # the fault file holds in every worker, and nothing else is refused (no locked database)
    assert {s for ref, s in statuses.items() if ref not in good} <= {500, 0}
    assert {s for ref, s in statuses.items() if ref in good} <= {201, 0}, "".join(server.output)
    accepted = {ref for ref, s in statuses.items() if s == 201}
    assert len(accepted) >= 150, Counter(statuses.values())
    refs = inbox_refs(db)
    assert accepted <= set(refs)  # every 201 is on the phone, also those answered while stopping
    assert set(refs) <= good  # (a message whose answer the stop cut off may be there too)
    assert set(refs.values()) == {1}  # none twice
    assert "locked" not in "".join(server.output), "".join(server.output)
    if sys.platform == "linux":
        assert not any(alive(pid) for pid in pids)  # the workers are gone too


def alive(pid: int) -> bool:
    try:  # an unreaped zombie (orphans in a container without init) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_bad_faults_file_is_named_and_nothing_starts(tmp_path: Path) -> None:
    bad = tmp_path / "faults.json"
    bad.write_text(json.dumps({"twilio": [{"status": 500, "sometimes": True}]}))
    out = subprocess.run(
        [sys.executable, "-m", "otp_bench", "mock-provider", "--port", "0", "--workers", "2",
         "--db", f"sqlite:///{tmp_path}/ws.db", "--faults", str(bad)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "OTP_BENCH_SECRETS": "file"})
    assert out.returncode == 2
    assert str(bad) in out.stderr and "twilio" in out.stderr and "sometimes" in out.stderr
