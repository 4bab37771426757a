"""The ``otp-bench`` command without a display: a plain message, never Qt's abort."""

from __future__ import annotations

import pytest

from otp_bench import cli


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")


@pytest.mark.usefixtures("no_display")
def test_no_display_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "no display" in err
    assert "QT_QPA_PLATFORM=offscreen" in err
    assert "otp-bench run" in err
    assert "libraries the README lists" in err


@pytest.mark.usefixtures("no_display")
def test_missing_xcb_cursor_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    problem = cli.display_problem()
    assert problem is not None and "libxcb-cursor0" in problem


@pytest.mark.usefixtures("no_display")
def test_every_missing_xcb_library_is_named_with_its_package(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.setenv("DISPLAY", ":0")
    gone = {"xcb-icccm", "xcb-keysyms"}  # what a system with only libxcb-cursor0 added lacks
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if name in gone else real(name) or f"lib{name}.so")
    problem = cli.display_problem()
    assert problem is not None
    assert "libxcb-icccm, libxcb-keysyms" in problem
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in problem
    assert "xcb-util-keysyms" in problem and "xcb-util-wm" in problem


@pytest.mark.usefixtures("no_display")
def test_offscreen_and_screenshot_need_no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.display_problem(screenshot=True) is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert cli.display_problem() is None


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("otp-bench ")


def test_the_app_path_loads_no_engine_before_the_window() -> None:
    """``otp-bench`` (the app) and ``--version`` don't import the engine or the HTTP stacks."""
    import subprocess
    import sys

    code = (
        "import sys; from otp_bench.cli import build_parser; build_parser([]).parse_args([]); "
        "print(sorted(m for m in ('otp_bench.engine', 'sqlalchemy', 'starlette', 'httpx') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_every_command_without_loading_the_store_or_the_engine() -> None:
    """``otp-bench --help`` (and shell completion, which builds the same parser) names every
    subcommand without importing SQLAlchemy or the engine: 0.2 s instead of over 1 s of CPU."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys; from otp_bench.cli import main; out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit): main(['--help'])\n"
        "print(sorted(m for m in ('otp_bench.engine', 'otp_bench.store.store', 'sqlalchemy') "
        "if m in sys.modules)); print(out.getvalue())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, _, text = out.stdout.partition("\n")
    assert loaded == "[]", loaded
    for command in ("run", "export", "workspace", "headless", "mock-provider", "apex",
                    "completion"):
        assert command in text


def test_plugin_commands_still_load_when_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["workspace", "--help"])
    assert "import" in capsys.readouterr().out
