"""The app and ``--screenshot`` on a workspace they can't open (P9): the CLI's words in a dialog,
nothing that needs a workspace clickable, and another workspace still opens afterwards.

Reproduced first: only a status-bar line while every button stayed enabled and did nothing;
``--screenshot`` died with AttributeError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from tests.hardening.workspaces import EXPECTED, KINDS, damaged


@pytest.mark.parametrize("kind", KINDS)
def test_app_shows_the_reason_and_disables_actions(
    kind: str, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from otp_bench.gui.main_window import MainWindow

    monkeypatch.setenv("OTP_BENCH_LOCK_WAIT", "0.5")
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    progress: list[str] = []
    w._open_progress.connect(progress.append)
    with (damaged(kind, tmp_path / "ws.db") as db,
          qtbot.waitSignal(w.engine_failed, timeout=20000) as got):
        w.open_url(str(db))
    message = got.args[0]
    assert EXPECTED[kind] in message and str(db) in message
    if kind == "locked":  # the wait was said in the status bar while it lasted
        assert progress and "waiting up to 0.5 s" in progress[0]
    box = w.workspace_error
    assert box.isVisible() and box.text() == message
    assert not w.menu_actions["new_site"].isEnabled() and not w.menu_actions["sample"].isEnabled()
    assert not w.site_pane.isEnabled() and not w.tree.isEnabled()
    assert w.menu_actions["open"].isEnabled() and w.menu_actions["new"].isEnabled()
    box.close()
    with qtbot.waitSignal(w.engine_ready, timeout=20000):
        w.open_url(str(tmp_path / "fresh.db"), throwaway=True)
    assert w.menu_actions["new_site"].isEnabled() and w.site_pane.isEnabled()
    w.shutdown()


@pytest.mark.parametrize("kind", ["future", "foreign"])
def test_screenshot_refuses_with_one_line(kind: str, tmp_path: Path) -> None:
    with damaged(kind, tmp_path / "ws.db") as db:
        proc = subprocess.run(
            [sys.executable, "-m", "otp_bench", "--db", str(db), "--screenshot",
             str(tmp_path / "shots")],
            capture_output=True, text=True, timeout=120,
            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("otp-bench")]
    assert len(lines) == 1 and EXPECTED[kind] in lines[0]
