"""The declarative HTTP handler's configuration: what ``ProviderConfig.http`` holds, typed.

JSON-serialisable and free of secrets: templates refer to secrets as ``credentials.<key>`` and the
auth block names credential keys, while the values live in ``ProviderConfig.credentials`` (the
secret store). ``HttpConfig.from_dict`` validates and raises ``ConfigError`` naming the field;
``validate_http`` lists every problem for an editor or a scenario loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from otp_bench.domain.pumping import GuardError, PumpingGuardConfig
from otp_bench.domain.rules import Rule, RuleError

AUTH_KINDS = (
    "none", "basic", "bearer", "api_key_header", "api_key_query", "infobip_app",
    "messagebird_accesskey",
)
BODY_FORMATS = ("json", "form", "text", "none")
METHODS = ("POST", "PUT", "GET", "PATCH")
MAX_TIMEOUT_S = 120.0  # Apex's callout ceiling
DEFAULT_TIMEOUT_S = 10.0


class ConfigError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AuthSpec:
    """How the request authenticates; the strings are credential keys, never values."""

    kind: str = "none"
    username: str = ""  # basic: credential key of the user name
    password: str = ""  # basic: credential key of the password
    token: str = ""  # bearer / api key / App / AccessKey: credential key of the token
    name: str = ""  # api_key_header: header name; api_key_query: parameter name

    def credential_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.username, self.password, self.token) if k)

    def header_names(self) -> tuple[str, ...]:
        """Headers that carry a secret under this scheme (redacted everywhere)."""
        if self.kind == "api_key_header" and self.name:
            return (self.name,)
        return ()


@dataclass(frozen=True)
class HttpConfig:
    base_url: str
    path: str = ""  # template, appended to base_url
    method: str = "POST"
    auth: AuthSpec = field(default_factory=AuthSpec)
    headers: tuple[tuple[str, str], ...] = ()  # (name, value template)
    query: tuple[tuple[str, str], ...] = ()  # (name, value template)
    body_format: str = "json"
    body: str = ""  # template for json / text bodies
    form: tuple[tuple[str, str], ...] = ()  # (field, value template) for form bodies
    rules: tuple[Rule, ...] = ()
    timeout_s: float | None = None  # None: the workspace setting (10 s by default)
    sender: str = ""
    preset: str = ""
    secret_headers: tuple[str, ...] = ()  # extra headers whose values are secrets
    public_credentials: tuple[str, ...] = ()  # identifiers such as an account SID: not masked
    credential_keys: tuple[str, ...] = ()  # what the config expects in credentials
    pumping_guard: PumpingGuardConfig | None = None  # None: no guard (domain.pumping)

    def with_(self, **changes: Any) -> HttpConfig:
        return replace(self, **changes)

    def required_credentials(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.credential_keys + self.auth.credential_keys()))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "base_url": self.base_url, "path": self.path, "method": self.method,
            "auth": {k: v for k, v in vars(self.auth).items() if v},
            "headers": [list(h) for h in self.headers], "query": [list(q) for q in self.query],
            "body_format": self.body_format, "body": self.body,
            "form": [list(f) for f in self.form], "rules": [r.to_dict() for r in self.rules],
            "timeout_s": self.timeout_s, "sender": self.sender, "preset": self.preset,
            "secret_headers": list(self.secret_headers),
            "public_credentials": list(self.public_credentials),
            "credential_keys": list(self.credential_keys),
        }
        if self.pumping_guard is not None:
            out["pumping_guard"] = self.pumping_guard.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HttpConfig:
        problems = validate_http(d)
        if problems:
            raise ConfigError(*problems[0])
        return _build(d)


def _pairs(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = []
        for i, pair in enumerate(value):
            if not (isinstance(pair, list | tuple) and len(pair) == 2):
                raise ConfigError(f"{what}[{i}]", "must be a [name, value] pair")
            items.append((pair[0], pair[1]))
    else:
        raise ConfigError(what, "must be a mapping or a list of [name, value] pairs")
    out = []
    for name, val in items:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(what, "every entry needs a name")
        if not isinstance(val, str | int | float | bool):
            raise ConfigError(f"{what}.{name}", "value must be text")
        out.append((name, val if isinstance(val, str) else str(val).lower()
                    if isinstance(val, bool) else str(val)))
    return tuple(out)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(what, "must be a list of names")
    return tuple(value)


def _build(d: dict[str, Any]) -> HttpConfig:
    auth_d = d.get("auth") or {}
    if not isinstance(auth_d, dict):
        raise ConfigError("auth", "must be a mapping")
    unknown = set(auth_d) - {"kind", "username", "password", "token", "name"}
    if unknown:
        raise ConfigError(f"auth.{sorted(unknown)[0]}", "unknown auth field")
    auth = AuthSpec(**{k: str(v) for k, v in auth_d.items()})
    rules = []
    for i, r in enumerate(d.get("rules") or ()):
        try:
            rules.append(Rule.from_dict(r))
        except RuleError as exc:
            raise ConfigError(f"rules[{i}].{exc.field}", exc.message) from None
    timeout = d.get("timeout_s")
    guard = None
    if d.get("pumping_guard") is not None:
        try:
            guard = PumpingGuardConfig.from_value(d["pumping_guard"])
        except GuardError as exc:
            raise ConfigError(exc.field, exc.message) from None
    return HttpConfig(
        base_url=str(d.get("base_url", "")).rstrip("/"), path=str(d.get("path", "") or ""),
        method=str(d.get("method", "POST")).upper(), auth=auth,
        headers=_pairs(d.get("headers") or (), "headers"),
        query=_pairs(d.get("query") or (), "query"),
        body_format=str(d.get("body_format", "json")), body=str(d.get("body", "") or ""),
        form=_pairs(d.get("form") or (), "form"), rules=tuple(rules),
        timeout_s=float(timeout) if timeout is not None else None,
        sender=str(d.get("sender", "") or ""), preset=str(d.get("preset", "") or ""),
        secret_headers=_strings(d.get("secret_headers"), "secret_headers"),
        public_credentials=_strings(d.get("public_credentials"), "public_credentials"),
        credential_keys=_strings(d.get("credential_keys"), "credential_keys"),
        pumping_guard=guard,
    )


_KNOWN = {
    "base_url", "path", "method", "auth", "headers", "query", "body_format", "body", "form",
    "rules", "timeout_s", "sender", "preset", "secret_headers", "public_credentials",
    "credential_keys", "pumping_guard",
}


def validate_http(d: Any) -> list[tuple[str, str]]:
    """Every structural problem in an ``http`` dict, as (field, message).

    Templates are checked by compiling them (``delivery.request.http_problems``), which needs
    the template engine; the domain only knows the shape.
    """
    if not isinstance(d, dict):
        return [("http", "must be a mapping")]
    problems: list[tuple[str, str]] = [
        (k, "unknown field") for k in sorted(set(d) - _KNOWN)
    ]
    base = d.get("base_url")
    parts = urlsplit(base) if isinstance(base, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(("base_url", "must be an http:// or https:// URL with a host"))
    if str(d.get("method", "POST")).upper() not in METHODS:
        problems.append(("method", f"must be one of {', '.join(METHODS)}"))
    auth = d.get("auth") or {}
    kind = auth.get("kind", "none") if isinstance(auth, dict) else None
    if kind not in AUTH_KINDS:
        problems.append(("auth.kind", f"must be one of {', '.join(AUTH_KINDS)}"))
    elif isinstance(auth, dict):
        need = {"basic": ("username", "password"), "bearer": ("token",),
                "api_key_header": ("token", "name"), "api_key_query": ("token", "name"),
                "infobip_app": ("token",), "messagebird_accesskey": ("token",)}.get(kind, ())
        problems += [(f"auth.{n}", f"{kind} auth needs it") for n in need if not auth.get(n)]
    fmt = d.get("body_format", "json")
    if fmt not in BODY_FORMATS:
        problems.append(("body_format", f"must be one of {', '.join(BODY_FORMATS)}"))
    elif fmt in ("json", "text") and not d.get("body"):
        problems.append(("body", f"a {fmt} body needs a template"))
    elif fmt == "form" and not d.get("form"):
        problems.append(("form", "a form body needs at least one field"))
    timeout = d.get("timeout_s")
    if timeout is not None:
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            problems.append(("timeout_s", "must be a number of seconds"))
        elif not (0 < timeout <= MAX_TIMEOUT_S):
            problems.append(("timeout_s", f"must be more than 0 and at most {MAX_TIMEOUT_S:g}"))
    if not problems:
        try:
            _build(d)
        except ConfigError as exc:
            problems.append((exc.field, exc.message))
    return problems
