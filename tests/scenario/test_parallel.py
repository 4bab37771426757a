"""``otp-bench run -j N``: files in parallel processes, each in its own workspace, with the same
output, report, JUnit and exit code as a serial run."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from otp_bench import assets
from otp_bench.cli import build_parser
from otp_bench.scenario import parallel
from otp_bench.scenario.cli import run_files
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.parallel import (
    Outcome,
    cores,
    default_jobs,
    run_one,
    run_parallel,
    warm_up,
)
from otp_bench.scenario.runner import run_scenario
from otp_bench.scenario.schedule import expected_seconds, longest_first

FIXTURES = Path(__file__).parent / "fixtures"
FILES = [assets.path("scenarios") / "provider_kinds_scripted.yaml",
         FIXTURES / "wrong_expectation.yaml", assets.path("scenarios") / "otp_single_use.yaml"]


def _run(tmp: Path, jobs: int) -> tuple[int, str, dict[str, object], str]:
    out = io.StringIO()
    report, junit = tmp / f"r{jobs}.json", tmp / f"r{jobs}.xml"
    code = run_files([str(f) for f in FILES], out=out, report=str(report), junit=str(junit),
                     jobs=jobs)
    return code, out.getvalue(), json.loads(report.read_text()), junit.read_text()


def _no_ids(text: str) -> str:  # flow ids, times and durations differ run to run
    return re.sub(r"flw_[0-9a-f]+|\d+(\.\d+)?\s?(ms|s)\b|time=\"[^\"]*\"|timestamp=\"[^\"]*\"",
                  "", text)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, object], str]:
    """The serial run both parallel runs are held against: made once (it doesn't change)."""
    return _run(tmp_path_factory.mktemp("serial"), 1)


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_run_reports_exactly_what_a_serial_run_does(
        tmp_path: Path, jobs: int, serial: tuple[int, str, dict[str, object], str]) -> None:
    parallel = _run(tmp_path, jobs)
    assert serial[0] == parallel[0] == 1  # one expectation fails in the fixture
    assert _no_ids(parallel[1]) == _no_ids(serial[1])
    assert [s["name"] for s in parallel[2]["scenarios"]] == [  # type: ignore[index,union-attr]
        s["name"] for s in serial[2]["scenarios"]]  # type: ignore[index,union-attr]
    assert (parallel[2]["passed"], parallel[2]["failed"]) == (2, 1)
    assert _no_ids(parallel[3]) == _no_ids(serial[3])


def test_an_invalid_file_still_exits_2_in_parallel(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [\n")
    out = io.StringIO()
    code = run_files([str(FILES[0]), str(bad)], out=out, jobs=2)
    assert code == 2 and "bad.yaml:2" in out.getvalue()


def test_jobs_default_to_four_per_core_and_must_be_positive(capsys: object) -> None:
    parser = build_parser(["run"])
    assert parser.parse_args(["run", "x.yaml"]).jobs is None  # resolved to default_jobs()
    assert default_jobs() == min(4 * cores(), 32)  # a file mostly waits on its provider
    assert parser.parse_args(["run", "-j", "3", "x.yaml"]).jobs == 3
    try:
        parser.parse_args(["run", "-j", "0", "x.yaml"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("-j 0 was accepted")


def _dies_on_single_use(path: str) -> Outcome:
    """A runner whose process dies on one file (as a kill or an out-of-memory would)."""
    if path.endswith("otp_single_use.yaml"):
        os._exit(9)
    return run_one(path)


def test_a_worker_that_dies_is_a_clear_error_for_its_file_and_the_others_run() -> None:
    paths = [str(FILES[2]), str(FILES[0]), str(FILES[1])]
    outcomes = list(run_parallel(paths, 2, runner=_dies_on_single_use))
    assert len(outcomes) == 3
    assert outcomes[0].result is None and outcomes[0].invalid is not None
    assert "otp_single_use.yaml" in outcomes[0].invalid
    assert "ended unexpectedly" in outcomes[0].invalid
    assert outcomes[1].result is not None and outcomes[1].result.passed
    assert outcomes[2].result is not None and not outcomes[2].result.passed  # a wrong expectation


def test_the_files_that_wait_longest_are_expected_to_take_longest() -> None:
    costs = {p.name: expected_seconds(load_scenario(p))
             for p in assets.path("scenarios").glob("*.yaml")}
    ranked = sorted(costs, key=lambda n: -costs[n])
    # the slow provider declares 1.5 s of latency and a 2 s callout left to time out
    assert ranked[:2] == ["demo_slow_provider.yaml", "demo_provider_down.yaml"]
    assert costs["demo_slow_provider.yaml"] >= 3.5
    assert longest_first([0.1, 5.0, 0.1, 2.0]) == [1, 3, 0, 2]


_PAIR: Any = None  # a multiprocessing.Barrier(2), inherited by the forked workers


def _log_start(path: str) -> Outcome:
    """A runner that notes which file it was given, then waits for the other worker to have
    started one too: the two workers take files strictly in pairs, in the order queued."""
    with open(os.environ["P7W_START_LOG"], "a", encoding="utf-8") as fh:
        fh.write(Path(path).name + "\n")
    _PAIR.wait(timeout=30)
    return Outcome(invalid=f"{Path(path).name} done")


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the barrier reaches the workers by fork")
def test_the_longest_file_starts_first_and_results_keep_the_named_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    global _PAIR
    _PAIR = multiprocessing.get_context("fork").Barrier(2)
    monkeypatch.setattr(parallel, "HEAD_START_S", 0.0)  # the pairs start together
    log = tmp_path / "started.txt"
    monkeypatch.setenv("P7W_START_LOG", str(log))
    paths = ["a.yaml", "b.yaml", "c.yaml", "long.yaml"]
    outcomes = list(run_parallel(paths, 2, runner=_log_start, costs=[0.1, 0.2, 0.1, 9.0]))
    assert [o.invalid for o in outcomes] == [f"{p} done" for p in paths]
    started = log.read_text("utf-8").split()
    assert set(started[:2]) == {"long.yaml", "b.yaml"}  # the two expected to take longest
    assert set(started[2:]) == {"a.yaml", "c.yaml"}


def test_warm_up_starts_no_thread_so_forked_workers_stay_safe() -> None:
    before = threading.active_count()
    warm_up()
    assert threading.active_count() == before


def _stamp(path: str) -> Outcome:
    """A runner that notes when it starts and ends each file."""
    with open(os.environ["P7W_START_LOG"], "a", encoding="utf-8") as fh:
        fh.write(f"start {Path(path).name}\n")
    with open(os.environ["P7W_START_LOG"], "a", encoding="utf-8") as fh:
        fh.write(f"end {Path(path).name}\n")
    return Outcome(invalid=Path(path).name)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the patched head start reaches the workers by fork")
def test_the_other_files_start_once_the_longest_has_its_head_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.txt"
    monkeypatch.setenv("P7W_START_LOG", str(log))
    monkeypatch.setattr(parallel, "HEAD_START_S", 60.0)  # no timer decides: only the event
    outcomes = list(run_parallel(["a.yaml", "long.yaml", "b.yaml"], 3, runner=_stamp,
                                 costs=[0.1, 9.0, 0.2]))
    assert [o.invalid for o in outcomes] == ["a.yaml", "long.yaml", "b.yaml"]
    lines = log.read_text("utf-8").splitlines()
    # a custom runner has no workspace to report ready: the others wait for the longest to end
    assert lines.index("end long.yaml") < lines.index("start a.yaml")
    assert lines.index("end long.yaml") < lines.index("start b.yaml")


def test_a_run_says_when_its_workspace_is_set_up_before_any_step() -> None:
    seen: list[str] = []
    result = run_scenario(load_scenario(FILES[0]), on_ready=lambda: seen.append("ready"),
                          progress=lambda step: seen.append("step"))
    assert result.passed and seen[0] == "ready" and seen.count("ready") == 1
    assert seen.count("step") == len(result.steps) > 0
