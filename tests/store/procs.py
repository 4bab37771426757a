"""Real second (and third) processes for cross-process tests.

``Child`` runs SCRIPT as ``python -c`` would: the script imports what it needs, prints ``ready``,
waits for one line on stdin (``go``) and then acts, so several children start acting together.
Every wait has a deadline: a child that hangs is killed and its traceback shows in the failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


# Children and agents are forked from a forkserver that imported the engine once (per test
# process) and ran one flow (``tests.store.agent_preload``): each is still a process of its own
# (own engine, caches, connections and environment) but starts in milliseconds instead of paying
# ~1.3 s of imports and its first flow's set-up. The tests that are about a
# process starting from scratch (exit codes, signals, stdio) spawn ``python`` themselves.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["tests.store.agent_preload"])


class _PipeOut(io.TextIOBase):
    """A forked child's ``sys.stdout``: what it prints goes to the test over the pipe."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.conn.send(("out", text))
        return len(text)


class _PipeIn(io.TextIOBase):
    """A forked child's ``sys.stdin``: each line the test sends (``go``)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        try:
            return str(self.conn.recv())
        except EOFError:
            return ""


def _run_script(script: str, conn: Any, env: dict[str, str]) -> None:
    """Runs ``script`` as ``python -c`` would, in a process forked by ``Child``."""
    os.environ.clear()
    os.environ.update(env)
    sys.stdin, sys.stdout = _PipeIn(conn), _PipeOut(conn)
    try:
        exec(compile(script, "<child script>", "exec"), {"__name__": "__main__"})
    except BaseException:
        conn.send(("exit", 1, traceback.format_exc()))
    else:
        conn.send(("exit", 0, ""))


class Child:
    """Runs SCRIPT in a process of its own, forked from the preloaded forkserver (see Agent)."""

    def __init__(self, script: str, *, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OTP_BENCH_NO_QT": "1", **(env or {})}
        self.conn, theirs = _FORKS.Pipe()
        self.proc = _FORKS.Process(target=_run_script,
                                   args=(textwrap.dedent(script), theirs, full_env),
                                   name="otp-bench child", daemon=True)
        self.proc.start()
        theirs.close()
        self.pending = ""  # printed, not yet read as a line
        self.exit: tuple[int, str] | None = None

    def _more(self) -> bool:
        """Takes the child's next message; False once it has exited."""
        if self.exit is not None:
            return False
        if not self.conn.poll(DEADLINE):
            self.fail(f"hung past {DEADLINE:g}s")
        try:
            msg = self.conn.recv()
        except EOFError:
            self.exit = (self.proc.exitcode or -1, "died without a word")
            return False
        if msg[0] == "out":
            self.pending += msg[1]
            return True
        self.exit = (msg[1], msg[2])
        return False

    def wait_ready(self) -> None:
        while "\n" not in self.pending and self._more():
            pass
        line, _, self.pending = self.pending.partition("\n")
        if line.strip() != "ready":
            self.fail(f"didn't get ready (said {line!r})")

    def go(self, line: str = "go") -> None:
        self.conn.send(line + "\n")

    def result(self) -> Any:
        """The last line the child printed, as JSON, once it exits with 0."""
        while self._more():
            pass
        assert self.exit is not None
        code, err = self.exit
        self.proc.join(DEADLINE)
        if code != 0:
            self.fail(f"exited {code}", err)
        lines = [ln for ln in self.pending.splitlines() if ln.strip()]
        return json.loads(lines[-1]) if lines else None

    def fail(self, what: str, err: str = "") -> None:
        if self.proc.is_alive():
            self.proc.kill()
        if not err and self.exit is not None:
            err = self.exit[1]
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
