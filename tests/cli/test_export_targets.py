"""Every command that writes a file, on every kind of target, as an operator runs it.

For each: a regular file (replaced, mode kept), ``-`` (data on stdout, the message on stderr), a
FIFO, a character device made here, ``/dev/null``, a symlink (followed, kept), a read-only file,
a missing folder and a directory (one clear line, exit 2, nothing created).
"""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from otp_bench.cli import main
from tests.cli.targets import fifo_reader, make_char_device

SCENARIO = Path(__file__).parents[2] / "resources" / "scenarios" / "passwordless_login_default.yaml"


def _har(text: str) -> None:
    assert json.loads(text)["log"]["entries"]


def _events(text: str) -> None:
    lines = text.splitlines()
    assert lines and all("kind" in json.loads(line) for line in lines)


def _markdown(text: str) -> None:
    assert text.startswith("# ")


def _workspace(text: str) -> None:
    assert "twilio-sandbox" in {p["name"] for p in yaml.safe_load(text)["providers"]}


def _key(text: str) -> None:
    assert json.loads(text)["format"] == "otp-bench workspace key"


def _run_report(text: str) -> None:
    assert json.loads(text)["scenarios"][0]["passed"] is True


def _junit(text: str) -> None:
    assert ET.fromstring(text).tag == "testsuites"


@dataclass(frozen=True)
class Command:
    name: str
    argv: Callable[[str, str, Path], list[str]]  # (target, workspace url, tmp) -> argv
    check: Callable[[str], None]
    exit_code: int = 0
    secret: bool = False


def _apex_project(tmp: Path) -> str:
    from tests.apex.test_cli import HANDLER, TESTS

    classes = tmp / "sfdx" / "force-app" / "main" / "default" / "classes"
    if not classes.exists():
        classes.mkdir(parents=True)
        (classes / "EchoHandler.cls").write_text(HANDLER)
        (classes / "EchoHandlerTest.cls").write_text(TESTS)  # one passes, one fails: exit 1
    return str(tmp / "sfdx")


_RUN_JSON: list[str] = []


def _run_json(tmp: Path) -> str:
    """A run's JSON report, the input of ``export report --run``: made by the first test that
    needs one (in its tmp_path, kept for the session) and read by the others; what they test
    is where the report goes."""
    if not _RUN_JSON:
        path = tmp / "run.json"
        assert main(["run", "-q", str(SCENARIO), "--report", str(path)]) == 0
        _RUN_JSON.append(str(path))
    return _RUN_JSON[0]


COMMANDS = [
    Command("export har", lambda t, db, _: ["--db", db, "export", "har", t], _har),
    Command("export har --reveal", lambda t, db, _: ["--db", db, "export", "har", t, "--reveal"],
            _har, secret=True),
    Command("export events", lambda t, db, _: ["--db", db, "export", "events", t], _events),
    Command("export report", lambda t, db, _: ["--db", db, "export", "report", t], _markdown),
    Command("export report --run",
            lambda t, db, tmp: ["export", "report", t, "--run", _run_json(tmp)], _markdown),
    Command("workspace export", lambda t, db, _: ["--db", db, "workspace", "export", t],
            _workspace),
    Command("workspace key export",
            lambda t, db, _: ["--db", db, "workspace", "key", "export", t], _key, secret=True),
    Command("run --report", lambda t, db, _: ["run", str(SCENARIO), "--report", t], _run_report),
    Command("run --junit", lambda t, db, _: ["run", str(SCENARIO), "--junit", t], _junit),
    Command("apex test --junit",
            lambda t, db, tmp: ["apex", "test", _apex_project(tmp), "--junit", t], _junit,
            exit_code=1),
]
IDS = [c.name for c in COMMANDS]


def _invoke(cmd: Command, target: str, url: str, tmp: Path,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    argv = cmd.argv(target, url, tmp)
    capsys.readouterr()
    code = main(argv)
    got = capsys.readouterr()
    assert "Traceback" not in got.err
    return code, got.out, got.err


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_regular_file_is_replaced_keeping_its_mode(
    cmd: Command, workspace_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.file"
    target.write_text("old contents\n")
    target.chmod(0o640)
    code, _, _ = _invoke(cmd, str(target), workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    cmd.check(target.read_text("utf-8"))
    kept = 0o600 if cmd.secret else 0o640  # secrets are never left readable by the group
    assert stat.S_ISREG(target.stat().st_mode) and stat.S_IMODE(target.stat().st_mode) == kept
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_new_file(cmd: Command, workspace_url: str, tmp_path: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new.file"
    code, _, _ = _invoke(cmd, str(target), workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    cmd.check(target.read_text("utf-8"))
    if cmd.secret:
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_dash_is_standard_output_with_only_the_data(
    cmd: Command, workspace_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _invoke(cmd, "-", workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    cmd.check(out)  # stdout is the data alone: the messages went to stderr


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_fifo_is_written_in_place(cmd: Command, workspace_url: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    fifo.chmod(0o620)
    with fifo_reader(fifo) as got:
        code, _, _ = _invoke(cmd, str(fifo), workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    cmd.check(got().decode("utf-8"))
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_IMODE(fifo.stat().st_mode) == 0o620


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_character_device_is_written_in_place(
    cmd: Command, workspace_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = make_char_device(tmp_path / "null")
    before = dev.stat()
    code, _, _ = _invoke(cmd, str(dev), workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    after = dev.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert after.st_ino == before.st_ino  # the same node, not a file renamed over it


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_dev_null_stays_dev_null(cmd: Command, workspace_url: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = os.stat("/dev/null")
    code, _, _ = _invoke(cmd, "/dev/null", workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_mode) == (
        before.st_ino, before.st_mode)


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_symlink_is_followed_and_kept(cmd: Command, workspace_url: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.file"
    real.write_text("old\n")
    real.chmod(0o604)
    link = tmp_path / "link.file"
    link.symlink_to(real)
    code, _, _ = _invoke(cmd, str(link), workspace_url, tmp_path, capsys)
    assert code == cmd.exit_code
    assert link.is_symlink() and link.resolve() == real
    cmd.check(real.read_text("utf-8"))
    assert stat.S_IMODE(real.stat().st_mode) == (0o600 if cmd.secret else 0o604)


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_read_only_file(cmd: Command, workspace_url: str, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ro.file"
    target.write_text("keep me\n")
    target.chmod(0o444)
    code, _, err = _invoke(cmd, str(target), workspace_url, tmp_path, capsys)
    if os.access(target, os.W_OK):  # root may write a read-only file, as the shell's > does
        assert code == cmd.exit_code
        cmd.check(target.read_text("utf-8"))
    else:
        assert code == 2 and "read-only" in err and len(err.strip().splitlines()) == 1
        assert target.read_text("utf-8") == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == (0o400 if cmd.secret else 0o444)


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_missing_folder_is_one_clear_line(cmd: Command, workspace_url: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "out.file"
    code, _, err = _invoke(cmd, str(target), workspace_url, tmp_path, capsys)
    assert code == 2
    assert f"folder {tmp_path / 'no' / 'such'} doesn't exist" in err
    assert len([line for line in err.splitlines() if line.startswith("otp-bench")]) == 1
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_a_directory_is_one_clear_line(cmd: Command, workspace_url: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, _, err = _invoke(cmd, str(folder), workspace_url, tmp_path, capsys)
    assert code == 2 and "is a directory; name a file" in err
    assert folder.is_dir() and not list(folder.iterdir())
