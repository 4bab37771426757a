"""What ``otp-bench run`` prints as it goes: lines for people (``text``) or JSON Lines for tools.

``--format json`` prints one JSON object per line as each step completes, then the summary::

    {"type": "scenario", "name": …, "file": …}
    {"type": "step", "scenario": …, "file": …, "index": 1, "label": …, "passed": true, …}
    {"type": "invalid", "message": "file.yaml:3: steps[0].flow: …"}
    {"type": "summary", "scenarios": 2, "steps": 5, "held": 5, "failed_steps": 0, …}

Lines go through a ``Meter`` so a progress bar on the same terminal redraws beneath them.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TextIO

from otp_bench.progress import Meter
from otp_bench.scenario.model import Scenario
from otp_bench.scenario.runner import ScenarioResult, StepResult

Format = Literal["text", "json"]
FORMATS: tuple[Format, ...] = ("text", "json")


class RunOutput:
    """Prints a run as text lines; ``quiet`` keeps only the summary (and invalid files)."""

    def __init__(self, lines: Meter, err: TextIO, *, quiet: bool = False) -> None:
        self.lines, self.err, self.quiet = lines, err, quiet

    def scenario(self, sc: Scenario) -> None:
        if not self.quiet:
            self.lines.print(f"▶ {sc.name}  ({sc.file})")

    def step(self, sc: Scenario, step: StepResult) -> None:
        if self.quiet:
            return
        mark = "✓" if step.passed else "✗"
        self.lines.print(f"  {mark} step {step.index + 1:>2} {step.label}: init {step.init}, "
                         f"delivery {step.delivery or '-'}, verify {step.verify or '-'}"
                         + (f" — {step.handler}" if _apex_ending(step.handler) else ""))
        for failure in step.failures:
            self.lines.print(f"      {sc.file}:{step.line}: {failure}")

    def invalid(self, message: str) -> None:
        print(f"invalid scenario: {message}", file=self.err)

    def summary(self, results: list[ScenarioResult]) -> None:
        s = summary_dict(results)
        self.lines.print(
            f"{s['scenarios']} scenario(s), {s['steps']} step(s): {s['held']} step(s) held, "
            f"{s['failed_steps']} failed"
            + (f"; {s['failed_scenarios']} scenario(s) failed" if s["failed_scenarios"] else ""))


class JsonRunOutput(RunOutput):
    """One JSON object per line, flushed as it happens; invalid files are objects too."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        super().__init__(Meter(), err, quiet=quiet)
        self.out = out

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.out.flush()

    def scenario(self, sc: Scenario) -> None:
        self._emit({"type": "scenario", "name": sc.name, "file": str(sc.file)})

    def step(self, sc: Scenario, step: StepResult) -> None:
        self._emit({"type": "step", "scenario": sc.name, "file": str(sc.file),
                    "label": step.label, **step.as_dict()})

    def invalid(self, message: str) -> None:
        super().invalid(message)
        self._emit({"type": "invalid", "message": message})

    def summary(self, results: list[ScenarioResult]) -> None:
        self._emit({"type": "summary", **summary_dict(results)})


def summary_dict(results: list[ScenarioResult]) -> dict[str, Any]:
    steps = [s for r in results for s in r.steps]
    failed_steps = sum(1 for s in steps if not s.passed)
    failed = sum(1 for r in results if not r.passed)
    return {"scenarios": len(results), "steps": len(steps), "held": len(steps) - failed_steps,
            "failed_steps": failed_steps, "failed_scenarios": failed, "passed": not failed}


def _apex_ending(note: str | None) -> bool:
    """An Apex handler's "returned X at line N" / "threw … at line N" / refusal is worth a look."""
    return note is not None and note.startswith(("returned ", "threw ", "not run", "refused"))
