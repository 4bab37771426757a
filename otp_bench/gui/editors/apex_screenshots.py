"""Screenshots of the Apex class provider (called by ``otp-bench --screenshot DIR``).

The provider editor with the shipped sample handler (TwilioOtpHandler.cls) after a send test
through the loopback mock, the line it returned on marked; and the live log after a flow whose
handler (RegionLookupHandler.cls) writes System.debug lines and throws a NullPointerException.
Each at 1280×720 (the whole window) and at the pane's default size.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from otp_bench import assets
from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.model import ProviderKind
from otp_bench.gui.log.log_model import ROW_ROLE

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow


def apex_screenshots(w: MainWindow, out: Path) -> None:
    from otp_bench.gui.editors.provider_editor import ProviderEditor
    from otp_bench.gui.screenshots import _save, _settle, _wait, _wait_idle, open_engine

    engine = open_engine(w)
    if not engine.apex_available() or not w.mock.available:
        return
    started_mock = not w.mock.running
    if started_mock:
        w.mock.start()
        _wait(w.mock.started)
    twilio_url = w.mock.url_for("twilio-apex")
    twilio = ApexConfig.from_dict({
        "source": str(assets.path("scenarios", "TwilioOtpHandler.cls")),
        "remote_sites": {"https://api.twilio.com": twilio_url},
        "named_credentials": {"Twilio": {
            "url": "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef",
            "generate_authorization_header": True}}})
    provider = engine.new_provider(
        "twilio-apex", kind=ProviderKind.APEX, apex=twilio,
        credentials={"Twilio.username": "AC0123456789abcdef0123456789abcdef",
                     "Twilio.password": "twilio-test-token-0123456789abcdef"})
    region = ApexConfig.from_dict({
        "source": str(assets.path("scenarios", "RegionLookupHandler.cls")),
        "named_credentials": {"Webhook": {"url": w.mock.url_for("region-lookup"),
                                          "generate_authorization_header": False,
                                          "allow_merge_fields": True}}})
    engine.new_provider("region-lookup", kind=ProviderKind.APEX, apex=region,
                        credentials={"Webhook.password": "webhook-key-0123456789abcdef"})
    _wait_idle(w)
    w.open_editor("provider", provider)
    _wait_idle(w)
    editor = w.editor
    assert isinstance(editor, ProviderEditor)
    editor.test_number.setText("+1 415 555 2670")
    editor.test_button.click()
    _wait_idle(w, 20000)
    _settle(300)
    _scroll_to(editor.apex.status)
    _settle(200)
    _save(w.editor_host, out, "apex_provider_editor")
    size = w.size()
    w.resize(1280, 720)
    _settle(300)
    _save(w, out, "apex_provider_editor_1280x720")
    w.resize(size)
    # the live log: one delivery that works, one whose handler throws
    site = engine.find_site("Globex Partners")
    engine.save_site(replace(site, provider_id=engine.provider_ref("region-lookup")), confirm=True)
    for user in ("ana@example.com", "dev@partner.example.com"):
        engine.start("passwordless_login", "Globex Partners", user)
    _wait_idle(w)
    _settle(400)
    from otp_bench.gui.screenshots import _select_last_flow

    _select_last_flow(w, "delivery")
    _wait_idle(w)
    row = w.log.table.currentIndex()
    flow = w.log.shown_model.index(row.row(), 0).data(ROW_ROLE).flow_id if row.isValid() else ""
    w.log.filter.setText(flow or "")  # only the failing flow: its debug lines and the throw
    w.log.set_filter(flow or "")
    _settle(400)
    _select_last_flow(w, "delivery")
    _wait_idle(w)
    _settle(300)
    table = w.log.table
    hidden = [c for c in (1, 3, 4, 7) if not table.isColumnHidden(c)]  # same on every row here
    for c in hidden:
        table.setColumnHidden(c, True)
    summary = table.model().columnCount() - 1
    width = table.columnWidth(summary)
    table.setColumnWidth(summary, 820)  # the debug line and where the handler ended, readable
    browser = w.log.inspector.browser
    browser.find("handler_log")  # the DELIVER step: inputs, debug lines, where it ended
    browser.ensureCursorVisible()
    _settle(200)
    _save(w.log, out, "apex_live_log")
    w.resize(1280, 720)
    _settle(300)
    _save(w, out, "apex_live_log_1280x720")
    w.resize(size)
    for c in hidden:
        table.setColumnHidden(c, False)
    table.setColumnWidth(summary, width)
    w.log.filter.clear()
    # leave the sample as it was for the shots that follow
    engine.save_site(site, confirm=True)
    for name in ("twilio-apex", "region-lookup"):
        p = engine.provider_named(name)
        if p is not None:
            engine.delete_provider(p.id)
    if started_mock:
        w.mock.stop()
    _wait_idle(w)
    _settle()


def _scroll_to(widget: Any) -> None:
    """Scroll the editor's form so ``widget`` starts at the top of the view."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea

    area = widget.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    if area is not None and area.widget() is not None:
        area.verticalScrollBar().setValue(widget.mapTo(area.widget(), QPoint(0, 0)).y())
