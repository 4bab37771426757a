"""Editing the workspace through the engine: validation, the custom → default switch, events.

Validation errors name the field and say what is wrong; nothing is saved when one is raised.
Each edit is one transaction: the record, its change-feed row (written by the store) and its
``WorkspaceChanged`` event commit together, and are published together after the commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from otp_bench.domain.changes import ChangeSet
from otp_bench.domain.errors import InvalidArgument, NotFound
from otp_bench.domain.events import Event, SiteHandlerSwitched, WorkspaceChanged
from otp_bench.domain.http_config import ConfigError
from otp_bench.domain.ids import (
    ProviderId,
    SiteId,
    UserId,
    new_provider_id,
    new_site_id,
    new_user_id,
)
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


class ValidationError(InvalidArgument):
    """A workspace edit refused: ``field`` names the field, nothing was saved."""


class NeedsConfirmation(RuntimeError):
    """The change is allowed but not recommended; call again with ``confirm=True``."""


class WorkspaceOps:
    store: Store
    clock: BenchClock
    events: EventBus

    def publish_after(self, tx: Tx, events: Sequence[Event]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _event(self, tx: Tx, what: str, name: str, action: str = "saved",
               extra: Sequence[Event] = ()) -> None:
        ev = WorkspaceChanged(at=self.clock.now(), step="workspace", what=what, name=name,
                              action=action)
        self.publish_after(tx, [*extra, ev])

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
        with self.store.transaction() as tx:
            self.store.save_settings(settings, tx)
            self._event(tx, "settings", "org")
        return settings

    # -- sites -------------------------------------------------------------------------------------

    def new_site(self, name: str, *, handler: str | None = None, **fields: object) -> Site:
        """A new site; ``handler`` names its custom provider (by name or id), for scripts."""
        if handler is not None:
            fields["provider_id"] = self.provider_ref(handler)
        return self.save_site(Site(id=new_site_id(), name=name, **fields))  # type: ignore[arg-type]

    def provider_ref(self, ref: str) -> ProviderId:
        """The id of the provider ``ref`` names (by id or by name), for input from the edge."""
        found = self.store.provider_by_id(ref) or self.store.provider_by_name(ref)
        if found is None:
            raise ValidationError("handler", f"no provider named {ref!r}")
        return found.id

    def provider_name(self, provider_id: ProviderId | None) -> str | None:
        """The name of a site's provider (None for the default provider)."""
        if provider_id is None:
            return None
        found = self.store.provider_by_id(provider_id)
        return found.name if found else provider_id

    def save_site(self, site: Site, *, confirm: bool = False) -> Site:
        if not site.name.strip():
            raise ValidationError("name", "a site needs a name")
        if not _COLOR.match(site.brand_color):
            raise ValidationError("brand_color", "use a colour like #0176d3")
        if site.url_prefix and not re.match(r"^[A-Za-z0-9_-]*$", site.url_prefix):
            raise ValidationError("url_prefix", "letters, digits, - and _ only")
        if site.provider_id is not None:
            if self.store.provider_by_id(site.provider_id) is None:
                raise ValidationError("handler", f"no provider with id {site.provider_id!r}")
            if not self.store.settings().custom_otp_enabled:
                raise ValidationError(
                    "handler",
                    "custom OTP delivery isn't enabled for the org (Support grants it): "
                    "enable it in the org settings first",
                )
        old = self.store.site_by_id(site.id)
        extra: list[Event] = []
        if old is not None and old.provider_id != site.provider_id:
            warning = ""
            if old.provider_id is not None and site.provider_id is None:
                if not confirm:
                    raise NeedsConfirmation(SWITCH_WARNING)
                warning = "not recommended"
            extra.append(SiteHandlerSwitched(
                at=self.clock.now(), site=site.name, step="workspace",
                before=self.provider_name(old.provider_id),
                after=self.provider_name(site.provider_id), warning=warning,
            ))
        with self.store.transaction() as tx:
            self.store.save_site(site, tx)
            self._event(tx, "site", site.name, extra=extra)
        return site

    def delete_site(self, site_id: SiteId) -> ChangeSet:
        site = self.store.site_by_id(site_id)
        with self.store.transaction() as tx:
            self.store.delete_site(site_id, tx)
            self._event(tx, "site", site.name if site else site_id, "deleted")
        return ChangeSet.of(tx.changes)

    # -- users -------------------------------------------------------------------------------------

    def new_user(self, username: str, **fields: object) -> User:
        return self.save_user(User(id=new_user_id(), username=username, **fields))  # type: ignore[arg-type]

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
        with self.store.transaction() as tx:
            self.store.save_user(user, tx)
            self._event(tx, "user", user.username)
        return user

    def delete_user(self, user_id: UserId) -> ChangeSet:
        user = self.store.user_by_id(user_id)
        with self.store.transaction() as tx:
            self.store.delete_user(user_id, tx)
            self._event(tx, "user", user.username if user else user_id, "deleted")
        return ChangeSet.of(tx.changes)

    # -- providers ---------------------------------------------------------------------------------

    def new_provider(self, name: str, **fields: object) -> ProviderConfig:
        try:
            provider = ProviderConfig(id=new_provider_id(), name=name, **fields)  # type: ignore[arg-type]
        except ConfigError as exc:
            raise ValidationError(f"http.{exc.field}", exc.message) from None
        return self.save_provider(provider)

    def save_provider(self, provider: ProviderConfig) -> ProviderConfig:
        """Save a provider; its sites follow by id, so a rename touches nothing else."""
        if not provider.name.strip():
            raise ValidationError("name", "a provider needs a name")
        if provider.kind is ProviderKind.HTTP:
            # imported here: Jinja2 loads only once an HTTP provider is first edited or used
            from otp_bench.delivery.request import http_problems

            for fld, message in http_problems(provider.http):
                raise ValidationError(f"http.{fld}", message)
        if provider.kind is ProviderKind.APEX and provider.apex is None:
            raise ValidationError("apex", "an Apex class provider needs its source (.cls, folder "
                                          "or sfdx project)")
        with self.store.transaction() as tx:
            self.store.save_provider(provider, tx)
            self._event(tx, "provider", provider.name)
        return provider

    def delete_provider(self, provider_id: ProviderId) -> ChangeSet:
        p = self.store.provider_by_id(provider_id)
        if p is None:
            return ChangeSet()
        used = [s.name for s in self.store.sites() if s.provider_id == p.id]
        if used:
            raise ValidationError("provider", f"{p.name!r} is the handler of {', '.join(used)}")
        with self.store.transaction() as tx:
            self.store.delete_provider(provider_id, tx)
            self._event(tx, "provider", p.name, "deleted")
        return ChangeSet.of(tx.changes)

    def find_provider(self, ref: str) -> ProviderConfig:
        found = self.store.provider_by_id(ref) or self.store.provider_by_name(ref)
        if found is None:
            raise NotFound(f"no provider {ref!r}")
        return found
