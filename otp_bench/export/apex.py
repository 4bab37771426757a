"""Apex export (SPEC §2 item 8): a tested HTTP provider config as a deployable Apex handler.

``generate(provider)`` gives an ``ApexBundle`` of files in Salesforce DX source layout:

- ``classes/<Class>.cls``: ``global class <Class> implements
  Auth.CustomOneTimePasswordDeliveryHandler`` with the exact ``sendOneTimePassword`` signature,
  the endpoint ``callout:<NamedCredential>`` plus the rest of the config's path and its query,
  headers and body translated (apex_template.py), the OTP written into the message explicitly
  (a config that sends ``defaultText`` only gets ``smsText(oneTimePassword)``), the
  result-mapping rules as if/else on the status and the response body (apex_rules.py), and
  try/catch → ``EXCEPTION``;
- ``classes/<Class>Test.cls``: HttpCalloutMock tests, one per mapped result;
- the current Named Credential format (apex_metadata.py): a ``SecuredEndpoint`` Named Credential
  at the vendor's production URL, its External Credential (Custom protocol, a named principal,
  the auth header as a formula), and the permission set that maps users to the principal;
- the ``.cls-meta.xml`` files and a README with the deployment steps.

The endpoint is never the bench's loopback mock: a config pointing at it exports the preset's
production base URL and says so in ``ApexBundle.notes``. No credential value is ever written:
credentials become External Credential parameters and merge fields or, where Salesforce can't
merge them (the URL), a Named Credential URL or ``REPLACE_ME`` placeholders with a TODO.
``otp-bench export apex PROVIDER DIR`` (apex_cli.py) writes the bundle for a provider of the
workspace.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FunctionLoader, StrictUndefined, TemplateSyntaxError, nodes

from otp_bench import assets
from otp_bench.domain.http_config import DEFAULT_TIMEOUT_S, ConfigError, HttpConfig
from otp_bench.domain.ids import to_18
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.export import apex_metadata, apex_rules
from otp_bench.export.apex_metadata import production_base_url
from otp_bench.export.apex_template import (
    ApexExportError,
    Bindings,
    Part,
    apex_string,
    join,
    translate,
)
from otp_bench.outputs import OutputError, is_stdio, write_output

__all__ = ["ApexBundle", "ApexExportError", "generate", "write"]

API_VERSION = "62.0"  # Winter '25, where Auth.CustomOneTimePasswordDeliveryHandler arrived
SIGNATURE = (
    "global Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId, "
    "String phoneNumber, String oneTimePassword, String defaultText, Id networkId, "
    "String experienceId)"
)
_CT = {"json": "application/json", "form": "application/x-www-form-urlencoded",
       "text": "text/plain; charset=utf-8"}
# auth scheme → the External Credential's Authorization header, a formula over its parameters
_SCHEMES = {"bearer": "Bearer", "infobip_app": "App", "messagebird_accesskey": "AccessKey"}


@dataclass(frozen=True)
class ApexBundle:
    class_name: str
    test_name: str
    named_credential: str
    files: dict[str, str]  # relative path → content
    external_credential: str = ""
    # the Named Credential URL with ``{key}`` where a credential (an identifier) goes
    url_template: str = ""
    parameters: tuple[str, ...] = ()  # credential keys the External Credential holds
    auth_headers: tuple[tuple[str, str], ...] = ()  # (header, formula) the EC adds
    notes: tuple[str, ...] = field(default=())  # what the operator should know, in words


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


def _uses_otp(cfg: HttpConfig) -> bool:
    env = Environment()
    sources = [cfg.path, cfg.body, *(v for _, v in cfg.headers), *(v for _, v in cfg.query),
               *(v for _, v in cfg.form)]
    try:
        return any(n.name == "one_time_password"
                   for src in sources if src for n in env.parse(src).find_all(nodes.Name))
    except TemplateSyntaxError:  # refused by translate() with the template's name
        return True


def generate(
    provider: ProviderConfig, *, class_name: str | None = None,
    named_credential: str | None = None, api_version: str = API_VERSION,
) -> ApexBundle:
    if provider.kind is not ProviderKind.HTTP:
        raise ApexExportError(
            f"provider {provider.name!r} is not a declarative HTTP handler: only HTTP provider "
            "configs can be exported to Apex"
        )
    try:
        cfg = provider.require_http()
    except ConfigError as exc:
        raise ApexExportError(f"provider {provider.name!r}: {exc}") from None
    cls = _check_identifier(class_name or apex_name(provider.name, "OtpHandler"), "class name")
    test = _check_identifier(cls[:36] + "Test", "test class name")
    nc = _check_identifier(named_credential or apex_name(provider.name), "named credential")
    ec = _check_identifier(nc[:36] + "Auth", "external credential")
    b = Bindings.for_config(cfg, ec)
    b.otp_text = not _uses_otp(cfg)
    base, base_note = production_base_url(cfg)
    notes = [base_note] if base_note else []
    handler, url_template = _handler(provider, cfg, b, cls, nc, base)
    auth_headers = _auth_headers(cfg, b)
    parameters = tuple(dict.fromkeys([*b.in_url, *b.used]))
    unsafe = [k for k in b.form_merges
              if not re.fullmatch(r"[A-Za-z0-9._~-]*", provider.credentials.get(k, ""))]
    if unsafe:
        notes.append(
            f"{', '.join(unsafe)} reach a form body as merge fields, which Salesforce inserts "
            "verbatim (HTMLENCODE is the only function it allows in a body, and it doesn't "
            "URL-encode): the bench's value holds characters a form body must encode, so "
            "the vendor would receive a different secret")
    if b.otp_text:
        notes.append("the config sends defaultText only: the class writes the OTP into the "
                     "message itself (smsText), as Salesforce's defaultText isn't guaranteed to "
                     "carry it")
    env = _env()
    meta_xml = env.get_template("class-meta.xml.j2").render(api_version=api_version)
    md = apex_metadata.Metadata(
        provider_name=provider.name, class_name=cls, named_credential=nc,
        external_credential=ec, url=url_template, parameters=parameters,
        auth_headers=auth_headers, merge_in_header=b.merge_in_header,
        merge_in_body=b.merge_in_body, public=tuple(k for k in parameters if k in b.public),
    )
    files = {
        f"classes/{cls}.cls": handler,
        f"classes/{cls}.cls-meta.xml": meta_xml + "\n",
        f"classes/{test}.cls": _test_class(env, cfg, cls, test, nc),
        f"classes/{test}.cls-meta.xml": meta_xml + "\n",
        **apex_metadata.files(env, md),
    }
    files["README.md"] = apex_metadata.readme(
        md, test_name=test, placeholders={k: _placeholder_note(k, b) | {"const": c}
                                          for k, c in sorted(b.placeholders.items())},
        notes=notes, form_merges=tuple(b.form_merges))
    return ApexBundle(cls, test, nc, files, ec, url_template, parameters, auth_headers,
                      tuple(notes))


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    # templates ship in the package (resources/apex); a missing one is assets.MissingResource.
    # One environment per process: it keeps each template compiled (~20 ms each, every export)
    return Environment(loader=FunctionLoader(lambda name: assets.read_text("apex", name)),
                       undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=True)


def _auth_headers(cfg: HttpConfig, b: Bindings) -> tuple[tuple[str, str], ...]:
    """The auth scheme as External Credential headers: formulas over its parameters."""
    a = cfg.auth
    if a.kind == "basic":
        user, pwd = (b.merge_field(a.username, formula=True),
                     b.merge_field(a.password, formula=True))
        return (("Authorization",
                 "{!'Basic ' & BASE64ENCODE(BLOB(" + user + " & ':' & " + pwd + "))}"),)
    if a.kind in _SCHEMES:
        return (("Authorization",
                 "{!'" + _SCHEMES[a.kind] + " ' & " + b.merge_field(a.token, formula=True) + "}"),)
    if a.kind == "api_key_header":
        return ((a.name, b.merge_field(a.token)),)
    return ()


def _split_path(parts: list[Part]) -> tuple[list[Part], list[Part]]:
    """A leading run of text and credential identifiers goes into the Named Credential URL."""
    last = max((i for i, p in enumerate(parts) if p.key), default=-1)
    if last < 0 or not all(p.kind == "text" or p.key for p in parts[: last + 1]):
        return [], parts
    return parts[: last + 1], parts[last + 1:]


def _handler(provider: ProviderConfig, cfg: HttpConfig, b: Bindings, cls: str, nc: str,
             base: str) -> tuple[str, str]:
    head, rest = _split_path(translate(cfg.path, "path", "url", b))
    url_template = base + "".join(p.code if p.kind == "text" else "{" + p.key + "}"
                                  for p in head)
    for p in head:
        if p.key:
            b.in_url.setdefault(p.key)
            b.placeholders.pop(p.key, None)  # re-added below if the rest of the URL needs it
    endpoint_parts = [Part("text", f"callout:{nc}"), *rest]
    for p in rest:
        if p.key:
            b.placeholder(p.key)
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
    # auth headers come from the External Credential (apex_metadata), never from the class
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
        {"name": const, "note": _placeholder_note(key, b)["note"]}
        for key, const in sorted(b.placeholders.items())
    ]
    path_display = "".join(p.code if p.kind == "text" else "{" + (p.key or "…") + "}"
                           for p in rest)
    text = _env().get_template("handler.cls.j2").render(
        class_name=cls, provider_name=provider.name, preset=cfg.preset, method=cfg.method,
        named_credential=nc, path_display=path_display, rule_lines=[
            r.describe() for r in rules], sender=apex_string(cfg.sender),
        placeholders=placeholders, timeout_ms=int(timeout * 1000), needs_user=b.needs_user,
        needs_site=b.needs_site, endpoint=join(endpoint_parts), headers=headers, body=body,
        error_checks=apex_rules.error_checks(rules, " " * 12),
        response_checks=apex_rules.response_checks(rules, " " * 8),
        uses_json=apex_rules.uses_json(rules), uses_pattern=apex_rules.uses_pattern(rules),
        needs_s=b.needs_user or b.needs_site, helpers=sorted(b.helpers),
        form_merges=list(b.form_merges), external_credential=b.external_credential,
    )
    return text, url_template


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
            out.append(Part("expr", f"EncodingUtil.urlEncode({p.code}, 'UTF-8')", p.key))
        else:
            out.append(p)
    return out


def _placeholder_note(key: str, b: Bindings) -> dict[str, str]:
    if key in b.public:
        return {"note": f"set {key} (an identifier, not a secret): Named Credentials don't merge "
                        "credentials into the URL"}
    return {"note": f"{key} is a secret that Salesforce can't merge into the URL: keep it out of "
                    "code (a protected custom metadata type or custom setting) or move it to a "
                    "header"}


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


def write(bundle: ApexBundle, directory: str | Path) -> list[Path]:
    """The bundle's files under ``directory`` (made if missing, inside an existing folder), each
    written by ``otp_bench.outputs``: replaced whole, a symlinked file's target written."""
    if is_stdio(directory):
        raise OutputError("the Apex bundle is several files; name a folder to write them in, "
                          "not -")
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} is not a folder; name a folder for the Apex bundle")
    if not root.exists() and not root.absolute().parent.is_dir():
        raise OutputError(f"can't write into {root}: folder {root.parent} doesn't exist")
    written = []
    for rel, content in bundle.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_output(path, content)
        written.append(path)
    return written
