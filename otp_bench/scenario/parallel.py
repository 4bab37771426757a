"""Running scenario files in parallel: one worker process per file at a time, each file in its own
throwaway workspace, results handed back in file order.

A scenario spends most of its wall time waiting on purpose (a provider's latency, a callout left
to time out): about a quarter of a shipped file's wall time is CPU. So more files run at once
than there are cores (``FILES_PER_CORE``), the longest first (``schedule``) with a head start
over the others (``_behind``), and the workers are forked from a parent that has already
imported what a run needs (``warm_up``). Workers are processes (the engine is CPU-bound Python,
and a file's mock provider and clock are its own), started once per run and reused. The parent
keeps the output exactly as a serial run prints it: a file's lines appear once it is done, in
the order the files were named, so reports, JUnit and exit codes don't depend on ``-j``.
"""

from __future__ import annotations

import functools
import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any

from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import ScenarioError
from otp_bench.scenario.runner import ScenarioResult, run_scenario
from otp_bench.scenario.schedule import longest_first
from otp_bench.store.db import StoreError

FILES_PER_CORE = 4  # a shipped file is ~1/4 CPU, ~3/4 waiting: 4 files keep a core busy
HEAD_START_S = 1.0  # the longest file's workspace setup, before the others start theirs: at most
MAX_DEFAULT_JOBS = 32  # a worker holds ~30 MB of its own: the default stays under ~1 GB

# in a worker: the run's "the longest file is set up" event; whether this worker's first file has
# waited for it; and, while the longest file runs here, what run_one calls once it is set up
_ready: Any = None
_waited = False
_on_ready: Callable[[], object] | None = None


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_jobs() -> int:
    """Files run at once by default: ``FILES_PER_CORE`` per core, at most ``MAX_DEFAULT_JOBS``."""
    return min(cores() * FILES_PER_CORE, MAX_DEFAULT_JOBS)


@dataclass(frozen=True)
class Outcome:
    """One file's run: a result, or why it couldn't run (``invalid``: a bad file; ``store``: the
    workspace couldn't be used, which stops the whole run)."""

    result: ScenarioResult | None = None
    invalid: str | None = None
    store: str | None = None


def run_one(path: str, db_url: str | None = None) -> Outcome:
    """Load and run one file; every expected failure comes back as a value (picklable)."""
    try:
        return Outcome(run_scenario(load_scenario(path), db_url=db_url, on_ready=_on_ready))
    except ScenarioError as exc:
        return Outcome(invalid=str(exc))
    except StoreError as exc:
        return Outcome(store=str(exc))


def warm_up() -> None:
    """Load in the parent what every file's run would load lazily — the mock provider's server,
    the HTTP client and CA bundle, the presets' templates, the Apex runtime and its grammar — so
    each forked worker starts with it (about 0.3 s of CPU a worker otherwise pays again). No
    thread, socket or connection is opened, so forking stays safe."""
    from otp_bench.apex import apex_available, lib
    from otp_bench.delivery import apex_handler, http_handler  # noqa: F401
    from otp_bench.delivery.exchange import default_tls
    from otp_bench.delivery.presets import PRESETS, preset_http
    from otp_bench.delivery.request import CompiledConfig
    from otp_bench.domain.http_config import HttpConfig
    from otp_bench.domain.phone import parse_phone
    from otp_bench.mockprovider import loopback  # noqa: F401
    from otp_bench.workspace_files import apex_spec, writer  # noqa: F401

    for name in ("uvicorn.loops.auto", "uvicorn.protocols.http.auto",
                 "uvicorn.lifespan.off", "encodings.idna"):
        importlib.import_module(name)
    lib.load()
    default_tls()  # the CA bundle, loaded once for every worker
    for name in PRESETS:  # their request templates, compiled once (template.py caches them)
        CompiledConfig(HttpConfig.from_dict(preset_http(name, base_url="http://127.0.0.1")))
    parse_phone("+1 415 555 2671")  # phonenumbers loads a region's metadata on first use
    if apex_available():
        from otp_bench.apex.checker import check_program  # noqa: F401
        from otp_bench.apex.parser import parse_tree

        parse_tree("")  # loads the grammar and makes the parser


def run_parallel(
    paths: list[str], jobs: int, runner: Callable[[str], Outcome] = run_one,
    costs: list[float] | None = None,
) -> Iterator[Outcome]:
    """Each file's outcome, in the order of ``paths``, while up to ``jobs`` run at once;
    ``costs`` (a file's expected seconds, ``schedule.expected_seconds``) start the longest first.

    A worker process that dies (killed, out of memory, a crash in a C library) breaks the whole
    pool: the first file not yet reported is then run again alone, so the file that kills its
    process gets a clear error of its own, and the rest go on in a fresh pool."""
    if jobs <= 1 or len(paths) <= 1:
        for p in paths:
            yield runner(p)
        return
    # fork: the worker starts with the parent's imports (no second half-second of imports per
    # file); the parent has no engine, thread or connection open at this point
    ctx = multiprocessing.get_context("fork" if "fork" in
                                      multiprocessing.get_all_start_methods() else "spawn")
    order = longest_first(costs) if costs is not None else list(range(len(paths)))
    ready = ctx.Event() if costs is not None else None
    reported = 0
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx,
                             initializer=_init_worker, initargs=(ready,)) as pool:
        # the longest file sets the suite's wall time: it sets its workspace up first
        submitted = {i: pool.submit(functools.partial(
            _ahead if i == order[0] else _behind, runner), paths[i]) for i in order}
        futures: list[Future[Outcome]] = [submitted[i] for i in range(len(paths))]
        try:
            for fut in futures:
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    break
                yield outcome
                reported += 1
        finally:
            for fut in futures:
                fut.cancel()
    if reported < len(paths):
        yield _alone(paths[reported], runner, ctx)
        rest = costs[reported + 1:] if costs is not None else None
        yield from run_parallel(paths[reported + 1:], jobs, runner, rest)


def _init_worker(ready: Any) -> None:
    global _ready, _waited
    _ready, _waited = ready, False


def _ahead(runner: Callable[[str], Outcome], path: str) -> Outcome:
    """The longest file: tells the other workers once its workspace is set up (``run_one``
    calls ``_on_ready``), or at the latest when it ends."""
    global _on_ready
    _on_ready = _ready.set if _ready is not None else None
    try:
        return runner(path)
    finally:
        _on_ready = None
        if _ready is not None:
            _ready.set()


def _behind(runner: Callable[[str], Outcome], path: str) -> Outcome:
    """Another file. A worker's first one waits (at most ``HEAD_START_S``) until the longest file
    has set up its workspace: every worker setting one up at the same moment made a burst of CPU
    that stretched the file deciding the suite's wall time by a second or more."""
    global _waited
    if not _waited and _ready is not None:
        _waited = True
        _ready.wait(HEAD_START_S)
    return runner(path)


def _alone(path: str, runner: Callable[[str], Outcome], ctx: BaseContext) -> Outcome:
    """One file in a process of its own: its outcome, or a clear error if that process dies."""
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(runner, path).result()
        except BrokenProcessPool:
            return Outcome(invalid=f"{path}: the process running this file ended unexpectedly "
                                  "(killed, or out of memory); the other files ran")
