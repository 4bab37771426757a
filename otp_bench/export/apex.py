"""Apex export (SPEC §2 item 8): a tested HTTP provider config as a deployable Apex handler.

``generate(provider)`` gives an ``ApexBundle`` of files in Salesforce DX source layout:

- ``classes/<Class>.cls``: ``global class <Class> implements
  Auth.CustomOneTimePasswordDeliveryHandler`` with the exact ``sendOneTimePassword`` signature,
  the endpoint ``callout:<NamedCredential>`` plus the config's path and query, its headers and
  body template translated (apex_template.py), the result-mapping rules as if/else on the status
  and the response body (apex_rules.py), and try/catch → ``EXCEPTION``;
- ``classes/<Class>Test.cls``: HttpCalloutMock tests, one per mapped result;
- ``namedCredentials/<Name>.namedCredential-meta.xml``: the Named Credential (no secret);
- the ``.cls-meta.xml`` files and a README with the deployment steps.

No credential value is ever written: credentials become Named Credential merge fields or, where
Salesforce can't merge them (the URL), ``REPLACE_ME`` placeholders with a TODO.
``otp-bench export apex PROVIDER DIR`` writes the bundle for a provider of the workspace.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FunctionLoader, StrictUndefined

from otp_bench import assets
from otp_bench.delivery.http_config import DEFAULT_TIMEOUT_S, ConfigError, HttpConfig
from otp_bench.domain.ids import to_18
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.export import apex_rules
from otp_bench.export.apex_template import (
    PASSWORD,
    USERNAME,
    ApexExportError,
    Bindings,
    Part,
    apex_string,
    join,
    translate,
)

__all__ = ["ApexBundle", "ApexExportError", "add_apex_parser", "generate", "run_apex", "write"]

API_VERSION = "62.0"  # Winter '25, where Auth.CustomOneTimePasswordDeliveryHandler arrived
SIGNATURE = (
    "global Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId, "
    "String phoneNumber, String oneTimePassword, String defaultText, Id networkId, "
    "String experienceId)"
)
_CT = {"json": "application/json", "form": "application/x-www-form-urlencoded",
       "text": "text/plain; charset=utf-8"}
_SCHEMES = {"bearer": "Bearer", "infobip_app": "App", "messagebird_accesskey": "AccessKey"}


@dataclass(frozen=True)
class ApexBundle:
    class_name: str
    test_name: str
    named_credential: str
    files: dict[str, str]  # relative path → content


def apex_name(name: str, suffix: str = "") -> str:
    """``twilio-sandbox`` → ``TwilioSandbox`` + suffix: a valid Apex identifier (≤ 40 chars)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    base = "".join(w[:1].upper() + w[1:] for w in words) or "Provider"
    if base[0].isdigit():
        base = "P" + base
    return (base[: 40 - len(suffix)] + suffix)[:40]


def _check_identifier(value: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*", value) or value.endswith("_") or (
        len(value) > 40
    ):
        raise ApexExportError(f"{what} {value!r} isn't a valid Apex name (letters, digits, single "
                              "underscores; starts with a letter; at most 40 characters)")
    return value


def generate(
    provider: ProviderConfig, *, class_name: str | None = None,
    named_credential: str | None = None, api_version: str = API_VERSION,
) -> ApexBundle:
    if provider.kind is not ProviderKind.HTTP:
        raise ApexExportError(
            f"provider {provider.name!r} is a scripted handler (no callout): only HTTP provider "
            "configs can be exported to Apex"
        )
    try:
        cfg = HttpConfig.from_dict(provider.http)
    except ConfigError as exc:
        raise ApexExportError(f"provider {provider.name!r}: {exc}") from None
    cls = _check_identifier(class_name or apex_name(provider.name, "OtpHandler"), "class name")
    test = _check_identifier(cls[:36] + "Test", "test class name")
    nc = _check_identifier(named_credential or apex_name(provider.name), "named credential")
    b = Bindings.for_config(cfg)
    handler = _handler(provider, cfg, b, cls, nc)
    env = _env()
    meta = env.get_template("class-meta.xml.j2").render(api_version=api_version)
    files = {
        f"classes/{cls}.cls": handler,
        f"classes/{cls}.cls-meta.xml": meta + "\n",
        f"classes/{test}.cls": _test_class(env, cfg, cls, test, nc),
        f"classes/{test}.cls-meta.xml": meta + "\n",
        f"namedCredentials/{nc}.namedCredential-meta.xml": _named_credential(
            env, provider, cfg, b, cls, nc),
        "README.md": _readme(provider, cfg, b, cls, test, nc),
    }
    return ApexBundle(cls, test, nc, files)


def _env() -> Environment:
    # templates ship in the package (resources/apex); a missing one is assets.MissingResource
    return Environment(loader=FunctionLoader(lambda name: assets.read_text("apex", name)),
                       undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=True)


