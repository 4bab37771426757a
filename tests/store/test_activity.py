"""What an engine step writes: the atomic single-use consume and the failure counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from otp_bench.store.activity import Challenge
from otp_bench.store.store import Store

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _challenge(identifier: str, subject: str = "005X", at: datetime = T0) -> Challenge:
    return Challenge(identifier, "flw_1", subject, b"salt", b"hash", at,
                     at + timedelta(minutes=15), 0, None, None)


def test_consume_is_single_use(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    with store.transaction() as tx:
        tx.add_challenge(_challenge("id1"))
    with store.transaction() as tx:
        assert tx.consume("id1", T0) is True
    with store.transaction() as tx:
        assert tx.consume("id1", T0) is False
        ch = tx.challenge("id1")
        assert ch is not None and ch.consumed_at == T0
    store.close()


def test_an_invalidated_code_cant_be_consumed(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    with store.transaction() as tx:
        tx.add_challenge(_challenge("id1"))
        tx.invalidate("id1", "superseded")
        tx.invalidate("id1", "attempts_exceeded")  # the first reason stays
        assert tx.consume("id1", T0) is False
        ch = tx.challenge("id1")
        assert ch is not None and ch.invalidated == "superseded"
    store.close()


def test_failures_count_up(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    with store.transaction() as tx:
        tx.add_challenge(_challenge("id1"))
        assert [tx.count_failure("id1") for _ in range(3)] == [1, 2, 3]
    store.close()


def test_codes_issued_since_is_per_subject(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    with store.transaction() as tx:
        for i in range(3):
            tx.add_challenge(_challenge(f"a{i}", "005A", T0 + timedelta(minutes=i)))
        tx.add_challenge(_challenge("b0", "+14155552671"))
        assert tx.codes_issued_since("005A", T0 - timedelta(seconds=1)) == 3
        assert tx.codes_issued_since("005A", T0) == 2  # strictly after
        assert tx.codes_issued_since("+14155552671", T0 - timedelta(hours=1)) == 1
    store.close()


def test_a_failed_step_writes_nothing(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    published: list[int] = []
    try:
        with store.transaction() as tx:
            tx.add_challenge(_challenge("id1"))
            tx.after_commit.append(lambda: published.append(1))
            raise RuntimeError("step failed")
    except RuntimeError:
        pass
    with store.transaction() as tx:
        assert tx.challenge("id1") is None
    assert published == [], "nothing is published for a rolled-back step"
    store.close()
