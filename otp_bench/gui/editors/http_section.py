"""The declarative HTTP handler part of the provider editor, with a live request preview."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.editors.tables import CredentialsTable, PairsTable, RulesTable
from otp_bench.gui.layout import compact_combo
from otp_bench.gui.widgets.forms import Field, field_row, hbox, label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.engine.provider_tools import Preview

AUTH_KINDS = ("none", "basic", "bearer", "api_key_header", "api_key_query", "infobip_app",
              "messagebird_accesskey")
BODY_FORMATS = ("json", "form", "text", "none")


def _mono() -> QFont:
    f = QFont("DejaVu Sans Mono")
    f.setStyleHint(QFont.StyleHint.Monospace)
    f.setPointSize(9)
    return f


class HttpSection(QWidget):
    """Signals: changed() on any edit (the preview follows, debounced); preview_shown(ok) once
    the rendered preview (or its problem) is on screen."""

    changed = Signal()
    preview_shown = Signal(bool)

    def __init__(self, engine: Engine, http: dict[str, Any], credentials: dict[str, str],
                 fields: dict[str, Field], run: Callable[..., Any]) -> None:
        super().__init__()
        # user templates never render on the GUI thread: ``run`` is the window's TaskRunner.run
        # (a worker; the result comes back on the GUI thread); renders are bounded by the
        # template budget (in the core's preview) and a result for an older edit is dropped
        self._engine = engine
        self._run = run
        self._http = dict(http)
        self.preset = QComboBox()
        self.preset.setObjectName("preset")
        compact_combo(self.preset, 18)  # long vendor labels mustn't widen the form past 1280×720
        self.preset.addItem("(custom)", "")
        for choice in engine.provider_presets():
            self.preset.addItem(choice.label, choice.name)
        apply = QPushButton("Apply preset")
        apply.setObjectName("applyPreset")
        apply.clicked.connect(self.apply_preset)
        prow = field_row(self.preset, apply)
        self.base_url = QLineEdit()
        self.base_url.setObjectName("baseUrl")
        self.path = QLineEdit()
        self.method = QComboBox()
        self.method.addItems(["POST", "PUT", "GET", "PATCH"])
        self.sender_edit = QLineEdit()
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.0, 120.0)
        self.timeout.setSpecialValueText("workspace default")
        self.timeout.setSuffix(" s")
        self.auth_kind = QComboBox()
        self.auth_kind.addItems(AUTH_KINDS)
        self.auth_user = QLineEdit()
        self.auth_pass = QLineEdit()
        self.auth_token = QLineEdit()
        self.auth_name = QLineEdit()
        self.credentials = CredentialsTable()
        self.headers = PairsTable("header")
        self.body_format = QComboBox()
        self.body_format.addItems(BODY_FORMATS)
        self.body = QPlainTextEdit()
        self.body.setObjectName("bodyTemplate")
        self.body.setFont(_mono())
        self.body.setMinimumHeight(120)
        self.form_fields = PairsTable("form field")
        self.rules = RulesTable()
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("preview")
        self.preview.setReadOnly(True)
        self.preview.setFont(_mono())
        self.preview.setMinimumHeight(150)
        self.preview_state = label("", "muted")
        self.preview_state.setObjectName("previewState")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)

        def add(key: str, title: str, w: QWidget, hint: str = "") -> None:
            f = Field(title, w, hint)
            fields[key] = f
            lay.addWidget(f)

        add("preset", "Preset", prow, "Fills the whole config from the vendor's documented API. "
            "Add credentials and a sender; point the base URL at the mock or the vendor.")
        brow = QWidget()
        self.base_row = hbox(brow)  # the editor adds "Use the loopback mock" to it
        self.base_row.addWidget(self.base_url, 1)
        add("base_url", "Endpoint base URL", brow)
        fields["base_url"].editor = self.base_url
        row = QFormLayout()
        row.addRow("Path (template)", self.path)
        row.addRow("Method", self.method)
        row.addRow("Sender / From", self.sender_edit)
        row.addRow("Timeout", self.timeout)
        lay.addLayout(row)
        lay.addWidget(label("AUTHENTICATION", "section"))
        auth = QFormLayout()
        auth.addRow("Scheme", self.auth_kind)
        auth.addRow("Username key", self.auth_user)
        auth.addRow("Password key", self.auth_pass)
        auth.addRow("Token key", self.auth_token)
        auth.addRow("Header / parameter name", self.auth_name)
        lay.addLayout(auth)
        add("auth", "Credentials (kept in the secret store, never in exports)", self.credentials)
        lay.addWidget(label("REQUEST", "section"))
        add("headers", "Headers", self.headers)
        add("body_format", "Body format", self.body_format)
        add("body", "Body template (Jinja2, sandboxed; variables: phone_number, "
            "one_time_password, default_text, user_id, network_id, experience_id, sender, "
            "user.*, site.*, credentials.*; filters e164, national, digits, tojson)", self.body)
        add("form", "Form fields", self.form_fields)
        self.preview_box = QWidget()  # the editor places it (a side column)
        pb = QVBoxLayout(self.preview_box)
        pb.setContentsMargins(0, 0, 0, 0)
        pb.addWidget(label("LIVE PREVIEW — the request rendered from sample values; credentials "
                           "shown as ‹key›, never in clear", "section"))
        pb.addWidget(self.preview_state)
        pb.addWidget(self.preview, 1)
        add("rules", "Result mapping (first rule that holds wins; then 2xx → SUCCESS, transport "
            "error → EXCEPTION, else PROVIDER_ERROR)", self.rules)

        self._edit = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_preview)
        for w in (self.base_url, self.path, self.sender_edit, self.auth_user, self.auth_pass,
                  self.auth_token, self.auth_name):
            w.textChanged.connect(self._changed)
        for c in (self.method, self.auth_kind, self.body_format):
            c.currentIndexChanged.connect(self._changed)
        self.body.textChanged.connect(self._changed)
        self.timeout.valueChanged.connect(self._changed)
        for t in (self.headers, self.form_fields, self.rules, self.credentials):
            t.changed.connect(self._changed)
        self.load(http, credentials)

    def _changed(self, *_a: Any) -> None:
        self._timer.start()
        self.changed.emit()

    def load(self, http: dict[str, Any], credentials: dict[str, str]) -> None:
        self._http = dict(http)
        idx = self.preset.findData(http.get("preset", ""))
        self.preset.setCurrentIndex(max(idx, 0))
        self.base_url.setText(http.get("base_url", ""))
        self.path.setText(http.get("path", ""))
        self.method.setCurrentText(http.get("method", "POST"))
        self.sender_edit.setText(http.get("sender", ""))
        self.timeout.setValue(float(http.get("timeout_s") or 0.0))
        auth = http.get("auth") or {}
        self.auth_kind.setCurrentText(auth.get("kind", "none"))
        self.auth_user.setText(auth.get("username", ""))
        self.auth_pass.setText(auth.get("password", ""))
        self.auth_token.setText(auth.get("token", ""))
        self.auth_name.setText(auth.get("name", ""))
        self.credentials.set_credentials(credentials, http.get("credential_keys", ()))
        self.headers.set_pairs(http.get("headers", ()))
        self.body_format.setCurrentText(http.get("body_format", "json"))
        self.body.setPlainText(http.get("body", ""))
        self.form_fields.set_pairs(http.get("form", ()))
        self.rules.set_rules(list(http.get("rules", ())))
        self.update_preview()

    def apply_preset(self) -> None:
        name = self.preset.currentData()
        if not name:
            return
        http, examples = self._engine.preset_fill(name,
                                                  base_url=self.base_url.text().strip() or None)
        creds = {**examples, **self.credentials.credentials()}
        self.load(http, creds)
        self.changed.emit()

    def http(self) -> dict[str, Any]:
        """The ``ProviderConfig.http`` dict; fields this form doesn't show are kept."""
        d = dict(self._http)
        auth = {"kind": self.auth_kind.currentText(), "username": self.auth_user.text().strip(),
                "password": self.auth_pass.text().strip(), "token": self.auth_token.text().strip(),
                "name": self.auth_name.text().strip()}
        d.update(
            base_url=self.base_url.text().strip(), path=self.path.text().strip(),
            method=self.method.currentText(), sender=self.sender_edit.text().strip(),
            timeout_s=self.timeout.value() or None, auth={k: v for k, v in auth.items() if v},
            headers=self.headers.pairs(), body_format=self.body_format.currentText(),
            body=self.body.toPlainText(), form=self.form_fields.pairs(), rules=self.rules.rules(),
            preset=self.preset.currentData() or d.get("preset", ""),
            credential_keys=sorted(set(d.get("credential_keys", ()))
                                   | set(self.credentials.credentials())),
        )
        return d

    def update_preview(self) -> None:
        """Render the preview on the worker; the GUI thread only reads the fields."""
        self._edit += 1
        edit, http, keys = self._edit, self.http(), list(self.credentials.credentials())
        self.preview_state.setText("… rendering")

        def show(preview: Preview) -> None:
            with contextlib.suppress(RuntimeError):  # the editor closed meanwhile
                self._show_preview(edit, preview.ok, preview.text)

        engine = self._engine
        self._run(lambda: engine.preview_draft(http, keys), show, title="Request preview")

    def _show_preview(self, edit: int, ok: bool, text: str) -> None:
        if edit != self._edit:
            return  # a newer edit is on its way
        self.preview.setPlainText(text)
        self.preview_state.setText("✓ renders" if ok else "✗ can't render — fix the field named")
        self.preview_state.setProperty("role", "ok" if ok else "error")
        self.preview_state.style().unpolish(self.preview_state)
        self.preview_state.style().polish(self.preview_state)
        self.preview_shown.emit(ok)

