"""Running scenario files in parallel: one worker process per file at a time, each file in its own
throwaway workspace, results handed back in file order.

A scenario spends most of its wall time waiting (real timeouts, a slow provider): files run one
after another leave the cores idle. Workers are processes (the engine is CPU-bound Python, and a
file's mock provider and clock are its own). The parent keeps the output exactly as a serial run
prints it: a file's lines appear once it is done, in the order the files were named, so reports,
JUnit and exit codes don't depend on ``-j``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext

from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import ScenarioError
from otp_bench.scenario.runner import ScenarioResult, run_scenario
from otp_bench.store.db import StoreError


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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
        return Outcome(run_scenario(load_scenario(path), db_url=db_url))
    except ScenarioError as exc:
        return Outcome(invalid=str(exc))
    except StoreError as exc:
        return Outcome(store=str(exc))


def run_parallel(
    paths: list[str], jobs: int, runner: Callable[[str], Outcome] = run_one,
) -> Iterator[Outcome]:
    """Each file's outcome, in the order of ``paths``, while up to ``jobs`` run at once.

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
    reported = 0
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx) as pool:
        futures: list[Future[Outcome]] = [pool.submit(runner, p) for p in paths]
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
        yield from run_parallel(paths[reported + 1:], jobs, runner)


def _alone(path: str, runner: Callable[[str], Outcome], ctx: BaseContext) -> Outcome:
    """One file in a process of its own: its outcome, or a clear error if that process dies."""
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(runner, path).result()
        except BrokenProcessPool:
            return Outcome(invalid=f"{path}: the process running this file ended unexpectedly "
                                  "(killed, or out of memory); the other files ran")
