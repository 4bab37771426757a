"""One-time passwords: made with ``secrets``, stored as salted HMACs, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def generate(digits: int = 6) -> str:
    """A code of exactly ``digits`` decimal digits, leading zeros kept."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_salt() -> bytes:
    return secrets.token_bytes(16)


def digest(code: str, salt: bytes) -> bytes:
    # the one-shot form: one call into OpenSSL, where hmac.new builds two hash objects in Python
    return hmac.digest(salt, code.encode(), hashlib.sha256)


def matches(code: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(digest(code, salt), expected)


def new_identifier() -> str:
    """An opaque attempt identifier, like the one initPasswordlessLogin returns."""
    return secrets.token_urlsafe(15)
