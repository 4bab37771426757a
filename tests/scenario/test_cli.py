"""``otp-bench run``: exit codes, progress, summary, report files — as a user sees them."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench import assets
from otp_bench.cli import main
from otp_bench.scenario.cli import run_files
from tests.scenario.side_by_side import SideBySide, cli_run, selected, side_by_side

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((assets.path("scenarios")).glob("*.yaml"))
FIXTURES = Path(__file__).parent / "fixtures"


def _run(*files: Path | str, **kw: object) -> tuple[int, str]:
    out = io.StringIO()
    code = run_files([str(f) for f in files], out=out, **kw)  # type: ignore[arg-type]
    return code, out.getvalue()


@pytest.fixture(scope="module", autouse=True)
def waiting_files(request: pytest.FixtureRequest) -> Iterator[SideBySide[tuple[int, str]]]:
    """The shipped files that wait out real deadlines (demo_slow_provider 3.5 s, demo_provider_down
    2 s), started with this module's first test: their waits overlap the other tests, and the
    test of each shipped file (last in this module) finds them done or nearly."""
    yield from side_by_side(selected(request, "test_every_shipped_scenario_passes", "path"),
                            cli_run, waiting_s=1.0)


def test_wrong_expectation_fails_with_exit_1_and_says_why(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out = _run(FIXTURES / "wrong_expectation.yaml", report=str(report))
    assert code == 1
    assert "expected verify SUCCESS, got invalid_code" in out
    assert "wrong_expectation.yaml:6" in out  # the step's line
    data = json.loads(report.read_text())
    assert data["passed"] == 0 and data["failed"] == 1
    step = data["scenarios"][0]["steps"][0]
    assert step["passed"] is False
    assert step["init"] == "ok" and step["delivery"] == "SUCCESS"
    assert step["verify"] == "invalid_code"
    assert step["failures"] == ["expected verify SUCCESS, got invalid_code"]


def test_report_and_junit_have_the_contract_fields(tmp_path: Path) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    scenario = assets.path("scenarios") / "provider_kinds_scripted.yaml"
    code, _ = _run(scenario, FIXTURES / "wrong_expectation.yaml", report=str(report),
                   junit=str(junit))
    assert code == 1
    data = json.loads(report.read_text())
    assert set(data) == {"passed", "failed", "scenarios"}
    assert (data["passed"], data["failed"]) == (1, 1)
    first = data["scenarios"][0]
    assert {"file", "name", "passed", "steps"} <= set(first)
    step = first["steps"][1]
    assert {"flow", "passed", "init", "delivery", "verify", "flags", "callouts", "failures"} \
        <= set(step)
    assert step["init"] == "delivery_failed" and step["delivery"] == "PROVIDER_ERROR"
    assert step["verify"] is None
    assert step["flags"] == {"user_verified": False, "admin_verified": True}
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(first["steps"]) + 1  # one test case per step
    assert len(root.findall(".//failure")) == 1


def test_invalid_file_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nsites: [{name: S}]\nsteps:\n  - flow: passwordless_login\n"
        "    site: S\n    user: a@example.com\n    expect: {verify: SUCESS}\n"
    )
    code, out = _run(bad)
    assert code == 2
    assert f"{bad}:7: steps[0].expect.verify: 'SUCESS' isn't a verify outcome" in out


def test_invalid_file_among_valid_ones_still_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [\n")
    code, out = _run(SHIPPED[0], bad)
    assert code == 2
    assert "bad.yaml:2" in out and "YAML syntax" in out


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, out = _run(tmp_path / "nope.yaml")
    assert code == 2 and "nope.yaml" in out and "can't read" in out


def test_run_never_touches_the_default_workspace(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    user_db = tmp_path / "user.db"
    monkeypatch.setenv("OTP_BENCH_DB", str(user_db))
    assert main(["run", "-q", str(assets.path("scenarios") / "otp_expiry.yaml")]) == 0
    assert not user_db.exists()


def test_run_with_db_keeps_the_run_in_that_workspace(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    code, _ = _run(assets.path("scenarios") / "otp_expiry.yaml",
                   db_url=f"sqlite:///{db}")
    assert code == 0
    from otp_bench.store.store import Store

    store = Store(f"sqlite:///{db}", throwaway=True)
    assert [s.name for s in store.sites()] == ["Customers"]
    assert len(store.history()) >= 8
    store.close()


@pytest.mark.parametrize("path", [p for p in SHIPPED if not p.name.startswith("provider_")],
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_passes(path: Path,
                                       waiting_files: SideBySide[tuple[int, str]]) -> None:
    code, out = waiting_files.outcome(path)
    assert code == 0, out
