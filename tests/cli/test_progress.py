"""Progress of a long export: a bar on a terminal (a pseudo-terminal here), nothing on a pipe.

Each command a test starts costs ~1 CPU-s before it does anything, so only the facts that need
a real process (a terminal, a pipe a reader leaves, the start path itself) start one.
"""

from __future__ import annotations

import errno
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import insert

from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store import convert as cv
from otp_bench.store.orm import EventRow
from otp_bench.store.store import Store
from tests.export.conftest import plant

# ~400 KB of JSON Lines: over six times a pipe's 64 KiB buffer, so a reader that leaves early
# meets a writer still writing, and the bar is drawn and redrawn (5,000 cost each of the six
# commands ~0.4 s more CPU and proved nothing more)
EVENTS = 1000


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The planted workspace with its events copied to about ``EVENTS`` rows."""
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTP_BENCH_SECRETS", "file")
        engine = Engine(Store(url), FrozenClock())
        plant(engine)
        store = engine.store
        template = list(store.iter_events())
        rows = [cv.event_values(replace(rec, flow_id=f"flw_copy{i:08d}"))
                for i in range(EVENTS // len(template)) for rec in template]
        with store.transaction() as tx:
            tx.session.execute(insert(EventRow), rows)
        engine.close()
    yield url


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OTP_BENCH_SECRETS": "file", "OTP_BENCH_KEY_STORE": "file",
            "TERM": "xterm-256color",
            "COLUMNS": "100", "LINES": "30", "OTP_BENCH_LOG_DIR": str(tmp_path / "logs")}


def _drain(leader: int) -> bytes:
    """Everything a pseudo-terminal received, until the process closes it."""
    received = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError as exc:  # EIO: the process closed the terminal (it exited)
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return bytes(received)


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    """Run with stdout and stderr on a pseudo-terminal; everything the terminal received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                            env=env)
    os.close(follower)
    seen = _drain(leader)
    return proc.wait(timeout=120), seen


def _in_process_on_a_terminal(argv: list[str], env: dict[str, str],
                              monkeypatch: pytest.MonkeyPatch) -> tuple[int, bytes]:
    """``otp-bench *argv`` run in this process with stdout and stderr on a real pseudo-terminal;
    everything the terminal received. What a process of its own would show (the streams are what
    decides), without its ~1 CPU-s start-up; the start path itself is run by the export test."""
    from otp_bench.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    leader, follower = pty.openpty()
    seen: list[bytes] = []
    reader = threading.Thread(target=lambda: seen.append(_drain(leader)), daemon=True)
    reader.start()  # drained while written: a full terminal would block the writer
    with open(follower, "w", encoding="utf-8", closefd=True) as terminal:
        monkeypatch.setattr(sys, "stdout", terminal)
        monkeypatch.setattr(sys, "stderr", terminal)
        try:
            code = main(argv)
        finally:
            terminal.flush()
            monkeypatch.undo()
    reader.join(30)  # the terminal's last writer closed: the reader meets EIO and ends
    assert not reader.is_alive()
    return code, seen[0]


def _cmd(url: str, *rest: str) -> list[str]:
    return [sys.executable, "-m", "otp_bench", "--db", url, *rest]


# what ``export events`` never needs on a workspace already at the current schema: the
# migrations (Alembic), the servers (uvicorn, Starlette), templates (Jinja), the HTTP client and,
# with file-kept keys, the OS keyring; each one loaded is start-up CPU every export pays
NOT_FOR_EXPORT = ("alembic", "uvicorn", "starlette", "jinja2", "httpx", "keyring", "PySide6",
                  "otp_bench.engine", "otp_bench.headless")


