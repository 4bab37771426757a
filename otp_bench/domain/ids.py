"""Salesforce-style record ids: 15-character case-sensitive ids and their 18-character form.

A user id starts with ``005``, a site (Network) id with ``0DB``; the 18-character form appends
the three-character case checksum Salesforce computes, so ids look and validate like the real ones.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from typing import NewType

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
    """Makes unique 18-character ids per key prefix: prefix + pod + a base-62 counter.

    A random pod keeps ids from two workspaces apart; the counter keeps them ordered.
    """

    def __init__(self, pod: str | None = None) -> None:
        self._pod = pod or "".join(secrets.choice(_B62[:36]) for _ in range(3))
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        digits = []
        for _ in range(9):
            n, r = divmod(n, 62)
            digits.append(_B62[r])
        body = prefix + self._pod + "".join(reversed(digits))
        return to_18(body)


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
    return FlowId("flw_" + secrets.token_hex(8))
