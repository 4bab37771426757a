"""One-time passwords: made with ``secrets`` (SPEC), stored as salted MACs, compared in constant
time. Their salts and identifiers come from ``domain.entropy`` (the same OS generator, drawn in
blocks).

A code is stored as keyed BLAKE2b (the salt as its key) behind a version byte: a third of the
instructions of a one-shot HMAC-SHA256, which goes through OpenSSL's provider lookups on every
call. Challenges stored as HMAC-SHA256 by earlier versions (32 bytes, no version byte) still
verify."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from otp_bench.domain import entropy


def generate(digits: int = 6) -> str:
    """A code of exactly ``digits`` decimal digits, leading zeros kept."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_salt() -> bytes:
    return entropy.token_bytes(16)


_BLAKE2B = b"\x02"  # the stored digest's version byte


def digest(code: str, salt: bytes) -> bytes:
    return _BLAKE2B + hashlib.blake2b(code.encode(), key=salt, digest_size=32).digest()


def matches(code: str, salt: bytes, expected: bytes) -> bool:
    if len(expected) == 32:  # stored by an earlier version: HMAC-SHA256
        return hmac.compare_digest(hmac.digest(salt, code.encode(), hashlib.sha256), expected)
    return hmac.compare_digest(digest(code, salt), expected)


def new_identifier() -> str:
    """An opaque attempt identifier, like the one initPasswordlessLogin returns."""
    return entropy.token_urlsafe(15)
