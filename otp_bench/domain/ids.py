"""Salesforce-style record ids: 15-character case-sensitive ids and their 18-character form.

A user id starts with ``005``, a site (Network) id with ``0DB``; the 18-character form appends
the three-character case checksum Salesforce computes, so ids look and validate like the real ones.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import NewType

from otp_bench.domain import entropy

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

USER_PREFIX = "005"
SITE_PREFIX = "0DB"
PROVIDER_PREFIX = "01p"  # ApexClass, the handler class a site points to
EXPERIENCE_PREFIX = "0ee"


def checksum(id15: str) -> str:
    """The three-character suffix that turns a 15-character id into its 18-character form."""
    if len(id15) != 15:
        raise ValueError(f"a 15-character id is needed, got {len(id15)} characters")
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_CHECKSUM[bits])
    return "".join(out)


def to_18(id15: str) -> str:
    """The 18-character, case-insensitive-safe form of an id (idempotent)."""
    if len(id15) == 18:
        return id15
    return id15 + checksum(id15)


def is_valid(sfid: str, prefix: str | None = None) -> bool:
    """True when ``sfid`` is a well-formed 15/18-character id (with a matching checksum)."""
    if len(sfid) not in (15, 18) or any(c not in _B62 for c in sfid):
        return False
    if prefix is not None and not sfid.startswith(prefix):
        return False
    return len(sfid) == 15 or sfid[15:] == checksum(sfid[:15])


class IdFactory:
    """Makes unique 18-character ids per key prefix: prefix + time + randomness.

    The 12 characters after the prefix are the creation time in milliseconds (7 base-62
    characters, strictly increasing within a process, so ids sort in creation order) and 5
    random ones. Processes sharing one workspace — teammates, an app and a CLI command, each run
    of a command — make ids independently: two collide only if they draw the same millisecond
    and the same 5 random characters (one in 916 million). (The earlier scheme, a 3-character
    random pod and a counter from 1 per process, made two processes with the same pod repeat
    each other's ids, and a few hundred processes were likely to share a pod.)
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            self._last = max(int(self._clock() * 1000), self._last + 1)
            n = self._last
        digits = []
        for _ in range(7):
            n, r = divmod(n, 62)
            digits.append(_B62[r])
        noise = "".join(secrets.choice(_B62) for _ in range(5))
        return to_18(prefix + "".join(reversed(digits)) + noise)


_default = IdFactory()


def new_id(prefix: str) -> str:
    """A fresh 18-character id with the given key prefix."""
    return _default.new(prefix)


# Typed ids: a site id can't be passed where a user id is wanted (mypy checks it; free at runtime).
SiteId = NewType("SiteId", str)
UserId = NewType("UserId", str)
ProviderId = NewType("ProviderId", str)
FlowId = NewType("FlowId", str)


def new_site_id() -> SiteId:
    return SiteId(new_id(SITE_PREFIX))


def new_user_id() -> UserId:
    return UserId(new_id(USER_PREFIX))


def new_provider_id() -> ProviderId:
    return ProviderId(new_id(PROVIDER_PREFIX))


def new_flow_id() -> FlowId:
    return FlowId("flw_" + entropy.token_hex(8))
