"""The change feed's vocabulary: what a committed operation changed in the workspace.

Every write to a workspace record (site, user, provider, settings, clock, a phone's inbox) adds
one ``Change`` in the same transaction as the write (the store does it, so no caller can forget).
After the commit the engine publishes the transaction's ``ChangeSet`` with its events; views
refresh only what a change names. ``seq`` is the row id in the ``changes`` table: it only grows,
so a reader in another process catches up with "every change after the last ``seq`` I saw".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class What(StrEnum):
    SITE = "site"
    USER = "user"
    PROVIDER = "provider"
    SETTINGS = "settings"
    CLOCK = "clock"
    INBOX = "inbox"  # entity_id: the phone number that received a message
    CONNECTED_APP = "connected_app"


class Action(StrEnum):
    SAVED = "saved"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    what: What
    action: Action
    entity_id: str
    name: str = ""  # for people: the site name, the username…
    seq: int = 0  # the feed position, set once stored
    at: datetime | None = None


@dataclass(frozen=True)
class ChangeSet:
    """The changes of one or more committed transactions, in feed order."""

    changes: tuple[Change, ...] = ()

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def touches(self, *whats: What) -> bool:
        return any(c.what in whats for c in self.changes)

    def ids(self, what: What) -> frozenset[str]:
        return frozenset(c.entity_id for c in self.changes if c.what is what)

    @property
    def last_seq(self) -> int:
        return max((c.seq for c in self.changes), default=0)

    @staticmethod
    def of(changes: Iterable[Change]) -> ChangeSet:
        return ChangeSet(tuple(changes))
