"""``Store.deliver_many``: several phone messages in one transaction, sealed like ``deliver``."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from otp_bench.domain.vocabulary import Channel
from otp_bench.store.store import Store


@pytest.mark.sqlite_file
def test_every_message_lands_in_order_with_its_code_sealed(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    try:
        msgs = [{"to": "+14155552671" if i % 2 else "+447911123456",
                 "body": f"{100000 + i} is your code", "sender": "Bench", "via": "twilio"}
                for i in range(40)]
        msgs.append({"to": "+14155552671", "body": "hello, no code here", "sender": "Bench",
                     "via": "whatsapp", "channel": Channel.WHATSAPP,
                     "at": datetime(2026, 1, 2, tzinfo=UTC)})
        assert store.deliver_many(msgs) == 41
        assert store.deliver_many([]) == 0

        us = store.inbox("+14155552671")
        assert [m.body for m in us] == [m["body"] for m in msgs if m["to"] == "+14155552671"]
        assert [m.otp for m in us[:3]] == ["100001", "100003", "100005"]
        assert us[-1].otp is None and us[-1].channel is Channel.WHATSAPP
        assert us[-1].received_at == datetime(2026, 1, 2, tzinfo=UTC)
        assert len(store.inbox("+447911123456")) == 20

        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:  # what sits in the file: no plaintext code anywhere
            rows = db.execute("SELECT body_masked, otp_sealed FROM inbox").fetchall()
        assert rows
        for i, (masked, sealed) in enumerate(rows[:40]):
            code = str(100000 + i).encode()
            assert code.decode() not in masked and code not in sealed
    finally:
        store.close()


def test_the_code_given_is_the_one_sealed(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    try:
        store.deliver_many([{"to": "+14155552671", "body": "Code 123456, ref 654321",
                             "sender": "S", "via": "v", "otp": "654321"}])
        (msg,) = store.inbox("+14155552671")
        assert msg.otp == "654321" and msg.body == "Code 123456, ref 654321"
    finally:
        store.close()
