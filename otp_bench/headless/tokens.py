"""Tokens the headless server issues: access and refresh tokens, ``signature`` and ``id_token``.

- Access tokens look like Salesforce session ids (org id, ``!``, an opaque part) and expire after
  the workspace's session timeout on the bench clock, so fast-forwarding the clock expires them.
- Refresh tokens are issued when the granted scope has ``refresh_token`` (or its synonym
  ``offline_access``); they don't expire and aren't rotated (Salesforce's default refresh token
  policy, "valid until revoked"). Revoking one revokes the access tokens minted from it.
- ``signature``: Salesforce documents it as "Base64-encoded HMAC-SHA256 signature signed with
  the client_secret (private key) containing the concatenated ID and issued_at value".
- ``id_token``: an RS256 JWT signed with the workspace's key (keys.py), published as a JWKS at
  ``/id/keys``. Bench assumption: it lives 5 minutes (Salesforce doesn't document the lifetime).

Tokens are kept in memory: a restarted server has forgotten them (bench assumption), while
id_tokens it signed still verify, as the key persists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt

from otp_bench.headless.keys import Identity

ID_TOKEN_TTL = timedelta(minutes=5)
REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})


@dataclass(frozen=True)
class Session:
    """What a token stands for: a user on a site, for a client, with a scope."""

    user_id: str
    site_id: str
    client_id: str
    scope: str


@dataclass(frozen=True)
class AccessToken:
    session: Session
    issued_at: datetime
    expires_at: datetime
    refresh_token: str | None  # the refresh token it was minted with or from


@dataclass
class TokenStore:
    now: Callable[[], datetime]
    timeout: Callable[[], timedelta]  # the workspace's session timeout, read at mint time
    _access: dict[str, AccessToken] = field(default_factory=dict)
    _refresh: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, org_id: str, session: Session, *, with_refresh: bool,
              from_refresh: str | None = None) -> tuple[str, AccessToken, str | None]:
        """(access token, its record, new refresh token or None)."""
        now = self.now()
        refresh = f"5Aep{secrets.token_urlsafe(60)}" if with_refresh else None
        # Shaped like a Salesforce session id: the 15-char org id, "!", then an opaque part.
        token = f"{org_id[:15]}!{secrets.token_urlsafe(72)}"
        record = AccessToken(session, now, now + self.timeout(), refresh or from_refresh)
        with self._lock:
            self._access[token] = record
            if refresh is not None:
                self._refresh[refresh] = session
        return token, record, refresh

    def access(self, token: str) -> tuple[AccessToken | None, str]:
        """The live record behind ``token``, or None and why not."""
        with self._lock:
            record = self._access.get(token)
        if record is None:
            return None, "the access token is missing, unknown or revoked"
        if self.now() >= record.expires_at:
            return None, "the access token has expired (the session timed out)"
        return record, ""

    def refresh_session(self, refresh_token: str) -> Session | None:
        with self._lock:
            return self._refresh.get(refresh_token)

    def revoke(self, token: str) -> bool:
        """Revokes an access or refresh token (a refresh token takes its access tokens along)."""
        with self._lock:
            if self._access.pop(token, None) is not None:
                return True
            if self._refresh.pop(token, None) is None:
                return False
            for key in [k for k, v in self._access.items() if v.refresh_token == token]:
                del self._access[key]
            return True


def wants_refresh(scope: str) -> bool:
    return bool(REFRESH_SCOPES & set(scope.split()))


def signature(identity_url: str, issued_at: str, consumer_secret: str) -> str:
    """Salesforce's ``signature``: base64(HMAC-SHA256(secret, id + issued_at))."""
    mac = hmac.new(consumer_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def at_hash(access_token: str) -> str:
    """OpenID Connect ``at_hash``: base64url of the left half of SHA-256(access token)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def id_token(identity: Identity, *, issuer: str, audience: str, subject: str,
             issued_at: datetime, claims: dict[str, Any], access_token: str,
             nonce: str = "") -> str:
    """An RS256-signed id_token; ``claims`` adds the user's profile claims."""
    iat = int(issued_at.timestamp())
    payload: dict[str, Any] = {
        **claims,
        "iss": issuer, "sub": subject, "aud": audience, "iat": iat,
        "exp": iat + int(ID_TOKEN_TTL.total_seconds()), "at_hash": at_hash(access_token),
    }
    if nonce:
        payload["nonce"] = nonce
    header = {"alg": "RS256", "kid": identity.kid, "typ": "JWT"}
    return jwt.encode(header, payload, identity.signing_key)