def _handler(provider: ProviderConfig, cfg: HttpConfig, b: Bindings, cls: str, nc: str) -> str:
    endpoint_parts = [Part("text", f"callout:{nc}"), *translate(cfg.path, "path", "url", b)]
    query = list(cfg.query)
    for i, (name, value) in enumerate(query):
        sep = "?" if i == 0 else "&"
        endpoint_parts.append(Part("text", f"{sep}{name}="))
        endpoint_parts += _encoded(translate(value, f"query.{name}", "url", b))
    if cfg.auth.kind == "api_key_query":
        sep = "&" if query else "?"
        endpoint_parts.append(Part("text", f"{sep}{cfg.auth.name}="))
        endpoint_parts.append(Part("expr", b.placeholder(cfg.auth.token)))
    headers: list[tuple[str, str]] = [("'Accept'", "'application/json'")]
    if cfg.body_format in _CT:
        headers.append(("'Content-Type'", apex_string(_CT[cfg.body_format])))
    if cfg.auth.kind in _SCHEMES:
        b.merge_in_header = True
        headers.append(("'Authorization'", apex_string(f"{_SCHEMES[cfg.auth.kind]} {PASSWORD}")))
    elif cfg.auth.kind == "api_key_header":
        b.merge_in_header = True
        headers.append((apex_string(cfg.auth.name), apex_string(PASSWORD)))
    own = [(n, join(translate(v, f"headers.{n}", "header", b))) for n, v in cfg.headers]
    names = {n.lower() for n, _ in cfg.headers}
    headers = [h for h in headers if h[0].strip("'").lower() not in names]
    headers += [(apex_string(n), v) for n, v in own]
    body = ""
    if cfg.body_format in ("json", "text"):
        body = join(translate(cfg.body, "body", "body", b))
    elif cfg.body_format == "form":
        parts: list[Part] = []
        for i, (name, value) in enumerate(cfg.form):
            parts.append(Part("text", ("&" if i else "") + _quote(name) + "="))
            parts += _encoded(translate(value, f"form.{name}", "form", b))
        body = join(parts)
    rules = cfg.rules
    timeout = cfg.timeout_s if cfg.timeout_s is not None else DEFAULT_TIMEOUT_S
    placeholders = [
        {"name": const, "note": _placeholder_note(key, b)}
        for key, const in sorted(b.placeholders.items())
    ]
    return _env().get_template("handler.cls.j2").render(
        class_name=cls, provider_name=provider.name, preset=cfg.preset, method=cfg.method,
        named_credential=nc, path_display=cfg.path or "", rule_lines=[
            r.describe() for r in rules], sender=apex_string(cfg.sender),
        placeholders=placeholders, timeout_ms=int(timeout * 1000), needs_user=b.needs_user,
        needs_site=b.needs_site, endpoint=join(endpoint_parts), headers=headers, body=body,
        error_checks=apex_rules.error_checks(rules, " " * 12),
        response_checks=apex_rules.response_checks(rules, " " * 8),
        uses_json=apex_rules.uses_json(rules), uses_pattern=apex_rules.uses_pattern(rules),
        needs_s=b.needs_user or b.needs_site, helpers=sorted(b.helpers),
    )


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text, safe="*")


def _encoded(parts: list[Part]) -> list[Part]:
    """URL-encode the text and expressions of a query or form value (merge fields stay raw)."""
    out = []
    for p in parts:
        if p.kind == "text":
            out.append(Part("text", _quote(p.code)))
        elif p.kind == "expr":
            out.append(Part("expr", f"EncodingUtil.urlEncode({p.code}, 'UTF-8')"))
        else:
            out.append(p)
    return out


def _placeholder_note(key: str, b: Bindings) -> str:
    if key in b.public:
        return (f"set {key} (an identifier, not a secret): Named Credentials don't merge "
                "credentials into the URL")
    return (f"{key} is a secret that Salesforce can't merge into the URL: keep it out of code "
            "(a protected custom metadata type or custom setting) or move it to a header")


def _test_class(env: Environment, cfg: HttpConfig, cls: str, test: str, nc: str) -> str:
    cases = apex_rules.mock_cases(cfg.rules)
    rows = [
        {"name": c.name, "why": c.why.replace("\n", " "), "expected": c.expected.value,
         "status": "null" if c.status is None else str(c.status),
         "body": apex_string(c.body) if c.status is not None else "null",
         "failure": apex_string(c.exception_message) if c.status is None else "null"}
        for c in cases
    ]
    first = next((c for c in cases if c.status is not None), None)
    return env.get_template("handler_test.cls.j2").render(
        class_name=cls, test_name=test, named_credential=nc, method=cfg.method, cases=rows,
        user_id=to_18("005000000000001"), network_id=to_18("0DB000000000001"),
        first_status=first.status if first else 200,
        first_body=apex_string(first.body) if first else "'{}'",
    )


