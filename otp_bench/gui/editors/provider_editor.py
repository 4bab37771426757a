"""The provider editor: a scripted result or a declarative HTTP handler, policy, and "send test".

"Send test" builds the handler from the form (unsaved edits included) and makes one real
``sendOneTimePassword`` call on a worker, then shows the result, the mapping rule and the callout
(request and response, redacted). A code it delivers lands on the phone like any other.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from otp_bench.domain.changes import What
from otp_bench.domain.ids import new_provider_id
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.domain.vocabulary import Channel, DeliveryResult
from otp_bench.gui.editors.base import EditorBase
from otp_bench.gui.editors.http_section import HttpSection
from otp_bench.gui.layout import compact_combo
from otp_bench.gui.log.chain_html import render_callout
from otp_bench.gui.widgets.forms import field_row, label

if TYPE_CHECKING:
    from otp_bench.engine.bus import EventBatch
    from otp_bench.engine.engine import Engine
    from otp_bench.engine.provider_tools import DeliveryReport
    from otp_bench.gui.tasks import TaskRunner
    from otp_bench.gui.widgets.mock_control import MockController

_REGION = re.compile(r"^[A-Z]{2}$")


class ProviderEditor(EditorBase):
    def __init__(self, tasks: TaskRunner, engine: Engine, provider: ProviderConfig | None,
                 parent: QWidget | None = None, mock: MockController | None = None) -> None:
        title = "New provider" if provider is None else f"Provider · {provider.name}"
        super().__init__(tasks, engine, title, parent)
        self.provider = provider or ProviderConfig(id=new_provider_id(), name="")
        self.is_new = provider is None
        p = self.provider
        self.name = self.field("name", "Name", QLineEdit(p.name))
        self.name.setObjectName("providerName")
        self.kind = QComboBox()
        self.kind.setObjectName("providerKind")
        compact_combo(self.kind, 24)  # long labels mustn't widen the form past 1280×720
        self.kind.addItem("Scripted — no callout, returns a chosen result", ProviderKind.SCRIPTED)
        self.kind.addItem("HTTP — declarative callout to an SMS provider", ProviderKind.HTTP)
        self.kind.addItem("Apex class — your own CustomOneTimePasswordDeliveryHandler",
                          ProviderKind.APEX)
        self.kind.setCurrentIndex(self.kind.findData(p.kind))
        self.field("kind", "Handler kind", self.kind)
        self.result = QComboBox()
        self.result.setObjectName("scriptedResult")
        for r in DeliveryResult:
            self.result.addItem(f"{r.value} — {r.meaning}", r)
        self.result.setCurrentIndex(self.result.findData(p.result))
        self.field("result", "Scripted result", self.result,
                   "SUCCESS delivers the message to the phone, as a working provider would.")
        self.section("Policy")
        self.channel = QComboBox()
        for c in Channel:
            self.channel.addItem(c.name.title() if c is not Channel.SMS else "SMS", c)
        self.channel.setCurrentIndex(self.channel.findData(p.channel))
        self.field("channel", "Channel", self.channel)
        self.channel_warning = label("", "error")
        self.channel_warning.setObjectName("channelWarning")
        self.form.addWidget(self.channel_warning)
        self.channel.currentIndexChanged.connect(self._on_channel)
        self.verified_only = QCheckBox("Send only to verified numbers")
        self.verified_only.setObjectName("verifiedOnly")
        self.verified_only.setChecked(p.verified_only)
        self.form.addWidget(self.verified_only)
        self.verified_hint = label("Best practice: Salesforce doesn't verify the number before a "
                                   "custom provider sends. On: unverified numbers get "
                                   "INVALID_PHONE_NUMBER, with no callout.", "muted")
        self.form.addWidget(self.verified_hint)
        self.countries = self.field("country_allow_list", "Country allow-list",
                                    QLineEdit(", ".join(p.country_allow_list)),
                                    "Region codes such as US, GB, DE; empty allows all. Others "
                                    "get COUNTRY_BLOCK without a callout.")
        self.countries.textChanged.connect(self._check_countries)
        self.http_title = self.section("HTTP handler")
        self.http = HttpSection(engine, p.http.to_dict() if p.http else {}, dict(p.credentials),
                                self.fields, self.tasks.run)
        self.form.addWidget(self.http)
        self.mock = mock
        self.use_mock = QPushButton("Use the loopback mock")
        self.use_mock.setObjectName("useMock")
        self.use_mock.setToolTip("Point the base URL at the bench's mock provider (started if "
                                 "needed); its faults for this provider are keyed by its name")
        self.use_mock.clicked.connect(self._use_mock)
        self.use_mock.setVisible(mock is not None)
        self._waiting_for_mock = False
        if mock is not None:
            mock.started.connect(self._on_mock_started)
        self.http.base_row.addWidget(self.use_mock)
        from otp_bench.gui.editors.apex_section import ApexSection

        self.apex = ApexSection(tasks, engine, p.apex, dict(p.credentials), self.fields,
                                mock_url=self._mock_url)
        self.form.addWidget(self.apex)
        self.side_panel.show()
        self.side.addWidget(self.http.preview_box, 3)
        self.side.addWidget(label("SEND TEST — one real sendOneTimePassword call with a random "
                                  "code; a delivered code lands on the phone", "section"))
        self.test_number = QLineEdit("+1 415 555 2671")
        self.test_number.setObjectName("testNumber")
        self.test_button = QPushButton("Send test")
        self.test_button.setObjectName("sendTest")
        self.test_button.setToolTip("One real sendOneTimePassword call with a random code")
        self.test_button.clicked.connect(self.send_test)
        self.side.addWidget(field_row(self.test_number, self.test_button))
        self.test_result = QTextBrowser()
        self.test_result.setObjectName("testResult")
        self.test_result.setMinimumHeight(160)
        self.test_result.hide()
        self.side.addWidget(self.test_result, 2)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.delete_button.setVisible(not self.is_new)
        self._on_kind()
        self._on_channel()
        self.finish()

    def _use_mock(self) -> None:
        if self.mock is None:
            return
        if not self.mock.running:
            self._waiting_for_mock = True
            self.mock.start()
            return
        self._fill_mock_url()

    def _on_mock_started(self, _url: str) -> None:
        if self._waiting_for_mock:
            self._waiting_for_mock = False
            self._fill_mock_url()

    def _mock_url(self) -> str | None:
        if self.mock is None or not self.mock.running:
            return None
        url = self.mock.url_for(self.name.text().strip() or "otp-bench")
        return str(url) if url else None

    def _fill_mock_url(self) -> None:
        key = self.name.text().strip() or "otp-bench"
        url = self.mock.url_for(key) if self.mock is not None else None
        if url:
            self.http.base_url.setText(url)

    def _on_kind(self) -> None:
        kind = ProviderKind(self.kind.currentData())
        http = kind is ProviderKind.HTTP
        self.fields["result"].setVisible(kind is ProviderKind.SCRIPTED)
        self.http.setVisible(http)
        self.http.preview_box.setVisible(http)
        apex = kind is ProviderKind.APEX
        self.apex.setVisible(apex)
        self.http_title.setText("APEX CLASS" if apex else "HTTP HANDLER")
        # the declarative policy options don't apply: an Apex handler's own code decides
        for w in (self.verified_only, self.verified_hint, self.fields["country_allow_list"]):
            w.setVisible(not apex)
        if kind is ProviderKind.APEX and not self.apex.view:
            self.apex.reload()

    def _on_channel(self) -> None:
        warning = Channel(self.channel.currentData()).security_warning
        self.channel_warning.setText(f"⚠ {warning}" if warning else "")
        self.channel_warning.setVisible(bool(warning))

    def _countries(self) -> tuple[str, ...] | None:
        parts = [c.strip().upper() for c in self.countries.text().split(",") if c.strip()]
        bad = [c for c in parts if not _REGION.match(c)]
        if bad:
            self.fields["country_allow_list"].set_error(
                f"{', '.join(bad)}: use two-letter region codes (US, GB…)")
            return None
        return tuple(parts)

    def _check_countries(self) -> None:
        if self._countries() is not None:
            self.fields["country_allow_list"].set_error(None)

    def build(self) -> ProviderConfig | None:
        if not self.name.text().strip():
            self.fields["name"].set_error("A provider needs a name.")
            return None
        countries = self._countries()
        if countries is None:
            return None
        kind = ProviderKind(self.kind.currentData())
        if kind is ProviderKind.APEX:
            from otp_bench.domain.apex_provider import ApexConfigError

            try:
                apex, secrets = self.apex.config()
            except ApexConfigError as exc:
                self.show_error(f"apex.{exc.field}" if f"apex.{exc.field}" in self.fields
                                else "apex.org", exc.message)
                return None
            return replace(self.provider, name=self.name.text().strip(), kind=kind, apex=apex,
                           credentials=secrets, channel=Channel(self.channel.currentData()),
                           verified_only=self.verified_only.isChecked(),
                           country_allow_list=countries)
        http = self.provider.http
        if kind is ProviderKind.HTTP:
            from otp_bench.domain.http_config import HttpConfig

            form = self.http.http()
            problems = self.engine.http_problems(form)
            if problems:
                field, message = problems[0]
                self.show_error(field, message)
                return None
            http = HttpConfig.from_dict(form)
        return replace(
            self.provider, name=self.name.text().strip(), kind=kind,
            result=DeliveryResult(self.result.currentData()), http=http,
            credentials=self.http.credentials.credentials() if kind is ProviderKind.HTTP
            else self.provider.credentials,
            channel=Channel(self.channel.currentData()),
            verified_only=self.verified_only.isChecked(),
            country_allow_list=countries,
        )

    def persist(self, obj: ProviderConfig, confirm: bool) -> ProviderConfig:
        return self.engine.save_provider(obj)

    def _on_saved(self, obj: Any) -> None:
        self.provider, self.is_new = obj, False
        self.title.setText(f"Provider · {obj.name}")
        self.delete_button.show()
        super()._on_saved(obj)

    def remove(self) -> None:
        self.engine.delete_provider(self.provider.id)

    noun = "provider"

    def record_key(self) -> tuple[What, str] | None:
        return None if self.is_new else (What.PROVIDER, self.provider.id)

    # -- send test -------------------------------------------------------------------------

    def send_test(self) -> None:
        self.clear_errors()
        config = self.build()
        if config is None:
            return
        from otp_bench.domain.phone import PhoneError, parse_phone

        try:
            phone = parse_phone(self.test_number.text())
        except PhoneError as exc:
            self.show_banner(f"Test number: {exc}")
            return
        engine = self.engine

        def call() -> DeliveryReport:  # the core's one send-test, off the GUI thread
            return engine.send_test(config, phone.salesforce)

        self.test_button.setEnabled(False)
        self.test_button.setText("Sending…")
        self.tasks.run(call, self._on_test, self._on_test_error, title="Send test")

    def _on_test(self, report: DeliveryReport) -> None:
        self.test_button.setEnabled(True)
        self.test_button.setText("Send test")
        ok = report.result is DeliveryResult.SUCCESS
        color = "#2e844a" if ok else "#ba0517"
        html = (f"<p>Result: <b style='color:{color}'>{report.result.value}</b> in "
                f"{report.elapsed_ms:.0f} ms" + (f" · rule: {report.rule}" if report.rule else "")
                + "</p>")
        if report.note:
            html += f"<p>{escape(report.note)}</p>"
        if self.provider.kind is ProviderKind.APEX or self.apex.isVisible():
            self.apex.show_run(report.note, tuple(report.warnings))
            html += "".join(f"<p><code>{escape(line.file)}:{line.line}</code> "
                            f"{escape(line.level)} {escape(line.message)}</p>"
                            for line in report.log)
        for c in report.callouts:
            html += render_callout(c, False)
        if not report.callouts:
            html += "<p>No callout was made.</p>"
        self.test_result.setHtml(html)
        self.test_result.show()

    def on_events(self, batch: EventBatch) -> None:
        """A flow run by this Apex provider (from the mock site, a scenario…): mark where it
        ended in the code view, with the bench's warnings about that run."""
        if self.provider.kind is not ProviderKind.APEX:
            return
        from otp_bench.domain.events import DeliveryCompleted, HandlerLogged

        ours = [e for e in batch.events if getattr(e, "handler", None) == self.provider.name]
        ended = [e for e in ours if isinstance(e, DeliveryCompleted)]
        if ended:
            warnings = tuple(e.message for e in ours
                             if isinstance(e, HandlerLogged) and e.level == "BENCH")
            self.apex.show_run(ended[-1].note, warnings)

    def _on_test_error(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.test_button.setText("Send test")
        self.test_result.setHtml(f"<p style='color:#ba0517'><b>{type(exc).__name__}</b>: "
                                 f"{exc}</p>")
        self.test_result.show()
