"""The sample's first minute shows a real callout: Contoso Health sends through Twilio on the
app's loopback mock, so the operator sees the request, the vendor's answer and the rule; a
workspace whose providers use the mock starts it and re-points them at its new port."""

from __future__ import annotations

from typing import Any

from otp_bench.domain.vocabulary import UseCase
from tests.gui.helpers import choose, click, idle


def test_sample_walks_a_real_http_callout(qtbot: Any, empty_window: Any) -> None:
    w = empty_window
    w.load_sample()  # starts the app's mock first, then loads
    qtbot.waitUntil(lambda: w.mock.running and w.engine.store.site_by_name("Contoso Health")
                    is not None and w.site_pane.site.findText("Contoso Health") >= 0,
                    timeout=20000)
    idle(qtbot, w)
    twilio = w.engine.store.provider_by_name("Twilio (mock)")
    assert twilio.http.base_url.startswith(w.mock.base_url + "/~")
    sp = w.site_pane
    choose(qtbot, sp.site, "Contoso Health")
    choose(qtbot, sp.flow, UseCase.PASSWORDLESS_LOGIN.label)
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    page.username.clear()
    qtbot.keyClicks(page.username, "ana@example.com")
    idle(qtbot, w)  # choosing the site may have started work (handler warm-up) on a worker
    with qtbot.waitSignal(sp.page_changed, timeout=30000):
        click(qtbot, page.button)
    assert sp.page_name == "code"
    assert "HTTP 201" in sp.operator_text.text()  # Twilio's answer, through the mock


def test_a_workspace_on_the_mock_starts_it_and_repoints_providers(qtbot: Any,
                                                                   window: Any) -> None:
    w = window  # the sample was loaded without the app's mock: its URL names a dead port
    qtbot.waitUntil(lambda: w.mock.running, timeout=20000)
    qtbot.waitUntil(lambda: w.engine.store.provider_by_name("Twilio (mock)").http.base_url
                    .startswith(w.mock.base_url + "/~"), timeout=10000)
