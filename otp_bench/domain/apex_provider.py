"""The settings of an "Apex class" provider (SPEC §3 "Apex providers"), parsed once, immutable.

A provider of kind ``apex`` runs the user's own ``Auth.CustomOneTimePasswordDeliveryHandler``:
``source`` is a ``.cls`` file, a folder of them or an sfdx project (relative paths are resolved by
whoever reads the config: a scenario file resolves against its own folder); ``class_name`` is
optional when exactly one class implements the interface. The org around the class:

- ``remote_sites``: Remote Site Settings, origin → where that host really goes (``mock`` = the
  built-in mock provider, or a base URL); a hard-coded endpoint no entry covers is refused as
  Salesforce refuses it;
- ``named_credentials``: ``callout:Name`` endpoints; their username/password (legacy merge fields
  ``{!$Credential.Username}``/``Password``) and External Credential parameters
  (``{!$Credential.<EC>.<param>}``) are secrets, so they live in ``ProviderConfig.credentials``
  under ``<Name>.username``, ``<Name>.password`` and ``<EC>.<param>``, never here;
- ``custom_metadata``: ``Type__mdt`` → DeveloperName → field → value;
- ``custom_settings``: org defaults of hierarchy custom settings, ``Name__c`` → field → value.

``ApexConfig.from_dict`` raises ``ApexConfigError`` naming the field; ``to_dict`` is what the
store keeps (no secret in it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MOCK = "mock"
MAX_NC_NAME = 80


class ApexConfigError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def origin(url: str) -> str:
    """``https://API.twilio.com:443/x`` → ``https://api.twilio.com``: how remote sites match."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port and port != default else "")


def _url(value: Any, what: str, *, allow_mock: bool) -> str:
    if allow_mock and value == MOCK:
        return MOCK
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is not None:
            parts.port  # noqa: B018 - raises ValueError for a port that isn't one
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        hint = "mock or " if allow_mock else ""
        raise ApexConfigError(what, f"must be {hint}an http:// or https:// URL with a host")
    return str(value).rstrip("/")


@dataclass(frozen=True)
class NamedCredentialSpec:
    name: str
    url: str  # "mock" = the built-in mock provider (with the handler's own path after it)
    generate_authorization_header: bool = True
    allow_merge_fields: bool = False  # in headers and bodies
    external_credential: str = ""  # current format: merge fields {!$Credential.<EC>.<param>}
    auth_headers: tuple[tuple[str, str], ...] = ()  # (header, formula) the EC adds

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url,
            "generate_authorization_header": self.generate_authorization_header,
            "allow_merge_fields": self.allow_merge_fields,
        }
        if self.external_credential:
            out["external_credential"] = self.external_credential
        if self.auth_headers:
            out["auth_headers"] = [list(h) for h in self.auth_headers]
        return out


@dataclass(frozen=True)
class ApexConfig:
    source: str
    class_name: str = ""
    remote_sites: tuple[tuple[str, str], ...] = ()  # (origin, "mock" | base URL)
    named_credentials: tuple[NamedCredentialSpec, ...] = ()
    custom_metadata: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    custom_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def named_credential(self, name: str) -> NamedCredentialSpec | None:
        # Named Credential names are case-insensitive in callout: endpoints
        low = name.lower()
        return next((n for n in self.named_credentials if n.name.lower() == low), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "class_name": self.class_name,
            "remote_sites": {k: v for k, v in self.remote_sites},
            "named_credentials": {n.name: n.to_dict() for n in self.named_credentials},
            "custom_metadata": {t: {r: dict(f) for r, f in recs.items()}
                                for t, recs in self.custom_metadata.items()},
            "custom_settings": {t: dict(f) for t, f in self.custom_settings.items()},
        }

    @classmethod
    def from_dict(cls, d: Any) -> ApexConfig:
        if not isinstance(d, Mapping):
            raise ApexConfigError("apex", "must be a mapping")
        unknown = set(d) - {"source", "class_name", "remote_sites", "named_credentials",
                            "custom_metadata", "custom_settings"}
        if unknown:
            raise ApexConfigError(str(sorted(unknown, key=str)[0]) or "(empty)", "unknown field")
        source = d.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ApexConfigError("source", "give a .cls file, a folder of them or an sfdx "
                                            "project")
        class_name = d.get("class_name") or ""
        if not isinstance(class_name, str):
            raise ApexConfigError("class", "must be a class name")
        sites = d.get("remote_sites") or {}
        if not isinstance(sites, Mapping):
            raise ApexConfigError("remote_sites", "must map a URL to mock or a base URL")
        remote = tuple(
            (origin(_url(k, f"remote_sites.{k}", allow_mock=False)),
             _url(v, f"remote_sites.{k}", allow_mock=True))
            for k, v in sites.items())
        ncs = d.get("named_credentials") or {}
        if not isinstance(ncs, Mapping):
            raise ApexConfigError("named_credentials", "must map a name to {url, ...}")
        return cls(
            source=source.strip(), class_name=class_name.strip(), remote_sites=remote,
            named_credentials=tuple(_named(str(k), v) for k, v in ncs.items()),
            custom_metadata=_records(d.get("custom_metadata"), "custom_metadata", "__mdt"),
            custom_settings=_settings(d.get("custom_settings")),
        )


