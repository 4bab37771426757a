"""The two headless flows, run from the headless client pane against the loopback API."""

from __future__ import annotations

from typing import Any

from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.log.log_model import ROW_ROLE
from otp_bench.gui.main_window import TAB_HEADLESS
from tests.gui.helpers import choose, click, fill_code_from_phone, last_message_id


def _open(qtbot: Any, w: Any, flow: UseCase) -> Any:
    w.tabs.setCurrentIndex(TAB_HEADLESS)
    hp = w.headless_pane
    choose(qtbot, hp.flow, flow.label)
    choose(qtbot, hp.site, "Acme Customers")
    return hp


def _authorize(qtbot: Any, w: Any, hp: Any, before: int) -> None:
    qtbot.waitUntil(lambda: hp.step == "code", timeout=15000)
    assert hp.identifier.text()
    code = fill_code_from_phone(qtbot, w, before)
    assert hp.code.text() == code
    click(qtbot, hp.authorize_button)
    qtbot.waitUntil(lambda: hp.step in ("done", "code") and len(hp._exchanges) >= 2,
                    timeout=15000)
    qtbot.waitUntil(lambda: hp.authorize_button.isEnabled() or hp.step == "done")


def test_headless_passwordless_login_shows_init_authorize_and_token(qtbot: Any,
                                                                     window: Any) -> None:
    w = window
    hp = _open(qtbot, w, UseCase.HEADLESS_PASSWORDLESS_LOGIN)
    qtbot.keyClicks(hp.username, "ana@example.com")
    before = last_message_id(w)
    click(qtbot, hp.init_button)
    _authorize(qtbot, w, hp, before)
    assert hp.step == "done"
    paths = [ex.url.split("/services/")[-1] for ex in hp._exchanges]
    assert paths == ["auth/headless/init/passwordless/login", "oauth2/authorize",
                     "oauth2/echo?" + hp._exchanges[2].url.split("?")[1], "oauth2/token"]
    assert hp._exchanges[1].status == 302  # Salesforce's redirect, shown as the client sees it
    assert hp._exchanges[2].json == hp._exchanges[1].location_params  # the echo's JSON
    assert hp._exchanges[1].location_params["state"]
    assert all(ex.ok for ex in hp._exchanges[2:])
    shown = hp.view.toPlainText()
    assert "Auth-Request-Type: passwordless-login" in shown.replace("auth-request-type",
                                                                    "Auth-Request-Type")
    assert "access_token" in shown
    # the OTP never appears in clear in the exchange view
    assert w.phone.messages[-1].otp not in shown


