"""The live request preview: a provider's HTTP config rendered with sample handler inputs.

Credentials are replaced by ``‹key›`` placeholders, so the preview never shows a secret; the OTP
is the sample ``123456``. Problems come back as text naming the field or template.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, quote_plus

SAMPLE = {
    "user_id": "005xx0000012345AAA", "phone_number": "+1 4155552671",
    "one_time_password": "123456",
    "default_text": "123456 is your verification code for Acme. Don't share it with anyone.",
    "network_id": "0DBxx0000000001AAA", "experience_id": "",
}


def render_preview(http: dict[str, Any], credential_keys: list[str]) -> tuple[bool, str]:
    """(ok, text): the request as it would be sent, or the problem."""
    from otp_bench.delivery.request import call_variables, compile_config
    from otp_bench.delivery.template import TemplateProblem
    from otp_bench.domain.http_config import ConfigError, HttpConfig

    try:
        cfg = HttpConfig.from_dict(http)
        compiled = compile_config(cfg)
        keys = set(credential_keys) | set(cfg.required_credentials())
        creds = {k: f"‹{k}›" for k in keys}
        variables = call_variables(**SAMPLE, sender=cfg.sender, credentials=creds,
                                   directory=None)
        variables["user"].update(username="ana@example.com", first_name="Ana",
                                 mobile="+14155552671")
        variables["site"].update(name="Acme Customers", url_prefix="acme")
        req = compiled.build(variables, creds)
    except (ConfigError, TemplateProblem) as exc:
        return False, str(exc)
    except Exception as exc:  # a preview must never take the editor down
        return False, f"{type(exc).__name__}: {exc}"
    head = "\n".join(f"{k}: {_readable_basic(v)}" for k, v in req.headers)
    body = req.content.decode("utf-8", "replace")
    text = f"{req.method} {req.url}\n{head}\n\n{body}"
    for k in keys:  # placeholders that went through URL encoding read back as ‹key›
        for quoted in (quote(f"‹{k}›", safe=""), quote_plus(f"‹{k}›")):
            text = text.replace(quoted, f"‹{k}›")
    return True, text


def _readable_basic(value: str) -> str:
    """``Basic <base64 of placeholders>`` shown as ``Basic base64(‹user›:‹password›)``."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic" or not token:
        return value
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return value
    return f"{scheme} base64({decoded})" if "‹" in decoded else value
