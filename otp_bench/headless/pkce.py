"""PKCE (RFC 7636, S256 only): the client's verifier/challenge pair and the server's check.

Shared by the server (which checks) and the client (which generates), so both use one definition.

Verifier length: RFC 7636 §4.1 allows 43-128 characters, but Salesforce's own Mobile SDK sends
base64url(128 random bytes) = 171 characters and Salesforce accepts it. The bench follows
Salesforce, not the RFC: 43 up to ``MAX_VERIFIER`` characters (bench assumption: Salesforce
documents no upper bound; 256 leaves room above the SDK's 171).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

MIN_VERIFIER = 43
MAX_VERIFIER = 256
_UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]*$")
# an S256 challenge is base64url(SHA-256) without padding: exactly 43 characters
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def new_verifier() -> str:
    """A fresh code_verifier: 64 URL-safe characters from ``secrets``."""
    return secrets.token_urlsafe(48)


def mobile_sdk_verifier() -> str:
    """A verifier as Salesforce's Mobile SDK makes one: base64url(128 random bytes), 171 chars."""
    return base64.urlsafe_b64encode(secrets.token_bytes(128)).rstrip(b"=").decode("ascii")


def challenge_for(verifier: str) -> str:
    """The S256 code_challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_problem(verifier: str) -> str | None:
    """Why ``verifier`` is malformed, or None when it is well formed."""
    if not MIN_VERIFIER <= len(verifier) <= MAX_VERIFIER:
        return (f"code_verifier is malformed: {len(verifier)} characters, expected "
                f"{MIN_VERIFIER} to {MAX_VERIFIER}")
    if not _UNRESERVED.match(verifier):
        return ("code_verifier is malformed: only A-Z a-z 0-9 - . _ ~ are allowed "
                "(RFC 7636 §4.1)")
    return None


def challenge_problem(challenge: str) -> str | None:
    """Why an S256 ``code_challenge`` is malformed, or None."""
    if _CHALLENGE.match(challenge):
        return None
    return ("code_challenge is malformed: an S256 challenge is 43 base64url characters "
            "(BASE64URL(SHA256(code_verifier)) without padding)")


def verifier_is_well_formed(verifier: str) -> bool:
    return verifier_problem(verifier) is None


def verifier_matches(verifier: str, challenge: str) -> bool:
    """Constant-time comparison of the verifier's challenge with the one authorize received."""
    if not verifier_is_well_formed(verifier):
        return False
    return hmac.compare_digest(challenge_for(verifier), challenge)
