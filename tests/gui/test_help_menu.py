"""Help menu: the documentation, the log folder, and About naming where the logs are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

SHOTS = os.environ.get("OTP_BENCH_SHOTS")  # set to a folder to keep the PNGs for a look


def _menu_texts(window: Any) -> list[str]:
    helpm = next(m for m in window.menuBar().actions() if m.text() == "&Help").menu()
    return [a.text() for a in helpm.actions() if a.text()]


def test_help_menu_lists_docs_log_folder_and_about(window: Any) -> None:
    assert _menu_texts(window)[:2] == ["&Documentation", "Open &log folder"]
    assert "&About otp-bench" in _menu_texts(window)


def test_documentation_shows_the_readme(qtbot: Any, window: Any, tmp_path: Path) -> None:
    window.menu_actions["docs"].trigger()
    dialog = window.docs_dialog
    qtbot.waitUntil(lambda: window.tasks.pending == 0)
    text = dialog.findChild(object, "docsView").toPlainText()
    assert "otp-bench" in text and "Loading…" not in text
    shot = Path(SHOTS or tmp_path) / "help-docs.png"
    dialog.grab().save(str(shot))
    dialog.close()


def test_open_log_folder_hands_the_folder_to_the_desktop(
    qtbot: Any, window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTP_BENCH_LOG_DIR", str(tmp_path / "the-logs"))
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window.menu_actions["log_folder"].trigger()
    qtbot.waitUntil(lambda: bool(opened))
    assert opened[0].toLocalFile() == str(tmp_path / "the-logs")
    assert (tmp_path / "the-logs").is_dir()


def test_about_names_the_log_folder(qtbot: Any, window: Any, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_BENCH_LOG_DIR", str(tmp_path / "the-logs"))
    seen: list[str] = []

    def read_and_close() -> None:
        box = next(b for b in QApplication.topLevelWidgets()
                   if isinstance(b, QMessageBox) and b.isVisible())
        seen.append(box.text())
        box.grab().save(str(Path(SHOTS or tmp_path) / "help-about.png"))
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.menu_actions["about"].trigger()
    assert seen and str(tmp_path / "the-logs") in seen[0] and "--log-level" in seen[0]


def test_a_readme_link_to_a_docs_page_opens_outside_the_dialog(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from otp_bench.gui.help_menu import open_doc_link

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window.menu_actions["docs"].trigger()
    open_doc_link(window, QUrl("docs/headless.md"))
    open_doc_link(window, QUrl("https://help.salesforce.com/"))
    assert opened[0].toLocalFile().endswith("docs/headless.md")
    assert opened[1].toString() == "https://help.salesforce.com/"
    window.docs_dialog.close()
