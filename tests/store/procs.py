"""Real second (and third) processes for cross-process tests.

``Child`` starts ``python -c SCRIPT``: the script imports what it needs, prints ``ready``, waits
for one line on stdin (``go``) and then acts, so several children start acting together. Every
wait has a deadline: a child that hangs is killed and its stderr shows in the failure.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


class Child:
    def __init__(self, script: str, *, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OTP_BENCH_NO_QT": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT,
        )

    def wait_ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the child prints "ready" or dies (EOF)
        if line.strip() != "ready":
            self.fail(f"didn't get ready (said {line!r})")

    def go(self, line: str = "go") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def result(self) -> Any:
        """The last line the child printed, as JSON, once it exits with 0."""
        try:
            out, err = self.proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            self.fail(f"hung past {DEADLINE:g}s", err)
        if self.proc.returncode != 0:
            self.fail(f"exited {self.proc.returncode}", err)
        lines = [ln for ln in out.splitlines() if ln.strip()]
        return json.loads(lines[-1]) if lines else None

    def fail(self, what: str, err: str = "") -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        if not err and self.proc.stderr is not None:
            err = self.proc.stderr.read()
        raise AssertionError(f"child process {what}:\n{err}")


def run_together(children: list[Child]) -> list[Any]:
    for c in children:
        c.wait_ready()
    for c in children:
        c.go()
    return [c.result() for c in children]


# Agents are forked from a forkserver that imported the engine once (per test process): each
# is still a process of its own (own engine, caches and connections), but starts in milliseconds
# instead of paying ~1.3 s of imports. ``Child`` stays a plain ``python -c`` for the tests that
# are about a process starting from scratch.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.store.agent"])


class Agent:
    """Another otp-bench process on the workspace at ``url`` (see ``tests.store.agent``)."""

    def __init__(self, url: str, *, env: dict[str, str] | None = None) -> None:
        from tests.store import agent

        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OTP_BENCH_NO_QT": "1", **(env or {})}
        self.conn, theirs = _FORKS.Pipe()
        self.proc = _FORKS.Process(target=agent.serve, args=(url, theirs, full_env),
                                   name="otp-bench agent", daemon=True)
        self.proc.start()
        theirs.close()
        line = self._readline()
        if line != "ready":
            self._die(f"didn't get ready (said {line!r})")

    def _readline(self) -> str:
        if not self.conn.poll(DEADLINE):  # a hung agent can't hang the test
            self.proc.kill()
            self._die(f"hung past {DEADLINE:g}s")
        try:
            got = self.conn.recv()
        except EOFError:
            return ""
        return str(got)

    def _die(self, what: str) -> None:
        self.proc.kill()
        self.proc.join(DEADLINE)
        raise AssertionError(f"agent {what} (exit code {self.proc.exitcode})")

    def send(self, **cmd: Any) -> None:
        self.conn.send(json.dumps(cmd))

    def answer(self) -> Any:
        line = self._readline()
        if not line:
            self._die("exited")
        got = json.loads(line)
        if "raised" in got:
            raise AssertionError(f"agent raised {got['raised']}\n{got['trace']}")
        self.answered_at = float(got.get("at", 0.0))  # time.time() when the agent was done
        return got["ok"]

    def ask(self, **cmd: Any) -> Any:
        self.send(**cmd)
        return self.answer()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # an agent that already died
            self.conn.send(None)  # "stdin closed": the agent closes its engine and exits
        self.proc.join(DEADLINE)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()
