"""Workspace editors: inline validation, engine errors under their field, the custom → default
confirmation, provider presets with a live preview, send test, and the first-run sample."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from otp_bench.gui.main_window import TAB_EDITOR
from tests.gui.helpers import choose, click, idle


def _open(qtbot: Any, w: Any, kind: str, name: str) -> Any:
    item = w.tree.find_item(kind, name)
    assert item is not None, name
    rect = w.tree.tree.visualItemRect(item)
    qtbot.mouseClick(w.tree.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.tabs.currentIndex() == TAB_EDITOR
    return w.editor


def test_switching_a_site_back_to_default_asks_and_is_logged(qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "site", "Acme Customers")
    assert ed.custody_note.isVisibleTo(ed)  # a custom handler sees the OTP: said up front
    assert "receives the OTP" in ed.custody_note.text()
    choose(qtbot, ed.handler, "Salesforce default provider")
    assert ed.switch_warning.isVisibleTo(ed)
    assert not ed.custody_note.isVisibleTo(ed)
    click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: getattr(ed, "confirm_box", None) is not None
                    and ed.confirm_box.isVisible(), timeout=5000)
    assert "not recommended" in ed.confirm_box.text()
    with qtbot.waitSignal(ed.saved, timeout=5000):
        click(qtbot, ed.confirm_box.button(QMessageBox.StandardButton.Yes))
    assert w.engine.store.site_by_name("Acme Customers").provider_id is None
    qtbot.waitUntil(lambda: any(r.kind == "handler_switched" and "not recommended" in r.summary
                                for r in w.log.model.rows), timeout=5000)


def test_cancelling_the_switch_saves_nothing(qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "site", "Acme Customers")
    choose(qtbot, ed.handler, "Salesforce default provider")
    click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: getattr(ed, "confirm_box", None) is not None
                    and ed.confirm_box.isVisible(), timeout=5000)
    click(qtbot, ed.confirm_box.button(QMessageBox.StandardButton.Cancel))
    qtbot.waitUntil(lambda: "cancelled" in ed.banner.text())
    site = w.engine.store.site_by_name("Acme Customers")
    assert w.engine.handler_name(site) == "Scripted success"


def test_site_colour_is_validated_inline(qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "site", "Globex Partners")
    ed.color.clear()
    qtbot.keyClicks(ed.color, "blue")
    assert ed.fields["brand_color"].error.isVisibleTo(ed)
    click(qtbot, ed.save_button)
    assert "Not saved" in ed.banner.text()


def test_user_mobile_validates_live_and_engine_errors_land_under_the_field(
        qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "user", "cleo@example.com")
    ed.mobile.clear()
    qtbot.keyClicks(ed.mobile, "+1 415 555")
    assert ed.fields["mobile"].error.isVisibleTo(ed)
    qtbot.keyClicks(ed.mobile, " 2699")
    assert not ed.fields["mobile"].error.isVisibleTo(ed)
    assert "'+1 4155552699'" in ed.mobile_info.text()  # what the handler will receive
    ed.username.clear()
    qtbot.keyClicks(ed.username, "ana@example.com")  # taken
    with qtbot.waitSignal(ed.failed, timeout=5000):
        click(qtbot, ed.save_button)
    assert "taken" in ed.fields["username"].error.text()


def test_new_user_is_saved_and_listed(qtbot: Any, window: Any) -> None:
    w = window
    click(qtbot, w.tree.add_buttons["user"])
    ed = w.editor
    qtbot.keyClicks(ed.username, "new@example.com")
    qtbot.keyClicks(ed.mobile, "+1 415 555 2600")
    click(qtbot, ed.admin_verified)
    click(qtbot, next(cb for cb in ed.sites.values() if cb.text() == "Acme Customers"))
    with qtbot.waitSignal(ed.saved, timeout=5000):
        click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: w.tree.find_item("user", "new@example.com") is not None, timeout=5000)
    user = w.engine.store.user_by_username("new@example.com")
    assert user.flags.admin_verified and user.mobile == "+14155552600"


def test_provider_preset_fills_the_config_and_the_preview_masks_secrets(
        qtbot: Any, window: Any) -> None:
    w = window
    click(qtbot, w.tree.add_buttons["provider"])
    ed = w.editor
    qtbot.keyClicks(ed.name, "twilio-test")
    choose(qtbot, ed.kind, ed.kind.itemText(1))
    http = ed.http
    choose(qtbot, http.preset, http.preset.itemText(http.preset.findData("twilio")))
    click(qtbot, http.findChild(type(ed.save_button), "applyPreset"))
    assert "twilio" in http.base_url.text()
    qtbot.waitUntil(lambda: "✓" in http.preview_state.text(), timeout=3000)
    preview = http.preview.toPlainText()
    assert "Messages.json" in preview and "‹" in preview
    assert "Authorization: Basic base64(‹account_sid›:‹auth_token›)" in preview
    for secret in http.credentials.credentials().values():
        assert secret not in preview or len(secret) < 3
    http.body_format.setCurrentText("text")
    http.body.setPlainText("{{ phone_numbr }}")  # a typo: strict undefined names it
    qtbot.waitUntil(lambda: "✗" in http.preview_state.text(), timeout=3000)
    assert "phone_numbr" in http.preview.toPlainText()


def test_send_test_makes_one_call_and_shows_the_result(qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "provider", "Scripted provider error")
    click(qtbot, ed.test_button)
    qtbot.waitUntil(lambda: ed.test_result.isVisibleTo(ed), timeout=5000)
    assert "PROVIDER_ERROR" in ed.test_result.toPlainText()


def test_org_settings_turn_the_feature_off(qtbot: Any, window: Any) -> None:
    w = window
    item = w.tree.tree.topLevelItem(0)
    rect = w.tree.tree.visualItemRect(item)
    qtbot.mouseClick(w.tree.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    ed = w.editor
    click(qtbot, ed.enabled)
    with qtbot.waitSignal(ed.saved, timeout=5000):
        click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: "custom OTP off" in w.tree.tree.topLevelItem(0).text(0))
    assert not w.engine.settings.custom_otp_enabled


def test_first_run_offers_the_sample_workspace(qtbot: Any, empty_window: Any) -> None:
    w = empty_window
    assert w.first_run.isVisible()
    click(qtbot, w.first_run.findChild(type(w.site_pane.code_page.button), "loadSample"))
    idle(qtbot, w)
    qtbot.waitUntil(lambda: not w.first_run.isVisible(), timeout=5000)
    assert w.site_pane.site.count() >= 2


def test_an_invalid_field_is_marked_and_clears_when_fixed(qtbot: Any, window: Any) -> None:
    w = window
    ed = _open(qtbot, w, "user", "cleo@example.com")
    ed.mobile.clear()
    qtbot.keyClicks(ed.mobile, "12")
    assert ed.mobile.property("invalid") is True  # the red border's stylesheet hook
    ed.mobile.clear()
    qtbot.keyClicks(ed.mobile, "+44 7911 123456")
    assert ed.mobile.property("invalid") is False


def test_a_runaway_template_renders_off_the_gui_thread_and_is_stopped(
        qtbot: Any, window: Any) -> None:
    """P9: a nested range loop in the body froze the app when the preview rendered inline."""
    import time

    w = window
    click(qtbot, w.tree.add_buttons["provider"])
    ed = w.editor
    choose(qtbot, ed.kind, ed.kind.itemText(1))
    http = ed.http
    http.base_url.setText("https://api.example.com")
    http.body_format.setCurrentText("text")
    started = time.perf_counter()
    http.body.setPlainText(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    http.update_preview()
    assert time.perf_counter() - started < 0.5  # the GUI thread didn't render it
    assert "rendering" in http.preview_state.text()
    qtbot.waitUntil(lambda: "✗" in http.preview_state.text(), timeout=10000)
    assert "body:" in http.preview.toPlainText() and "limit" in http.preview.toPlainText()


def test_settings_have_no_redaction_switch_and_say_redaction_is_always_on(
        qtbot: Any, window: Any) -> None:
    """P9: the "Redact secrets and codes" checkbox changed nothing; it is gone."""
    from PySide6.QtWidgets import QCheckBox, QLabel

    w = window
    w.open_editor("settings", None)
    ed = w.editor
    boxes = [b.text() for b in ed.findChildren(QCheckBox)]
    assert not any("Redact" in t for t in boxes)
    assert any("always redacted" in lab.text() for lab in ed.findChildren(QLabel))
    assert any("bench assumption" in lab.text().lower() and "account" in lab.text()
               for lab in ed.findChildren(QLabel))


def test_the_keyring_fallback_shows_in_the_app(qtbot: Any, window: Any,
                                               monkeypatch: Any) -> None:
    from otp_bench.store import keystore

    monkeypatch.setattr(keystore, "_notice", ["no OS keyring backend: workspace keys are kept "
                                              "in owner-only files under /x"])
    window._announce_key_store()
    window._announce_key_store()  # once
    notes = window.statusBar().findChildren(type(window.status_workspace), "keyStoreNote")
    assert len(notes) == 1 and "/x" in notes[0].toolTip()