def _named_credential(
    env: Environment, provider: ProviderConfig, cfg: HttpConfig, b: Bindings, cls: str, nc: str
) -> str:
    by_field = {v: k for k, v in b.active().items()}
    notes = []
    for merge_field, what in ((USERNAME, "Username"), (PASSWORD, "Password")):
        if merge_field in by_field:
            notes.append(f"{what}: the provider's {by_field[merge_field]}")
    protocol = "Password" if by_field else "NoAuthentication"
    username_key = by_field.get(USERNAME)
    return env.get_template("named_credential.xml.j2").render(
        class_name=cls, provider_name=escape(provider.name), credential_notes=notes,
        merge_in_body=str(b.merge_in_body).lower(), merge_in_header=str(b.merge_in_header).lower(),
        endpoint=escape(cfg.base_url), generate_auth=str(cfg.auth.kind == "basic").lower(),
        label=escape(f"{provider.name} (OTP delivery)"), protocol=protocol,
        username=f"REPLACE_WITH_{username_key}" if username_key else (
            "unused" if protocol == "Password" else ""),
    )


def _readme(provider: ProviderConfig, cfg: HttpConfig, b: Bindings, cls: str, test: str,
            nc: str) -> str:
    by_field = {v: k for k, v in b.active().items()}
    steps = [
        f"# Apex export of provider \"{provider.name}\"",
        "",
        f"- `classes/{cls}.cls` implements `Auth.CustomOneTimePasswordDeliveryHandler`.",
        f"- `classes/{test}.cls` tests it with HttpCalloutMock, one answer per mapped result.",
        f"- `namedCredentials/{nc}.namedCredential-meta.xml` points at `{cfg.base_url}`.",
        "",
        "## Deploy",
        "",
        "1. Put these folders under `force-app/main/default/` of a Salesforce DX project and run",
        f"   `sf project deploy start --metadata ApexClass:{cls} ApexClass:{test} "
        f"NamedCredential:{nc}`.",
        f"2. In Setup > Named Credentials > {nc}, enter the credentials (never exported):",
    ]
    for merge_field, what in ((USERNAME, "Username"), (PASSWORD, "Password")):
        if merge_field in by_field:
            steps.append(f"   - {what}: the provider's `{by_field[merge_field]}`")
    if not by_field:
        steps.append("   - none: this provider needs no credentials")
    for key, const in sorted(b.placeholders.items()):
        steps.append(f"3. Set `{const}` in the class: {_placeholder_note(key, b)}.")
    steps += [
        "",
        "Then pick the class as the custom OTP handler in the Experience Cloud site settings "
        "(after Salesforce Support has enabled custom OTP delivery for the org).",
        "",
        "Salesforce recommends Enhanced Named Credentials for new integrations; this export uses a "
        "legacy (password) named credential because its `{!$Credential.Username}` and "
        "`{!$Credential.Password}` merge fields are the documented way for Apex to place "
        "credentials in headers and bodies.",
        "",
    ]
    return "\n".join(steps)


def write(bundle: ApexBundle, directory: str | Path) -> list[Path]:
    root = Path(directory)
    written = []
    for rel, content in bundle.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


# -- CLI -------------------------------------------------------------------------------------------


def add_apex_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``apex`` under ``otp-bench export`` (creating ``export`` if nobody else did)."""
    export = subparsers.choices.get("export")
    if export is None:
        export = subparsers.add_parser("export", help="export artefacts")
    inner = next((a for a in export._actions if isinstance(a, argparse._SubParsersAction)), None)
    if inner is None:
        inner = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    p: argparse.ArgumentParser = inner.add_parser(
        "apex", help="an HTTP provider config as an Apex handler, its test class and the "
        "Named Credential metadata (no secrets)")
    p.add_argument("provider", metavar="PROVIDER", help="provider config name in the workspace")
    p.add_argument("directory", metavar="DIR", help="where to write classes/ and namedCredentials/")
    p.add_argument("--class-name", help="Apex class name (default: from the provider name)")
    p.add_argument("--named-credential", help="Named Credential name (default: from the "
                   "provider name)")
    p.add_argument("--db", dest="apex_db", metavar="URL", help="workspace database URL or "
                   "SQLite file (default: the user's workspace)")
    p.set_defaults(func=run_apex)
    return p


def run_apex(args: argparse.Namespace) -> int:
    import sys

    from otp_bench.store.db import StoreError
    from otp_bench.store.store import Store

    try:
        store = Store(getattr(args, "apex_db", None) or getattr(args, "db", None))
    except StoreError as exc:
        print(f"otp-bench export apex: {exc}", file=sys.stderr)
        return 2
    try:
        provider = store.provider_by_name(args.provider)
        if provider is None:
            names = ", ".join(p.name for p in store.providers()) or "none"
            print(f"otp-bench export apex: no provider named {args.provider!r} (providers: "
                  f"{names})", file=sys.stderr)
            return 2
        bundle = generate(provider, class_name=args.class_name,
                          named_credential=args.named_credential)
        paths = write(bundle, args.directory)
    except (ApexExportError, OSError) as exc:
        print(f"otp-bench export apex: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0
