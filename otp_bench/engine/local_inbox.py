"""The phones as a provider started inside this process writes to them (the app's loopback mock).

The mock writes its messages in batches on a bare connection (``Store.deliver_many``), outside
``Store.transaction()``, so no commit listener publishes them. Another process's views hear of
them through ``engine.follow``; this process's own views would only if it heard its own
notification — PostgreSQL's watcher skips those as "already published" (``store.notify``), so
on a PostgreSQL workspace a send test to the in-process mock never reached the app's phone pane.
``PublishedInbox`` closes that: after each batch it catches up with the feed (``Engine.catch_up``)
which publishes the batch's INBOX changes at once, on SQLite and PostgreSQL alike. A catch-up
applies each change once, so the Follower finding the same rows later publishes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from otp_bench.domain.model import InboxMessage
from otp_bench.domain.vocabulary import Channel

if TYPE_CHECKING:
    from otp_bench.store.store import Store


class PublishedInbox:
    def __init__(self, store: Store, catch_up: Callable[[], object]) -> None:
        self._store = store
        self._catch_up = catch_up

    def deliver(
        self, to: str, body: str, *, sender: str, via: str, channel: Channel = Channel.SMS,
        otp: str | None = None, at: datetime | None = None,
    ) -> InboxMessage:
        # one transaction of the store's own: its commit publishes the change already
        return self._store.deliver(to, body, sender=sender, via=via, channel=channel, otp=otp,
                                   at=at)

    def land(
        self, to: str, body: str, *, sender: str, via: str, channel: Channel = Channel.SMS,
        otp: str | None = None,
    ) -> None:
        self._store.land(to, body, sender=sender, via=via, channel=channel, otp=otp)

    def deliver_many(self, messages: Iterable[Mapping[str, Any]]) -> int:
        written = self._store.deliver_many(messages)
        if written:
            self._catch_up()  # publishes the INBOX changes the batch wrote
        return written
