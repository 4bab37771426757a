"""PKCE (RFC 7636, S256 only): the client's verifier/challenge pair and the server's check.

Shared by the server (which checks) and the client (which generates), so both use one definition.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# RFC 7636 §4.1: 43-128 characters from the unreserved set.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def new_verifier() -> str:
    """A fresh code_verifier: 64 URL-safe characters from ``secrets``."""
    return secrets.token_urlsafe(48)


def challenge_for(verifier: str) -> str:
    """The S256 code_challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_is_well_formed(verifier: str) -> bool:
    return bool(_VERIFIER.match(verifier))


def verifier_matches(verifier: str, challenge: str) -> bool:
    """Constant-time comparison of the verifier's challenge with the one authorize received."""
    if not verifier_is_well_formed(verifier):
        return False
    return hmac.compare_digest(challenge_for(verifier), challenge)
