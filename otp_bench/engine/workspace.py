"""Editing the workspace through the engine: validation, the custom → default switch, events.

Validation errors name the field and say what is wrong; nothing is saved when one is raised.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from otp_bench.delivery.http_config import validate_http
from otp_bench.domain.events import Event, SiteHandlerSwitched, WorkspaceChanged
from otp_bench.domain.ids import PROVIDER_PREFIX, SITE_PREFIX, USER_PREFIX, new_id
from otp_bench.domain.model import ProviderConfig, ProviderKind, Settings, Site, User
from otp_bench.domain.phone import PhoneError, parse_phone

if TYPE_CHECKING:
    from otp_bench.engine.bus import EventBus
    from otp_bench.engine.clock import BenchClock
    from otp_bench.store.activity import Tx
    from otp_bench.store.store import Store

SWITCH_WARNING = (
    "Switching a site from a custom OTP provider back to the Salesforce default provider is "
    "allowed but not recommended: keep OTP delivery consistent across sites."
)
MAX_TIMEOUT = 120.0
_USERNAME = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ValidationError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NeedsConfirmation(RuntimeError):
    """The change is allowed but not recommended; call again with ``confirm=True``."""


class WorkspaceOps:
    store: Store
    clock: BenchClock
    events: EventBus

    def publish_after(self, tx: Tx, events: list[Event]) -> None:  # pragma: no cover - Engine
        raise NotImplementedError

    def _changed(self, what: str, name: str, action: str = "saved",
                 extra: list[Event] | None = None) -> None:
        evs: list[Event] = [
            WorkspaceChanged(at=self.clock.now(), step="workspace", what=what, name=name,
                             action=action)
        ]
        with self.store.transaction() as tx:
            self.publish_after(tx, [*(extra or []), *evs])

    # -- settings --------------------------------------------------------------------------------

    def save_settings(self, settings: Settings) -> Settings:
        otp = settings.otp
        if not 4 <= otp.digits <= 10:
            raise ValidationError("otp.digits", "must be between 4 and 10")
        if otp.ttl_seconds <= 0 or otp.registration_ttl_seconds <= 0:
            raise ValidationError("otp.ttl_seconds", "must be positive")
        if otp.max_failed_attempts < 1 or otp.max_codes_per_hour < 1:
            raise ValidationError("otp", "limits must be at least 1")
        if not 0 < settings.callout_timeout_seconds <= MAX_TIMEOUT:
            raise ValidationError("callout_timeout_seconds",
                                  f"must be above 0 and at most {MAX_TIMEOUT:g} s (Apex limit)")
        if not 60 <= settings.session_timeout_seconds <= 24 * 60 * 60:
            raise ValidationError("session_timeout_seconds", "must be 1 minute to 24 hours")
        self.store.save_settings(settings)
        self._changed("settings", "org")
        return settings

    # -- sites -------------------------------------------------------------------------------------

    def new_site(self, name: str, **fields: object) -> Site:
        return self.save_site(Site(id=new_id(SITE_PREFIX), name=name, **fields))  # type: ignore[arg-type]

    def save_site(self, site: Site, *, confirm: bool = False) -> Site:
        if not site.name.strip():
            raise ValidationError("name", "a site needs a name")
        if not _COLOR.match(site.brand_color):
            raise ValidationError("brand_color", "use a colour like #0176d3")
        if site.url_prefix and not re.match(r"^[A-Za-z0-9_-]*$", site.url_prefix):
            raise ValidationError("url_prefix", "letters, digits, - and _ only")
        if site.handler is not None:
            if self.store.provider_by_name(site.handler) is None:
                raise ValidationError("handler", f"no provider named {site.handler!r}")
            if not self.store.settings().custom_otp_enabled:
                raise ValidationError(
                    "handler",
                    "custom OTP delivery isn't enabled for the org (Support grants it): "
                    "enable it in the org settings first",
                )
        old = self.store.site_by_id(site.id)
        extra: list[Event] = []
        if old is not None and old.handler != site.handler:
            warning = ""
            if old.handler is not None and site.handler is None:
                if not confirm:
                    raise NeedsConfirmation(SWITCH_WARNING)
                warning = "not recommended"
            extra.append(SiteHandlerSwitched(
                at=self.clock.now(), site=site.name, step="workspace", before=old.handler,
                after=site.handler, warning=warning,
            ))
        self.store.save_site(site)
        self._changed("site", site.name, extra=extra)
        return site

    def delete_site(self, site_id: str) -> None:
        site = self.store.site_by_id(site_id)
        self.store.delete_site(site_id)
        self._changed("site", site.name if site else site_id, "deleted")

    # -- users -------------------------------------------------------------------------------------

    def new_user(self, username: str, **fields: object) -> User:
        return self.save_user(User(id=new_id(USER_PREFIX), username=username, **fields))  # type: ignore[arg-type]

    def save_user(self, user: User) -> User:
        if not _USERNAME.match(user.username):
            raise ValidationError("username", "Salesforce usernames look like an email address")
        if user.mobile:
            try:
                phone = parse_phone(user.mobile)
            except PhoneError as exc:
                raise ValidationError("mobile", str(exc)) from None
            user = replace(user, mobile=phone.e164)
        other = self.store.user_by_username(user.username)
        if other is not None and other.id != user.id:
            raise ValidationError("username", f"{user.username!r} is taken")
        unknown = [s for s in user.sites if self.store.site_by_id(s) is None]
        if unknown:
            raise ValidationError("sites", f"unknown site id(s) {', '.join(unknown)}")
        self.store.save_user(user)
        self._changed("user", user.username)
        return user

    def delete_user(self, user_id: str) -> None:
        user = self.store.user_by_id(user_id)
        self.store.delete_user(user_id)
        self._changed("user", user.username if user else user_id, "deleted")

    # -- providers ---------------------------------------------------------------------------------

    def new_provider(self, name: str, **fields: object) -> ProviderConfig:
        return self.save_provider(ProviderConfig(id=new_id(PROVIDER_PREFIX), name=name, **fields))  # type: ignore[arg-type]

    def save_provider(self, provider: ProviderConfig) -> ProviderConfig:
        if not provider.name.strip():
            raise ValidationError("name", "a provider needs a name")
        if provider.kind is ProviderKind.HTTP:
            for fld, message in validate_http(provider.http):
                raise ValidationError(f"http.{fld}", message)
        if provider.kind is ProviderKind.APEX and provider.apex is None:
            raise ValidationError("apex", "an Apex class provider needs its source (.cls, folder "
                                          "or sfdx project)")
        old = next((p for p in self.store.providers() if p.id == provider.id), None)
        self.store.save_provider(provider)
        if old is not None and old.name != provider.name:
            for site in self.store.sites():
                if site.handler == old.name:
                    self.store.save_site(replace(site, handler=provider.name))
        self._changed("provider", provider.name)
        return provider

    def delete_provider(self, provider_id: str) -> None:
        p = next((p for p in self.store.providers() if p.id == provider_id), None)
        if p is None:
            return
        used = [s.name for s in self.store.sites() if s.handler == p.name]
        if used:
            raise ValidationError("provider", f"{p.name!r} is the handler of {', '.join(used)}")
        self.store.delete_provider(provider_id)
        self._changed("provider", p.name, "deleted")
