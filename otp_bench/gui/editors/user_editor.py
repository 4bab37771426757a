"""The user editor: licence, mobile (validated and formatted as you type), the two flags, sites."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from otp_bench.domain.changes import Change, What
from otp_bench.domain.flags import Flags
from otp_bench.domain.ids import SiteId, new_user_id
from otp_bench.domain.model import Site, User
from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import License
from otp_bench.gui.editors.base import EditorBase
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner


class UserEditor(EditorBase):
    def __init__(self, tasks: TaskRunner, engine: Engine, user: User | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, engine, "New user" if user is None else f"User · {user.username}",
                         parent)
        self.user = user or User(id=new_user_id(), username="")
        self.is_new = user is None
        u = self.user
        self.username = self.field("username", "Username", QLineEdit(u.username),
                                   "Salesforce usernames look like an email address")
        self.username.setObjectName("userName")
        self.first = self.field("first_name", "First name", QLineEdit(u.first_name))
        self.last = self.field("last_name", "Last name", QLineEdit(u.last_name))
        self.email = self.field("email", "Email", QLineEdit(u.email))
        self.license = QComboBox()
        self.license.setObjectName("userLicense")
        for lic in License:
            self.license.addItem(f"{lic.value}{'' if lic.is_external else '  (internal)'}", lic)
        self.license.setCurrentIndex(self.license.findData(u.license))
        self.field("license", "Licence", self.license,
                   "Internal licences (salesforce, salesforce_platform) can't use a custom OTP "
                   "provider: their flows are refused with internal_user.")
        self.section("Mobile")
        self.mobile = self.field("mobile", "Mobile number", QLineEdit(u.mobile or ""))
        self.mobile.setObjectName("userMobile")
        self.mobile.setPlaceholderText("+1 415 555 2671")
        self.mobile_info = label("", "muted")
        self.mobile_info.setObjectName("mobileInfo")
        self.form.addWidget(self.mobile_info)
        self.mobile.textChanged.connect(self._check_mobile)
        self.mobile.editingFinished.connect(self._format_mobile)
        self.user_verified = QCheckBox("user_verified — HasUserVerifiedMobileNumber")
        self.user_verified.setObjectName("userVerified")
        self.user_verified.setChecked(u.flags.user_verified)
        self.admin_verified = QCheckBox("admin_verified — HasVerifiedMobileNumber")
        self.admin_verified.setObjectName("adminVerified")
        self.admin_verified.setChecked(u.flags.admin_verified)
        self.form.addWidget(self.user_verified)
        self.form.addWidget(self.admin_verified)
        self.section("Site membership")
        self.sites: dict[SiteId, QCheckBox] = {}
        for site in engine.sites():
            cb = QCheckBox(site.name)
            cb.setChecked(site.id in u.sites)
            self.sites[site.id] = cb
            self.form.addWidget(cb)
        self.no_sites = label("No sites yet.", "muted")
        self.form.addWidget(self.no_sites)
        self.no_sites.setVisible(not self.sites)
        self.delete_button.setVisible(not self.is_new)
        self._check_mobile(self.mobile.text())
        self.finish()

    def _check_mobile(self, text: str) -> None:
        if not text.strip():
            self.fields["mobile"].set_error(None)
            self.mobile_info.setText("No mobile: every SMS flow is refused (invalid_phone_number).")
            return
        try:
            p = parse_phone(text)
        except PhoneError as exc:
            self.fields["mobile"].set_error(str(exc))
            self.mobile_info.setText("")
            return
        self.fields["mobile"].set_error(None)
        self.mobile_info.setText(f"✓ {p.international} ({p.region}) · stored {p.e164} · the "
                                 f"handler receives {p.salesforce!r}")

    def _format_mobile(self) -> None:
        try:
            p = parse_phone(self.mobile.text())
        except PhoneError:
            return
        if self.mobile.text() != p.international:
            self.mobile.setText(p.international)

    def build(self) -> User | None:
        mobile = self.mobile.text().strip() or None
        if mobile:
            try:
                mobile = parse_phone(mobile).e164
            except PhoneError as exc:
                self.fields["mobile"].set_error(str(exc))
                return None
        if not self.username.text().strip():
            self.fields["username"].set_error("A user needs a username.")
            return None
        return replace(
            self.user, username=self.username.text().strip(), first_name=self.first.text().strip(),
            last_name=self.last.text().strip(), email=self.email.text().strip(),
            license=License(self.license.currentData()), mobile=mobile,
            flags=Flags(self.user_verified.isChecked(), self.admin_verified.isChecked()),
            sites=frozenset(sid for sid, cb in self.sites.items() if cb.isChecked()),
        )

    def persist(self, obj: User, confirm: bool) -> User:
        return self.engine.save_user(obj)

    def _on_saved(self, obj: Any) -> None:
        self.user, self.is_new = obj, False
        self.title.setText(f"User · {obj.username}")
        self.delete_button.show()
        super()._on_saved(obj)

    def remove(self) -> None:
        self.engine.delete_user(self.user.id)

    noun = "user"

    def on_record_changed(self, change: Change, record: object | None) -> None:
        if change.what is What.SITE:  # the membership list follows; the ticks stay as set
            self._site_changed(SiteId(change.entity_id), record if isinstance(record, Site)
                               else None)
        super().on_record_changed(change, record)

    def _site_changed(self, site_id: SiteId, site: Site | None) -> None:
        box = self.sites.get(site_id)
        if site is None:
            if box is not None:  # deleted elsewhere: a save can't name it any more
                del self.sites[site_id]
                self.form.removeWidget(box)
                box.deleteLater()
        elif box is not None:
            box.setText(site.name)
        else:
            box = QCheckBox(site.name)
            self.sites[site_id] = box
            self.form.insertWidget(self.form.indexOf(self.no_sites), box)
        self.no_sites.setVisible(not self.sites)

    def record_key(self) -> tuple[What, str] | None:
        return None if self.is_new else (What.USER, self.user.id)
