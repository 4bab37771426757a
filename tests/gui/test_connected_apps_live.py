"""The connected-apps dialog is live: an app saved or deleted elsewhere (another window, a
teammate) shows in its list at once, and the open form keeps its edits and says its app
changed or went, as every other editor does."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from otp_bench.domain.connected_app import ConnectedApp
from otp_bench.engine.engine import Engine
from otp_bench.gui.main_window import TAB_HEADLESS
from tests.gui.helpers import click
from tests.gui.test_live_views import elsewhere  # noqa: F401  (the fixture)


def _names(dialog: Any) -> list[str]:
    return [dialog.list.item(i).text().split("\n")[0] for i in range(dialog.list.count())]


def test_apps_saved_and_deleted_elsewhere_show_in_the_open_dialog(
        qtbot: Any, window: Any, elsewhere: Engine,  # noqa: F811
) -> None:
    w = window
    w.tabs.setCurrentIndex(TAB_HEADLESS)
    hp = w.headless_pane
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        travel = elsewhere.save_connected_app(ConnectedApp(
            id="0H4LIVE000000001", name="Travel app", client_id="3MVG9travel"))
    click(qtbot, hp.apps_button)
    dialog = hp.apps_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: _names(dialog) == ["Travel app"], timeout=10000)
    ed = dialog.editor
    qtbot.waitUntil(lambda: ed.name.text() == "Travel app")
    ed.name.setText("Travel app (mine)")  # an edit not saved yet

    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_connected_app(ConnectedApp(
            id="0H4LIVE000000002", name="Kiosk", client_id="3MVG9kiosk"))
    qtbot.waitUntil(lambda: sorted(_names(dialog)) == ["Kiosk", "Travel app"], timeout=10000)
    assert ed.notice.isHidden(), "another app's change is no news to this form"
    assert ed.name.text() == "Travel app (mine)"

    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.save_connected_app(replace(travel, name="Travel (EU)"))
    qtbot.waitUntil(lambda: "Travel (EU)" in _names(dialog), timeout=10000)
    assert ed.notice.isVisible() and "Changed elsewhere" in ed.notice_text.text()
    assert ed.name.text() == "Travel app (mine)"  # the form is left as it is

    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        elsewhere.delete_connected_app(travel.id)
    qtbot.waitUntil(lambda: _names(dialog) == ["Kiosk"], timeout=10000)
    assert "Deleted elsewhere" in ed.notice_text.text()
    dialog.close()


def test_the_dialogs_own_save_is_no_news_to_its_form(qtbot: Any, window: Any) -> None:
    w = window
    w.tabs.setCurrentIndex(TAB_HEADLESS)
    hp = w.headless_pane
    click(qtbot, hp.apps_button)
    dialog = hp.apps_dialog
    assert dialog is not None
    ed = dialog.editor
    qtbot.waitUntil(lambda: ed.client_id.text().startswith("3MVG9"))
    qtbot.keyClicks(ed.name, "Own app")
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: _names(dialog) == ["Own app"], timeout=10000)
    qtbot.waitUntil(lambda: not ed.is_new)
    assert ed.notice.isHidden()
    ed.name.setText("Own app, renamed")
    with qtbot.waitSignal(w.workspace_refreshed, timeout=5000):
        click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: _names(dialog) == ["Own app, renamed"], timeout=10000)
    assert ed.notice.isHidden()
    dialog.close()
