"""The scenario file's JSON Schema (draft-07), built from the same vocabularies the loader checks.

It ships as ``resources/schema/scenario.schema.json`` and ``otp-bench run --schema`` prints it, so
VS Code's YAML extension (``# yaml-language-server: $schema=...``) validates and completes scenario
files. Regenerate the shipped file after changing a key or a vocabulary:
``python -m otp_bench.scenario.schema > resources/schema/scenario.schema.json``
(``tests/scenario/test_schema.py`` fails until the two agree). The loader stays the authority:
it also checks cross-references (a site's handler, a user's sites) that a schema can't express.
"""

from __future__ import annotations

import json
from typing import Any

from otp_bench.delivery.presets import PRESETS
from otp_bench.domain.http_config import AUTH_KINDS, BODY_FORMATS, METHODS
from otp_bench.domain.rules import ERROR_KINDS
from otp_bench.domain.vocabulary import (
    Channel,
    DeliveryResult,
    License,
    Reason,
    UseCase,
    VerifyMessage,
)
from otp_bench.mockprovider.dialect import ERROR_NAMES
from otp_bench.mockprovider.faults import FaultKind

SCHEMA_ID = "https://otp-bench.invalid/scenario.schema.json"
DURATION = {
    "description": "a duration: 30s, 500ms, 16m, 1h30m, 24h, 2d (a bare number is seconds)",
    "anyOf": [{"type": "number", "minimum": 0},
              {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d)\s*)+$"}],
}
PHONE = {"description": "a phone number; international (+44 7700 900123) or as the user's "
         "region writes it", "type": ["string", "integer"]}
BOOL = {"type": "boolean"}


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _enum(values: Any, description: str, *, nullable: bool = False) -> dict[str, Any]:
    items: list[Any] = [str(v) for v in values]
    return {"enum": [*items, None] if nullable else items, "description": description}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (),
         description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _pairs(description: str) -> dict[str, Any]:
    return {"description": description, "anyOf": [
        {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2}},
    ]}


SETTINGS = _obj({
    "custom_otp_enabled": {**BOOL, "description": "the org feature 'Custom OTP delivery "
                           "provider' (Setup → Identity Verification)"},
    "otp": _obj({
        "digits": {"type": "integer", "minimum": 4, "maximum": 10,
                   "description": "code length (6)"},
        "ttl": {**DURATION, "description": "how long a code is valid (15m)"},
        "registration_ttl": {**DURATION, "description": "how long a "
                             "verification_method_registration code is valid (24h)"},
        "max_attempts": {"type": "integer", "minimum": 1,
                         "description": "wrong codes before the code is locked"},
        "max_per_hour": {"type": "integer", "minimum": 1,
                         "description": "codes one user can be sent per hour"},
        "account_max_failures": {"type": "integer", "minimum": 0,
                                 "description": "failed codes per account, across codes, "
                                 "before it is locked (10; 0: off; a bench assumption)"},
        "account_lockout": {**DURATION, "description": "how long an account stays locked "
                            "(15m; a bench assumption)"},
    }, description="the OTP policy"),
    "default_text": _text("the defaultText handed to the handler; must contain {otp}"),
    "callout_timeout": {**DURATION, "description": "the workspace callout timeout (≤ 120s)"},
    "redact": {**BOOL, "description": "ignored: secrets and codes are always redacted"},
    "session_timeout": {**DURATION, "description": "how long a headless access token lives "
                        "on the bench clock (2h; 1m to 24h)"},
}, description="org settings")

CONNECTED_APP = _obj({
    "name": _text("the connected app's name"),
    "client_id": _text("its client id (consumer key); headless clients send it"),
    "callback_urls": {"type": "array", "items": {"type": "string"},
                      "description": "redirect URIs it accepts; echo = the site's "
                      "/services/oauth2/echo ([echo])"},
    "require_pkce": {**BOOL, "description": "authorize needs a code_challenge (false)"},
    "scopes": {"type": "array", "items": {"type": "string"},
               "description": "OAuth scopes it may be granted ([api, openid, refresh_token])"},
}, required=("name", "client_id"), description="a headless API client (docs/headless.md)")

