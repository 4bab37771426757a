"""The provider editor's helpers: "send test" (one real callout) and the live template preview.

Both take the config as it stands in the editor, saved or not. The preview never shows a secret:
it renders through the same redaction as the callout log.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from otp_bench.delivery.base import DeliveryHandler, DeliveryReport, Directory, Inbox
from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.redaction import Redactor
from otp_bench.delivery.request import CompiledConfig, call_variables
from otp_bench.delivery.template import TemplateProblem
from otp_bench.domain.http_config import ConfigError
from otp_bench.domain.model import DEFAULT_TEXT, ProviderConfig, ProviderKind

SAMPLE = {
    "user_id": "005000000000001AAA", "phone_number": "+1 4155552671",
    "one_time_password": "123456", "network_id": "0DB000000000001AAA", "experience_id": "",
}


def send_test(
    config: ProviderConfig, phone: str, *, otp: str | None = None, default_text: str | None = None,
    user_id: str = "", network_id: str = "", directory: Directory | None = None,
    inbox: Inbox | None = None, timeout_seconds: float = 10.0, transport: Any = None,
) -> DeliveryReport:
    """One real call of the handler ``config`` describes (any kind, saved or not) to ``phone``,
    with a fresh code; the report carries the callout records. The one send-test: the engine's
    ``send_test`` and the provider editor both come here."""
    from otp_bench.delivery.registry import build_handler

    code = otp or "".join(_secrets.choice("0123456789") for _ in range(6))
    text = (default_text or DEFAULT_TEXT).replace("{otp}", code).replace("{site}", "otp-bench")
    if config.kind is ProviderKind.HTTP and inbox is None:  # a callout needs no phone inbox
        handler: DeliveryHandler = HttpHandler(config, directory=directory,
                                               timeout_seconds=timeout_seconds,
                                               transport=transport)
    else:
        assert inbox is not None, "scripted and Apex handlers deliver to a phone inbox"
        handler = build_handler(config, inbox=inbox, directory=directory or _NoDirectory(),
                                timeout_seconds=timeout_seconds, transport=transport)
    try:
        return handler.send_one_time_password(user_id, phone, code, text, network_id, "")
    finally:
        close = getattr(handler, "close", None)
        if close:
            close()


class _NoDirectory:
    def user_by_id(self, user_id: str) -> None:
        return None

    def site_by_id(self, site_id: str) -> None:
        return None


@dataclass(frozen=True)
class Preview:
    method: str = ""
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    error: str | None = None  # what is wrong, naming the field; the rest is empty then


def render_preview(
    config: ProviderConfig, sample: Mapping[str, str] | None = None,
    directory: Directory | None = None,
) -> Preview:
    """The request the config would send for ``sample`` values, secrets and the OTP masked."""
    values = {**SAMPLE, **(sample or {})}
    values.setdefault("default_text", DEFAULT_TEXT.replace("{otp}", values["one_time_password"])
                      .replace("{site}", "Customers"))
    try:
        cfg = config.require_http()
        compiled = CompiledConfig(cfg)
        variables = call_variables(
            user_id=values["user_id"], phone_number=values["phone_number"],
            one_time_password=values["one_time_password"], default_text=values["default_text"],
            network_id=values["network_id"], experience_id=values["experience_id"],
            sender=cfg.sender, credentials=config.credentials, directory=directory,
        )
        variables["channel"] = config.channel.value
        req = compiled.build(variables, config.credentials)
    except (ConfigError, TemplateProblem) as exc:
        return Preview(error=str(exc))
    public = set(cfg.public_credentials)
    red = Redactor([v for k, v in config.credentials.items() if k not in public],
                   secret_headers=(*cfg.secret_headers, *cfg.auth.header_names()),
                   otp=values["one_time_password"])
    content_type = next((v for k, v in req.headers if k.lower() == "content-type"), "")
    return Preview(req.method, red.url(req.url), red.headers(req.headers),
                   red.body(req.content.decode("utf-8", errors="replace"), content_type))
