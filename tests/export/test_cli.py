"""The export and workspace commands as an operator runs them: exit codes and plain messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otp_bench.cli import main
from tests.export.conftest import Planted
from tests.export.test_workspace_file import BAD_VALUE


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_export_har_of_one_flow(planted: Planted, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "flow.har"
    code, out, _ = _run(capsys, "export", "har", str(path), "--flow", planted.login_flow,
                        "--db", planted.url)
    assert code == 0 and "wrote 2 callout(s) in 1 flow(s)" in out and "(sanitized)" in out
    assert len(json.loads(path.read_text("utf-8"))["log"]["entries"]) == 2


def test_unknown_flow_is_exit_2_with_a_message(planted: Planted, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", planted.url, "export", "har", str(tmp_path / "x.har"),
                        "--flow", "flw_nope")
    assert code == 2 and "no flow 'flw_nope'" in err
    assert not (tmp_path / "x.har").exists()


def test_missing_folder_is_exit_2(planted: Planted, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", planted.url, "export", "events",
                        str(tmp_path / "no" / "such" / "e.jsonl"))
    assert code == 2 and "doesn't exist" in err


def test_workspace_export_and_a_rejected_import(planted: Planted, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws.yaml"
    code, out, _ = _run(capsys, "--db", planted.url, "workspace", "export", str(ws))
    assert code == 0 and "3 credential(s) left out" in out
    assert "twilio-sandbox" in ws.read_text("utf-8")
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_VALUE, "utf-8")
    code, _, err = _run(capsys, "--db", empty, "workspace", "import", str(bad), "--no-prompt")
    assert code == 2 and f"{bad}:9: sites[1].brand_color" in err


def test_workspace_import_applies_a_valid_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BAD_VALUE.replace("brand_color: blue", "brand_color: '#00aa00'"), "utf-8")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    code, out, _ = _run(capsys, "--db", url, "workspace", "import", str(good), "--no-prompt")
    assert code == 0 and "imported 1 provider(s), 2 site(s), 1 user(s)" in out
    code, out, _ = _run(capsys, "--db", url, "workspace", "export", str(tmp_path / "back.yaml"))
    assert code == 0 and "2 site(s), 1 user(s)" in out


def test_report_from_a_run_and_a_bad_run_file(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"passed": 0, "failed": 0, "scenarios": []}), "utf-8")
    code, _, _ = _run(capsys, "export", "report", str(tmp_path / "r.md"), "--run", str(run))
    assert code == 0 and (tmp_path / "r.md").read_text("utf-8").startswith("# otp-bench")
    run.write_text("{not json", "utf-8")
    code, _, err = _run(capsys, "export", "report", str(tmp_path / "r2.md"), "--run", str(run))
    assert code == 2 and "run.json:1: not a JSON run report" in err


def test_a_file_that_is_not_a_workspace_is_exit_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    code, _, err = _run(capsys, "--db", str(junk), "export", "events", str(tmp_path / "e.jsonl"))
    assert code == 2 and "junk.db" in err
