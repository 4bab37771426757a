"""A step's statements wait on the server only where the step needs an answer (store.sql.Sql).

On PostgreSQL a step's writes, the ids it learns from them (``Later``) and its COMMIT travel
together; these tests pin what a user relies on when that is so: the ids are right, an error in a
write nobody waited for still rolls the whole step back and says what failed, nothing of a failed
step is published, and a registration's code is used once even by two processes at once. Both
backends run each test; the round-trip counts are PostgreSQL's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, select

from otp_bench.domain.changes import Action, Change, What
from otp_bench.domain.events import ClockAdvanced
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser, Settings
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.store.activity import Challenge
from otp_bench.store.orm import ChallengeRow, ChangeRow, EventRow
from otp_bench.store.prepared import Prepared
from otp_bench.store.sql import InsertIds, Sql
from otp_bench.store.store import Store
from tests.engine.helpers import DEFAULT_SITE, fresh_mobile, make_workspace
from tests.store.procs import Agent

_CH = cast(Table, ChallengeRow.__table__)
_EV = cast(Table, EventRow.__table__)
_CHANGES = cast(Table, ChangeRow.__table__)
_INSERT = Prepared(_CH.insert())


def _challenge(name: str) -> dict[str, Any]:
    at = datetime.now(UTC)
    return {"identifier": name, "flow_id": f"f-{name}", "subject": "s", "salt": b"salt",
            "code_hash": b"h" * 32, "issued_at": at, "expires_at": at + timedelta(minutes=5),
            "failed_attempts": 0, "consumed_at": None, "invalidated": None}


def _event(n: int) -> dict[str, Any]:
    return {"at": datetime.now(UTC), "kind": "k", "flow_id": f"f{n}", "site": "", "user": "",
            "use_case": "", "step": "", "result": "", "latency_ms": None, "summary": str(n),
            "data": {}}


@pytest.fixture
def store(any_db_url: str) -> Any:
    s = Store(any_db_url, throwaway=True)
    yield s
    s.close()


def test_ids_learnt_late_are_the_rows_ids_and_known_after_the_commit(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.add_events([_event(0), _event(1)])
        change = tx.changed(Change(What.INBOX, Action.SAVED, "+14155550100", "test"))
        second = tx.add_events([_event(2)])
        seen: list[list[int]] = []
        second.then(seen.append)
    ids = first.value + second.value
    assert seen == [second.value] and ids == sorted(ids) and len(set(ids)) == 3
    with store.engine.connect() as conn:
        summaries = {r.id: r.summary for r in conn.execute(select(_EV))}
        seqs = [r.id for r in conn.execute(select(_CHANGES.c.id))]
    assert [summaries[i] for i in ids] == ["0", "1", "2"]
    assert change.value.seq in seqs and [c.seq for c in tx.changes] == [change.value.seq]


def test_an_id_read_before_the_commit_waits_for_it_and_is_right(store: Store) -> None:
    with store.transaction() as tx:
        early = tx.add_events([_event(7)]).value[0]  # needed now: answered now
        tx.add_events([_event(8)])
    with store.engine.connect() as conn:
        assert conn.execute(select(_EV.c.summary).where(_EV.c.id == early)).scalar() == "7"


def test_an_error_in_a_write_nobody_waited_for_rolls_the_step_back_and_names_it(
        store: Store) -> None:
    """The duplicate key is only reported with the commit's answer: the COMMIT queued behind it
    never runs, nothing of the step stays, and the error says what it was."""
    with store.transaction() as tx:
        tx.sql.execute(_INSERT, _challenge("taken"))
    ids = None
    with (pytest.raises(Exception, match=r"(?i)unique|duplicate") as err,
          store.transaction() as tx):
        ids = tx.add_events([_event(1)])
        tx.changed(Change(What.INBOX, Action.SAVED, "+14155550100", "test"))
        tx.sql.execute(_INSERT, _challenge("new"))
        tx.sql.execute(_INSERT, _challenge("taken"))  # fails on the server, later
    assert "challenges" in str(err.value) or "identifier" in str(err.value)
    assert ids is not None
    with store.engine.connect() as conn:
        assert conn.execute(select(_EV)).all() == []
        assert conn.execute(select(_CHANGES)).all() == []
        assert [r.identifier for r in conn.execute(select(_CH))] == ["taken"]
    with store.transaction() as tx:  # the step connection works again
        assert tx.add_events([_event(2)]).value


def test_a_failed_step_publishes_nothing_and_its_ids_are_never_counted_as_ours(
        any_db_url: str) -> None:
    eng = Engine(Store(any_db_url, throwaway=True))
    batches: list[EventBatch] = []
    eng.events.subscribe(batches.append)
    try:
        with (pytest.raises(Exception, match=r"(?i)unique|duplicate"),
              eng.store.transaction() as tx):
            eng.publish_after(tx, [ClockAdvanced(at=eng.clock.now(), step="clock",
                                                 seconds=1.0)])
            tx.sql.execute(_INSERT, _challenge("twice"))
            tx.sql.execute(_INSERT, _challenge("twice"))
        assert batches == [] and eng.store.events() == []
        eng.advance_clock(5)  # and the next step publishes with its stored ids
        assert [r.id for r in batches[-1].records] == list(eng.own_event_ids)[-1:]
        assert eng.store.events()[-1].id == batches[-1].records[-1].id
    finally:
        eng.close()


def test_a_step_of_writes_waits_on_the_server_once(pg_url: str) -> None:
    """BEGIN, the catch-up's read, the writes, their ids and COMMIT: two waits on PostgreSQL
    (the catch-up must be read before anything is decided; the rest goes with the COMMIT)."""
    store = Store(pg_url, throwaway=True)
    try:
        with store.transaction() as tx:  # the first step opens the connection
            tx.sql.execute(_INSERT, _challenge("warm"))
        before = Sql.round_trips
        with store.transaction() as tx:
            tx.sql.execute(_INSERT, _challenge("a"))
            ids = tx.sql.insert_ids_later(InsertIds(_EV), [_event(1), _event(2)])
            tx.changed(Change(What.INBOX, Action.SAVED, "+14155550100", "test"))
        assert Sql.round_trips - before == 2
        assert len(ids.value) == 2
        before = Sql.round_trips
        store.inbox("+14155550100", limit=1)  # a short read outside a step: one
        assert Sql.round_trips - before == 1
    finally:
        store.close()


def test_a_registration_code_is_used_once_across_processes(any_db_url: str) -> None:
    """No user row to lock: the challenge's own row lock makes the second verify wait, then see
    the code used."""
    owner = Engine(Store(any_db_url))
    owner.save_settings(Settings(custom_otp_enabled=True))
    make_workspace(owner)
    a, b = Agent(owner.store.url), Agent(owner.store.url)
    try:
        for i in range(5):
            mobile = fresh_mobile()
            out = owner.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                              new_user=NewUser(f"twice{i}@example.com", mobile))
            code = owner.store.inbox(out.phone or "")[-1].otp
            a.send(op="verify", flow_id=out.flow_id, code=code)
            b.send(op="verify", flow_id=out.flow_id, code=code)
            results = [a.answer(), b.answer()]
            assert sorted(r["success"] for r in results) == [False, True], results
            assert [r["reason"] for r in results if not r["success"]] in (
                ["already_used"], ["username_taken"])
    finally:
        a.close()
        b.close()
        owner.close()


def test_verify_reads_keyed_by_the_flow_match_the_two_reads_they_replace(
        any_db_url: str) -> None:
    eng = Engine(Store(any_db_url))
    eng.save_settings(Settings(custom_otp_enabled=True))
    make_workspace(eng)
    try:
        user = eng.new_user("flowreads@example.com", mobile=fresh_mobile(),
                            flags=Flags(True, False),
                            sites=frozenset(s.id for s in eng.store.sites()))
        login = eng.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
        assert not eng.verify(login.flow_id, "wrong").success  # a history row to read back
        again = eng.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
        signup = eng.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                           new_user=NewUser("flowreads-new@example.com", fresh_mobile()))
        refused = eng.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, eng.new_user(
            "unverified@example.com", mobile=fresh_mobile(),
            sites=frozenset(s.id for s in eng.store.sites())).username)
        assert refused.identifier is None
        histories = []
        for flow_id in (again.flow_id, signup.flow_id):
            with eng.store.transaction() as tx:
                record = tx.flow(flow_id)
                assert record is not None and record.identifier is not None
                apart = (record, *tx.verify_reads(record.identifier, record.user_id,
                                                  "Succeeded", 10))
            with eng.store.transaction() as tx:
                together = tx.verify_flow_reads(flow_id, "Succeeded", 10)
            assert together == apart and together[1] is not None
            histories.append(len(together[3]))
        assert histories == [3, 0]  # the user: sent, a wrong code, sent again; a signup: none
        with eng.store.transaction() as tx:
            assert tx.verify_flow_reads("no-such-flow", "Succeeded", 10) == (None, None, None, [])
            record = tx.flow(refused.flow_id)
            assert tx.verify_flow_reads(refused.flow_id, "Succeeded", 10) == (
                record, None, None, [])
    finally:
        eng.close()


def test_a_step_that_raises_after_queued_writes_leaves_nothing(store: Store) -> None:
    """On PostgreSQL the writes were only queued in the step's transaction; the sync that ends
    the failed step must roll them back, not commit them."""
    with pytest.raises(RuntimeError, match="the engine changed its mind"), \
            store.transaction() as tx:
        tx.sql.execute(_INSERT, _challenge("queued"))
        tx.add_events([_event(1)])
        raise RuntimeError("the engine changed its mind")
    with store.engine.connect() as conn:
        assert conn.execute(select(_CH)).all() == [] and conn.execute(select(_EV)).all() == []


def test_writes_before_and_after_sqlalchemy_in_one_step_commit_or_fail_together(
        store: Store) -> None:
    """A step that also runs statements through SQLAlchemy (a workspace edit) leaves the
    pipeline in the middle: what it queued before must still belong to the same transaction."""
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), store.transaction() as tx:
        tx.sql.execute(_INSERT, _challenge("before"))
        tx.conn.execute(_CH.insert(), _challenge("through-sqlalchemy"))
        tx.sql.execute(_INSERT, _challenge("before"))  # duplicate: the whole step fails
    with store.engine.connect() as conn:
        assert conn.execute(select(_CH)).all() == []
    with store.transaction() as tx:
        tx.sql.execute(_INSERT, _challenge("before"))
        tx.conn.execute(_CH.insert(), _challenge("through-sqlalchemy"))
        tx.add_events([_event(1)])
    with store.engine.connect() as conn:
        assert sorted(r.identifier for r in conn.execute(select(_CH))) == [
            "before", "through-sqlalchemy"]
        assert len(conn.execute(select(_EV)).all()) == 1


def test_a_committed_step_is_announced_and_a_failed_one_never(pg_url: str) -> None:
    """The step's notification rides on its first read: sent at its commit, and only then."""
    import psycopg
    from sqlalchemy import make_url

    from otp_bench.store import notify

    store = Store(pg_url, throwaway=True)
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute(f'LISTEN "{notify.channel(store.workspace_id)}"')
            with pytest.raises(RuntimeError), store.transaction() as tx:
                tx.sql.execute(_INSERT, _challenge("rolled-back"))
                raise RuntimeError("changed its mind")
            assert list(listener.notifies(timeout=0.5, stop_after=1)) == []
            with store.transaction() as tx:
                tx.sql.execute(_INSERT, _challenge("kept"))
            notes = list(listener.notifies(timeout=5.0, stop_after=1))
            assert [n.payload for n in notes] == [notify.INSTANCE]
    finally:
        store.close()