def test_a_long_export_shows_a_bar_on_a_terminal(big_workspace: str, tmp_path: Path) -> None:
    """The real start path (``python -m otp_bench``) on a terminal; ``-X importtime`` also names
    every module the command loaded, so a heavy import creeping into it fails here."""
    out = tmp_path / "events.jsonl"
    argv = _cmd(big_workspace, "export", "events", str(out))
    code, seen = _on_a_terminal([argv[0], "-X", "importtime", *argv[1:]], _env(tmp_path))
    text = seen.decode("utf-8", "replace")
    assert code == 0, text
    assert "Exporting events" in text and "\x1b[" in text  # drawn, with terminal controls
    assert "━" in text  # rich's bar
    assert f"wrote {len(out.read_text('utf-8').splitlines())} event(s)" in text
    loaded = set(re.findall(r"^import time:.*\|\s*([\w.]+)\s*$", text, re.MULTILINE))
    assert "otp_bench.export.jsonl" in loaded and "sqlalchemy" in loaded  # the list is read
    heavy = {m for m in loaded if m.split(".")[0] in NOT_FOR_EXPORT or m in NOT_FOR_EXPORT
             or any(m.startswith(f"{n}.") for n in NOT_FOR_EXPORT)}
    assert not heavy, sorted(heavy)


def test_quiet_draws_no_bar_on_a_terminal(big_workspace: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, seen = _in_process_on_a_terminal(
        ["--db", big_workspace, "export", "events", str(tmp_path / "e.jsonl"), "-q"],
        _env(tmp_path), monkeypatch)
    assert code == 0 and seen == b""


def test_a_pipe_gets_nothing_extra(big_workspace: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal (a pipe, a file) only the summary line. Run in this process: what decides
    is whether the streams are terminals, and the captured ones aren't, as a pipe isn't."""
    from otp_bench.cli import main

    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "events.jsonl"
    assert not sys.stdout.isatty() and not sys.stderr.isatty()
    assert main(["--db", big_workspace, "export", "events", str(out)]) == 0
    done = capsys.readouterr()
    assert done.err == ""
    assert done.out == f"wrote {len(out.read_text('utf-8').splitlines())} event(s) to {out}\n"


def test_piping_the_data_keeps_the_bar_off_stdout(big_workspace: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``export events - | jq`` with stderr on a terminal: the bar there, only JSON in the pipe.
    In this process, its stdout a real pipe and its stderr a real pseudo-terminal."""
    from otp_bench.cli import main

    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    leader, follower = pty.openpty()
    pipe_out, pipe_in = os.pipe()
    terminal: list[bytes] = []
    data: list[bytes] = []
    readers = [threading.Thread(target=lambda: terminal.append(_drain(leader)), daemon=True),
               threading.Thread(target=lambda: data.append(_read_all(pipe_out)), daemon=True)]
    for reader in readers:
        reader.start()  # the terminal is read while the pipe is: neither fills up and blocks
    with (open(follower, "w", encoding="utf-8") as err,
          open(pipe_in, "w", encoding="utf-8") as out):
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        try:
            code = main(["--db", big_workspace, "export", "events", "-"])
        finally:
            out.flush()
            err.flush()
            monkeypatch.undo()
    for reader in readers:
        reader.join(30)
        assert not reader.is_alive()
    assert code == 0
    lines = data[0].decode("utf-8").splitlines()
    assert len(lines) > EVENTS // 2 and all(line.startswith('{"id": ') for line in lines)
    assert b"Exporting events" in terminal[0] and b"wrote" in terminal[0]


def _read_all(fd: int) -> bytes:
    with open(fd, "rb") as pipe:
        return pipe.read()


def test_a_reader_that_leaves_early_ends_the_export_quietly(big_workspace: str,
                                                           tmp_path: Path) -> None:
    """``export events - | head -1``: no traceback, no "Broken pipe" line, the shell's 141."""
    proc = subprocess.Popen(_cmd(big_workspace, "export", "events", "-"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_env(tmp_path))
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert first.startswith(b'{"id": 1') and err == b""


def test_a_run_on_a_terminal_keeps_its_step_lines_above_the_bar(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cli.test_export_targets import SCENARIO

    code, seen = _in_process_on_a_terminal(["run", str(SCENARIO)], _env(tmp_path), monkeypatch)
    text = seen.decode("utf-8", "replace")
    assert code == 0, text
    assert "Running scenarios" in text  # the bar was drawn
    assert text.count("✓ step") == 2 and "2 step(s) held, 0 failed" in text
