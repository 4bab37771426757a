"""The small things a stakeholder notices: masked numbers and codes that read right, code
validity as a duration, true/false, a Reveal button that says what it does, codes hidden by
default, a log filter that doesn't hide later flows, one window title, Help on scenarios."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QMessageBox

from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.site_pane import messages as msg
from tests.gui.helpers import click, idle


def test_masked_numbers_keep_their_country_grouping() -> None:
    assert msg.mask_phone("+14155552671") == "+1 ••• ••• 2671"
    assert msg.mask_phone("+447400123456") == "+44 •••• ••3456"
    assert msg.attempts_left(1) == "1 attempt left."
    assert msg.attempts_left(2) == "2 attempts left."


def test_validity_is_a_duration_and_a_date_past_today() -> None:
    now = datetime(2026, 11, 30, 4, 26, 56)
    assert msg.validity(15 * 60, now) == "Code valid for 15 min (until 04:41, bench time)"
    assert msg.validity(24 * 3600, now) == ("Code valid for 24 h (until Tue 1 Dec 04:26, "
                                            "bench time)")


def test_codes_hidden_by_default_and_reveal_says_what_it_does(qtbot: Any, window: Any,
                                                                monkeypatch: Any) -> None:
    w = window
    assert not w.phone.show_codes.isChecked()
    insp = w.log.inspector
    assert insp.reveal.text() == "Reveal secrets"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    insp.reveal.click()
    assert insp.reveal.text() == "Hide secrets"
    insp.reveal.click()
    assert insp.reveal.text() == "Reveal secrets"


def test_show_this_flow_filter_clears_when_the_next_flow_starts(qtbot: Any, window: Any) -> None:
    w = window
    sp = w.site_pane
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    qtbot.keyClicks(page.username, "ana@example.com")
    with qtbot.waitSignal(sp.page_changed, timeout=10000):
        click(qtbot, page.button)
    idle(qtbot, w)
    sp._show_in_log()
    flow_id = sp._outcome.flow_id
    assert w.log.filter.text() == flow_id
    assert "clears itself" in w.statusBar().currentMessage()
    sp.restart()  # Start over: the next flow begins
    assert w.log.filter.text() == ""


def test_one_window_title(window: Any) -> None:
    title = window.windowTitle()
    assert title.startswith("otp-bench — ") and title.count("otp-bench") == 1


def test_help_explains_the_scenario_format(qtbot: Any, window: Any) -> None:
    w = window
    w.menu_actions["help_scenarios"].trigger()
    view = w.scenario_format_dialog.findChild(type(w.log.inspector.browser),
                                              "scenarioFormatView")
    text = view.toPlainText()
    assert "providers" in text and "INVALID_PHONE_NUMBER" in text and "advance_clock" in text
    w.scenario_format_dialog.close()
    menu = [a.text() for a in w.menuBar().actions()[-1].menu().actions()]
    assert menu.index("Scenario file &format…") < menu.index("&About otp-bench")


def test_masked_codes_read_as_dots_and_flags_as_true_false() -> None:
    from types import SimpleNamespace

    from otp_bench.gui.log import chain_html

    body = '{"Body": "Your code is \u2022\u2022\u2022\u2022\u2022\u2022", "ok": true}'
    html = chain_html._message(SimpleNamespace(headers=[], body=body, body_truncated=False))
    assert "••••••" in html and "\\u2022" not in html
    flags = chain_html._flags({"user_verified": False}, {"user_verified": True})
    assert "true" in flags and "True" not in flags and "False" not in flags