def test_a_complete_flow_waits_on_the_server_five_times(pg_url: str) -> None:
    """The default provider delivering inside the init step (bench/bench_engine.py's flow):
    init 2 (its catch-up with the hourly lock and read, ``Tx.expect_user``; the commit, which
    also answers the phone message's id: ``Inbox.land`` doesn't wait for it), reading the
    code 1, verify 2: a verify's catch-up travels with its own reads, no wait of its own."""
    eng = Engine(Store(pg_url, throwaway=True))
    try:
        site = eng.new_site("Trips")
        user = eng.new_user("trips@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                            sites=frozenset({site.id}))
        counts = []
        for _ in range(2):  # the first flow opens the connection and prepares statements
            before = Sql.round_trips
            out = eng.start(UseCase.PASSWORDLESS_LOGIN, "Trips", user.username)
            init = Sql.round_trips - before
            before = Sql.round_trips
            code = eng.store.inbox(out.phone or "", limit=1)[-1].otp or ""
            read = Sql.round_trips - before
            before = Sql.round_trips
            assert eng.verify(out.flow_id, code).success
            counts.append((init, read, Sql.round_trips - before))
        assert counts[-1] == (2, 1, 2)
    finally:
        eng.close()


def _issue(store: Store, subject: str, at: datetime, name: str) -> None:
    with store.transaction() as tx:
        tx.add_challenge(Challenge(name, f"f-{name}", subject, b"salt", b"h" * 32, at,
                                   at + timedelta(minutes=5), 0, None, None))


def test_an_hourly_count_sent_early_counts_what_another_process_issued(
        any_db_url: str) -> None:
    """``Tx.expect_user`` (the init's hourly lock and read sent with its catch-up) answers the
    same count as the usual lock-and-count: codes another engine issued just before, none
    older than the hour; by id or username; and a guess for another subject, or an earlier
    ``since`` than it read for, is counted the usual way."""
    a = Engine(Store(any_db_url))
    b = Engine(Store(a.store.url))
    try:
        user = a.new_user("early@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                          sites=frozenset())
        other = a.new_user("other@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                           sites=frozenset())
        now = datetime.now(UTC)
        since = now - timedelta(hours=1)
        _issue(b.store, user.id, now - timedelta(hours=1, minutes=5), "old")  # in the margin
        for i in range(3):
            _issue(b.store, user.id, now - timedelta(minutes=i), f"new{i}")
        _issue(b.store, other.id, now, "theirs")
        for ref in (user.id, "EARLY@example.com"):
            with a.store.transaction() as tx:
                tx.expect_user(ref, since)
                assert tx.codes_issued_since(user.id, since) == 3
        with a.store.transaction() as tx:
            tx.expect_user(user.username, since)  # a guess that turns out wrong
            assert tx.codes_issued_since(other.id, since) == 1
        with a.store.transaction() as tx:
            tx.expect_user(user.username, since)
            assert tx.codes_issued_since(user.id, since - timedelta(hours=1)) == 4
        with a.store.transaction() as tx:
            tx.expect_user("nobody@example.com", since)  # no such user: nothing sent
            assert tx.codes_issued_since(user.id, since) == 3
    finally:
        b.close()
        a.close()


def test_an_hourly_count_sent_early_travels_with_the_catch_up(pg_url: str) -> None:
    """An init's shape: a look at the cache (it waits for the step's catch-up), then the
    hourly count, then the commit. Sent early, the count costs no wait of its own: 2 waits
    instead of 3."""
    eng = Engine(Store(pg_url, throwaway=True))
    try:
        user = eng.new_user("trip@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                            sites=frozenset())
        since = datetime.now(UTC) - timedelta(hours=1)
        waits = []
        for early in (False, True, False, True):  # the first two prepare the statements
            before = Sql.round_trips
            with eng.store.transaction() as tx:
                if early:
                    tx.expect_user(user.username, since)
                assert eng.store.user_by_username(user.username) == user
                assert tx.codes_issued_since(user.id, since) == 0
            waits.append(Sql.round_trips - before)
        assert waits[2:] == [3, 2]
    finally:
        eng.close()


def test_a_verify_decides_on_what_another_engine_committed_just_before(
        any_db_url: str) -> None:
    """The verify's catch-up is applied once its reads are answered, before anything is
    decided: a stricter policy saved elsewhere applies to the very next wrong code, and a clock
    moved elsewhere past the code's expiry expires it (neither is this engine's stale copy)."""
    a = Engine(Store(any_db_url))
    a.save_settings(Settings(custom_otp_enabled=True))
    make_workspace(a)
    b = Engine(Store(a.store.url))
    try:
        mobile = fresh_mobile()
        user = a.new_user("stale@example.com", mobile=mobile, flags=Flags(True, False),
                          sites=frozenset(s.id for s in a.store.sites()))
        first = a.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
        code = a.store.inbox(first.phone or "", limit=1)[-1].otp or ""
        settings = b.settings
        b.save_settings(replace(settings, otp=replace(settings.otp, max_failed_attempts=1)))
        wrong = a.verify(first.flow_id, "1" * len(code) if code != "1" * len(code) else "2")
        assert wrong.reason == Reason.ATTEMPTS_EXCEEDED  # one failure allowed now, not three
        second = a.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
        code = a.store.inbox(second.phone or "", limit=1)[-1].otp or ""
        b.advance_clock(24 * 3600)
        late = a.verify(second.flow_id, code)
        assert not late.success and late.reason == Reason.EXPIRED
    finally:
        b.close()
        a.close()


def test_a_store_read_inside_a_step_stays_inside_its_transaction(store: Store) -> None:
    """A read made through the store while a step is open on the same thread (a handler that
    runs inside the init step reading the phone) joins the step: on PostgreSQL it travels in
    the step's pipeline instead of syncing it, so a step that then fails still writes nothing."""
    with pytest.raises(RuntimeError, match="failed after the read"), \
            store.transaction() as tx:
        tx.sql.execute(_INSERT, _challenge("inside"))
        assert store.inbox("+14155550123") == []
        raise RuntimeError("failed after the read")
    with store.engine.connect() as conn:
        assert conn.execute(select(_CH)).all() == []