def test_enter_in_the_username_starts_the_headless_flow(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import Qt

    w = window
    hp = _open(qtbot, w, UseCase.HEADLESS_PASSWORDLESS_LOGIN)
    qtbot.keyClicks(hp.username, "ana@example.com")
    before = last_message_id(w)
    qtbot.keyClick(hp.username, Qt.Key.Key_Return)
    _authorize(qtbot, w, hp, before)
    assert hp.step == "done"


def test_headless_registration(qtbot: Any, window: Any) -> None:
    w = window
    hp = _open(qtbot, w, UseCase.HEADLESS_PASSWORDLESS_REGISTRATION)
    qtbot.keyClicks(hp.username, "hana@example.com")
    qtbot.keyClicks(hp.first_name, "Hana")
    qtbot.keyClicks(hp.last_name, "Ho")
    qtbot.keyClicks(hp.mobile, "+1 415 555 2682")
    before = last_message_id(w)
    click(qtbot, hp.init_button)
    _authorize(qtbot, w, hp, before)
    assert hp.step == "done"
    assert "user-registration" in hp.view.toPlainText()
    assert w.engine.store.user_by_username("hana@example.com") is not None


def test_a_refused_init_looks_like_success_but_the_log_has_the_reason(qtbot: Any,
                                                                      window: Any) -> None:
    w = window  # ivan has an internal licence: refused, yet the API answers with a decoy
    hp = _open(qtbot, w, UseCase.HEADLESS_PASSWORDLESS_LOGIN)
    qtbot.keyClicks(hp.username, "ivan@acme.example.com")
    click(qtbot, hp.init_button)
    qtbot.waitUntil(lambda: hp.step == "code", timeout=15000)
    assert hp._exchanges[0].ok and hp.identifier.text()
    qtbot.waitUntil(lambda: any(r.result == "internal_user" for r in w.log.model.rows))
    hp.status.linkActivated.emit("log")  # the "live log" link in the pane's status line
    qtbot.waitUntil(lambda: w.log.shown_model is w.log.proxy)
    shown = [w.log.proxy.index(i, 0).data(ROW_ROLE) for i in range(w.log.proxy.rowCount())]
    assert any(r.result == "internal_user" for r in shown)


def test_connected_app_editor_and_pkce_switch(qtbot: Any, window: Any, qtmodeltester: Any
                                              ) -> None:
    """The operator adds a connected app that requires PKCE, then runs the flow with PKCE off
    (refused, naming why, the code not spent) and on (token issued)."""
    w = window
    hp = _open(qtbot, w, UseCase.HEADLESS_PASSWORDLESS_LOGIN)
    qtbot.waitUntil(lambda: hp.app.count() == 1)
    assert hp.app.currentText() == "Any client (no connected app)"
    click(qtbot, hp.apps_button)
    dialog = hp.apps_dialog
    qtbot.waitUntil(lambda: dialog.editor.client_id.text().startswith("3MVG9"))
    ed = dialog.editor
    qtbot.keyClicks(ed.name, "Travel app")
    ed.client_id.setText("3MVG9travel")
    ed.require_pkce.setChecked(True)
    click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=10000)
    qtmodeltester.check(dialog.list.model())
    assert len(ed.secret.text()) == 64  # the consumer secret the bench made, masked
    assert ed.secret.echoMode() == ed.secret.EchoMode.Password
    qtbot.waitUntil(lambda: hp.app.currentText().startswith("Travel app"))
    assert dialog.timeout.value() == 120  # Salesforce's default session timeout
    dialog.timeout.setValue(30)
    click(qtbot, dialog.findChild(type(ed.save_button), "caApplyTimeout"))
    qtbot.waitUntil(lambda: "Saved" in dialog.timeout_status.text())
    assert w.engine.settings.session_timeout_seconds == 1800
    dialog.close()

    hp.pkce.setChecked(False)
    qtbot.keyClicks(hp.username, "ana@example.com")
    before = last_message_id(w)
    click(qtbot, hp.init_button)
    _authorize(qtbot, w, hp, before)
    assert hp.step == "code"
    assert "requires PKCE" in hp.status.text()
    hp.pkce.setChecked(True)
    click(qtbot, hp.authorize_button)
    qtbot.waitUntil(lambda: hp.step == "done", timeout=15000)
    token = hp._exchanges[-1]
    assert "client_id=3MVG9travel" in token.request_body
    assert "code_verifier=" in token.request_body
    assert token.json["access_token"][:12] in hp.view.toPlainText()
    assert token.json["access_token"] not in hp.view.toPlainText()  # shortened on screen


def test_connected_app_editor_names_an_invalid_field(qtbot: Any, window: Any) -> None:
    hp = _open(qtbot, window, UseCase.HEADLESS_PASSWORDLESS_LOGIN)
    click(qtbot, hp.apps_button)
    ed = hp.apps_dialog.editor
    qtbot.waitUntil(lambda: ed.client_id.text().startswith("3MVG9"))
    qtbot.keyClicks(ed.name, "Bad app")
    ed.callbacks.setPlainText("not a url")
    click(qtbot, ed.save_button)
    qtbot.waitUntil(lambda: ed.banner.isVisible() and "Not saved" in ed.banner.text())
    assert "callback_urls" in ed.banner.text() and "isn't a URL" in ed.banner.text()
    assert window.engine.connected_apps() == []
