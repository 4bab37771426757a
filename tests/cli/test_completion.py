"""``otp-bench completion SHELL``: scripts each shell accepts, completing the real subcommands."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from otp_bench.cli import main

SUBCOMMANDS = ("run", "export", "workspace", "headless", "mock-provider", "completion", "gui")


def _script(shell: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["completion", shell]) == 0
    path = tmp_path / f"otp-bench.{shell}"
    path.write_text(capsys.readouterr().out, "utf-8")
    return path


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_is_valid_for_its_shell(shell: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(shell, tmp_path, capsys)
    text = script.read_text("utf-8")
    for word in SUBCOMMANDS:
        assert word in text
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} isn't installed here: the script's syntax is checked where it is")
    check = subprocess.run([exe, "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr


def _bash_complete(script: Path, line: str) -> list[str]:
    words = line.split(" ")
    code = (f"source {script}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
            f"COMP_CWORD={len(words) - 1}; COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}; "
            "_shtab_otp_bench; printf '%s\\n' \"${COMPREPLY[@]}\"")
    out = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=30,
                         check=True)
    return out.stdout.split()


def test_bash_completes_subcommands_and_their_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script("bash", tmp_path, capsys)
    assert set(_bash_complete(script, "otp-bench ")) >= set(SUBCOMMANDS)
    assert _bash_complete(script, "otp-bench ex") == ["export"]
    assert _bash_complete(script, "otp-bench export ") == ["har", "events", "report", "apex"]
    assert "--format" in _bash_complete(script, "otp-bench run --")
    assert _bash_complete(script, "otp-bench completion ") == ["bash", "zsh", "fish"]


def test_fish_completes_subcommands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script("fish", tmp_path, capsys)
    if shutil.which("fish") is None:
        pytest.skip("fish isn't installed here")
    out = subprocess.run(["fish", "-c", f"source {script}; complete -C 'otp-bench export '"],
                         capture_output=True, text=True, timeout=30, check=True)
    assert {line.split("\t")[0] for line in out.stdout.splitlines()} == {
        "har", "events", "report", "apex"}


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["completion", "csh"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err
