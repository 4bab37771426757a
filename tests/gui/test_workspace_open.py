"""File → Open workspace URL…: a PostgreSQL team workspace opened from the app, its password
never shown (status bar, title, dialog, recent list, settings file), and the key menu items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from otp_bench.gui.workspace_open import (
    OpenUrlDialog,
    open_workspace_url,
    recent_urls,
    with_password,
    without_password,
)
from tests.gui.helpers import idle

PASSWORD = "Sekr3t/pw@x"


def test_password_moves_out_of_the_url_field_and_back_into_the_url(qtbot: Any) -> None:
    dlg = OpenUrlDialog(None)
    qtbot.addWidget(dlg)
    dlg.url_edit.setText("postgresql://alice:p%40ss@db.example:5432/team")
    dlg.url_edit.editingFinished.emit()
    assert dlg.url_edit.text() == "postgresql://alice@db.example:5432/team"
    assert dlg.password_edit.text() == "p@ss"
    assert dlg.workspace().password == "p@ss"
    assert "p@ss" not in str(dlg.workspace())
    assert without_password(with_password("postgresql://a@h/d", "x:y")) == "postgresql://a@h/d"


def test_opening_a_postgresql_workspace_by_url(qtbot: Any, window: Any, pg_url: str,
                                               tmp_path: Path) -> None:
    w = window
    dlg = open_workspace_url(w)
    dlg.url_edit.setText(without_password(pg_url))
    dlg.password_edit.setText(PASSWORD)  # the test server trusts loopback: any password works
    with qtbot.waitSignal(w.engine_ready, timeout=20000):
        dlg._accept()
    assert w.engine.store.workspace.password == PASSWORD  # it really went to the driver
    db = make_url(pg_url).database
    shown = [w.status_workspace.text(), w.windowTitle(), *recent_urls(w)]
    assert any(db in s for s in shown)
    assert "otp:***@" in w.status_workspace.text()
    for text in shown:
        assert PASSWORD not in text and "Sekr3t" not in text
    assert recent_urls(w)[0] == without_password(w.engine.store.url)
    w.settings.sync()
    assert "Sekr3t" not in (tmp_path / "settings.ini").read_text()
    idle(qtbot, w)


def test_the_file_menu_has_the_team_workspace_items(window: Any) -> None:
    for key in ("open_url", "export_key", "import_key"):
        assert window.menu_actions[key].isEnabled()
