"""What the headless server remembers between calls: authorize requests and decoys.

- An authorization code (minted by the engine's verify) is tied here to its authorize request:
  PKCE challenge (if any), client_id, redirect_uri, scope, site; the token call must match them.
  Tokens themselves are in tokens.py.
- Decoys (OTP-11, no account enumeration): for an init the end user mustn't learn was refused
  (unknown username, not a member, unmet flag requirement...) the server answers with a decoy
  identifier that behaves like a real one, wrong-code count, lock-out, expiry and rate limit
  included, and that no code ever verifies.

Everything is in memory and timed on the bench clock, so fast-forwarding expires codes too.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from otp_bench.domain.model import OtpPolicy
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine import otp

# Bench assumption: Salesforce documents 15 minutes for web-server-flow authorization codes;
# the headless authorize code is taken to live as long.
AUTH_CODE_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class AuthRequest:
    """One successful authorize call, waiting for its token exchange."""

    site_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str  # "" when the client sent none and the app doesn't require PKCE
    scope: str
    issued_at: datetime
    nonce: str = ""


@dataclass
class Decoy:
    """An identifier handed out instead of a refusal; it never verifies."""

    use_case: UseCase
    site_id: str
    expires_at: datetime
    failures: int = 0
    locked: bool = False


@dataclass
class Grants:
    now: Callable[[], datetime]
    _requests: dict[str, AuthRequest] = field(default_factory=dict)
    _decoys: dict[str, Decoy] = field(default_factory=dict)
    _decoy_sends: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- authorize → token -----------------------------------------------------------------

    def remember_request(self, code: str, request: AuthRequest) -> None:
        with self._lock:
            self._requests[code] = request

    def take_request(self, code: str) -> AuthRequest | None:
        """The authorize request behind ``code``, once: a second call gets None."""
        with self._lock:
            req = self._requests.pop(code, None)
        if req is None or self.now() >= req.issued_at + AUTH_CODE_TTL:
            return None
        return req

    # -- decoys (OTP-11) -------------------------------------------------------------------

    def decoy_rate_limited(self, subject: str, policy: OtpPolicy) -> bool:
        """Counts a decoy send for ``subject``; True when it is over the hourly limit.

        A real user gets ``rate_limited`` on the 6th code within the hour; an unknown username
        must get it at the same point, or the 429 would tell the two apart.
        """
        now = self.now()
        with self._lock:
            sends = self._decoy_sends.setdefault(subject.lower(), deque())
            while sends and sends[0] <= now - timedelta(hours=1):
                sends.popleft()
            if len(sends) >= policy.max_codes_per_hour:
                return True
            sends.append(now)
            return False

    def new_decoy(self, use_case: UseCase, site_id: str, policy: OtpPolicy) -> str:
        identifier = otp.new_identifier()  # same shape as the engine's identifiers
        expires = self.now() + timedelta(seconds=policy.ttl_for(use_case))
        with self._lock:
            self._decoys[identifier] = Decoy(use_case, site_id, expires)
        return identifier

    def decoy(self, identifier: str) -> Decoy | None:
        with self._lock:
            return self._decoys.get(identifier)

    def fail_decoy(self, identifier: str, policy: OtpPolicy) -> Reason:
        """The reason a real identifier would give for a wrong code at this point."""
        with self._lock:
            d = self._decoys[identifier]
            if d.locked:
                return Reason.ATTEMPTS_EXCEEDED
            if self.now() >= d.expires_at:
                return Reason.EXPIRED
            d.failures += 1
            if d.failures >= policy.max_failed_attempts:
                d.locked = True
                return Reason.ATTEMPTS_EXCEEDED
            return Reason.INVALID_CODE
