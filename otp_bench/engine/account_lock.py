"""The per-account cap on failed verifications, counted across codes (OTP-5).

Salesforce's per-code rule (3 wrong attempts lock that code) alone lets an attacker guess 15 times
an hour per account — 5 codes × 3 attempts, the count restarting with each resend (NIST SP 800-63B
§3.1.3.2: "generating a new authentication secret SHALL NOT reset the failed authentication
count"). So failures also count per account, from the user's verification history: after
``account_max_failures`` failures since the last success the account's verification is locked for
``account_lockout_seconds``, even for the right code; a success resets the count, and so does the
end of a lockout. Bench assumption (Salesforce documents no such number for OTPs): the defaults
are its default password policy, 10 failures and 15 minutes; both are workspace settings.
Registrations have no account yet: only the per-code rule applies to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from otp_bench.domain.model import OtpPolicy

# history statuses (as written by the verifier) that are a failed guess, and a success
COUNTED = frozenset({"Failed: invalid code", "Failed: too many attempts"})
SUCCEEDED = "Succeeded"
LOCKED_STATUS = "Failed: account locked"
WINDOW_ROWS = 500  # history rows read per check: bounded, and far more than any cap needs


def locked_until(history: Iterable[tuple[datetime, str]], now: datetime,
                 policy: OtpPolicy) -> datetime | None:
    """When the account's lock ends, or None if verification is open. ``history`` is the
    account's (time, status) rows, oldest first."""
    if policy.account_max_failures <= 0:
        return None  # the cap turned off in settings
    count = 0
    until: datetime | None = None
    span = timedelta(seconds=policy.account_lockout_seconds)
    for at, status in history:
        if status == SUCCEEDED:
            count, until = 0, None
            continue
        if status not in COUNTED:
            continue
        if until is not None:
            if at < until:
                continue  # refused while locked: not a guess
            count, until = 0, None  # the lockout ended: the count starts again
        count += 1
        if count >= policy.account_max_failures:
            until = at + span
    return until if until is not None and now < until else None
