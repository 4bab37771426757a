"""Handlers we wrote the way users write them, run through scenario files against the mock.

Each file in ``tests/apex/corpus`` is a scenario with an ``apex:`` provider; every vendor answer
(the mock's documented error bodies, injected as faults per number) must give the result the
handler's author intended, and the step report must say where the handler ended.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("tree_sitter_language_pack", reason="the apex extra isn't installed")

from otp_bench.cli import main
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.runner import ScenarioResult, run_scenario
from tests.scenario.side_by_side import SideBySide, selected, side_by_side

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.yaml"))


def _run(path: Path) -> ScenarioResult:
    return run_scenario(load_scenario(path))


@pytest.fixture(scope="module")
def waiting_files(request: pytest.FixtureRequest) -> Iterator[SideBySide[ScenarioResult]]:
    """The files whose handlers wait out a hanging vendor (twilio and sinch_metadata: 1 s each)
    run side by side with the others' tests instead of one after another."""
    yield from side_by_side(
        selected(request, "test_each_vendor_answer_gives_the_documented_result", "path"),
        _run, waiting_s=1.0)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_vendor_answer_gives_the_documented_result(
        path: Path, waiting_files: SideBySide[ScenarioResult]) -> None:
    result = waiting_files.outcome(path)
    failures = [f"{path.name}:{s.line}: {f} ({s.handler})" for s in result.steps
                for f in s.failures]
    assert result.error is None, result.error
    assert not failures, "\n".join(failures)
    assert result.steps and all(s.handler for s in result.steps if s.delivery)
    # every step says where the Apex handler ended, with its line
    for step in result.steps:
        assert step.handler is not None and " at line " in step.handler, step.handler


def test_the_run_report_says_where_a_buggy_handler_threw(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code = main(["run", str(CORPUS / "buggy.yaml"), "--report", str(report)])
    assert code == 0
    steps = json.loads(report.read_text())["scenarios"][0]["steps"]
    assert steps[0]["handler"].startswith("returned SUCCESS at line ")
    assert steps[1]["handler"] == ("threw System.NullPointerException: Attempt to de-reference "
                                   "a null object at line 24 → EXCEPTION")
    assert steps[2]["handler"].startswith("threw System.CalloutException: ")
    assert "130000" in steps[2]["handler"] and steps[2]["handler"].endswith(
        "at line 14 → EXCEPTION")
    assert steps[2]["callouts"] == []  # refused before any callout was made
