"""Loading and validating scenario files: every problem names file, line and field.

The shape is docs/scenarios.md (and the JSON Schema in scenario/schema.py). Validation is
complete before anything runs, so an invalid file never touches a workspace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import DeliveryResult, License, Reason, UseCase, VerifyMessage
from otp_bench.outputs import input_name, read_input
from otp_bench.scenario.connected_apps import parse_connected_app
from otp_bench.scenario.durations import parse_duration
from otp_bench.scenario.model import ClockStep, Expect, FlowStep, Scenario, ScenarioError, Step
from otp_bench.scenario.providers import validate_provider_spec
from otp_bench.scenario.yamlpos import YamlSyntaxError, line_of, load_with_lines

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
NEW_USER_KEYS = {"username", "mobile", "license", "first_name", "last_name", "email"}
STEP_KEYS = {"flow", "site", "user", "new_user", "code", "wait", "expect", "mobile", "resend"}
EXPECT_KEYS = {"init", "delivery", "verify", "flags"}
FLAG_KEYS = {"user_verified", "admin_verified"}
CODE_WORDS = {"from_phone", "wrong", "none"}
INIT_VALUES = {"ok", *Reason}
VERIFY_VALUES = {*VerifyMessage, *Reason}


class _Ctx:
    def __init__(self, file: str, lines: dict[tuple[str | int, ...], int]) -> None:
        self.file = file
        self.lines = lines

    def fail(self, path: tuple[str | int, ...], message: str) -> ScenarioError:
        return ScenarioError(self.file, line_of(self.lines, path), _dotted(path), message)

    def mapping(self, value: Any, path: tuple[str | int, ...], keys: set[str]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be a mapping, not {_kind(value)}")
        for k in value:
            if k not in keys:
                raise self.fail((*path, str(k)),
                                f"unknown field {k!r}; expected one of {', '.join(sorted(keys))}")
        return dict(value)

    def seq(self, value: Any, path: tuple[str | int, ...]) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list, not {_kind(value)}")
        return value

    def typed(self, value: Any, path: tuple[str | int, ...], kind: type, what: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(path, f"must be {what}, not {_kind(value)}")
        return value

    def choice(self, value: Any, path: tuple[str | int, ...], allowed: Any, what: str) -> str:
        text = str(value) if value is not None else "null"
        if text not in {str(a) for a in allowed}:
            raise self.fail(path, f"{text!r} isn't {what}; use one of {_list(allowed)}")
        return text

    def duration(self, value: Any, path: tuple[str | int, ...]) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    file = input_name(path)
    try:
        text = read_input(path)  # "-": standard input
    except OSError as exc:
        raise ScenarioError(file, 0, "", f"can't read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(file, 0, "", "not a UTF-8 text file") from None
    return load_scenario_text(text, file)


def load_scenario_text(text: str, file: str) -> Scenario:
    """A scenario from YAML text; every problem is a ScenarioError naming ``file``:line."""
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise ScenarioError(file, exc.line, "", exc.message) from None
    return parse_scenario(data, file, lines)


def parse_scenario(
    data: Any, file: str, lines: dict[tuple[str | int, ...], int] | None = None
) -> Scenario:
    c = _Ctx(file, lines or {})
    doc = c.mapping(data if data is not None else {}, (), TOP_KEYS)
    name = str(doc.get("name") or Path(file).stem)
    settings = _settings(c, doc.get("settings") or {})
    providers = tuple(_provider(c, p, i) for i, p in enumerate(c.seq(doc.get("providers"),
                                                                       ("providers",))))
    _unique(c, providers, "providers", "name")
    provider_names = {p["name"] for p in providers}
    sites = tuple(_site(c, s, i, provider_names)
                  for i, s in enumerate(c.seq(doc.get("sites"), ("sites",))))
    _unique(c, sites, "sites", "name")
    site_names = {s["name"] for s in sites}
    users = tuple(_user(c, u, i, site_names)
                  for i, u in enumerate(c.seq(doc.get("users"), ("users",))))
    _unique(c, users, "users", "username")
    steps: list[Step] = []
    for i, raw in enumerate(c.seq(doc.get("steps"), ("steps",))):
        steps.append(_step(c, raw, i))
    apps = tuple(parse_connected_app(c, a, i)
                 for i, a in enumerate(c.seq(doc.get("connected_apps"), ("connected_apps",))))
    _unique(c, apps, "connected_apps", "name")
    _unique(c, apps, "connected_apps", "client_id")
    return Scenario(Path(file), name, settings, providers, sites, users, tuple(steps),
                    dict(c.lines), connected_apps=apps)


def _settings(c: _Ctx, raw: Any) -> dict[str, Any]:
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


def _provider(c: _Ctx, raw: Any, i: int) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("providers", i)
    if not isinstance(raw, Mapping):
        raise c.fail(path, f"must be a mapping, not {_kind(raw)}")
    for fld, message in validate_provider_spec(raw):
        raise c.fail((*path, fld), message)
    if "apex" in raw:  # the handler's source is relative to the scenario file
        from otp_bench.scenario.apex_spec import resolve_source

        return resolve_source(raw, c.file)
    return dict(raw)


def _site(c: _Ctx, raw: Any, i: int, providers: set[str]) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("sites", i)
    s = c.mapping(raw, path, SITE_KEYS)
    c.typed(s.get("name"), (*path, "name"), str, "the site's name")
    handler = s.get("handler")
    if handler is not None and handler not in providers:
        raise c.fail((*path, "handler"),
                     f"no provider named {handler!r} in this file ({_list(providers) or 'none'})")
    for key in ("headless_passwordless_login", "headless_registration"):
        if key in s:
            c.typed(s[key], (*path, key), bool, "true or false")
    for j, uc in enumerate(c.seq(s.get("enabled_use_cases"), (*path, "enabled_use_cases"))):
        c.choice(uc, (*path, "enabled_use_cases", j), UseCase, "a use case")
    return s


def _user(c: _Ctx, raw: Any, i: int, sites: set[str]) -> dict[str, Any]:
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
        if site not in sites:
            raise c.fail((*path, "sites", j), f"no site named {site!r} in this file")
    return u


def _phone(c: _Ctx, value: Any, path: tuple[str | int, ...]) -> None:
    try:
        parse_phone(str(value))
    except PhoneError as exc:
        raise c.fail(path, str(exc)) from None


def _step(c: _Ctx, raw: Any, i: int) -> Step:
    path: tuple[str | int, ...] = ("steps", i)
    line = line_of(c.lines, path)
    if isinstance(raw, Mapping) and "advance_clock" in raw:
        if len(raw) != 1:
            raise c.fail(path, "an advance_clock step has no other fields")
        return ClockStep(i, line, c.duration(raw["advance_clock"], (*path, "advance_clock")))
    s = c.mapping(raw, path, STEP_KEYS)
    flow = UseCase(c.choice(s.get("flow"), (*path, "flow"), UseCase, "a flow"))
    site = c.typed(s.get("site"), (*path, "site"), str, "a site name")
    user = new_user = None
    if flow.registers_user:
        if "user" in s:
            raise c.fail((*path, "user"), f"{flow.value} registers a new user: use new_user")
        nu = c.mapping(s.get("new_user"), (*path, "new_user"), NEW_USER_KEYS)
        for key in ("username", "mobile"):
            c.typed(nu.get(key), (*path, "new_user", key), str, f"the new user's {key}")
        if "license" in nu:
            c.choice(nu["license"], (*path, "new_user", "license"), License, "a licence")
        new_user = {k: str(v) for k, v in nu.items()}
    else:
        if "new_user" in s:
            raise c.fail((*path, "new_user"), f"{flow.value} needs an existing user: use user")
        user = c.typed(s.get("user"), (*path, "user"), str, "a username")
    mobile = s.get("mobile")
    if mobile is not None:
        if flow is not UseCase.VERIFICATION_METHOD_REGISTRATION:
            raise c.fail((*path, "mobile"), "only verification_method_registration takes mobile")
        mobile = str(mobile)
    codes_raw = s.get("code", "from_phone")
    codes_list = codes_raw if isinstance(codes_raw, list) else [codes_raw]
    if not codes_list:
        raise c.fail((*path, "code"), "give at least one code")
    codes = tuple(_code(c, v, (*path, "code")) for v in codes_list)
    verify = codes != ("none",)
    if "none" in codes and verify:
        raise c.fail((*path, "code"), "none can't be mixed with other codes")
    resend = s.get("resend", 0)
    resend = 1 if resend is True else 0 if resend is False else resend
    c.typed(resend, (*path, "resend"), int, "a number of resends")
    return FlowStep(
        index=i, line=line, flow=flow, site=site, user=user, new_user=new_user, mobile=mobile,
        codes=codes, verify=verify, wait=c.duration(s.get("wait", 0), (*path, "wait")),
        resend=resend, expect=_expect(c, s.get("expect"), (*path, "expect")),
    )


def _code(c: _Ctx, value: Any, path: tuple[str | int, ...]) -> str:
    text = str(value)
    if text in CODE_WORDS or (text.isdigit() and 4 <= len(text) <= 10):
        return text
    raise c.fail(path, f"{value!r} isn't a code: use from_phone, wrong, none or digits like 123456")


def _expect(c: _Ctx, raw: Any, path: tuple[str | int, ...]) -> Expect:
    if raw is None:
        return Expect()
    e = c.mapping(raw, path, EXPECT_KEYS)
    init = c.choice(e["init"], (*path, "init"), INIT_VALUES, "an init outcome") if "init" in e \
        else None
    delivery = None
    if e.get("delivery") is not None:
        delivery = c.choice(e["delivery"], (*path, "delivery"), DeliveryResult,
                            "a delivery result")
    verify = None
    if e.get("verify") is not None:
        verify = c.choice(e["verify"], (*path, "verify"), VERIFY_VALUES, "a verify outcome")
    flags = None
    if "flags" in e:
        f = c.mapping(e["flags"], (*path, "flags"), FLAG_KEYS)
        flags = {k: c.typed(v, (*path, "flags", k), bool, "true or false") for k, v in f.items()}
    return Expect(init, delivery, "delivery" in e, verify, "verify" in e, flags)


def _unique(c: _Ctx, items: tuple[dict[str, Any], ...], section: str, key: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item.get(key)
        if name in seen:
            raise c.fail((section, i, key), f"{name!r} appears twice")
        seen.add(str(name))


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _list(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values))