FAULT = _obj({
    "kind": _enum(FaultKind, "what goes wrong (or use the shorthand keys below)"),
    "status": {"type": "integer", "minimum": 100, "maximum": 599,
               "description": "answer with the vendor's error body for this HTTP status"},
    "error": _enum([*ERROR_NAMES, "timeout"], "answer with this named vendor error "
                   "(timeout: never answer, the handler times out)"),
    "seconds": {**DURATION, "description": "latency/drip delay; hang: at most this long"},
    "latency": {"description": "answer this late, then normally",
                "anyOf": [DURATION, {"const": True}]},
    "hang": {**BOOL, "description": "never answer: the callout times out"},
    "drop": {**BOOL, "description": "close the connection mid-answer"},
    "drip": {"description": "dribble the answer a byte at a time (pause per byte)",
             "anyOf": [DURATION, {"const": True}]},
    "malformed": {**BOOL, "description": "a cut-off, non-UTF-8 body"},
    "once": {**BOOL, "description": "only the first matching call (times: 1)"},
    "times": {"type": "integer", "minimum": 1, "description": "the first N matching calls"},
    "every": {"type": "integer", "minimum": 1, "description": "every Nth matching call"},
    "probability": {"type": "number", "minimum": 0, "maximum": 1,
                    "description": "each matching call with this probability"},
    "number": {**PHONE, "description": "only calls to this recipient"},
}, description="a fault the built-in mock provider injects")
FAULTS = {"type": "array", "items": FAULT,
          "description": "faults of the built-in mock (endpoint: mock), e.g. "
          "[{error: timeout, every: 3}]"}

RULE = _obj({
    "result": _enum(DeliveryResult, "the handler's result when this rule holds"),
    "status": {"type": ["string", "integer"], "description": "201, 4xx or 400-499"},
    "json_path": _text("a path into the JSON answer: messages[0].status, error.code"),
    "equals": {"description": "the value at json_path is one of these",
               "anyOf": [{"type": ["string", "number"]}, {"type": "array"}]},
    "pattern": _text("a regular expression searched in the body"),
    "error": _enum(ERROR_KINDS, "a transport error kind (this rule tests no response)"),
    "label": _text("what the rule means, shown in the log"),
}, ("result",))

HTTP = _obj({
    "base_url": _text("http(s) URL; with endpoint: mock the mock's own URL replaces it"),
    "path": _text("path template appended to base_url"),
    "method": _enum(METHODS, "HTTP method"),
    "auth": _obj({"kind": _enum(AUTH_KINDS, "authentication scheme"),
                  "username": _text("credential key of the user name"),
                  "password": _text("credential key of the password"),
                  "token": _text("credential key of the token"),
                  "name": _text("header or query parameter name")}),
    "headers": _pairs("request headers (templates)"),
    "query": _pairs("query parameters (templates)"),
    "body_format": _enum(BODY_FORMATS, "request body format"),
    "body": _text("body template for json/text bodies: {{ phone }}, {{ otp }}, ..."),
    "form": _pairs("form fields (templates) for form bodies"),
    "rules": {"type": "array", "items": RULE, "description": "result mapping, first match wins"},
    "timeout_s": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 120,
                  "description": "seconds; null: the workspace's callout timeout"},
    "sender": _text("sender number or ID"),
    "preset": _text("the preset this config came from"),
    "secret_headers": {"type": "array", "items": {"type": "string"}},
    "public_credentials": {"type": "array", "items": {"type": "string"}},
    "credential_keys": {"type": "array", "items": {"type": "string"}},
    "pumping_guard": {"type": ["boolean", "object"],
                      "description": "the SMS-pumping guard (see the provider field)"},
}, description="a full declarative HTTP handler config")

_COMMON_PROVIDER = {
    "name": _text("the provider's name; sites name it as their handler"),
    "channel": _enum(Channel, "the channel the provider delivers on"),
}
SCRIPTED_PROVIDER = _obj({
    **_COMMON_PROVIDER,
    "result": _enum(DeliveryResult, "a scripted handler that always returns this result"),
}, ("name", "result"), "a scripted handler")
HTTP_PROVIDER = _obj({
    **_COMMON_PROVIDER,
    "preset": _enum(PRESETS, "a vendor preset"),
    "http": HTTP,
    "endpoint": {"description": "mock (the built-in mock provider, the default) or a base URL",
                 "type": "string"},
    "credentials": {"type": "object", "description": "credential values (secret store)",
                    "additionalProperties": {"type": ["string", "integer"]}},
    "sender": {"type": ["string", "integer"], "description": "sender number or ID"},
    "timeout": {**DURATION, "description": "callout timeout (≤ 120s)"},
    "faults": FAULTS,
    "verified_only": {**BOOL, "description": "the provider refuses numbers not verified with it "
                      "(a bench assumption modelling trial accounts)"},
    "country_allow_list": {"type": "array", "items": {"type": ["string", "integer"]},
                           "description": "regions (US, GB) or country codes it delivers to"},
    "pumping_guard": {
        "type": ["boolean", "object"],
        "description": "SMS-pumping guard before any callout: true (defaults) or {enabled, "
                       "allowed_types (phonenumbers types; MOBILE, FIXED_LINE_OR_MOBILE by "
                       "default), per_number (5), per_prefix (20), window_s (3600)}",
    },
}, ("name",), "a declarative HTTP handler (a preset or a full http config)")
APEX_PROVIDER = _obj({
    **_COMMON_PROVIDER,
    "apex": _text("the Apex handler's source: a .cls, a folder or an sfdx project, relative to "
                  "the scenario file"),
    "class": _text("the class implementing Auth.CustomOneTimePasswordDeliveryHandler"),
    "remote_sites": {"type": "object", "description": "remote site URL → mock or a URL",
                     "additionalProperties": {"type": "string"}},
    "named_credentials": {"type": "object", "description": "Named Credentials: name → {url, "
                          "username, password}", "additionalProperties": {"type": "object"}},
    "custom_metadata": {"type": "object", "description": "custom metadata type → records"},
    "custom_settings": {"type": "object", "description": "custom setting → fields"},
    "credentials": {"type": "object", "description": "what the mock expects",
                    "additionalProperties": {"type": ["string", "integer"]}},
    "faults": FAULTS,
}, ("name", "apex"), "your own Apex handler class, run by the bench's Apex interpreter")

