"""A pytest plugin: when each xdist worker starts, runs and ends, to see how a parallel suite packs
onto the cores — each worker's start-up (imports, collection), its busy time, its idle tail, and the
tests that ran last.

    PYTHONPATH=bench make test-core PYTEST_ARGS="-p pytest_timeline"

Each worker appends one JSON line per test to ``$PYTEST_TIMELINE`` (default
``/tmp/pytest-timeline.jsonl``, emptied by the controller at start); the controller prints the
summary at the end. A figure, not a test: nothing here fails a run.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

_FILE = Path(os.environ.get("PYTEST_TIMELINE", "/tmp/pytest-timeline.jsonl"))
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_T0 = pytest.StashKey[float]()  # when the controller was configured
_IMPORTED = time.time()  # in a worker: its interpreter, pytest and the plugins before this one


def pytest_configure(config: pytest.Config) -> None:
    if _WORKER == "main":
        _FILE.write_text("")
        config.stash[_T0] = time.time()
        config.pluginmanager.register(_Last(), "pytest_timeline_last")
    else:
        _mark("plugins", _IMPORTED)
        import atexit

        atexit.register(_mark, "atexit-last")  # registered first, so it runs last
        _mark("configure")


def pytest_xdist_setupnodes() -> None:
    _mark("setupnodes")


def pytest_collection_finish() -> None:
    if _WORKER != "main":
        _mark("collected")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    start = time.time()
    try:
        return (yield)
    finally:
        line = {"w": _WORKER, "id": item.nodeid, "s": start, "e": time.time()}
        with _FILE.open("a") as f:
            f.write(json.dumps(line) + "\n")


def _mark(what: str, when: float | None = None) -> None:
    with _FILE.open("a") as f:
        f.write(json.dumps({"w": _WORKER, "mark": what, "t": when or time.time()}) + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish() -> None:
    _mark("sessionfinish")


class _Last:
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        _mark("sessionfinished")


def pytest_unconfigure() -> None:
    if _WORKER != "main":
        import atexit
        import threading

        _mark("unconfigure")
        alive = [t.name for t in threading.enumerate()
                 if t is not threading.main_thread() and not t.daemon]
        if alive:
            _mark("threads:" + ",".join(alive))
        atexit.register(_mark, "atexit")  # runs first of the handlers (last in, first out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    if _WORKER != "main" or _T0 not in config.stash:
        return
    t0, end = config.stash[_T0], time.time()
    lines = [json.loads(x) for x in _FILE.read_text().splitlines() if x]
    rows = [r for r in lines if "id" in r]
    marks = {(r["w"], r["mark"]): float(r["t"]) for r in lines if "mark" in r}
    by: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        by[str(r["w"])].append(r)
    tr = terminalreporter
    tr.section("xdist timeline (pytest_timeline)")
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    tr.write_line(f"controller start to end: {end - t0:.1f} s; workers started at"
                  f" {marks.get(('main', 'setupnodes'), t0) - t0:.1f} s; the controller's own"
                  f" CPU: {own.ru_utime + own.ru_stime:.1f} s")
    for w in sorted(by):
        rs = sorted(by[w], key=lambda r: float(r["s"]))  # type: ignore[arg-type]
        first, last = float(rs[0]["s"]), float(rs[-1]["e"])  # type: ignore[arg-type]
        busy = sum(float(r["e"]) - float(r["s"]) for r in rs)  # type: ignore[arg-type]
        at = {m: marks.get((w, m), t0) - t0 for m in ("plugins", "configure", "collected")}
        tr.write_line(f"{w}: plugins loaded at {at['plugins']:4.1f} s, configured at"
                      f" {at['configure']:4.1f} s, collected at {at['collected']:4.1f} s")
        tr.write_line(f"{w}: first test at {first - t0:5.1f} s, last ends at {last - t0:5.1f} s,"
                      f" {len(rs)} tests, {busy:5.1f} s in tests, idle tail {end - last:4.1f} s"
                      f" (session finish at {marks.get((w, 'sessionfinish'), t0) - t0:5.1f} s,"
                      f" unconfigure at {marks.get((w, 'unconfigure'), t0) - t0:5.1f} s"
                      + (f", exit handlers at {marks[(w, 'atexit')] - t0:5.1f} s)"
                         if (w, "atexit") in marks else ")"))
        threads = [m.split(":", 1)[1] for v, m in marks if v == w and m.startswith("threads:")]
        if threads:
            tr.write_line(f"{w}: threads still running at its end: {threads[0]}")
    done = marks.get(("main", "sessionfinish"), t0) - t0
    gone = marks.get(("main", "sessionfinished"), t0) - t0
    tr.write_line(f"controller's session finish at {done:5.1f} s; its workers had exited at"
                  f" {gone:5.1f} s")
    tail = sorted(rows, key=lambda r: float(r["e"]))[-8:]  # type: ignore[arg-type]
    tr.write_line("last to end:")
    for r in tail:
        tr.write_line(f"  {r['w']} {float(r['s']) - t0:5.1f}-{float(r['e']) - t0:5.1f} s {r['id']}")  # type: ignore[arg-type]
