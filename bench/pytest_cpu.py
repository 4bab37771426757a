"""A pytest plugin: where a suite's CPU goes, per test file — the process's own CPU (all its
threads), its children's (the ``otp-bench`` and worker processes tests start, once reaped) and
the rest of the wall time (waiting: timeouts, servers, other processes, or a busy machine).

    PYTHONPATH=bench make test-core JOBS=1 PYTEST_ARGS="-p pytest_cpu"
    PYTHONPATH=bench make test-core JOBS=1 COV= PYTEST_ARGS="-p pytest_cpu"   # without coverage

Run it in one process (JOBS=1): under pytest-xdist each worker would print its own share. The
two runs above, side by side, give coverage's cost per file. ``PYTEST_CPU_TOP`` sets how many
files are listed (default 25). A figure, not a test: nothing here fails a run.
"""

from __future__ import annotations

import os
import resource
import time
from collections import defaultdict
from collections.abc import Iterator

import pytest

_files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # wall own child n
_start: list[float] = []


def _own() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pytest_sessionstart(session: pytest.Session) -> None:
    _start[:] = [time.perf_counter(), _own()]


def pytest_collection_finish(session: pytest.Session) -> None:
    if _start:
        _start.extend([time.perf_counter() - _start[0], _own() - _start[1]])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    wall, own, child = time.perf_counter(), _own(), _children()
    try:
        return (yield)
    finally:
        f = _files[item.nodeid.split("::")[0]]
        f[0] += time.perf_counter() - wall
        f[1] += _own() - own
        f[2] += _children() - child
        f[3] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _files:
        return
    tr = terminalreporter
    top = int(os.environ.get("PYTEST_CPU_TOP", "25"))
    wall, own, child = (sum(f[i] for f in _files.values()) for i in range(3))
    tr.section("CPU per test file (pytest_cpu)")
    if len(_start) == 4:
        tr.write_line(f"start-up and collection: {_start[2]:.1f} s wall, {_start[3]:.1f} CPU-s")
    tr.write_line(f"tests: {wall:.1f} s wall, {own:.1f} CPU-s own, {child:.1f} CPU-s in child "
                  f"processes, {wall - own - child:.1f} s neither (waiting or a busy machine)")
    head = ("CPU-s", "own", "child", "wall", "wait")
    tr.write_line(" ".join(f"{h:>7}" for h in head) + "  tests  file")
    rows = sorted(_files.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
    for name, (w, o, c, n) in rows[:top]:
        cells = " ".join(f"{v:7.1f}" for v in (o + c, o, c, w, w - o - c))
        tr.write_line(f"{cells}  {int(n):5d}  {name}")
