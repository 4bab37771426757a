"""Building the outbound request from an ``HttpConfig`` and one call's values.

Templates are compiled once per handler (``compile_config``); ``build`` renders them for a call,
applies the auth scheme and encodes the body. Template variables are the six
``sendOneTimePassword`` parameters, ``site`` and ``user`` (looked up by id, as Apex would query
them), ``sender`` and ``credentials``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from otp_bench.delivery.base import Directory
from otp_bench.delivery.template import Template, TemplateProblem, render_json
from otp_bench.domain.http_config import ConfigError, HttpConfig, validate_http

_CT = {"json": "application/json", "form": "application/x-www-form-urlencoded",
       "text": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class BuiltRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes


def _compile(source: str, what: str) -> Template:
    try:
        return Template(source, what)
    except TemplateProblem as exc:
        raise ConfigError(what, str(exc).split(": ", 1)[-1]) from None


class CompiledConfig:
    """An ``HttpConfig`` with its templates compiled; raises ConfigError naming the template.

    One instance serves one provider (fixed credentials and sender): templates reading only
    those are rendered once."""

    def __init__(self, cfg: HttpConfig) -> None:
        self.cfg = cfg
        self.path = _compile(cfg.path, "path")
        self.headers = [(n, _compile(v, f"headers.{n}")) for n, v in cfg.headers]
        self.query = [(n, _compile(v, f"query.{n}")) for n, v in cfg.query]
        self.body = _compile(cfg.body, "body") if cfg.body_format in ("json", "text") else None
        self.form = [(n, _compile(v, f"form.{n}")) for n, v in cfg.form]

    def build(self, variables: Mapping[str, Any], credentials: Mapping[str, str]) -> BuiltRequest:
        """Render a request; raises TemplateProblem (the handler throwing) when it can't."""
        cfg = self.cfg
        query = [(n, t.render_fast(variables)) for n, t in self.query]
        headers = [("Accept", "application/json")]
        if cfg.body_format in _CT:
            headers.append(("Content-Type", _CT[cfg.body_format]))
        auth = cfg.auth
        if auth.kind == "basic":
            pair = f"{_cred(credentials, auth.username)}:{_cred(credentials, auth.password)}"
            headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
        elif auth.kind in ("bearer", "infobip_app", "messagebird_accesskey"):
            scheme = {"bearer": "Bearer", "infobip_app": "App",
                      "messagebird_accesskey": "AccessKey"}[auth.kind]
            headers.append(("Authorization", f"{scheme} {_cred(credentials, auth.token)}"))
        elif auth.kind == "api_key_header":
            headers.append((auth.name, _cred(credentials, auth.token)))
        elif auth.kind == "api_key_query":
            query.append((auth.name, _cred(credentials, auth.token)))
        own = [(n, t.render_fast(variables)) for n, t in self.headers]
        names = {n.lower() for n, _ in own}
        headers = [h for h in headers if h[0].lower() not in names] + own
        url = cfg.base_url + self.path.render_fast(variables)
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        content = b""
        if cfg.body_format == "json" and self.body is not None:
            content = json.dumps(render_json(self.body, variables), ensure_ascii=False,
                                 separators=(",", ":")).encode()
        elif cfg.body_format == "text" and self.body is not None:
            content = self.body.render(variables).encode()
        elif cfg.body_format == "form":
            content = urlencode([(n, t.render_fast(variables)) for n, t in self.form]).encode()
        return BuiltRequest(cfg.method, url, tuple(headers), content)


def _cred(credentials: Mapping[str, str], key: str) -> str:
    value = credentials.get(key)
    if not value:
        raise TemplateProblem(f"auth: credential {key!r} is missing")
    return value


def compile_config(cfg: HttpConfig) -> CompiledConfig:
    return CompiledConfig(cfg)


def http_problems(http: HttpConfig | Any) -> list[tuple[str, str]]:
    """Every problem in an HTTP config (a typed one, or a dict from an editor or a file),
    templates included, as (field, message); empty when a handler can be built from it."""
    if http is None:
        return [("base_url", "an HTTP provider needs its request settings")]
    if not isinstance(http, HttpConfig):
        problems = validate_http(http)
        if problems:
            return problems
        http = HttpConfig.from_dict(http)
    try:
        compile_config(http)
    except ConfigError as exc:
        return [(exc.field, exc.message)]
    return []


def call_variables(
    *, user_id: str, phone_number: str, one_time_password: str, default_text: str,
    network_id: str, experience_id: str, sender: str, credentials: Mapping[str, str],
    directory: Directory | None,
) -> dict[str, Any]:
    """The template's namespace for one call."""
    user = directory.user_by_id(user_id) if directory and user_id else None
    site = directory.site_by_id(network_id) if directory and network_id else None
    return {
        "user_id": user_id, "phone_number": phone_number,
        "one_time_password": one_time_password, "default_text": default_text,
        "network_id": network_id, "experience_id": experience_id, "sender": sender,
        "credentials": dict(credentials),
        "user": {
            "id": user_id, "username": user.username if user else "",
            "first_name": user.first_name if user else "",
            "last_name": user.last_name if user else "", "email": user.email if user else "",
            "mobile": (user.mobile or "") if user else "",
            "license": user.license.value if user else "",
        },
        "site": {
            "id": network_id, "name": site.name if site else "",
            "url_prefix": site.url_prefix if site else "",
            "experience_id": site.experience_id if site else experience_id,
        },
    }
