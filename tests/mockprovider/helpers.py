"""An in-memory inbox for mock tests that don't need a workspace."""

from __future__ import annotations

from datetime import UTC, datetime

from otp_bench.domain.model import InboxMessage
from otp_bench.domain.vocabulary import Channel


class ListInbox:
    def __init__(self) -> None:
        self.messages: list[InboxMessage] = []

    def deliver(self, to: str, body: str, *, sender: str, via: str,
                channel: Channel = Channel.SMS, otp: str | None = None) -> InboxMessage:
        msg = InboxMessage(len(self.messages) + 1, to, sender, body, datetime.now(UTC), channel,
                           via, otp)
        self.messages.append(msg)
        return msg

    def land(self, to: str, body: str, *, sender: str, via: str,
             channel: Channel = Channel.SMS, otp: str | None = None) -> None:
        self.deliver(to, body, sender=sender, via=via, channel=channel, otp=otp)

    def inbox(self, number: str | None = None, *, limit: int = 500) -> list[InboxMessage]:
        return [m for m in self.messages if number is None or m.to == number][-limit:]
