"""A phone read from memory (SQLite) answers exactly what reading the file would, and never
what another connection changed since: messages another process delivered show at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from otp_bench.domain.secrets import MemorySecretStore
from otp_bench.store.store import Store

pytestmark = pytest.mark.sqlite_file


def _fresh(url: str, secrets: MemorySecretStore) -> list[object]:
    other = Store(url, secrets=secrets)
    try:
        return list(other.inbox("+14155550100", limit=500))
    finally:
        other.close()


def test_the_phone_from_memory_is_the_phone_from_the_file(db_url: str) -> None:
    secrets = MemorySecretStore()
    store = Store(db_url, secrets=secrets)
    try:
        to = "+14155550100"
        store.deliver(to, "Your code is 123456", sender="S", via="v", otp="123456")
        assert [m.otp for m in store.inbox(to, limit=1)] == ["123456"]  # read: now known
        odd = datetime(2026, 11, 30, 12, 0, 0, 7, tzinfo=timezone(timedelta(hours=2)))
        for i, body in enumerate(["Order 998877, code 654321", "no code here",
                                  "\u2063{g0}\u2063 is not a code 4444"]):
            store.deliver(to, body, sender="S", via="v", otp="654321" if i == 0 else None,
                          at=odd if i == 1 else None)
        mine = store.inbox(to, limit=500)
        assert mine == _fresh(db_url, secrets)  # a new process reading the file
        assert store.inbox(to, limit=2) == mine[-2:]
    finally:
        store.close()


def test_messages_another_process_delivers_show_at_once(db_url: str) -> None:
    secrets = MemorySecretStore()
    store, other = Store(db_url, secrets=secrets), Store(db_url, secrets=secrets)
    try:
        to = "+14155550100"
        store.deliver(to, "code 111111", sender="S", via="v", otp="111111")
        assert store.inbox(to, limit=1)[-1].otp == "111111"
        other.deliver(to, "code 222222", sender="S", via="v", otp="222222")
        assert store.inbox(to, limit=1)[-1].otp == "222222"
        other.deliver_many([{"to": to, "body": "code 333333", "sender": "S", "via": "mock",
                             "otp": "333333", "at": datetime.now(UTC)}])
        assert [m.otp for m in store.inbox(to, limit=3)] == ["111111", "222222", "333333"]
    finally:
        other.close()
        store.close()


def test_a_locked_workspace_shows_its_own_new_codes_masked_too(db_url: str) -> None:
    """Without the key nothing is sealed: a read shows the message masked, and so must the
    copy this process keeps of its own delivery."""
    secrets = MemorySecretStore()
    store = Store(db_url, secrets=secrets)
    try:
        to = "+14155550100"
        store.deliver(to, "first", sender="S", via="v")
        store.inbox(to, limit=1)
        store._sealer._gcm = None
        store._sealer._fernet = None
        store.deliver(to, "Your code is 123456", sender="S", via="v", otp="123456")
        newest = store.inbox(to, limit=1)[-1]
        assert newest.otp is None and "123456" not in newest.body
    finally:
        store.close()
