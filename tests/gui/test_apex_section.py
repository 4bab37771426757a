"""The provider editor's "Apex class" kind: the class shown read-only with highlighting, the
"interpreted, not compiled" notice, a send test marking the line the handler ended on, a save in
the user's editor picked up, and the live log showing System.debug lines and the throw."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tree_sitter_language_pack", reason="the apex extra isn't installed")

from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.model import ProviderKind
from otp_bench.gui.editors.apex_section import NOT_COMPILED
from tests.gui.helpers import choose, click, idle

CORPUS = Path(__file__).resolve().parents[1] / "apex" / "corpus"


@pytest.fixture(scope="module", autouse=True)
def _callout_loop() -> None:
    """The process's shared callout loop (exchange.py) lives as long as the process: started
    here, before the per-test thread check, so it isn't counted as a leftover."""
    from otp_bench.delivery.exchange import callout_loop

    callout_loop()


def _apex_provider(w: Any, tmp_path: Path, name: str = "slow-apex") -> Any:
    src = tmp_path / "SlowProviderHandler.cls"
    shutil.copy(CORPUS / "buggy" / "SlowProviderHandler.cls", src)
    apex = ApexConfig.from_dict({"source": str(src), "named_credentials": {
        "Webhook": {"url": "https://hooks.example.com", "allow_merge_fields": True,
                    "generate_authorization_header": False}}})
    return w.engine.new_provider(name, kind=ProviderKind.APEX, apex=apex,
                                 credentials={"Webhook.password": "hook-secret-123"})


def test_the_editor_shows_the_class_and_marks_where_a_send_test_ended(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    w = window
    provider = _apex_provider(w, tmp_path)
    w.open_editor("provider", provider)
    ed = w.editor
    sec = ed.apex
    idle(qtbot, w)
    assert sec.isVisibleTo(ed) and not ed.http.isVisibleTo(ed)
    assert sec.notice.text().endswith(NOT_COMPILED)
    assert "SlowProviderHandler" in sec.status.text()
    assert "req.setTimeout(130000);" in sec.code.toPlainText()
    assert sec.code.isReadOnly()
    click(qtbot, ed.test_button)
    qtbot.waitUntil(lambda: ed.test_result.isVisible(), timeout=10000)
    html = ed.test_result.toHtml()
    assert "EXCEPTION" in html and "line 14" in html
    assert sec.code.marked == 14  # the throw, highlighted in the code view
    assert sec.warnings.isVisibleTo(ed)
    assert "hook-secret-123" not in html


def test_a_save_in_the_users_editor_is_picked_up(qtbot: Any, window: Any,
                                                 tmp_path: Path) -> None:
    w = window
    provider = _apex_provider(w, tmp_path)
    w.open_editor("provider", provider)
    sec = w.editor.apex
    idle(qtbot, w)
    path = Path(provider.apex.source)
    with qtbot.waitSignal(sec.loaded, timeout=10000):
        path.write_text(path.read_text().replace("req.setTimeout(130000);",
                                                 "req.setTimeout(12000);"))
    qtbot.waitUntil(lambda: "setTimeout(12000)" in sec.code.toPlainText(), timeout=10000)


def test_kind_apex_saves_a_typed_config_with_secrets_apart(qtbot: Any, window: Any,
                                                           tmp_path: Path) -> None:
    w = window
    w.open_editor("provider", None)
    ed = w.editor
    qtbot.keyClicks(ed.name, "my-apex")
    choose(qtbot, ed.kind, ed.kind.itemText(ed.kind.findData(ProviderKind.APEX)))
    assert ed.apex.isVisibleTo(ed) and not ed.fields["result"].isVisibleTo(ed)
    ed.apex.source.setText(str(CORPUS / "TwilioOtpHandler.cls"))
    ed.apex.org.setPlainText('remote_sites: {"https://api.twilio.com": mock}\n'
                             "named_credentials:\n  Twilio: {url: https://api.twilio.com/x, "
                             "username: AC1, password: tok-secret}\n")
    with qtbot.waitSignal(ed.saved, timeout=10000):
        click(qtbot, ed.save_button)
    saved = w.engine.store.provider_by_name("my-apex")
    assert saved.kind is ProviderKind.APEX and saved.apex is not None
    assert saved.apex.source.endswith("TwilioOtpHandler.cls")
    assert saved.credentials == {"Twilio.username": "AC1", "Twilio.password": "tok-secret"}
    assert "tok-secret" not in str(saved.apex.to_dict())


def test_the_live_log_shows_debug_lines_and_the_throw(qtbot: Any, window: Any,
                                                      tmp_path: Path) -> None:
    w = window
    _apex_provider(w, tmp_path, "slow-apex")
    site = w.engine.store.site_by_name("Acme Customers")
    from dataclasses import replace

    w.engine.save_site(replace(site, provider_id=w.engine.provider_ref("slow-apex")), confirm=True)
    out = w.engine.start("verification", "Acme Customers", "ana@example.com")
    assert out.delivery is not None and out.delivery.value == "EXCEPTION"
    qtbot.waitUntil(lambda: any(r.kind == "handler_log" for r in w.log.model.rows),
                    timeout=10000)
    rows = [r for r in w.log.model.rows if r.kind in ("handler_log", "delivery")]
    debug = next(r for r in rows if r.kind == "handler_log")
    assert debug.summary.startswith("SlowProviderHandler.cls:10 System.debug(DEBUG) sending code")
    assert out.phone is None or out.phone not in debug.summary or "••••••" in debug.summary
    ended = next(r for r in rows if r.kind == "delivery")
    assert "threw System.CalloutException" in ended.summary and "line 14" in ended.summary


def test_a_flow_from_the_mock_site_marks_where_the_handler_ended(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    w = window
    provider = _apex_provider(w, tmp_path, "slow-apex")
    site = w.engine.store.site_by_name("Acme Customers")
    from dataclasses import replace

    w.engine.save_site(replace(site, provider_id=provider.id), confirm=True)
    w.open_editor("provider", provider)
    sec = w.editor.apex
    idle(qtbot, w)
    assert sec.code.marked == 0
    w.engine.start("verification", "Acme Customers", "ana@example.com")
    qtbot.waitUntil(lambda: sec.code.marked == 14, timeout=10000)
    assert sec.warnings.isVisibleTo(w.editor)
