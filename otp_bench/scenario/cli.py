"""``otp-bench run FILE...``: progress per step, a summary, the report files, the exit code.

Exit 0 when every expectation held, 1 when one failed, 2 when a file is invalid. Step lines are
text for people or JSON Lines for tools (``run_output``); on a terminal a progress bar counts the
steps (``otp_bench.progress``). ``--report``/``--junit`` go through ``otp_bench.outputs`` — with
``-`` the report is standard output and the step lines move to standard error.
"""

from __future__ import annotations

import sys
from typing import TextIO

from otp_bench.outputs import OutputError, is_stdio, resolve_output
from otp_bench.progress import meter
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import Scenario, ScenarioError
from otp_bench.scenario.parallel import run_parallel, warm_up
from otp_bench.scenario.report import write_json, write_junit
from otp_bench.scenario.run_output import Format, JsonRunOutput, RunOutput
from otp_bench.scenario.runner import ScenarioResult, StepResult, run_scenario
from otp_bench.scenario.schedule import expected_seconds
from otp_bench.scenario.shipped import resolve
from otp_bench.store.db import StoreError

OK, FAILED, INVALID = 0, 1, 2


def run_files(
    files: list[str], *, report: str | None = None, junit: str | None = None,
    db_url: str | None = None, quiet: bool = False, out: TextIO | None = None,
    fmt: Format = "text", jobs: int = 1,
) -> int:
    """Run ``files``; with ``jobs`` > 1 (and no shared ``db_url``) files run in parallel
    processes, each in its own workspace, and print exactly what a serial run prints."""
    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out
    try:
        _check_targets(report, junit)
    except OutputError as exc:
        print(f"otp-bench: {exc}", file=err)
        return INVALID
    if is_stdio(report) or is_stdio(junit):
        out = err  # standard output carries the report; the run's own lines move aside
    scenarios: list[Scenario] = []
    results: list[ScenarioResult] = []
    invalid = False
    # no bar when the lines were redirected by the caller, or JSON lines share its terminal
    no_bar = quiet or out is not sys.stdout or (fmt == "json" and out.isatty())
    with meter("Running scenarios", quiet=no_bar, lines_to=out) as bar:
        show = JsonRunOutput(out, err, quiet=quiet) if fmt == "json" \
            else RunOutput(bar, err, quiet=quiet)
        for f in files:
            try:
                scenarios.append(load_scenario(resolve(f)))
            except ScenarioError as exc:
                show.invalid(str(exc))
                invalid = True
        bar.total(sum(len(sc.steps) for sc in scenarios))  # the bar shows N/? until here
        if jobs > 1 and db_url is None and len(scenarios) > 1:
            warm_up()
            for stream in (out, err, sys.stdout, sys.stderr):
                stream.flush()  # a forked worker must not inherit half-written lines
            outcomes = run_parallel([str(sc.file) for sc in scenarios], jobs,
                                    costs=[expected_seconds(sc) for sc in scenarios])
            for sc, outcome in zip(scenarios, outcomes, strict=True):
                show.scenario(sc)
                bar.describe(sc.name)
                if outcome.store is not None:
                    print(f"otp-bench: {outcome.store}", file=err)
                    return INVALID
                if outcome.result is None:
                    show.invalid(outcome.invalid or f"{sc.file}: the run failed")
                    invalid = True
                    continue
                for step in outcome.result.steps:
                    show.step(sc, step)
                    bar.advance()
                results.append(outcome.result)
            scenarios = []  # all run
        for sc in scenarios:
            show.scenario(sc)
            bar.describe(sc.name)

            def progress(step: StepResult, sc: Scenario = sc) -> None:
                show.step(sc, step)
                bar.advance()

            try:
                results.append(run_scenario(sc, db_url=db_url, progress=progress))
            except ScenarioError as exc:
                show.invalid(str(exc))
                invalid = True
            except StoreError as exc:
                print(f"otp-bench: {exc}", file=err)
                return INVALID
    show.summary(results)
    if report:
        write_json(results, report)
    if junit:
        write_junit(results, junit)
    if invalid:
        return INVALID
    return FAILED if any(not r.passed for r in results) else OK


def _check_targets(report: str | None, junit: str | None) -> None:
    """Both targets are checked before anything runs: a typo'd folder fails in a second."""
    if is_stdio(report) and is_stdio(junit):
        raise OutputError("--report and --junit can't both be - (standard output)")
    for target in (report, junit):
        if target:
            resolve_output(target)
