"""Every browser use case walked through the mock site by typing and clicking, end to end."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from otp_bench.domain.vocabulary import UseCase
from tests.gui.helpers import choose, click, fill_code_from_phone, idle, last_message_id


def _start(qtbot: Any, w: Any, site: str, flow: UseCase) -> Any:
    sp = w.site_pane
    choose(qtbot, sp.site, site)
    choose(qtbot, sp.flow, flow.label)
    return sp.pages[flow]


def _verify_with_phone_code(qtbot: Any, w: Any, before: int) -> None:
    sp = w.site_pane
    qtbot.waitUntil(lambda: sp.page_name == "code", timeout=10000)
    code = fill_code_from_phone(qtbot, w, before)
    assert sp.code_page.code.text() == code
    with qtbot.waitSignal(sp.page_changed, timeout=10000):
        click(qtbot, sp.code_page.button)


def test_passwordless_login_walks_to_logged_in_and_sets_admin_verified(qtbot: Any,
                                                                        window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    before = last_message_id(w)
    click(qtbot, page.button)
    _verify_with_phone_code(qtbot, w, before)
    sp = w.site_pane
    assert sp.page_name == "end" and sp.end_page.ok
    assert sp.end_page.title.text() == "You're logged in"
    # custom provider: admin_verified becomes true and the flags panel highlights it
    ana = w.engine.store.user_by_username("ana@example.com")
    qtbot.waitUntil(lambda: w.flags.model.is_highlighted(ana.id, "admin_verified"))
    assert "SUCCESS" in sp.operator_text.text()


def test_mfa_verification_with_password_then_sms_code(qtbot: Any, window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Globex Partners", UseCase.VERIFICATION)
    qtbot.keyClicks(page.username, "ana@example.com")
    qtbot.keyClicks(page.password, "anything")
    before = last_message_id(w)
    click(qtbot, page.button)
    _verify_with_phone_code(qtbot, w, before)
    assert w.site_pane.end_page.ok
    assert w.site_pane.end_page.title.text() == "Identity verified"


def test_refusal_shows_end_user_message_and_operator_reason(qtbot: Any, window: Any) -> None:
    w = window  # default provider needs user_verified; ben only has admin_verified
    page = _start(qtbot, w, "Globex Partners", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ben@example.com")
    with qtbot.waitSignal(w.site_pane.page_changed, timeout=10000):
        click(qtbot, page.button)
    sp = w.site_pane
    assert sp.page_name == "end" and not sp.end_page.ok
    assert "administrator" in sp.end_page.message.text()
    note = sp.operator_text.text()
    assert "flag_requirement_unmet" in note and "user_verified required" in note


def test_provider_error_is_a_delivery_failure_with_its_reason(qtbot: Any, window: Any) -> None:
    w = window  # Initech Support's handler is scripted to return PROVIDER_ERROR
    page = _start(qtbot, w, "Initech Support", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    with qtbot.waitSignal(w.site_pane.page_changed, timeout=10000):
        click(qtbot, page.button)
    sp = w.site_pane
    assert sp.page_name == "end" and not sp.end_page.ok
    assert "couldn't send" in sp.end_page.message.text()
    note = sp.operator_text.text()
    assert "delivery_failed" in note and "PROVIDER_ERROR" in note


def test_expired_code_after_fast_forward(qtbot: Any, window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    before = last_message_id(w)
    click(qtbot, page.button)
    sp = w.site_pane
    qtbot.waitUntil(lambda: sp.page_name == "code", timeout=10000)
    fill_code_from_phone(qtbot, w, before)
    with qtbot.waitSignal(w.clock.advanced, timeout=10000):
        click(qtbot, w.clock.buttons[15 * 60])
    click(qtbot, sp.code_page.button)
    err = sp.code_page.fields["code"].error
    qtbot.waitUntil(lambda: err.isVisibleTo(sp) and "expired" in err.text(), timeout=10000)
    assert "expired" in sp.operator_text.text()
    assert sp.page_name == "code"  # the user can ask for a new code from here
    before = last_message_id(w)
    click(qtbot, sp.code_page.resend)
    qtbot.waitUntil(lambda: last_message_id(w) > before, timeout=10000)
    _verify_with_phone_code(qtbot, w, before)
    assert sp.end_page.ok


def test_wrong_code_says_how_many_attempts_are_left(qtbot: Any, window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ben@example.com")
    click(qtbot, page.button)
    sp = w.site_pane
    qtbot.waitUntil(lambda: sp.page_name == "code", timeout=10000)
    qtbot.keyClicks(sp.code_page.code, "000000")
    qtbot.keyClick(sp.code_page.code, Qt.Key.Key_Return)
    err = sp.code_page.fields["code"].error
    qtbot.waitUntil(lambda: "2 attempts left." in err.text(), timeout=10000)
    assert "invalid_code" in sp.operator_text.text()


def _register(qtbot: Any, w: Any, flow: UseCase, username: str, mobile: str) -> Any:
    page = _start(qtbot, w, "Acme Customers", flow)
    qtbot.keyClicks(page.first_name, "Zoe")
    qtbot.keyClicks(page.last_name, "Zed")
    qtbot.keyClicks(page.email, username)
    qtbot.keyClicks(page.mobile, mobile)
    if page.password is not None:
        qtbot.keyClicks(page.password, "s3cret!")
    before = last_message_id(w)
    click(qtbot, page.button)
    _verify_with_phone_code(qtbot, w, before)
    return page


def test_self_registration_creates_the_user(qtbot: Any, window: Any) -> None:
    w = window
    page = _register(qtbot, w, UseCase.SELF_REGISTRATION, "zoe@example.com", "+1 415 555 2680")
    assert page.username.text() == "zoe@example.com"  # the username follows the email
    assert w.site_pane.end_page.ok
    idle(qtbot, w)
    qtbot.waitUntil(lambda: w.tree.find_item("user", "zoe@example.com") is not None)
    zoe = w.engine.store.user_by_username("zoe@example.com")
    assert zoe.flags.admin_verified and not zoe.flags.user_verified  # custom provider row


def test_passwordless_registration(qtbot: Any, window: Any) -> None:
    w = window
    page = _register(qtbot, w, UseCase.PASSWORDLESS_REGISTRATION, "yan@example.com",
                     "+1 415 555 2681")
    assert page.password is None
    assert w.site_pane.end_page.title.text() == "Welcome aboard"


def test_registration_with_a_bad_mobile_stays_on_the_form(qtbot: Any, window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_REGISTRATION)
    qtbot.keyClicks(page.email, "bad@example.com")
    qtbot.keyClicks(page.mobile, "12")
    click(qtbot, page.button)
    err = page.fields["mobile"].error
    qtbot.waitUntil(lambda: err.isVisibleTo(page), timeout=10000)
    assert w.site_pane.page_name == "start"
    assert "invalid_phone_number" in w.site_pane.operator_text.text()


def test_verification_method_registration_with_a_new_number(qtbot: Any, window: Any) -> None:
    w = window
    page = _start(qtbot, w, "Acme Customers", UseCase.VERIFICATION_METHOD_REGISTRATION)
    qtbot.keyClicks(page.username, "cleo@example.com")
    qtbot.keyClicks(page.mobile, "+44 7911 123457")
    before = last_message_id(w)
    click(qtbot, page.button)
    _verify_with_phone_code(qtbot, w, before)
    assert w.site_pane.end_page.title.text() == "Mobile number verified"
    assert w.phone.number.currentText() == "+447911123457"
    assert w.engine.store.user_by_username("cleo@example.com").mobile == "+447911123457"
