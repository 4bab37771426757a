"""The request preview: what an HTTP provider's config would send, rendered from sample inputs.

The one preview implementation (the provider editor shows it, through ``Engine.preview_request``).
It renders through the handler's own code (``delivery.request``: the compiled config, the
template namespace, the sandbox and its budget), so what it shows is what a send would do.
Credentials are replaced by ``‹key›`` placeholders before rendering, so the preview never holds a
secret; a value that still matches a saved credential is redacted as in the callout log. The OTP
is the sample ``123456``. A problem (a config field, a template that doesn't compile, fails, or
runs over its budget) comes back as one message naming the field, never an exception.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from otp_bench.delivery.base import Directory
from otp_bench.delivery.redaction import Redactor
from otp_bench.delivery.request import call_variables, compile_config
from otp_bench.delivery.template import TemplateProblem
from otp_bench.domain.http_config import ConfigError
from otp_bench.domain.ids import ProviderId
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.domain.vocabulary import Channel

SAMPLE_OTP = "123456"
SAMPLE = {
    "user_id": "005xx0000012345AAA", "phone_number": "+1 4155552671",
    "one_time_password": SAMPLE_OTP,
    "default_text": f"{SAMPLE_OTP} is your verification code for Acme. Don't share it with anyone.",
    "network_id": "0DBxx0000000001AAA", "experience_id": "",
}
# who the sample call is for, when no workspace directory names the user and the site
_SAMPLE_USER = {"username": "ana@example.com", "first_name": "Ana", "mobile": "+14155552671"}
_SAMPLE_SITE = {"name": "Acme Customers", "url_prefix": "acme"}


@dataclass(frozen=True)
class Preview:
    """A rendered request, or ``error`` (what is wrong, naming the field) and nothing else."""

    method: str = ""
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        """The request as a reader sees it on the wire, or the problem."""
        if self.error is not None:
            return self.error
        head = "\n".join(f"{k}: {v}" for k, v in self.headers)
        return f"{self.method} {self.url}\n{head}\n\n{self.body}"


def placeholder(key: str) -> str:
    return f"‹{key}›"


def preview_request(
    config: ProviderConfig, *, directory: Directory | None = None,
    sample: Mapping[str, str] | None = None,
) -> Preview:
    """The request ``config`` (saved or not) would send for the sample call."""
    values = {**SAMPLE, **(sample or {})}
    try:
        cfg = config.require_http()
        compiled = compile_config(cfg)
        keys = sorted(set(config.credentials) | set(cfg.required_credentials()))
        creds = {k: placeholder(k) for k in keys}
        variables = call_variables(
            user_id=values["user_id"], phone_number=values["phone_number"],
            one_time_password=values["one_time_password"], default_text=values["default_text"],
            network_id=values["network_id"], experience_id=values["experience_id"],
            sender=cfg.sender, credentials=creds, directory=directory,
        )
        if directory is None:
            variables["user"].update(_SAMPLE_USER)
            variables["site"].update(_SAMPLE_SITE)
        variables["channel"] = config.channel.value
        req = compiled.build(variables, creds)
    except (ConfigError, TemplateProblem) as exc:
        return Preview(error=str(exc))
    except Exception as exc:  # a preview must never take the editor down: say what broke
        return Preview(error=f"{type(exc).__name__}: {exc}")
    # Credentials are placeholders, so headers such as Authorization stay readable; a saved
    # secret typed into a template literally is still masked, as in the callout log.
    red = Redactor(config.credentials.values())
    headers = tuple((k, _readable(_basic(red.text(v)), keys)) for k, v in req.headers)
    body = red.text(req.content.decode("utf-8", errors="replace"))
    return Preview(req.method, _readable(red.text(req.url), keys), headers, _readable(body, keys))


def preview_draft(
    http: Mapping[str, Any], credential_keys: Iterable[str] = (),
    channel: Channel = Channel.SMS,
) -> Preview:
    """The preview of an editor's form as it stands (parsed here: a field problem comes back as
    the preview's message). Only the credentials' names are needed: they show as placeholders."""
    try:
        config = ProviderConfig(
            id=ProviderId("draft"), name="draft", kind=ProviderKind.HTTP,
            http=dict(http),  # type: ignore[arg-type]  # a mapping is parsed on construction
            credentials=dict.fromkeys(credential_keys, ""), channel=channel,
        )
    except ConfigError as exc:
        return Preview(error=str(exc))
    return preview_request(config)


def _readable(text: str, keys: list[str]) -> str:
    """Placeholders that went through URL encoding read back as ``‹key›``."""
    for k in keys:
        for quoted in (quote(placeholder(k), safe=""), quote_plus(placeholder(k))):
            text = text.replace(quoted, placeholder(k))
    return text


def _basic(value: str) -> str:
    """``Basic <base64 of placeholders>`` shown as ``Basic base64(‹user›:‹password›)``."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic" or not token:
        return value
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return value
    return f"{scheme} base64({decoded})" if "‹" in decoded else value
