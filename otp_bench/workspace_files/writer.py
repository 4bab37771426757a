"""The workspace as a readable YAML file in the scenario format (SPEC §3), without secrets.

Settings, providers, sites and users only: no ids, no timestamps, entries sorted by name, so
export → import into an empty workspace → export gives the same file byte for byte. Credentials
are replaced by ``PLACEHOLDER`` and must be re-entered after import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from otp_bench.domain.model import ALL_USE_CASES, ProviderConfig, ProviderKind, Settings, Site, User
from otp_bench.domain.scrub import Scrubber
from otp_bench.domain.vocabulary import Channel
from otp_bench.outputs import open_output
from otp_bench.store.store import Store
from otp_bench.workspace_files.connected_apps import app_dict
from otp_bench.workspace_files.durations import format_duration

PLACEHOLDER = "<secret: re-enter>"
HEADER = (
    "# otp-bench workspace (scenario format). Credentials are not included: each\n"
    f'# "{PLACEHOLDER}" must be re-entered after import.\n'
)
SECTIONS = ("settings", "providers", "sites", "users")


@dataclass(frozen=True)
class WorkspaceSummary:
    providers: int
    sites: int
    users: int
    placeholders: int  # credential values left out


def settings_dict(s: Settings) -> dict[str, Any]:
    return {
        "custom_otp_enabled": s.custom_otp_enabled,
        "otp": {
            "digits": s.otp.digits,
            "ttl": format_duration(s.otp.ttl_seconds),
            "registration_ttl": format_duration(s.otp.registration_ttl_seconds),
            "max_attempts": s.otp.max_failed_attempts,
            "max_per_hour": s.otp.max_codes_per_hour,
        },
        "default_text": s.default_text,
        "callout_timeout": format_duration(s.callout_timeout_seconds),
        "redact": s.redact,
    } | ({"session_timeout": format_duration(s.session_timeout_seconds)}
         if s.session_timeout_seconds != Settings().session_timeout_seconds else {})


def provider_dict(p: ProviderConfig, *, reveal_secrets: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name}
    if p.kind is ProviderKind.SCRIPTED:
        out["result"] = p.result.value
        if p.channel is not Channel.SMS:
            out["channel"] = p.channel.value
        return out  # the allow-list and verified-only policy belong to HTTP handlers
    if p.kind is ProviderKind.APEX and p.apex is not None:
        return {**out, **_apex_dict(p, reveal_secrets)}
    out["http"] = p.http.to_dict() if p.http else {}
    # the keys the config needs are listed even when unset, so the file says what to re-enter
    # and an imported workspace exports the same file again
    required = p.http.required_credentials() if p.http else ()
    keys = sorted(set(p.credentials) | set(required))
    if keys:
        out["credentials"] = {
            k: (p.credentials[k] if reveal_secrets and p.credentials.get(k) else PLACEHOLDER)
            for k in keys
        }
    if p.channel is not Channel.SMS:
        out["channel"] = p.channel.value
    if p.verified_only:
        out["verified_only"] = True
    if p.country_allow_list:
        out["country_allow_list"] = list(p.country_allow_list)
    return out


def _apex_dict(p: ProviderConfig, reveal_secrets: bool) -> dict[str, Any]:
    """An Apex provider in the scenario file's own form (SPEC §3); secrets as placeholders."""
    assert p.apex is not None
    d = p.apex.to_dict()
    out: dict[str, Any] = {"apex": d["source"]}
    if d["class_name"]:
        out["class"] = d["class_name"]
    ncs: dict[str, dict[str, Any]] = {}
    for name, nc in d["named_credentials"].items():
        for cred in ("username", "password"):
            secret = p.credentials.get(f"{name}.{cred}")
            if secret:
                nc[cred] = secret if reveal_secrets else PLACEHOLDER
        ncs[name] = nc
    for section, content in (("remote_sites", d["remote_sites"]), ("named_credentials", ncs),
                             ("custom_metadata", d["custom_metadata"]),
                             ("custom_settings", d["custom_settings"])):
        if content:
            out[section] = content
    if p.channel is not Channel.SMS:
        out["channel"] = p.channel.value
    return out


