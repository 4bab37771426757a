"""Org settings editor: the custom OTP feature (granted by Support), the OTP policy, timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from otp_bench.domain.changes import What
from otp_bench.domain.model import OtpPolicy, Settings
from otp_bench.gui.editors.base import EditorBase
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner


def _spin(lo: int, hi: int, value: int, suffix: str = "") -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


class SettingsEditor(EditorBase):
    def __init__(self, tasks: TaskRunner, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(tasks, engine, "Org settings", parent)
        s: Settings = engine.settings
        self.enabled = QCheckBox("Custom OTP delivery enabled for the org")
        self.enabled.setObjectName("customOtpEnabled")
        self.enabled.setChecked(s.custom_otp_enabled)
        self.form.addWidget(self.enabled)
        self.form.addWidget(label(
            "In a real org Salesforce Support grants this feature. Enabling it changes nothing by "
            "itself: a site keeps the Salesforce default provider until you give it a handler.",
            "muted"))
        self.section("OTP policy")
        o = s.otp
        self.digits = self.field("otp.digits", "Digits", _spin(4, 10, o.digits))
        self.ttl = self.field("otp.ttl_seconds", "Code validity",
                              _spin(1, 24 * 60, o.ttl_seconds // 60, " min"))
        self.reg_ttl = self.field("otp.registration_ttl_seconds",
                                  "Code validity, verification method registration",
                                  _spin(1, 24 * 7, o.registration_ttl_seconds // 3600, " h"))
        self.attempts = self.field("otp.max_failed_attempts", "Wrong codes before the code dies",
                                   _spin(1, 20, o.max_failed_attempts))
        self.per_hour = self.field("otp.max_codes_per_hour", "Codes per user per hour",
                                   _spin(1, 100, o.max_codes_per_hour),
                                   "The next code within the hour is refused as rate_limited.")
        self.account_failures = self.field(
            "otp.account_max_failures", "Wrong codes per account, across codes",
            _spin(0, 100, o.account_max_failures),
            "Bench assumption (Salesforce's default password policy): after this many failures "
            "since the last success the account's verification is locked (account_locked), even "
            "for the right code. 0 turns it off.")
        self.account_lockout = self.field(
            "otp.account_lockout_seconds", "Account lockout",
            _spin(1, 24 * 60, o.account_lockout_seconds // 60, " min"),
            "Bench assumption: 15 minutes, as the default password policy.")
        self.section("Delivery")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.5, 120.0)
        self.timeout.setValue(s.callout_timeout_seconds)
        self.timeout.setSuffix(" s")
        self.field("callout_timeout_seconds", "Callout timeout", self.timeout,
                   "Apex allows 120 s at most; 10 s is its default.")
        self.default_text = self.field(
            "default_text", "defaultText template", QLineEdit(s.default_text),
            "Bench assumption: Salesforce's exact wording is undocumented. {otp} and {site} are "
            "replaced.")
        # no "redact" switch: it changed nothing while the report claimed "redaction OFF".
        # Redaction is always on; revealing is explicit and per use
        self.form.addWidget(label(
            "Secrets and codes are always redacted in the log, callout records and exports. "
            "Reveal them where you need them: the inspector's Reveal secrets button, "
            "otp-bench export har --reveal.", "muted"))
        self.section("Clock")
        self.form.addWidget(label("The bench clock is real time plus a fast-forward offset; use "
                                  "the +1 min / +15 min / +1 h buttons in the toolbar to show "
                                  "expiry and rate-limit windows.", "muted"))
        self.delete_button.hide()
        self.finish()

    def build(self) -> Settings | None:
        if "{otp}" not in self.default_text.text():
            self.fields["default_text"].set_error("The text must contain {otp}.")
            return None
        base: Settings = self.engine.settings
        return base.with_(
            custom_otp_enabled=self.enabled.isChecked(),
            otp=OtpPolicy(digits=self.digits.value(), ttl_seconds=self.ttl.value() * 60,
                          registration_ttl_seconds=self.reg_ttl.value() * 3600,
                          max_failed_attempts=self.attempts.value(),
                          max_codes_per_hour=self.per_hour.value(),
                          account_max_failures=self.account_failures.value(),
                          account_lockout_seconds=self.account_lockout.value() * 60),
            callout_timeout_seconds=self.timeout.value(),
            default_text=self.default_text.text(), redact=True,
        )

    def persist(self, obj: Settings, confirm: bool) -> Settings:
        return self.engine.save_settings(obj)

    def remove(self) -> None:  # settings can't be deleted
        pass

    noun = "org configuration"

    def record_key(self) -> tuple[What, str] | None:
        return What.SETTINGS, "org"