_NC_KEYS = {"url", "generate_authorization_header", "allow_merge_fields", "external_credential",
            "auth_headers", "username", "password"}


def _named(name: str, spec: Any) -> NamedCredentialSpec:
    what = f"named_credentials.{name}"
    if not name or len(name) > MAX_NC_NAME or not name.replace("_", "a").isalnum():
        raise ApexConfigError(what, "a Named Credential name is letters, digits and _")
    if not isinstance(spec, Mapping):
        raise ApexConfigError(what, "must be {url: ..., username: ..., password: ...}")
    unknown = set(spec) - _NC_KEYS
    if unknown:
        raise ApexConfigError(f"{what}.{sorted(unknown, key=str)[0]}", "unknown field")
    flags = {}
    for key, default in (("generate_authorization_header", True), ("allow_merge_fields", False)):
        value = spec.get(key, default)
        if not isinstance(value, bool):
            raise ApexConfigError(f"{what}.{key}", "must be true or false")
        flags[key] = value
    headers = spec.get("auth_headers") or []
    if not isinstance(headers, list) or not all(
            isinstance(h, list | tuple) and len(h) == 2 and all(isinstance(x, str) for x in h)
            for h in headers):
        raise ApexConfigError(f"{what}.auth_headers", "must be a list of [header, formula]")
    return NamedCredentialSpec(
        name=name, url=_url(spec.get("url"), f"{what}.url", allow_mock=True),
        external_credential=str(spec.get("external_credential") or ""),
        auth_headers=tuple((h[0], h[1]) for h in headers), **flags,
    )


def _fields(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ApexConfigError(what, "must map field names (Field__c) to values")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k:
            raise ApexConfigError(what, "field names are text")
        if v is not None and not isinstance(v, str | int | float | bool):
            raise ApexConfigError(f"{what}.{k}", "a field value is text, a number or true/false")
        out[k] = v
    return out


def _records(value: Any, what: str, suffix: str) -> dict[str, dict[str, dict[str, Any]]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ApexConfigError(what, "must map Type__mdt to {DeveloperName: {Field__c: value}}")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for type_name, recs in value.items():
        if not isinstance(type_name, str) or not type_name.lower().endswith(suffix):
            raise ApexConfigError(f"{what}.{type_name}", f"a type name ends in {suffix}")
        if not isinstance(recs, Mapping):
            raise ApexConfigError(f"{what}.{type_name}", "must map DeveloperName to fields")
        out[type_name] = {str(r): _fields(f, f"{what}.{type_name}.{r}") for r, f in recs.items()}
    return out


def _settings(value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ApexConfigError("custom_settings", "must map Name__c to {Field__c: value}")
    out = {}
    for name, fields in value.items():
        if not isinstance(name, str) or not name.lower().endswith("__c"):
            raise ApexConfigError(f"custom_settings.{name}", "a custom setting name ends in __c")
        out[name] = _fields(fields, f"custom_settings.{name}")
    return out
