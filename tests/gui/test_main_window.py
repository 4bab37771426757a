"""The main window around the panes: switching workspaces, recent files, theme, layout state,
and the phone's "fill code" routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QPalette

from otp_bench.gui import theme
from tests.gui.helpers import idle


def test_opening_another_workspace_shows_it_and_remembers_it(qtbot: Any, window: Any,
                                                              tmp_path: Path) -> None:
    w = window
    assert w.site_pane.site.count() == 4  # the sample's sites
    path = tmp_path / "other.db"
    with qtbot.waitSignal(w.engine_ready, timeout=15000):
        w.open_url(f"sqlite:///{path}", throwaway=True)
    assert w.site_pane.site.count() == 0
    assert w.first_run.isVisible()  # empty: the sample is offered
    assert str(path) in w.status_workspace.text()
    assert w.recent_files()[0] == str(path)
    idle(qtbot, w)


def test_theme_action_switches_the_palette_and_is_saved(qtbot: Any, window: Any) -> None:
    w = window
    w.menu_actions["theme_dark"].trigger()
    dark = w.palette().color(QPalette.ColorRole.Window).lightness()
    assert theme.current() == "dark" and dark < 80
    assert w.settings.value("theme") == "dark"
    w.menu_actions["theme_light"].trigger()
    assert w.palette().color(QPalette.ColorRole.Window).lightness() > 200


def test_layout_is_kept_in_settings(qtbot: Any, window: Any) -> None:
    w = window
    w.docks["flags"].hide()
    w.close()
    assert w.settings.value("windowState") is not None
    assert w.settings.value("geometry") is not None


def test_fill_code_without_a_waiting_page_says_so(qtbot: Any, window: Any) -> None:
    w = window
    w.fill_code("123456")
    assert "No code page" in w.statusBar().currentMessage()
