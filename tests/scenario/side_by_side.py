"""Scenario files run side by side, in threads of the test process, for the tests that check
each file passes on its own.

A shipped file's run mostly waits on purpose — a provider's latency, a callout left to time out:
real deadlines in content users read and run, kept as they ship. Run one test after another those
waits add up (a few seconds a file); started together when the first such test runs, they
overlap. Each file still runs exactly as it did in its own test (``cli_run``: as ``otp-bench run
FILE`` runs it, with its own throwaway workspace, loopback mock, exit code and output; or the
test's own runner); each test then asks for its own file's outcome, so a failure still names its
file and shows that file's run.

Only the files of the tests selected in this session are started (``-k`` runs no others), and
with ``waiting_s`` only those the scheduler of ``otp-bench run -j`` expects to take that long
(``schedule.expected_seconds``, read from what the file declares it will wait): the others cost
their CPU alone, and run in their own test as before.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

from otp_bench.scenario.cli import run_files
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.schedule import expected_seconds
from tests.selected import selected

__all__ = ["SideBySide", "cli_run", "selected", "side_by_side"]

R = TypeVar("R")
DEADLINE_S = 120.0  # one file's run, on a loaded machine; a hung run fails its test, named


def cli_run(path: Path) -> tuple[int, str]:
    """``otp-bench run FILE``'s exit code and output."""
    out = io.StringIO()
    code = run_files([str(path)], quiet=True, out=out)
    return code, out.getvalue()


class SideBySide(Generic[R]):
    """The runs of ``paths``, all started at once; ``outcome(path)`` waits for one."""

    def __init__(self, paths: list[Path], run: Callable[[Path], R]) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(paths)),
                                        thread_name_prefix="scenario-run")
        self._runs: dict[Path, Future[R]] = {p: self._pool.submit(run, p) for p in paths}

    def outcome(self, path: Path) -> R:
        """What ``path``'s run gave (run now if it wasn't started)."""
        started = self._runs.get(path)
        return started.result(timeout=DEADLINE_S) if started is not None else self._run(path)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def side_by_side(paths: list[Path], run: Callable[[Path], R],
                 waiting_s: float = 0.0) -> Iterator[SideBySide[R]]:
    """A fixture's body: the runs of ``paths`` (those expected to take ``waiting_s`` or more)."""
    if waiting_s > 0:
        paths = [p for p in paths if expected_seconds(load_scenario(str(p))) >= waiting_s]
    runs = SideBySide(paths, run)
    try:
        yield runs
    finally:
        runs.close()
