"""Reading headless API requests: bodies, form fields, headers, Basic and Bearer credentials.

Every problem becomes an ``ApiError`` that names the field or header, so a client developer sees
what to fix. Bodies are read with their limit enforced *while reading*: a declared
``Content-Length`` over the limit is refused before a byte is read, and a chunked body stops
being read at the first chunk over it — a 400 MB upload never reaches memory. Form bodies are
parsed here (``application/x-www-form-urlencoded``) rather than with Starlette's
``request.form()``, which would pull in python-multipart for nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from otp_bench.headless.errors import ApiError, bad_request

MAX_BODY = 64 * 1024  # headless requests are tiny; anything bigger is a client bug
MAX_JSON_DEPTH = 32  # the deepest documented body (registration) nests 2 levels
MAX_FIELDS = 100  # form fields: the longest documented form has 6


def too_large() -> ApiError:
    # Connection: close makes the server hang up instead of draining the unread body
    return ApiError(413, "invalid_request", f"the request body is over {MAX_BODY // 1024} KB",
                    close=True)


async def raw_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, read at most ``limit`` bytes deep; over it → 413 without reading the rest."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise bad_request("the Content-Length header isn't a number") from None
        if length > limit:
            raise too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> dict[str, Any]:
    """A JSON object body; bad syntax, nesting deeper than ``MAX_JSON_DEPTH`` → 400."""
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise bad_request(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"the body isn't valid JSON: {exc}") from None
    except RecursionError:  # belt and braces: _nesting already refuses deep bodies
        raise bad_request("the JSON body nests too deeply") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    return data


def _nesting(raw: bytes) -> int:
    """The deepest bracket nesting in ``raw`` (strings skipped), found without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_form(raw: bytes) -> dict[str, str]:
    try:
        text_ = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the form body isn't UTF-8") from None
    try:
        pairs = parse_qsl(text_, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise bad_request(f"the form body has more than {MAX_FIELDS} fields") from None
    return dict(pairs)


async def json_body(request: Request) -> dict[str, Any]:
    return parse_json(await raw_body(request))


async def form_body(request: Request) -> dict[str, str]:
    return parse_form(await raw_body(request))


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


def header(request: Request, name: str) -> str:
    """A required header's value; missing or blank → "<name> header is missing"."""
    value = request.headers.get(name, "").strip()
    if not value:
        raise bad_request(f"{name} header is missing")
    return value


def sms_method(value: str, where: str) -> None:
    """The bench delivers OTPs by SMS only (that is what custom OTP handlers do)."""
    if value.lower() != "sms":
        raise bad_request(
            f"{where} {value!r} isn't supported: the bench delivers one-time passwords by sms"
        )


def b64_any(encoded: str) -> bytes:
    """Base64 in either alphabet, padded or not.

    Salesforce's Mobile SDK sends the Basic value URL-safe and unpadded
    (``URL_SAFE | NO_WRAP | NO_PADDING``); curl and Postman send the standard alphabet.
    """
    value = encoded.strip()
    if not value or any(c.isspace() for c in value):
        raise binascii.Error("empty or contains whitespace")
    value = value.replace("-", "+").replace("_", "/").rstrip("=")
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def basic_pair(request: Request, what: str) -> tuple[str, str] | None:
    """``Authorization: Basic base64(a:b)`` → (a, b); None when there is no Basic header."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = b64_any(encoded).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_request(f"the Authorization header isn't valid base64 of {what}") from None
    first, sep, second = decoded.partition(":")
    if not sep or not first or not second:
        raise bad_request(f"the Authorization header must carry {what}")
    return first, second


def basic_credentials(request: Request) -> tuple[str, str]:
    """``Authorization: Basic base64(identifier:otp)`` → (identifier, otp)."""
    if not request.headers.get("authorization", "").strip():
        raise bad_request("Authorization header is missing: send Basic base64(identifier:otp)")
    pair = basic_pair(request, "identifier:otp")
    if pair is None:
        raise bad_request("the Authorization header must be Basic base64(identifier:otp)")
    return pair


def bearer_token(request: Request, form: dict[str, str] | None = None) -> str:
    """The Bearer token of the Authorization header, else an ``access_token`` form field."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return (form or {}).get("access_token", "").strip()
