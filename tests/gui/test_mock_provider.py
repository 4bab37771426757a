"""The loopback mock from the app: start it, build a Twilio provider on it through the editors,
walk a login over real HTTP, then inject a fault from the toolbar and see the delivery fail."""

from __future__ import annotations

from typing import Any

from otp_bench.domain.vocabulary import UseCase
from tests.gui.helpers import choose, click, fill_code_from_phone, last_message_id


def _login(qtbot: Any, w: Any) -> None:
    sp = w.site_pane
    w.tabs.setCurrentIndex(0)
    choose(qtbot, sp.site, "Globex Partners")
    choose(qtbot, sp.flow, UseCase.PASSWORDLESS_LOGIN.label)
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    qtbot.keyClicks(page.username, "ana@example.com")
    click(qtbot, page.button)


def test_twilio_on_the_loopback_mock_then_a_fault(qtbot: Any, window: Any) -> None:
    w = window
    # the sample's Twilio provider uses the mock, so the app started it with the workspace
    qtbot.waitUntil(lambda: w.mock.running and w.mock_button.isChecked(), timeout=10000)
    assert "http://127.0.0.1:" in w.status_mock.text()

    click(qtbot, w.tree.add_buttons["provider"])
    ed = w.editor
    qtbot.keyClicks(ed.name, "twilio-mock")
    choose(qtbot, ed.kind, ed.kind.itemText(1))
    choose(qtbot, ed.http.preset, ed.http.preset.itemText(ed.http.preset.findData("twilio")))
    click(qtbot, ed.http.findChild(type(ed.save_button), "applyPreset"))
    click(qtbot, ed.use_mock)
    assert ed.http.base_url.text().startswith(w.mock.base_url)
    with qtbot.waitSignal(ed.saved, timeout=5000):
        click(qtbot, ed.save_button)

    item = w.tree.find_item("site", "Globex Partners")
    w.tree.tree.setCurrentItem(item)
    w.open_editor("site", w.engine.store.site_by_name("Globex Partners"))
    se = w.editor
    choose(qtbot, se.handler, "twilio-mock")
    with qtbot.waitSignal(se.saved, timeout=5000):
        click(qtbot, se.save_button)

    before = last_message_id(w)
    _login(qtbot, w)
    sp = w.site_pane
    qtbot.waitUntil(lambda: sp.page_name == "code", timeout=15000)
    assert "HTTP 201" in sp.operator_text.text()
    fill_code_from_phone(qtbot, w, before)
    with qtbot.waitSignal(sp.page_changed, timeout=10000):
        click(qtbot, sp.code_page.button)
    assert sp.end_page.ok

    click(qtbot, w.findChild(type(w.mock_button), "faultsButton"))
    dlg = w.faults_dialog
    qtbot.waitUntil(dlg.isVisible)
    dlg.provider.setCurrentText("twilio-mock")
    dlg.text.clear()
    qtbot.keyClicks(dlg.text, "[{status: 500}]")
    from PySide6.QtWidgets import QDialogButtonBox

    box = dlg.findChild(QDialogButtonBox)
    click(qtbot, box.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: w.tasks.pending == 0)
    assert "armed (1)" in w.faults_button.text()  # the toolbar and the phone say so
    assert w.phone.armed.isVisible() and "twilio-mock" in w.phone.armed.text()

    from PySide6.QtWidgets import QPushButton

    click(qtbot, sp.findChild(QPushButton, "restart"))  # "Start over"
    qtbot.waitUntil(lambda: sp.page_name == "start")
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    page.username.clear()
    qtbot.keyClicks(page.username, "ana@example.com")
    with qtbot.waitSignal(sp.page_changed, timeout=15000):
        click(qtbot, page.button)
    assert not sp.end_page.ok
    assert "PROVIDER_ERROR" in sp.operator_text.text()


def test_inspector_masks_the_callout_until_the_operator_reveals(qtbot: Any, window: Any,
                                                                 monkeypatch: Any) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    from otp_bench.delivery.presets import get_preset, preset_http
    from otp_bench.domain.model import ProviderKind

    w = window
    # the sample's Twilio provider uses the mock, so the app started it with the workspace
    qtbot.waitUntil(lambda: w.mock.running and w.mock_button.isChecked(), timeout=10000)
    e = w.engine  # set-up through the engine; what's checked is what the inspector shows
    e.new_provider("twilio-mock", kind=ProviderKind.HTTP,
                   http=preset_http("twilio", base_url=w.mock.url_for("twilio-mock")),
                   credentials=dict(get_preset("twilio").example_credentials))
    e.save_site(replace(e.store.site_by_name("Globex Partners"),
                        provider_id=e.provider_ref("twilio-mock")))
    out = e.start(UseCase.PASSWORDLESS_LOGIN, "Globex Partners", "ana@example.com")
    assert out.ok, out.detail
    code = e.store.inbox(out.phone)[-1].otp
    last = e.store.events(newest_first=True, limit=1)[0].id
    qtbot.waitUntil(lambda: w.log.model.newest_id == last)
    with qtbot.waitSignal(w.log.inspector.shown, timeout=5000):
        w.show_flow_in_log(out.flow_id)
    text = w.log.inspector.browser.toPlainText()
    assert "Messages.json" in text and "HTTP 201" in text
    assert code not in text
    token = get_preset("twilio").example_credentials.get("auth_token", "")
    assert not token or token not in text

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(w.log.inspector.shown, timeout=5000):
        click(qtbot, w.log.inspector.reveal)
    revealed = w.log.inspector.browser.toPlainText()
    assert "Revealed" in revealed and code in revealed
