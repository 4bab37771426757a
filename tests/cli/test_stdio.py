"""Pipes both ways: ``workspace import -``, ``run --format json``, ``export apex`` targets."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from otp_bench.cli import main
from tests.cli.test_export_targets import SCENARIO


def test_workspace_export_to_stdout_imports_from_stdin(
    workspace_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["--db", workspace_url, "workspace", "export", "-"]) == 0
    exported = capsys.readouterr()
    assert exported.out.startswith("#") and "wrote" in exported.err  # the data alone on stdout
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(exported.out.encode())))
    target = f"sqlite:///{tmp_path / 'target.db'}"
    assert main(["--db", target, "workspace", "import", "-", "--no-prompt"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 provider(s), 2 site(s), 2 user(s) from <stdin>" in out


def test_an_invalid_workspace_on_stdin_names_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"sites: [1, 2\n")))
    target = f"sqlite:///{tmp_path / 'target.db'}"
    assert main(["--db", target, "workspace", "import", "-", "--no-prompt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("otp-bench: <stdin>:") and "Traceback" not in err


def test_quiet_export_prints_nothing_but_the_data(
    workspace_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", workspace_url, "export", "events", "-", "-q"]) == 0
    got = capsys.readouterr()
    assert got.err == "" and all(json.loads(line) for line in got.out.splitlines())


def test_run_format_json_is_one_object_per_step_then_the_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", str(SCENARIO), "--format", "json"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["type"] for o in objects] == ["scenario", "step", "step", "summary"]
    assert objects[1]["index"] == 1 and objects[1]["passed"] is True
    assert objects[-1] == {"type": "summary", "scenarios": 1, "steps": 2, "held": 2,
                           "failed_steps": 0, "failed_scenarios": 0, "passed": True}


def test_run_format_json_reports_an_invalid_file_as_an_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [{flow: nope}]\n", "utf-8")
    assert main(["run", str(bad), "--format", "json"]) == 2
    got = capsys.readouterr()
    first = json.loads(got.out.splitlines()[0])
    assert first["type"] == "invalid" and "bad.yaml:1" in first["message"]


def test_run_report_to_stdout_moves_the_step_lines_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", str(SCENARIO), "--report", "-"]) == 0
    got = capsys.readouterr()
    assert json.loads(got.out)["passed"] == 1 and "step(s) held" in got.err
    assert main(["run", str(SCENARIO), "--report", "-", "--junit", "-"]) == 2
    assert "can't both be -" in capsys.readouterr().err


def test_run_checks_its_report_folder_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(SCENARIO), "--junit", str(tmp_path / "no" / "j.xml")]) == 2
    got = capsys.readouterr()
    assert "doesn't exist" in got.err and "▶" not in got.out


@pytest.mark.parametrize(("kind", "message"), [
    ("dash", "several files; name a folder"),
    ("file", "is not a folder"),
    ("missing", "doesn't exist"),
])
def test_apex_bundle_targets(kind: str, message: str, workspace_url: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    target = {"dash": "-", "file": str(tmp_path / "f"), "missing": str(tmp_path / "a" / "b")}[kind]
    if kind == "file":
        Path(target).write_text("keep\n")
    code = main(["export", "apex", "twilio-sandbox", target, "--db", workspace_url])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_apex_bundle_into_a_folder_follows_a_symlinked_file(
    workspace_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "apex"
    assert main(["export", "apex", "twilio-sandbox", str(out), "--db", workspace_url]) == 0
    cls = next((out / "classes").glob("*OtpHandler.cls"))
    real = tmp_path / "elsewhere.cls"
    real.write_text("old\n")
    cls.unlink()
    cls.symlink_to(real)
    assert main(["export", "apex", "twilio-sandbox", str(out), "--db", workspace_url]) == 0
    assert cls.is_symlink() and "OtpHandler" in real.read_text("utf-8")


@pytest.mark.parametrize("kind", ["dash", "fifo", "char device", "symlink", "directory"])
def test_recorder_saves_through_the_output_helper(
    kind: str, engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from otp_bench.outputs import OutputError
    from otp_bench.scenario.recorder import Recorder
    from tests.cli.targets import fifo_reader, make_char_device

    rec = Recorder(engine, name="recorded")
    if kind == "dash":
        rec.save("-")
        assert "name: recorded" in capsys.readouterr().out
    elif kind == "fifo":
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with fifo_reader(fifo) as got:
            rec.save(fifo)
        assert b"name: recorded" in got() and stat.S_ISFIFO(fifo.stat().st_mode)
    elif kind == "char device":
        dev = make_char_device(tmp_path / "null")
        rec.save(dev)
        assert stat.S_ISCHR(dev.stat().st_mode)
    elif kind == "symlink":
        real = tmp_path / "real.yaml"
        real.write_text("old\n")
        (tmp_path / "link.yaml").symlink_to(real)
        rec.save(tmp_path / "link.yaml")
        assert (tmp_path / "link.yaml").is_symlink() and "name: recorded" in real.read_text()
    else:
        with pytest.raises(OutputError, match="is a directory"):
            rec.save(tmp_path)


def test_workspace_key_goes_through_a_pipe(
    workspace_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--db", workspace_url, "workspace", "key", "export", "-"]) == 0
    exported = capsys.readouterr()
    assert json.loads(exported.out)["format"] == "otp-bench workspace key"
    assert "to standard output" in exported.err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(exported.out.encode())))
    assert main(["--db", workspace_url, "workspace", "key", "import", "-"]) == 0
    assert "is unlocked on this machine" in capsys.readouterr().out