SITE = _obj({
    "name": _text("the site's name"),
    "handler": {"type": ["string", "null"],
                "description": "a provider of this file; absent: Salesforce's default provider"},
    "headless_passwordless_login": BOOL,
    "headless_registration": BOOL,
    "url_prefix": _text("the site's URL prefix (/acme)"),
    "brand_color": _text("the site's brand colour (#0b5cab)"),
    "logo_text": _text("the site's logo text"),
    "enabled_use_cases": {"type": "array", "items": _enum(UseCase, "a use case")},
    "default_region": _text("region for numbers written without +country (US, GB)"),
    "experience_id": _text("the experienceId handed to the handler"),
}, ("name",))

_FLAGS = {
    "user_verified": {**BOOL, "description": "User.MobilePhoneVerified (the user proved it)"},
    "admin_verified": {**BOOL, "description": "the admin-verified flag"},
}
USER = _obj({
    "username": _text("the username (an email-shaped name)"),
    "mobile": PHONE,
    "license": _enum(License, "the user's licence"),
    **_FLAGS,
    "sites": {"type": "array", "items": {"type": "string"}, "description": "sites (by name) "
              "the user is a member of"},
    "first_name": _text("first name"),
    "last_name": _text("last name"),
    "email": _text("email"),
    "locale": _text("LanguageLocaleKey such as en_US, de or pt_BR"),
}, ("username",))

NEW_USER = _obj({
    "username": _text("the new user's username"),
    "mobile": {"type": "string", "description": "the new user's mobile"},
    "license": _enum(License, "licence"),
    "first_name": _text("first name"), "last_name": _text("last name"), "email": _text("email"),
}, ("username", "mobile"))

CODE_ITEM = {"anyOf": [
    {"enum": ["from_phone", "wrong", "none"]},
    {"type": "string", "pattern": r"^\d{4,10}$"},
    {"type": "integer"},
]}
EXPECT = _obj({
    "init": _enum(["ok", *Reason], "the init outcome: ok or the refusal code"),
    "delivery": _enum(DeliveryResult, "the handler's result; null: no callout", nullable=True),
    "verify": _enum([*VerifyMessage, *Reason], "the verify outcome", nullable=True),
    "flags": _obj(_FLAGS, description="the user's flags after the step"),
})
FLOW_STEP = _obj({
    "flow": _enum(UseCase, "the use case to walk"),
    "site": _text("a site of this file"),
    "user": _text("an existing user's username (flows that don't register)"),
    "new_user": NEW_USER,
    "mobile": {"type": "string", "description": "verification_method_registration only: the "
               "number being registered"},
    "code": {"description": "what the user types: from_phone (the code the phone received), "
             "wrong, none (don't verify), digits; a list types several in turn",
             "anyOf": [CODE_ITEM, {"type": "array", "items": CODE_ITEM, "minItems": 1}]},
    "wait": {**DURATION, "description": "simulated time before verifying"},
    "resend": {"type": ["integer", "boolean"], "description": "ask for a new code N times"},
    "expect": EXPECT,
}, ("flow", "site"), "walk one flow")
CLOCK_STEP = _obj({"advance_clock": {**DURATION, "description": "move the simulated clock"}},
                  ("advance_clock",), "move the simulated clock")


def build() -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "otp-bench scenario",
        "description": "A workspace (settings, providers, sites, users) and steps with "
                       "expectations; docs/scenarios.md describes every key.",
        **_obj({
            "name": _text("the scenario's name"),
            "description": _text("what the scenario shows"),
            "settings": SETTINGS,
            "providers": {"type": "array", "items": {"anyOf": [
                SCRIPTED_PROVIDER, HTTP_PROVIDER, APEX_PROVIDER]}},
            "sites": {"type": "array", "items": SITE},
            "users": {"type": "array", "items": USER},
            "connected_apps": {"type": "array", "items": CONNECTED_APP},
            "steps": {"type": "array", "items": {"anyOf": [CLOCK_STEP, FLOW_STEP]}},
        }),
    }


def text() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(text(), end="")
