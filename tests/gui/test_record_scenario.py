"""File → Record to scenario: flows walked through the mock site become a scenario file that
``otp-bench run`` replays with every expectation holding."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import yaml
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from otp_bench.domain.vocabulary import UseCase
from otp_bench.scenario.cli import run_files
from tests.gui.helpers import choose, click, fill_code_from_phone, idle, last_message_id


def _start(qtbot: Any, w: Any, site: str, flow: UseCase) -> Any:
    sp = w.site_pane
    choose(qtbot, sp.site, site)
    choose(qtbot, sp.flow, flow.label)
    if sp.page_name != "start":  # same flow as before: "Start over" brings its first page back
        click(qtbot, sp.findChild(QPushButton, "restart"))
    qtbot.waitUntil(lambda: sp.page_name == "start")
    page = sp.pages[flow]
    for field in page.findChildren(QLineEdit):  # what the last flow typed is still there
        field.clear()
    return page


def _submit_and_wait(qtbot: Any, w: Any, button: Any) -> None:
    with qtbot.waitSignal(w.site_pane.page_changed, timeout=10000):
        click(qtbot, button)
    idle(qtbot, w)


def _wrong_code(qtbot: Any, w: Any, before: int) -> None:
    """Type a code that isn't the one on the phone, and send it."""
    qtbot.waitUntil(lambda: last_message_id(w) > before and bool(w.phone.messages[-1].otp),
                    timeout=10000)
    real = str(w.phone.messages[-1].otp)
    wrong = "".join(str((int(c) + 1) % 10) for c in real)
    sp = w.site_pane
    qtbot.keyClicks(sp.code_page.code, wrong)
    qtbot.keyClick(sp.code_page.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(sp.code_page.fields["code"].error.text()), timeout=10000)
    idle(qtbot, w)
    sp.code_page.code.clear()


def test_recorded_gui_session_replays_green(qtbot: Any, window: Any, tmp_path: Path,
                                            monkeypatch: Any) -> None:
    w = window
    target = tmp_path / "recorded.yaml"
    monkeypatch.setattr("otp_bench.gui.main_menus.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), "Scenario (*.yaml)"))
    w.menu_actions["record"].trigger()  # File → Record to scenario…
    assert w.recorder.recording and "Stop recording" in w.menu_actions["record"].text()
    sp = w.site_pane

    # 1. passwordless login: a wrong code, then the code from the phone
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    before = last_message_id(w)
    _submit_and_wait(qtbot, w, page.button)
    _wrong_code(qtbot, w, before)
    fill_code_from_phone(qtbot, w, before)
    _submit_and_wait(qtbot, w, sp.code_page.button)
    assert sp.end_page.ok

    # 2. refused at init: the default provider needs user_verified, ben has admin_verified only
    page = _start(qtbot, w, "Globex Partners", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ben@example.com")
    _submit_and_wait(qtbot, w, page.button)
    assert not sp.end_page.ok

    # 3. the handler fails delivery
    page = _start(qtbot, w, "Initech Support", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    _submit_and_wait(qtbot, w, page.button)
    assert "PROVIDER_ERROR" in sp.operator_text.text()

    # 4. self-registration with the code from the phone
    page = _start(qtbot, w, "Acme Customers", UseCase.SELF_REGISTRATION)
    qtbot.keyClicks(page.first_name, "Zoe")
    qtbot.keyClicks(page.email, "zoe@example.com")
    qtbot.keyClicks(page.mobile, "+1 415 555 2698")
    qtbot.keyClicks(page.password, "s3cret!")
    before = last_message_id(w)
    _submit_and_wait(qtbot, w, page.button)
    fill_code_from_phone(qtbot, w, before)
    _submit_and_wait(qtbot, w, sp.code_page.button)
    assert sp.end_page.ok

    # 5. MFA: the clock runs 15 minutes past while the code waits — it has expired
    page = _start(qtbot, w, "Globex Partners", UseCase.VERIFICATION)
    qtbot.keyClicks(page.username, "ana@example.com")
    qtbot.keyClicks(page.password, "anything")
    before = last_message_id(w)
    _submit_and_wait(qtbot, w, page.button)
    with qtbot.waitSignal(w.clock.advanced, timeout=10000):
        click(qtbot, w.clock.buttons[15 * 60])
    fill_code_from_phone(qtbot, w, before)
    click(qtbot, sp.code_page.button)
    qtbot.waitUntil(lambda: "expired" in sp.operator_text.text(), timeout=10000)
    idle(qtbot, w)

    # File → Stop recording: the scenario is written off the GUI thread
    with qtbot.waitSignal(w.recording_saved, timeout=10000) as saved:
        w.menu_actions["record"].trigger()
    assert saved.args == [str(target)]
    assert not w.recorder.recording and w.menu_actions["record"].text() == "Record to scenario…"

    steps = yaml.safe_load(target.read_text("utf-8"))["steps"]
    assert [s["flow"] for s in steps] == [
        "passwordless_login", "passwordless_login", "passwordless_login", "self_registration",
        "verification"]
    assert steps[0]["code"] == ["wrong", "from_phone"]
    assert steps[1]["expect"]["init"] == "flag_requirement_unmet"
    assert steps[2]["expect"]["delivery"] == "PROVIDER_ERROR"
    assert steps[3]["new_user"]["username"] == "zoe@example.com"
    assert steps[4]["wait"] == "15m" and steps[4]["expect"]["verify"] == "expired"

    report = tmp_path / "replay.json"
    out = io.StringIO()
    assert run_files([str(target)], report=str(report), out=out) == 0, out.getvalue()
    result = json.loads(report.read_text("utf-8"))
    assert result["passed"] == 1 and len(result["scenarios"][0]["steps"]) == 5


def test_flows_walked_before_recording_can_be_saved(qtbot: Any, window: Any,
                                                    tmp_path: Path) -> None:
    """Nobody pressed Record: File → Save this session's flows still has the flows walked."""
    w = window
    sp = w.site_pane
    page = _start(qtbot, w, "Acme Customers", UseCase.PASSWORDLESS_LOGIN)
    qtbot.keyClicks(page.username, "ana@example.com")
    before = last_message_id(w)
    _submit_and_wait(qtbot, w, page.button)
    fill_code_from_phone(qtbot, w, before)
    _submit_and_wait(qtbot, w, sp.code_page.button)
    assert sp.end_page.ok
    target = tmp_path / "session.yaml"
    with qtbot.waitSignal(w.recording_saved, timeout=10000):
        w.save_session(str(target))
    doc = yaml.safe_load(target.read_text("utf-8"))
    assert [s["flow"] for s in doc["steps"]] == ["passwordless_login"]
    out = io.StringIO()
    assert run_files([str(target)], out=out) == 0, out.getvalue()
