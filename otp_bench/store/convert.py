"""Row ↔ domain conversions, so no ORM object leaves the store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.callout import CalloutRecord, HttpMessage, RawExchange
from otp_bench.domain.events import EventRecord
from otp_bench.domain.flags import Flags
from otp_bench.domain.http_config import ConfigError, HttpConfig
from otp_bench.domain.ids import ProviderId, SiteId, UserId
from otp_bench.domain.model import HistoryEntry, ProviderConfig, ProviderKind, Site, User
from otp_bench.domain.vocabulary import Channel, DeliveryResult, License, UseCase
from otp_bench.store.orm import CalloutRow, EventRow, HistoryRow, ProviderRow, SiteRow, UserRow

log = logging.getLogger(__name__)


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def site_from(row: SiteRow) -> Site:
    return Site(
        id=SiteId(row.id),
        name=row.name,
        url_prefix=row.url_prefix,
        provider_id=ProviderId(row.provider_id) if row.provider_id else None,
        headless_passwordless_login=row.headless_passwordless_login,
        headless_registration=row.headless_registration,
        enabled_use_cases=frozenset(UseCase(u) for u in row.enabled_use_cases["use_cases"]),
        brand_color=row.brand_color,
        logo_text=row.logo_text,
        default_region=row.default_region,
        experience_id=row.experience_id,
    )


def site_fields(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "url_prefix": site.url_prefix,
        "provider_id": site.provider_id,
        "headless_passwordless_login": site.headless_passwordless_login,
        "headless_registration": site.headless_registration,
        "enabled_use_cases": {"use_cases": sorted(u.value for u in site.enabled_use_cases)},
        "brand_color": site.brand_color,
        "logo_text": site.logo_text,
        "default_region": site.default_region,
        "experience_id": site.experience_id,
    }


def user_from(row: UserRow, sites: frozenset[SiteId]) -> User:
    return User(
        id=UserId(row.id),
        username=row.username,
        license=License(row.license),
        mobile=row.mobile,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        flags=Flags(row.user_verified, row.admin_verified),
        sites=sites,
        active=row.active,
        locale=row.locale or "en_US",
    )


def user_fields(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "license": user.license.value,
        "mobile": user.mobile,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "user_verified": user.flags.user_verified,
        "admin_verified": user.flags.admin_verified,
        "active": user.active,
        "locale": user.locale,
    }


def provider_from(row: ProviderRow, credentials: dict[str, str]) -> ProviderConfig:
    return ProviderConfig(
        id=ProviderId(row.id),
        name=row.name,
        kind=ProviderKind(row.kind),
        result=DeliveryResult(row.result),
        # an Apex provider's settings share the kind-specific JSON column
        http=_stored_http(row),
        apex=ApexConfig.from_dict(row.http) if row.kind == ProviderKind.APEX else None,
        credentials=credentials,
        channel=Channel(row.channel),
        verified_only=row.verified_only,
        country_allow_list=tuple(c for c in row.country_allow_list.split(",") if c),
    )


def _stored_http(row: ProviderRow) -> HttpConfig | None:
    """A stored HTTP config, or None when it no longer parses: the workspace still opens, and
    the provider's handler names the problem when it is called."""
    if row.kind != ProviderKind.HTTP or not row.http:
        return None
    try:
        return HttpConfig.from_dict(dict(row.http))
    except ConfigError as exc:
        log.warning("provider %s: stored HTTP settings don't parse (%s)", row.name, exc)
        return None


def provider_fields(p: ProviderConfig) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": p.kind.value,
        "result": p.result.value,
        "http": (p.apex.to_dict() if p.kind is ProviderKind.APEX and p.apex
                 else p.http.to_dict() if p.http else {}),
        "secret_keys": {"keys": sorted(p.credentials)},
        "channel": p.channel.value,
        "verified_only": p.verified_only,
        "country_allow_list": ",".join(p.country_allow_list),
    }


def history_from(row: HistoryRow) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        at=utc(row.at),
        user_id=UserId(row.user_id) if row.user_id else None,
        username=row.username,
        site_id=SiteId(row.site_id),
        use_case=UseCase(row.use_case),
        method=row.method,
        status=row.status,
        identifier=row.identifier,
    )


def event_from(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        at=utc(row.at),
        kind=row.kind,
        flow_id=row.flow_id,
        site=row.site,
        user=row.user,
        use_case=row.use_case,
        step=row.step,
        result=row.result,
        latency_ms=row.latency_ms,
        summary=row.summary,
        data=dict(row.data),
    )


def event_values(rec: EventRecord) -> dict[str, Any]:
    return {
        "at": rec.at,
        "kind": rec.kind,
        "flow_id": rec.flow_id,
        "site": rec.site,
        "user": rec.user,
        "use_case": rec.use_case,
        "step": rec.step,
        "result": rec.result,
        "latency_ms": rec.latency_ms,
        "summary": rec.summary,
        "data": rec.data,
    }


def _msg_dict(m: HttpMessage) -> dict[str, Any]:
    return {"headers": [list(h) for h in m.headers], "body": m.body, "truncated": m.body_truncated}


def _msg_from(d: dict[str, Any] | None) -> HttpMessage | None:
    if d is None:
        return None
    return HttpMessage(
        headers=tuple((str(k), str(v)) for k, v in d.get("headers", [])),
        body=str(d.get("body", "")),
        body_truncated=bool(d.get("truncated", False)),
    )


def callout_values(c: CalloutRecord) -> dict[str, Any]:
    return {
        "flow_id": c.flow_id,
        "provider": c.provider,
        "started_at": c.started_at,
        "method": c.method,
        "url": c.url,
        "status": c.status,
        "elapsed_ms": c.elapsed_ms,
        "result": c.result.value,
        "rule": c.rule,
        "error": c.error,
        "note": c.note,
        "request": _msg_dict(c.request),
        "response": _msg_dict(c.response) if c.response is not None else None,
        "extra": c.extra,
    }


def raw_dict(raw: RawExchange) -> dict[str, Any]:
    return {
        "url": raw.url,
        "request": _msg_dict(raw.request),
        "response": _msg_dict(raw.response) if raw.response is not None else None,
    }


def raw_from(d: dict[str, Any]) -> RawExchange:
    return RawExchange(
        url=str(d.get("url", "")),
        request=_msg_from(d.get("request")) or HttpMessage(),
        response=_msg_from(d.get("response")),
    )


def callout_from(row: CalloutRow) -> CalloutRecord:
    return CalloutRecord(
        id=row.id,
        flow_id=row.flow_id,
        provider=row.provider,
        started_at=utc(row.started_at),
        method=row.method,
        url=row.url,
        request=_msg_from(row.request) or HttpMessage(),
        status=row.status,
        response=_msg_from(row.response),
        elapsed_ms=row.elapsed_ms,
        result=DeliveryResult(row.result),
        rule=row.rule,
        error=row.error,
        note=row.note,
        extra=dict(row.extra),
    )
