"""A provider running inside this process (the app's loopback mock) delivers through
``Engine.phone_inbox()``: each batch it writes reaches this engine's subscribers at once as an
INBOX change naming the numbers — on PostgreSQL too, where a process doesn't hear its own NOTIFY."""

from __future__ import annotations

from otp_bench.domain.changes import What
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine


def test_a_batch_the_mock_writes_is_published_with_its_numbers(engine: Engine) -> None:
    batches: list[EventBatch] = []
    engine.events.subscribe(batches.append)
    inbox = engine.phone_inbox()
    written = inbox.deliver_many([  # type: ignore[attr-defined]
        {"to": "+14155552671", "body": "Code 123456", "sender": "Acme", "via": "twilio",
         "otp": "123456"},
        {"to": "+14155552672", "body": "Code 654321", "sender": "Acme", "via": "twilio",
         "otp": "654321"},
    ])
    assert written == 2
    named = [c.entity_id for b in batches for c in b.changes if c.what is What.INBOX]
    assert sorted(named) == ["+14155552671", "+14155552672"]
    assert engine.newest_code("+14155552672") == "654321"
    assert not engine.catch_up(), "published once: a later catch-up finds nothing new"


def test_a_single_message_is_published_by_its_own_commit(engine: Engine) -> None:
    batches: list[EventBatch] = []
    engine.events.subscribe(batches.append)
    msg = engine.phone_inbox().deliver("+14155552671", "Code 111222", sender="Acme",
                                       via="test", otp="111222")
    assert [c.entity_id for b in batches for c in b.changes] == [msg.to]
    assert engine.phone_inbox().deliver_many([]) == 0  # type: ignore[attr-defined]
