"""Reading headless API requests: JSON bodies, form bodies, Basic credentials, required fields.

Every problem becomes an ``ApiError`` (400) that names the field, so a client developer sees
what to fix. Form bodies are parsed here (``application/x-www-form-urlencoded``) rather than with
Starlette's ``request.form()``, which would pull in python-multipart for nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from otp_bench.headless.errors import bad_request

MAX_BODY = 64 * 1024  # headless requests are tiny; anything bigger is a client bug


async def _raw(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise bad_request(f"request body over {MAX_BODY // 1024} KB")
    return body


async def json_body(request: Request) -> dict[str, Any]:
    raw = await _raw(request)
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"the body isn't valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    return data


async def form_body(request: Request) -> dict[str, str]:
    raw = await _raw(request)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise bad_request("the form body isn't UTF-8") from None
    return dict(pairs)


def text(data: dict[str, Any], name: str, *, where: str = "body", required: bool = True) -> str:
    """The string field ``name``; a missing or non-string value is a 400 naming it."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required in the {where}")
        return ""
    if not isinstance(value, str):
        raise bad_request(f"{name} in the {where} must be a string")
    return value.strip()


def obj(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise bad_request(f"{name} is required in the body and must be a JSON object")
    return value


def sms_method(value: str, where: str) -> None:
    """The bench delivers OTPs by SMS only (that is what custom OTP handlers do)."""
    if value.lower() != "sms":
        raise bad_request(
            f"{where} {value!r} isn't supported: the bench delivers one-time passwords by sms"
        )


def basic_credentials(request: Request) -> tuple[str, str]:
    """``Authorization: Basic base64(identifier:otp)`` → (identifier, otp)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise bad_request("the Authorization header must be Basic base64(identifier:otp)")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise bad_request("the Authorization header isn't valid base64") from None
    identifier, sep, code = decoded.partition(":")
    if not sep or not identifier or not code:
        raise bad_request("the Authorization header must carry identifier:otp")
    return identifier, code


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
