"""Log files: where they are, the level switch, rotation, and canary secrets/OTPs masked."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from otp_bench import logs
from otp_bench.cli import main
from otp_bench.delivery.redaction import MASK, secrets_in_flight

API_KEY = "CANARY-api-key-5e1d0c9a"
TOKEN = "CANARY-bearer-token-77aa31"
PASSWORD = "CANARY-pass-word-0042"
OTP = "730194"
CANARIES = (API_KEY, TOKEN, PASSWORD, OTP)


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(logs.DIR_ENV, str(tmp_path / "logs"))
    return tmp_path / "logs"


def _flush() -> None:
    for h in logging.getLogger().handlers:
        h.flush()


def test_canary_secrets_and_otps_never_reach_the_file_or_stderr(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = logs.setup_logging("headless", level="DEBUG")
    assert path == log_dir / "headless.log"
    logging.getLogger("otp_bench").info("first line")
    _flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # only its owner reads the log
    with secrets_in_flight([API_KEY, PASSWORD, OTP]):
        logging.getLogger("httpx").info("HTTP Request: POST https://sms.example/send?api_key=%s",
                                        API_KEY)
        logging.getLogger("otp_bench.delivery").debug("body: To=%%2B1415&Body=%s+is+your+code",
                                                      OTP)
        logging.getLogger("otp_bench.engine").warning("provider said %s", {"password": PASSWORD})
        try:
            raise RuntimeError(f"login refused for api key {API_KEY}")
        except RuntimeError:
            logging.getLogger("otp_bench.headless").exception("request failed")
    # outside any exchange: credentials in headers and codes labelled as OTPs
    logging.getLogger("otp_bench.headless").error("Authorization: Bearer %s", TOKEN)
    logging.getLogger("otp_bench.engine").info("verify otp=%s", OTP)
    logging.getLogger("otp_bench.engine").info('{"code": "%s"}', OTP)
    _flush()
    text = path.read_text("utf-8")
    err = capsys.readouterr().err
    for canary in CANARIES:
        assert canary not in text, canary
        assert canary not in err, canary
    assert text.count(MASK) >= 6
    assert "RuntimeError: login refused for api key " + MASK in text  # the traceback, masked
    assert "Bearer " + MASK in err  # WARNING and above also on stderr, masked there too


def test_the_level_comes_from_the_flag_then_the_environment(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logs.LEVEL_ENV, "debug")
    path = logs.setup_logging("headless")
    assert path is not None
    logging.getLogger("otp_bench.x").debug("a debug line")
    logs.setup_logging("headless", level="ERROR")
    logging.getLogger("otp_bench.x").warning("a warning the flag silences")
    _flush()
    text = path.read_text("utf-8")
    assert "a debug line" in text and "a warning the flag silences" not in text
    assert os.environ[logs.LEVEL_ENV] == "ERROR"  # worker processes started now follow it


def test_an_unknown_level_is_one_line_and_exit_2(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--log-level", "loud", "run", "x.yaml"],  # before the command or after it
                 ["export", "events", "-", "--log-level", "loud"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.strip() == ("otp-bench: unknown log level 'loud' (one of DEBUG, INFO, "
                               "WARNING, ERROR, CRITICAL)")


def test_the_file_rotates(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    path = logs.setup_logging("mock-provider")
    assert path is not None
    for i in range(200):
        logging.getLogger("otp_bench.x").info("line %d %s", i, "x" * 40)
    _flush()
    names = sorted(p.name for p in log_dir.iterdir())
    assert names == ["mock-provider.log", *(f"mock-provider.log.{n}"
                                            for n in range(1, logs.BACKUPS + 1))]
    assert all(p.stat().st_size <= 2000 for p in log_dir.iterdir())


@pytest.mark.parametrize(("argv", "name"), [
    (["headless", "--port", "70000"], "headless.log"),
    (["mock-provider", "--workers", "0"], "mock-provider.log"),
    (["gui"], "otp-bench.log"),
])
def test_the_app_and_the_servers_write_their_log_file(
    argv: list[str], name: str, log_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)  # the app stops at "no display", after logging
    assert main(argv) == 2
    _flush()
    assert "started" in (log_dir / name).read_text("utf-8")
    capsys.readouterr()


def test_short_commands_write_no_log_file(log_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", str(tmp_path / "missing.yaml")])
    assert not log_dir.exists()
    capsys.readouterr()


def test_version_verbose_says_where_the_logs_are_without_the_engine(log_dir: Path) -> None:
    code = ("import sys; from otp_bench.cli import main; main(['--version', '--verbose']); "
            "print(sorted(m for m in ('otp_bench.engine', 'sqlalchemy', 'starlette', 'httpx', "
            "'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout
    assert f"log folder: {log_dir}" in out and "headless.log" in out
    assert out.strip().endswith("[]")


def test_logging_setup_on_the_app_path_loads_no_engine(log_dir: Path) -> None:
    """``otp-bench`` sets its log file up before the window: without the engine or HTTP stacks."""
    code = ("import sys; from otp_bench.cli import main; main([]); "
            "print(sorted(m for m in ('otp_bench.engine', 'sqlalchemy', 'starlette', 'httpx') "
            "if m in sys.modules))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60).stdout  # no display: it stops after logging
    assert out.strip().endswith("[]")
    assert "started" in (log_dir / "otp-bench.log").read_text("utf-8")
