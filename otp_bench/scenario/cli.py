"""``otp-bench run FILE...``: progress per step, a summary, the report files, the exit code.

Exit 0 when every expectation held, 1 when one failed, 2 when a file is invalid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import Scenario, ScenarioError
from otp_bench.scenario.report import write_json, write_junit
from otp_bench.scenario.runner import ScenarioResult, StepResult, run_scenario
from otp_bench.scenario.shipped import resolve
from otp_bench.store.db import StoreError

OK, FAILED, INVALID = 0, 1, 2


def run_files(
    files: list[str], *, report: str | None = None, junit: str | None = None,
    db_url: str | None = None, quiet: bool = False, out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = sys.stderr if out is sys.stdout else out
    scenarios: list[Scenario] = []
    invalid = False
    for f in files:
        try:
            scenarios.append(load_scenario(resolve(f)))
        except ScenarioError as exc:
            print(f"invalid scenario: {exc}", file=err)
            invalid = True
    results: list[ScenarioResult] = []
    for sc in scenarios:
        if not quiet:
            print(f"▶ {sc.name}  ({sc.file})", file=out)

        def progress(step: StepResult, sc: Scenario = sc) -> None:
            if quiet:
                return
            mark = "✓" if step.passed else "✗"
            print(f"  {mark} step {step.index + 1:>2} {step.label}: init {step.init}, "
                  f"delivery {step.delivery or '-'}, verify {step.verify or '-'}", file=out)
            for failure in step.failures:
                print(f"      {sc.file}:{step.line}: {failure}", file=out)

        try:
            results.append(run_scenario(sc, db_url=db_url, progress=progress))
        except ScenarioError as exc:
            print(f"invalid scenario: {exc}", file=err)
            invalid = True
        except StoreError as exc:
            print(f"otp-bench: {exc}", file=err)
            return INVALID
    steps = [s for r in results for s in r.steps]
    failed_steps = sum(1 for s in steps if not s.passed)
    failed = sum(1 for r in results if not r.passed)
    print(
        f"{len(results)} scenario(s), {len(steps)} step(s): "
        f"{len(steps) - failed_steps} step(s) held, {failed_steps} failed"
        + (f"; {failed} scenario(s) failed" if failed else ""),
        file=out,
    )
    if report:
        write_json(results, Path(report))
    if junit:
        write_junit(results, Path(junit))
    if invalid:
        return INVALID
    return FAILED if failed else OK
