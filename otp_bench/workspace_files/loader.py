"""Loading and validating a workspace file: every problem names file, line and field.

The shape is docs/scenarios.md (and the JSON Schema in scenario/schema.py). Validation is
complete before anything is applied, so an invalid file never touches a workspace. A scenario
file is a workspace file plus ``steps``: this module checks only that ``steps`` is a list (and
counts it); ``otp_bench.scenario.loader`` validates the steps with the same ``FileContext``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import License, UseCase
from otp_bench.outputs import input_name, read_input
from otp_bench.workspace_files.connected_apps import parse_connected_app
from otp_bench.workspace_files.durations import parse_duration
from otp_bench.workspace_files.errors import ScenarioError
from otp_bench.workspace_files.model import WorkspaceFile
from otp_bench.workspace_files.providers import validate_provider_spec
from otp_bench.workspace_files.yamlpos import YamlSyntaxError, line_of, load_with_lines

TOP_KEYS = {
    "name", "description", "settings", "providers", "sites", "users", "steps", "connected_apps",
}
SETTINGS_KEYS = {
    "custom_otp_enabled", "otp", "default_text", "callout_timeout", "redact", "session_timeout",
}
OTP_KEYS = {"digits", "ttl", "registration_ttl", "max_attempts", "max_per_hour",
            "account_max_failures", "account_lockout"}
SITE_KEYS = {
    "name", "handler", "headless_passwordless_login", "headless_registration", "url_prefix",
    "brand_color", "logo_text", "enabled_use_cases", "default_region", "experience_id",
}
USER_KEYS = {
    "username", "mobile", "license", "user_verified", "admin_verified", "sites", "first_name",
    "last_name", "email", "locale",
}

FieldPath = tuple[str | int, ...]


class FileContext:
    """One file being validated: its name and line map, and checks that fail naming both."""

    def __init__(self, file: str, lines: dict[FieldPath, int]) -> None:
        self.file = file
        self.lines = lines

    def fail(self, path: FieldPath, message: str) -> ScenarioError:
        return ScenarioError(self.file, line_of(self.lines, path), dotted(path), message)

    def mapping(self, value: Any, path: FieldPath, keys: set[str]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be a mapping, not {kind(value)}")
        for k in value:
            if k not in keys:
                raise self.fail((*path, str(k)),
                                f"unknown field {k!r}; expected one of {', '.join(sorted(keys))}")
        return dict(value)

    def seq(self, value: Any, path: FieldPath) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list, not {kind(value)}")
        return value

    def typed(self, value: Any, path: FieldPath, type_: type, what: str) -> Any:
        if not isinstance(value, type_) or (type_ is int and isinstance(value, bool)):
            raise self.fail(path, f"must be {what}, not {kind(value)}")
        return value

    def choice(self, value: Any, path: FieldPath, allowed: Any, what: str) -> str:
        text = str(value) if value is not None else "null"
        if text not in {str(a) for a in allowed}:
            raise self.fail(path, f"{text!r} isn't {what}; use one of {listed(allowed)}")
        return text

    def duration(self, value: Any, path: FieldPath) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None


def read_yaml(path: str | Path) -> tuple[str, Any, dict[FieldPath, int]]:
    """(shown file name, YAML data, line map) of ``path`` (``-``: standard input)."""
    file = input_name(path)
    try:
        text = read_input(path)
    except OSError as exc:
        raise ScenarioError(file, 0, "", f"can't read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(file, 0, "", "not a UTF-8 text file") from None
    return (file, *parse_yaml(text, file))


def parse_yaml(text: str, file: str) -> tuple[Any, dict[FieldPath, int]]:
    try:
        return load_with_lines(text)
    except YamlSyntaxError as exc:
        raise ScenarioError(file, exc.line, "", exc.message) from None


def load_workspace_file(path: str | Path) -> WorkspaceFile:
    """The workspace sections of the file at ``path`` (``-``: standard input), validated."""
    file, data, lines = read_yaml(path)
    return parse_workspace(data, file, lines)


def parse_workspace(
    data: Any, file: str, lines: dict[FieldPath, int] | None = None
) -> WorkspaceFile:
    c = FileContext(file, lines or {})
    doc = c.mapping(data if data is not None else {}, (), TOP_KEYS)
    name = str(doc.get("name") or Path(file).stem)
    settings = _settings(c, doc.get("settings") or {})
    providers = tuple(_provider(c, p, i) for i, p in enumerate(c.seq(doc.get("providers"),
                                                                       ("providers",))))
    unique(c, providers, "providers", "name")
    provider_names = {p["name"] for p in providers}
    sites = tuple(_site(c, s, i, provider_names)
                  for i, s in enumerate(c.seq(doc.get("sites"), ("sites",))))
    unique(c, sites, "sites", "name")
    site_names = {s["name"] for s in sites}
    users = tuple(_user(c, u, i, site_names)
                  for i, u in enumerate(c.seq(doc.get("users"), ("users",))))
    unique(c, users, "users", "username")
    steps = c.seq(doc.get("steps"), ("steps",))
    apps = tuple(parse_connected_app(c, a, i)
                 for i, a in enumerate(c.seq(doc.get("connected_apps"), ("connected_apps",))))
    unique(c, apps, "connected_apps", "name")
    unique(c, apps, "connected_apps", "client_id")
    return WorkspaceFile(Path(file), name, settings, providers, sites, users, dict(c.lines),
                         connected_apps=apps, step_count=len(steps))


def _settings(c: FileContext, raw: Any) -> dict[str, Any]:
    s = c.mapping(raw, ("settings",), SETTINGS_KEYS)
    out: dict[str, Any] = {}
    for key in ("custom_otp_enabled", "redact"):
        if key in s:
            out[key] = c.typed(s[key], ("settings", key), bool, "true or false")
    if "default_text" in s:
        text = c.typed(s["default_text"], ("settings", "default_text"), str, "text")
        if "{otp}" not in text:
            raise c.fail(("settings", "default_text"), "must contain {otp}")
        out["default_text"] = text
    if "callout_timeout" in s:
        t = c.duration(s["callout_timeout"], ("settings", "callout_timeout"))
        if not 0 < t <= 120:
            raise c.fail(("settings", "callout_timeout"), "must be above 0s and at most 120s")
        out["callout_timeout"] = t
    if "session_timeout" in s:
        t = c.duration(s["session_timeout"], ("settings", "session_timeout"))
        if not 60 <= t <= 24 * 3600:
            raise c.fail(("settings", "session_timeout"), "must be 1m to 24h")
        out["session_timeout"] = t
    if "otp" in s:
        otp = c.mapping(s["otp"], ("settings", "otp"), OTP_KEYS)
        o: dict[str, Any] = {}
        for key in ("ttl", "registration_ttl", "account_lockout"):
            if key in otp:
                o[key] = c.duration(otp[key], ("settings", "otp", key))
        for key in ("digits", "max_attempts", "max_per_hour", "account_max_failures"):
            if key in otp:
                v = c.typed(otp[key], ("settings", "otp", key), int, "a whole number")
                low = 0 if key == "account_max_failures" else 1
                if v < low or (key == "digits" and not 4 <= v <= 10):
                    raise c.fail(("settings", "otp", key), "is out of range")
                o[key] = v
        out["otp"] = o
    return out


def _provider(c: FileContext, raw: Any, i: int) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("providers", i)
    if not isinstance(raw, Mapping):
        raise c.fail(path, f"must be a mapping, not {kind(raw)}")
    for fld, message in validate_provider_spec(raw):
        raise c.fail((*path, fld), message)
    if "apex" in raw:  # the handler's source is relative to the scenario file
        from otp_bench.workspace_files.apex_spec import resolve_source

        return resolve_source(raw, c.file)
    return dict(raw)


def _site(c: FileContext, raw: Any, i: int, providers: set[str]) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("sites", i)
    s = c.mapping(raw, path, SITE_KEYS)
    c.typed(s.get("name"), (*path, "name"), str, "the site's name")
    handler = s.get("handler")
    if handler is not None and handler not in providers:
        raise c.fail((*path, "handler"),
                     f"no provider named {handler!r} in this file ({listed(providers) or 'none'})")
    for key in ("headless_passwordless_login", "headless_registration"):
        if key in s:
            c.typed(s[key], (*path, key), bool, "true or false")
    for j, uc in enumerate(c.seq(s.get("enabled_use_cases"), (*path, "enabled_use_cases"))):
        c.choice(uc, (*path, "enabled_use_cases", j), UseCase, "a use case")
    return s


def _user(c: FileContext, raw: Any, i: int, sites: set[str]) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("users", i)
    u = c.mapping(raw, path, USER_KEYS)
    c.typed(u.get("username"), (*path, "username"), str, "the username")
    if "license" in u:
        c.choice(u["license"], (*path, "license"), License, "a licence")
    for key in ("user_verified", "admin_verified"):
        if key in u:
            c.typed(u[key], (*path, key), bool, "true or false")
    if u.get("mobile") is not None:
        _phone(c, u["mobile"], (*path, "mobile"))
    if "locale" in u and not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", str(u["locale"])):
        raise c.fail((*path, "locale"), "a LanguageLocaleKey such as en_US, de or pt_BR")
    for j, site in enumerate(c.seq(u.get("sites"), (*path, "sites"))):
        c.typed(site, (*path, "sites", j), str, "a site's name")
        if site not in sites:
            raise c.fail((*path, "sites", j), f"no site named {site!r} in this file")
    return u


def _phone(c: FileContext, value: Any, path: tuple[str | int, ...]) -> None:
    try:
        parse_phone(str(value))
    except PhoneError as exc:
        raise c.fail(path, str(exc)) from None




def unique(c: FileContext, items: tuple[dict[str, Any], ...], section: str, key: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item.get(key)
        if name in seen:
            raise c.fail((section, i, key), f"{name!r} appears twice")
        seen.add(str(name))


def dotted(path: FieldPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def listed(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values))
