"""The site editor: name, URL prefix, branding, handler, headless settings, enabled use cases.

Switching a site from a custom handler back to the Salesforce default provider is allowed but not
recommended: the form warns as soon as it's chosen and the engine's ``NeedsConfirmation`` asks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from otp_bench.domain.changes import Change, What
from otp_bench.domain.ids import new_site_id
from otp_bench.domain.model import ProviderConfig, Site
from otp_bench.domain.vocabulary import UseCase
from otp_bench.gui.editors.base import EditorBase
from otp_bench.gui.widgets.forms import field_row, label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

DEFAULT = "Salesforce default provider"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PREFIX = re.compile(r"^[A-Za-z0-9_-]*$")


class SiteEditor(EditorBase):
    def __init__(self, tasks: TaskRunner, engine: Engine, site: Site | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, engine, "New site" if site is None else f"Site · {site.name}",
                         parent)
        self.site = site or Site(id=new_site_id(), name="")
        self.is_new = site is None
        s = self.site
        self.name = self.field("name", "Name", QLineEdit(s.name))
        self.name.setObjectName("siteName")
        self.url_prefix = self.field("url_prefix", "URL prefix", QLineEdit(s.url_prefix),
                                     "The site's path: https://<prefix>.my.site.com")
        self.url_prefix.textChanged.connect(self._check_prefix)
        self.section("Branding")
        self.color = QLineEdit(s.brand_color)
        self.color.setObjectName("brandColor")
        self.swatch = QPushButton()
        self.swatch.setFixedWidth(40)
        self.swatch.setToolTip("Pick a colour")
        self.swatch.clicked.connect(self._pick_color)
        self.field("brand_color", "Brand colour", field_row(self.color, self.swatch))
        self.fields["brand_color"].editor = self.color
        self.color.textChanged.connect(self._check_color)
        self.logo = self.field("logo_text", "Logo text", QLineEdit(s.logo_text))
        self.section("OTP delivery")
        self.handler = QComboBox()
        self.handler.setObjectName("handler")
        self.handler.addItem(DEFAULT, None)
        for p in engine.providers():
            self.handler.addItem(p.name, p.id)
        self.handler.setCurrentIndex(max(0, self.handler.findData(s.provider_id)))
        self.field("handler", "Handler", self.handler,
                   "A custom handler needs custom OTP delivery enabled for the org (Support "
                   "grants it). Without one the site uses the Salesforce default provider.")
        self.switch_warning = label("⚠ Switching from a custom handler back to the Salesforce "
                                    "default provider is allowed but not recommended; you'll be "
                                    "asked to confirm and the switch is logged.", "error")
        self.switch_warning.hide()
        self.form.addWidget(self.switch_warning)
        self.custody_note = label(
            "Security: with a custom handler your Apex code receives the OTP that Salesforce "
            "generated and performs the delivery: you're responsible for its security. "
            "Salesforce doesn't verify the number before a custom provider sends.", "muted")
        self.custody_note.setObjectName("custodyNote")
        self.custody_note.setVisible(s.provider_id is not None)
        self.form.addWidget(self.custody_note)
        self.handler.currentIndexChanged.connect(self._on_handler)
        self.section("Headless identity API")
        self.headless_login = QCheckBox("Allow headless passwordless login")
        self.headless_login.setChecked(s.headless_passwordless_login)
        self.headless_reg = QCheckBox("Allow headless registration")
        self.headless_reg.setChecked(s.headless_registration)
        self.form.addWidget(self.headless_login)
        self.form.addWidget(self.headless_reg)
        self.section("Enabled use cases")
        grid = QGridLayout()
        self.use_cases: dict[UseCase, QCheckBox] = {}
        for i, uc in enumerate(UseCase):
            cb = QCheckBox(uc.label)
            cb.setChecked(uc in s.enabled_use_cases)
            cb.setToolTip(uc.platform_calls)
            grid.addWidget(cb, i // 2, i % 2)
            self.use_cases[uc] = cb
        self.form.addLayout(grid)
        self.section("Advanced")
        self.region = self.field("default_region", "Default region",
                                 QLineEdit(s.default_region or ""),
                                 "Two letters (US, GB…) for numbers typed without a country code")
        self.experience_id = self.field("experience_id", "Experience ID",
                                        QLineEdit(s.experience_id),
                                        "Passed to the handler as experienceId")
        self.delete_button.setVisible(not self.is_new)
        self._check_color(s.brand_color)
        self.finish()

    def _check_color(self, text: str) -> None:
        ok = bool(_COLOR.match(text))
        self.fields["brand_color"].set_error(None if ok else "Use a colour like #0176d3")
        if ok:
            self.swatch.setStyleSheet(f"background: {text}; border-radius: 5px;")

    def _check_prefix(self, text: str) -> None:
        ok = bool(_PREFIX.match(text))
        self.fields["url_prefix"].set_error(None if ok else "Letters, digits, - and _ only")

    def _pick_color(self) -> None:
        c = QColorDialog.getColor(QColor(self.color.text()), self, "Brand colour")
        if c.isValid():
            self.color.setText(c.name())

    def _on_handler(self) -> None:
        to_default = self.handler.currentData() is None and self.site.provider_id is not None
        self.switch_warning.setVisible(to_default and not self.is_new)
        self.custody_note.setVisible(self.handler.currentData() is not None)

    def build(self) -> Site | None:
        bad = False
        if not self.name.text().strip():
            self.fields["name"].set_error("A site needs a name.")
            bad = True
        if not _COLOR.match(self.color.text().strip()):
            self.fields["brand_color"].set_error("Use a colour like #0176d3")
            bad = True
        if not _PREFIX.match(self.url_prefix.text().strip()):
            self.fields["url_prefix"].set_error("Letters, digits, - and _ only")
            bad = True
        region = self.region.text().strip().upper() or None
        if region and not re.match(r"^[A-Z]{2}$", region):
            self.fields["default_region"].set_error("Two letters, e.g. US")
            bad = True
        if bad:
            return None
        return replace(
            self.site, name=self.name.text().strip(), url_prefix=self.url_prefix.text().strip(),
            brand_color=self.color.text().strip(), logo_text=self.logo.text().strip(),
            provider_id=self.handler.currentData(),
            headless_passwordless_login=self.headless_login.isChecked(),
            headless_registration=self.headless_reg.isChecked(),
            enabled_use_cases=frozenset(uc for uc, cb in self.use_cases.items() if cb.isChecked()),
            default_region=region, experience_id=self.experience_id.text().strip(),
        )

    def persist(self, obj: Site, confirm: bool) -> Site:
        return self.engine.save_site(obj, confirm=confirm)

    def _on_saved(self, obj: Any) -> None:
        self.site, self.is_new = obj, False
        self.title.setText(f"Site · {obj.name}")
        self.delete_button.show()
        self.switch_warning.hide()
        super()._on_saved(obj)

    def remove(self) -> None:
        self.engine.delete_site(self.site.id)

    noun = "site"

    def on_record_changed(self, change: Change, record: object | None) -> None:
        if change.what is What.PROVIDER:  # the handler list follows providers made elsewhere
            self._provider_changed(change.entity_id, record if isinstance(record, ProviderConfig)
                                   else None)
        super().on_record_changed(change, record)

    def _provider_changed(self, provider_id: str, provider: ProviderConfig | None) -> None:
        at = self.handler.findData(provider_id)
        if provider is None:
            if at > 0:
                chosen = at == self.handler.currentIndex()
                self.handler.removeItem(at)
                if chosen:  # the choice went with it: back to what is saved, or the default
                    self.handler.setCurrentIndex(
                        max(0, self.handler.findData(self.site.provider_id)))
        elif at > 0:
            self.handler.setItemText(at, provider.name)
        else:
            self.handler.addItem(provider.name, provider.id)

    def record_key(self) -> tuple[What, str] | None:
        return None if self.is_new else (What.SITE, self.site.id)
