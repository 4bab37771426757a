"""Translating a provider config's Jinja templates into Apex string expressions.

The translatable subset is what the presets use: literal text and ``{{ variable | filter ... }}``
outputs. Variables are the six ``sendOneTimePassword`` parameters, ``sender``, ``user.*``,
``site.*`` and ``credentials.*``; filters are ``e164``, ``national``, ``digits``, ``tojson``,
``urlencode``, ``trim``, ``upper``, ``lower``, ``int``. Anything else (``{% if %}`` blocks,
arithmetic, method calls) raises ``ApexExportError`` naming the template, so the export never
emits Apex that silently differs from what the bench ran.

Credentials never become values: each credential key is an authentication parameter of the
External Credential (current Named Credential format), referenced as the merge field
``{!$Credential.<ExternalCredential>.<key>}``, which Salesforce substitutes at callout time in
headers and bodies. Merge fields don't work in the endpoint URL: an identifier there (Twilio's
account SID) moves into the Named Credential's URL (apex.py); anything else becomes a placeholder
constant the admin fills in (with a TODO saying so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote_plus

from jinja2 import Environment, TemplateSyntaxError, nodes

from otp_bench.domain.http_config import HttpConfig

Context = Literal["url", "header", "body", "form"]

PARAMS = {
    "user_id": "userId", "phone_number": "phoneNumber", "one_time_password": "oneTimePassword",
    "default_text": "defaultText", "network_id": "networkId", "experience_id": "experienceId",
    "sender": "SENDER",
}
USER_FIELDS = {
    "id": "userId", "username": "u.Username", "first_name": "u.FirstName",
    "last_name": "u.LastName", "email": "u.Email", "mobile": "u.MobilePhone",
}
SITE_FIELDS = {
    "id": "networkId", "name": "n.Name", "url_prefix": "n.UrlPathPrefix",
    "experience_id": "experienceId",
}
# filter → Apex, applied to the expression ``{}``; helpers are generated only when used
FILTERS = {
    "e164": "e164({})", "national": "national({})", "digits": "digitsOnly({})",
    "tojson": "JSON.serialize({})", "urlencode": "EncodingUtil.urlEncode({}, 'UTF-8')",
    "trim": "{}.trim()", "upper": "{}.toUpperCase()", "lower": "{}.toLowerCase()",
    # Jinja's int gives 0 for text that isn't a number; Apex throws (→ EXCEPTION): same SMS fate
    "int": "Long.valueOf({})",
}
HELPERS = {"e164": "e164", "national": "national", "digits": "digitsOnly"}  # filter → helper
_ENV = Environment()


class ApexExportError(ValueError):
    """The config can't be translated faithfully; the message names the part."""


def apex_string(text: str) -> str:
    """An Apex single-quoted string literal."""
    out = (text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
           .replace("\r", "\\r").replace("\t", "\\t"))
    return f"'{out}'"


def parameter_name(key: str) -> str:
    """A credential key as an External Credential authentication parameter name."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", key).strip("_") or "Secret"
    return name if name[0].isalpha() else "P" + name


@dataclass
class Bindings:
    """Which credential keys the request merges, which are placeholders, and what the code needs."""

    external_credential: str
    placeholders: dict[str, str] = field(default_factory=dict)  # key → Apex constant name
    public: frozenset[str] = frozenset()
    used: dict[str, None] = field(default_factory=dict)  # keys merged, in order of first use
    in_url: dict[str, None] = field(default_factory=dict)  # keys the Named Credential URL holds
    helpers: set[str] = field(default_factory=set)
    needs_user: bool = False
    needs_site: bool = False
    otp_text: bool = False  # the config sends defaultText only: the class writes the OTP itself
    merge_in_header: bool = False
    merge_in_body: bool = False
    form_merges: dict[str, None] = field(default_factory=dict)  # keys merged into a form body

    @classmethod
    def for_config(cls, cfg: HttpConfig, external_credential: str) -> Bindings:
        return cls(external_credential=external_credential,
                   public=frozenset(cfg.public_credentials))

    def merge_field(self, key: str, *, formula: bool = False) -> str:
        """``{!$Credential.EC.key}``, or the bare reference for use inside a formula."""
        self.used.setdefault(key)
        ref = f"$Credential.{self.external_credential}.{parameter_name(key)}"
        return ref if formula else "{!" + ref + "}"

    def placeholder(self, key: str) -> str:
        name = "CRED_" + "".join(c if c.isalnum() else "_" for c in key).upper()
        self.placeholders[key] = name
        return name


@dataclass(frozen=True)
class Part:
    kind: Literal["text", "expr", "merge"]
    code: str  # literal text (text, merge) or an Apex expression (expr)
    key: str = ""  # the credential key a URL placeholder stands for


def translate(source: str, what: str, ctx: Context, b: Bindings) -> list[Part]:
    """The template as parts; raises ApexExportError for what Apex can't mirror."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise ApexExportError(f"{what}: {exc.message}") from None
    parts: list[Part] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            raise ApexExportError(
                f"{what}: {type(node).__name__.lower()} blocks ({{% ... %}}) can't be "
                "translated to Apex; keep the template to text and {{ variable | filter }}"
            )
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                parts.append(Part("text", child.data))
            else:
                parts.append(_output(child, what, ctx, b))
    return parts