def site_dict(site: Site, provider_names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": site.name}
    if site.provider_id is not None:  # the file names the provider; the workspace holds its id
        out["handler"] = provider_names.get(site.provider_id, site.provider_id)
    out["headless_passwordless_login"] = site.headless_passwordless_login
    out["headless_registration"] = site.headless_registration
    out["url_prefix"] = site.url_prefix
    out["brand_color"] = site.brand_color
    out["logo_text"] = site.logo_text
    if site.enabled_use_cases != ALL_USE_CASES:
        out["enabled_use_cases"] = sorted(u.value for u in site.enabled_use_cases)
    if site.default_region:
        out["default_region"] = site.default_region
    if site.experience_id:
        out["experience_id"] = site.experience_id
    return out


def user_dict(user: User, site_names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"username": user.username}
    for key in ("first_name", "last_name", "email"):
        if getattr(user, key):
            out[key] = getattr(user, key)
    if user.mobile:
        out["mobile"] = user.mobile
    out["license"] = user.license.value
    if user.locale != "en_US":
        out["locale"] = user.locale
    out["user_verified"] = user.flags.user_verified
    out["admin_verified"] = user.flags.admin_verified
    out["sites"] = sorted(site_names[s] for s in user.sites if s in site_names)
    return out


def workspace_dict(store: Store, *, reveal_secrets: bool = False) -> dict[str, Any]:
    """The workspace sections of a scenario file, in a stable order."""
    site_names: dict[str, str] = {s.id: s.name for s in store.sites()}
    provider_names: dict[str, str] = {p.id: p.name for p in store.providers()}
    return {
        "settings": settings_dict(store.settings()),
        "providers": [provider_dict(p, reveal_secrets=reveal_secrets)
                      for p in sorted(store.providers(), key=lambda p: p.name)],
        "sites": [site_dict(s, provider_names)
                  for s in sorted(store.sites(), key=lambda s: s.name)],
        "users": [user_dict(u, site_names)
                  for u in sorted(store.users(), key=lambda u: u.username.lower())],
    } | ({"connected_apps": [app_dict(a) for a in apps]} if (apps := store.connected_apps())
         else {})


class _FlowMap(dict):  # type: ignore[type-arg]
    pass


class _FlowList(list):  # type: ignore[type-arg]
    pass


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the shipped scenario files do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _styled(value: Any, depth: int = 0) -> Any:
    """Lists of scalars, and small mappings of scalars below an entry, are written inline."""
    if isinstance(value, dict):
        if depth >= 2 and value and all(_scalar(v) for v in value.values()) \
                and len(str(value)) <= 72:
            return _FlowMap(value)
        return {k: _styled(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(_scalar(v) for v in value):
            return _FlowList(value)
        return [_styled(v, depth + 1) for v in value]
    return value


def dump_yaml(doc: dict[str, Any]) -> str:
    """Block style, short leaves inline, a blank line between top-level sections."""
    parts = []
    for key, value in doc.items():
        parts.append(yaml.dump({key: _styled(value, 1)}, Dumper=_Dumper, sort_keys=False,
                               allow_unicode=True, default_flow_style=False, width=100))
    return "\n".join(parts)


def workspace_yaml(store: Store, *, name: str = "otp-bench workspace",
                   reveal_secrets: bool = False) -> str:
    doc = {"name": name, **workspace_dict(store, reveal_secrets=reveal_secrets)}
    text = dump_yaml(doc)
    if not reveal_secrets:  # the http configs hold no secrets by contract; make sure of it
        scrub = Scrubber.for_providers(store.providers())
        if scrub:
            text = dump_yaml(scrub.deep(doc))  # type: ignore[arg-type]
    return HEADER + "\n" + text


def export_workspace(store: Store, path: str, *, name: str = "otp-bench workspace"
                     ) -> WorkspaceSummary:
    text = workspace_yaml(store, name=name)
    with open_output(path) as fh:
        fh.write(text)
    return WorkspaceSummary(
        providers=len(store.providers()), sites=len(store.sites()), users=len(store.users()),
        placeholders=sum(len(provider_dict(p).get("credentials", {}))
                         for p in store.providers()),
    )
