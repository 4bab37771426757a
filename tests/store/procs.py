"""Real second (and third) processes for cross-process tests.

``Child`` starts ``python -c SCRIPT``: the script imports what it needs, prints ``ready``, waits
for one line on stdin (``go``) and then acts, so several children start acting together. Every
wait has a deadline: a child that hangs is killed and its stderr shows in the failure.
"""

from __future__ import annotations

import json
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


class Agent:
    """Another otp-bench process on the workspace at ``url`` (see ``tests.store.agent``)."""

    def __init__(self, url: str, *, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OTP_BENCH_NO_QT": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.store.agent", url], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT,
        )
        self._deadline_timer: Any = None
        line = self._readline()
        if line.strip() != "ready":
            self._die(f"didn't get ready (said {line!r})")

    def _readline(self) -> str:
        import threading

        assert self.proc.stdout is not None
        timer = threading.Timer(DEADLINE, self.proc.kill)  # a hung agent can't hang the test
        timer.start()
        try:
            return self.proc.stdout.readline()
        finally:
            timer.cancel()

    def _die(self, what: str) -> None:
        self.proc.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise AssertionError(f"agent {what}:\n{err}")

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

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
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