def _output(node: nodes.Node, what: str, ctx: Context, b: Bindings) -> Part:
    filters: list[str] = []
    while isinstance(node, nodes.Filter):
        if node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise ApexExportError(f"{what}: filter {node.name!r} with arguments isn't supported")
        if node.name not in FILTERS:
            raise ApexExportError(f"{what}: filter {node.name!r} has no Apex translation")
        filters.insert(0, node.name)
        inner = node.node
        if inner is None:
            raise ApexExportError(f"{what}: filter {node.name!r} without a value")
        node = inner
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        expr = apex_string(node.value)
    else:
        ref = _reference(node, what)
        if ref[0] == "credentials":
            return _credential(ref[1], filters, what, ctx, b)
        expr = _variable(ref, what, b)
    for name in filters:
        if name in HELPERS:
            b.helpers.add(HELPERS[name])
        expr = FILTERS[name].format(expr)
    return Part("expr", expr)


def _reference(node: nodes.Node, what: str) -> tuple[str, str]:
    if isinstance(node, nodes.Name):
        return node.name, ""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return node.node.name, node.attr
    if (isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name)
            and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)):
        return node.node.name, node.arg.value
    raise ApexExportError(
        f"{what}: only variables, their fields and string constants can be translated "
        f"(found {type(node).__name__})"
    )


def _variable(ref: tuple[str, str], what: str, b: Bindings) -> str:
    name, attr = ref
    if name == "default_text" and not attr and b.otp_text:
        # Salesforce's defaultText isn't guaranteed to carry the code: the SMS says it explicitly
        b.helpers.add("smsText")
        return "smsText(oneTimePassword)"
    if name in PARAMS and not attr:
        # Id parameters concatenate fine, but filters call String methods on them
        return f"String.valueOf({PARAMS[name]})" if name in ("user_id", "network_id") else (
            PARAMS[name])
    if name == "user" and attr in USER_FIELDS:
        if attr == "id":
            return "String.valueOf(userId)"
        b.needs_user = True  # the class queries the User, as the bench looks it up
        return f"s({USER_FIELDS[attr]})"
    if name == "site" and attr in SITE_FIELDS:
        if attr in ("id", "experience_id"):
            return f"String.valueOf({SITE_FIELDS[attr]})"
        b.needs_site = True  # the class queries the Network (the site)
        return f"s({SITE_FIELDS[attr]})"
    full = f"{name}.{attr}" if attr else name
    raise ApexExportError(f"{what}: variable {full!r} has no Apex counterpart")


def _credential(key: str, filters: list[str], what: str, ctx: Context, b: Bindings) -> Part:
    if ctx == "url":
        # Salesforce merges credentials into headers and bodies only: a placeholder constant
        # (apex.py moves a leading path identifier into the Named Credential's URL instead)
        expr = b.placeholder(key)
        for name in filters:
            if name in HELPERS:
                b.helpers.add(HELPERS[name])
            expr = FILTERS[name].format(expr)
        return Part("expr", expr, key)
    if any(f not in ("urlencode", "tojson", "trim") for f in filters):
        raise ApexExportError(
            f"{what}: filters {filters} can't apply to a Named Credential merge field"
        )
    merge = b.merge_field(key)
    if ctx == "header":
        b.merge_in_header = True
    else:
        b.merge_in_body = True
    if ctx == "form":
        b.form_merges.setdefault(key)
    # the merge field is substituted by Salesforce after Apex builds the request: it must reach
    # the request verbatim (Apex can't URL-encode a value it never sees); only JSON quoting is kept
    return Part("merge", f'"{merge}"' if "tojson" in filters else merge)


def join(parts: list[Part], *, encode: bool = False) -> str:
    """One Apex String expression; ``encode`` URL-encodes text and expressions, not merge fields."""
    codes: list[str] = []
    for p in parts:
        if p.kind == "expr":
            codes.append(f"EncodingUtil.urlEncode({p.code}, 'UTF-8')" if encode else p.code)
        elif p.kind == "text" and encode:  # encoded now, as EncodingUtil.urlEncode would
            codes.append(apex_string(quote_plus(p.code, safe="*")))
        else:
            codes.append(apex_string(p.code))
    merged: list[str] = []
    for c in codes:  # fold adjacent literals: 'a' + 'b' → 'ab'
        if merged and _literal(merged[-1]) and _literal(c):
            merged[-1] = merged[-1][:-1] + c[1:]
        else:
            merged.append(c)
    return " + ".join(merged) if merged else "''"


def _literal(code: str) -> bool:
    """A plain Apex string literal (not an expression that happens to start with a quote)."""
    if len(code) < 2 or code[0] != "'" or code[-1] != "'":
        return False
    body = code[1:-1].replace("\\\\", "").replace("\\'", "")
    return "'" not in body
