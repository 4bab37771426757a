"""Applying a workspace file (settings, providers, sites, users, connected apps) to an engine.

Sites and users are matched by name, so applying the same file twice updates rather than
duplicates. A site may name a handler while the org feature is off (to show
``custom_otp_not_enabled``): the feature is switched on while sites are saved, then set as written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from otp_bench.domain.flags import Flags
from otp_bench.domain.ids import SiteId, new_site_id, new_user_id
from otp_bench.domain.model import OtpPolicy, Settings, Site, User
from otp_bench.domain.phone import parse_phone
from otp_bench.domain.vocabulary import License, UseCase
from otp_bench.engine.engine import Engine
from otp_bench.workspace_files.connected_apps import apply_connected_apps
from otp_bench.workspace_files.model import WorkspaceFile
from otp_bench.workspace_files.providers import ScenarioProviders


def settings_from(raw: dict[str, Any], base: Settings | None = None) -> Settings:
    base = base or Settings()
    otp = raw.get("otp", {})
    policy = OtpPolicy(
        digits=otp.get("digits", base.otp.digits),
        ttl_seconds=int(otp.get("ttl", base.otp.ttl_seconds)),
        registration_ttl_seconds=int(otp.get("registration_ttl",
                                             base.otp.registration_ttl_seconds)),
        max_failed_attempts=otp.get("max_attempts", base.otp.max_failed_attempts),
        max_codes_per_hour=otp.get("max_per_hour", base.otp.max_codes_per_hour),
        account_max_failures=otp.get("account_max_failures", base.otp.account_max_failures),
        account_lockout_seconds=int(otp.get("account_lockout",
                                            base.otp.account_lockout_seconds)),
    )
    return Settings(
        custom_otp_enabled=raw.get("custom_otp_enabled", base.custom_otp_enabled),
        otp=policy,
        default_text=raw.get("default_text", base.default_text),
        callout_timeout_seconds=raw.get("callout_timeout", base.callout_timeout_seconds),
        redact=raw.get("redact", base.redact),
        session_timeout_seconds=int(raw.get("session_timeout", base.session_timeout_seconds)),
    )


def apply_workspace(engine: Engine, scenario: WorkspaceFile, providers: ScenarioProviders
                    ) -> None:
    settings = settings_from(scenario.settings, engine.settings)
    needs_feature = any(s.get("handler") for s in scenario.sites)
    engine.save_settings(replace(settings, custom_otp_enabled=True) if needs_feature else settings)
    for spec in scenario.providers:
        providers.add(spec)
    site_ids: dict[str, SiteId] = {}
    for raw in scenario.sites:
        site = _site(engine, raw)
        engine.save_site(site, confirm=True)
        site_ids[site.name] = site.id
    for raw in scenario.users:
        engine.save_user(_user(engine, raw, site_ids))
    apply_connected_apps(engine, scenario.connected_apps)
    if needs_feature and not settings.custom_otp_enabled:
        engine.save_settings(settings)


def _site(engine: Engine, raw: dict[str, Any]) -> Site:
    existing = engine.store.site_by_name(raw["name"])
    base = existing or Site(id=new_site_id(), name=raw["name"])
    prefix = raw.get("url_prefix") or base.url_prefix or _slug(raw["name"])
    fields: dict[str, Any] = {
        "provider_id": engine.provider_ref(raw["handler"]) if raw.get("handler") else None,
        "headless_passwordless_login": bool(raw.get("headless_passwordless_login", False)),
        "headless_registration": bool(raw.get("headless_registration", False)),
        "url_prefix": prefix,
        "brand_color": raw.get("brand_color", base.brand_color),
        "logo_text": raw.get("logo_text", base.logo_text or raw["name"]),
        "default_region": raw.get("default_region", base.default_region),
        "experience_id": raw.get("experience_id", base.experience_id),
    }
    if "enabled_use_cases" in raw:
        fields["enabled_use_cases"] = frozenset(UseCase(u) for u in raw["enabled_use_cases"])
    return replace(base, **fields)


def _user(engine: Engine, raw: dict[str, Any], site_ids: dict[str, SiteId]) -> User:
    existing = engine.store.user_by_username(raw["username"])
    base = existing or User(id=new_user_id(), username=raw["username"])
    sites: set[SiteId] = set()
    for name in raw.get("sites", []):
        sid = site_ids.get(name) or engine.find_site(name).id
        sites.add(sid)
    mobile = raw.get("mobile")
    return replace(
        base,
        license=License(raw.get("license", base.license.value)),
        mobile=parse_phone(str(mobile)).e164 if mobile else None,
        first_name=raw.get("first_name", base.first_name),
        last_name=raw.get("last_name", base.last_name),
        email=raw.get("email", base.email),
        locale=str(raw.get("locale", base.locale)),
        flags=Flags(bool(raw.get("user_verified", False)), bool(raw.get("admin_verified", False))),
        sites=frozenset(sites),
    )


def _slug(name: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in name).strip("-") or "site"
