"""What one engine step writes (challenges, flows, history, events, callouts) in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.orm import Session

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.changes import Change
from otp_bench.domain.frozen import evolve
from otp_bench.domain.ids import SiteId, UserId
from otp_bench.domain.model import User
from otp_bench.store import convert as cv
from otp_bench.store import locks
from otp_bench.store.orm import (
    CalloutRow,
    ChallengeRow,
    ChangeRow,
    EventRow,
    FlowRow,
    HistoryRow,
    MembershipRow,
    UserRow,
)
from otp_bench.store.prepared import Prepared
from otp_bench.store.recent import History, Issued, RecentRows, _Bounded
from otp_bench.store.sql import InsertIds, Later, Sql

if TYPE_CHECKING:
    from otp_bench.store.store import Store

# Statements built once and run through ``Prepared`` (see store.prepared): an engine step writes
# a handful of rows, and SQLAlchemy's per-call work cost more than the SQL itself.
_CH = cast(Table, ChallengeRow.__table__)
_FLOW = cast(Table, FlowRow.__table__)
_EV = cast(Table, EventRow.__table__)
_CALLOUTS = cast(Table, CalloutRow.__table__)
_HISTORY = cast(Table, HistoryRow.__table__)
_USERS = cast(Table, UserRow.__table__)
_MEMBERS = cast(Table, MembershipRow.__table__)
_CHANGES = cast(Table, ChangeRow.__table__)
_SITES_OF_USER = (select(func.array_agg(_MEMBERS.c.site_id))  # PostgreSQL
                  .where(_MEMBERS.c.user_id == _USERS.c.id).scalar_subquery().label("site_ids"))
_INSERT_CHALLENGE = Prepared(_CH.insert())
_SELECT_CHALLENGE = Prepared(select(_CH).where(_CH.c.identifier == bindparam("_id")))
# verify's read: the row stays locked until the step commits, so what it says about use holds
_LOCK_CHALLENGE = Prepared(
    select(_CH).where(_CH.c.identifier == bindparam("_id")).with_for_update()
)
_COUNT_ISSUED = Prepared(select(func.count()).where(
    _CH.c.subject == bindparam("_subject"), _CH.c.issued_at > bindparam("_since")
))
_ISSUED_TIMES = Prepared(select(_CH.c.issued_at).where(
    _CH.c.subject == bindparam("_subject"), _CH.c.issued_at > bindparam("_since")
).order_by(_CH.c.issued_at))
_COUNT_FAILURE = Prepared(
    _CH.update()
    .where(_CH.c.identifier == bindparam("_id"))
    .values(failed_attempts=_CH.c.failed_attempts + 1)
    .returning(_CH.c.failed_attempts)
)
_CONSUME = Prepared(
    _CH.update()
    .where(
        _CH.c.identifier == bindparam("_id"),
        _CH.c.consumed_at.is_(None),
        _CH.c.invalidated.is_(None),
    )
    .values(consumed_at=bindparam("_at"))
    .returning(_CH.c.identifier)  # a row back, not a rowcount: PostgreSQL steps are pipelined
)
_INVALIDATE = Prepared(
    _CH.update()
    .where(_CH.c.identifier == bindparam("_id"), _CH.c.invalidated.is_(None))
    .values(invalidated=bindparam("_reason"))
)
_INSERT_FLOW = Prepared(_FLOW.insert())
_UPDATE_FLOW = Prepared(_FLOW.update().where(_FLOW.c.id == bindparam("_flow_id")))
_SELECT_FLOW = Prepared(select(_FLOW).where(_FLOW.c.id == bindparam("_flow_id")))
_INSERT_HISTORY = Prepared(_HISTORY.insert())
_LAST_SUCCESS = (
    select(func.coalesce(func.max(_HISTORY.c.id), 0))
    .where(_HISTORY.c.user_id == bindparam("_user"), _HISTORY.c.status == bindparam("_ok"))
    .scalar_subquery()
)
_SINCE_SUCCESS = Prepared(
    select(_HISTORY.c.at, _HISTORY.c.status)
    .where(_HISTORY.c.user_id == bindparam("_user"), _HISTORY.c.id > _LAST_SUCCESS)
    .order_by(_HISTORY.c.id.desc()).limit(bindparam("_limit"))
)
# verify's reads keyed by the flow alone, so they go in one batch with the flow's own row
_FLOW_USER = (select(_FLOW.c.user_id).where(_FLOW.c.id == bindparam("_flow_id"))
              .scalar_subquery())
_FLOW_CODE = (select(_FLOW.c.identifier).where(_FLOW.c.id == bindparam("_flow_id"))
              .scalar_subquery())
_LOCK_FLOW_USER = Prepared(select(_USERS, _SITES_OF_USER).where(_USERS.c.id == _FLOW_USER)
                           .with_for_update(of=_USERS))
_LOCK_FLOW_CHALLENGE = Prepared(
    select(_CH).where(_CH.c.identifier == _FLOW_CODE).with_for_update()
)
_FLOW_LAST_SUCCESS = (
    select(func.coalesce(func.max(_HISTORY.c.id), 0))
    .where(_HISTORY.c.user_id == _FLOW_USER, _HISTORY.c.status == bindparam("_ok"))
    .scalar_subquery()
)
_FLOW_SINCE_SUCCESS = Prepared(
    select(_HISTORY.c.at, _HISTORY.c.status)
    .where(_HISTORY.c.user_id == _FLOW_USER, _HISTORY.c.id > _FLOW_LAST_SUCCESS)
    .order_by(_HISTORY.c.id.desc()).limit(bindparam("_limit"))
)
_INSERT_EVENTS = InsertIds(_EV)
_INSERT_CALLOUT = Prepared(_CALLOUTS.insert().returning(_CALLOUTS.c.id))
# PostgreSQL: the user row, locked, with its sites (one statement)
_LOCK_USER = Prepared(select(_USERS, _SITES_OF_USER).where(_USERS.c.id == bindparam("_id"))
                      .with_for_update(of=_USERS))
_INSERT_CHANGES = InsertIds(_CHANGES)  # SQLite: the id from lastrowid, no RETURNING
# how far before its ``since`` an early hourly read (``Tx.expect_user``) reaches
_EXPECT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Challenge:
    identifier: str
    flow_id: str
    subject: str
    salt: bytes
    code_hash: bytes
    issued_at: datetime
    expires_at: datetime
    failed_attempts: int
    consumed_at: datetime | None
    invalidated: str | None


@dataclass(frozen=True)
class FlowRecord:
    id: str
    use_case: str
    site_id: str
    user_id: str | None
    username: str
    state: str
    handler: str
    identifier: str | None
    init: str
    delivery: str | None
    verify: str | None
    started_at: datetime
    pending_user: dict[str, Any] | None
    mobile: str | None


class Tx:
    """A unit of work handed to the engine by ``Store.transaction()``.

    The hot path (every flow step) runs prebuilt Core statements on ``conn``, a plain connection:
    an ORM session's unit of work costs more per step than the SQL. Workspace edits, which are
    rare and use the ORM, get ``session``: made on first use, on a savepoint of the same
    transaction, flushed by ``Store.transaction()`` before the commit.
    """

    def __init__(self, conn: Connection, store: Store, sql: Sql | None = None) -> None:
        self._conn = conn
        self.sql = sql or Sql(conn)  # the hot path: prepared statements on the same connection
        self._session: Session | None = None
        self.store = store
        self.after_commit: list[Callable[[], None]] = []
        self.changes: list[Change] = []  # the change-feed rows written, with their seq
        self.events: list[Any] = []  # what the engine asked to publish after the commit
        self.stored_rows: list[dict[str, Any]] = []  # those events as stored (``Event.row()``)
        self.stored_ids: list[int] = []  # and the ids the database gave them, same order
        # SQLite: this process's own recent rows, read without SQL (see store.recent)
        self._recent: RecentRows | None = store.recent if self.sql.sqlite else None
        # challenges read locked in this step, unused and valid, unchanged since (``consume``)
        self._held: set[str] = set()
        # PostgreSQL: the hourly limit's lock and read sent early (``expect_user``)
        self._expected: tuple[str, datetime, Any] | None = None

    @property
    def conn(self) -> Connection:
        """The step's connection, for statements run through SQLAlchemy (it reads results as it
        goes, so the hot path's pipeline is flushed first)."""
        self.sql.flush()
        self._untracked()
        return self._conn

    @property
    def session(self) -> Session:
        self.sql.flush()  # like ``conn``: the ORM reads its results as it goes
        self._untracked()
        if self._session is None:
            self._session = Session(bind=self._conn, join_transaction_mode="create_savepoint",
                                    expire_on_commit=False, autoflush=True)
        return self._session

    def finish(self) -> None:
        """Flush and release the ORM session, if one was used (before the commit)."""
        if self._session is not None:
            self.sql.flush()
            self._session.commit()  # releases its savepoint; the connection commits later
            self._session.close()
            self._session = None

    def _untracked(self) -> None:
        """Statements the recent rows can't follow run in this step: drop them all at commit."""
        recent, self._recent = self._recent, None
        if recent is not None:
            self.after_commit.append(recent.clear)

    def _forget(self, kind: _Bounded[str, Any], key: str) -> None:
        """A stored row changes in this step: its copy goes now, and again at commit (after any
        copy this step itself queued)."""
        kind.drop(key)
        self.after_commit.append(lambda: kind.drop(key))

    @property
    def published(self) -> bool:
        return bool(self.events)

    def changed(self, change: Change) -> Later[Change]:
        """Write ``change`` to the feed in this transaction; answers it with its position once
        the step's statements are answered (on PostgreSQL at the commit: no round trip of its
        own), when it also joins ``changes``, in the order written."""
        at = change.at or self.store.now()
        seq = self.sql.insert_ids_later(_INSERT_CHANGES, [{
            "at": at, "what": change.what._value_, "action": change.action._value_,
            "entity_id": change.entity_id, "name": change.name[:200],
        }])
        stored: Later[Change] = Later(self.sql)  # its value, read early, waits for the seq
        # the callbacks hold the lists and the store, not the Tx: a Tx referenced by its own
        # callbacks would be a reference cycle, kept with all it holds until a collection
        changes, after_commit, store = self.changes, self.after_commit, self.store

        def known(ids: list[int]) -> None:
            n = ids[0]
            changes.append(
                Change(change.what, change.action, change.entity_id, change.name, n, at))
            after_commit.append(lambda: store._seen(n))
            stored._set(changes[-1])

        seq.then(known)
        return stored

    # challenges
    def add_challenge(self, c: Challenge) -> None:
        self.sql.execute(
            _INSERT_CHALLENGE,
            {
                "identifier": c.identifier, "flow_id": c.flow_id, "subject": c.subject,
                "salt": c.salt, "code_hash": c.code_hash, "issued_at": c.issued_at,
                "expires_at": c.expires_at, "failed_attempts": c.failed_attempts,
                "consumed_at": None, "invalidated": None,
            },
        )
        if (recent := self._recent) is not None:
            self.after_commit.append(lambda: recent.challenge_added(c))

    def challenge(self, identifier: str) -> Challenge | None:
        if self._recent is not None and (own := self._recent.challenges.get(identifier)):
            return own
        return _challenge(self.sql.first(_SELECT_CHALLENGE, {"_id": identifier}))

    def verify_reads(
        self, identifier: str, user_id: str | None, success: str, limit: int,
    ) -> tuple[Challenge | None, User | None, list[tuple[datetime, str]]]:
        """What a verify decides on, read together (one round trip on PostgreSQL): the
        challenge; the user as committed now (None when deleted), its row locked until this step
        commits, so a decision on flags never uses another process's stale copy and a flag
        update never overwrites one made meanwhile; and the user's verification-history (time,
        status) rows after the last ``success`` (which resets every count kept over the
        history), at most the latest ``limit``, oldest first: usually a row or two.

        SQLite: the step holds the file's write lock and caught up with the change feed when it
        began, so the cached user is exactly what is committed and stays so until commit.
        """
        if (recent := self._recent) is not None:
            return self._verify_reads_recent(recent, identifier, user_id, success, limit)
        queries: list[tuple[Prepared, Mapping[str, Any]]] = []
        locked = user_id is not None and not self.sql.sqlite
        if locked:  # first: what is read after it sees every verify that held the lock before
            queries.append((_LOCK_USER, {"_id": user_id}))
        queries.append((_LOCK_CHALLENGE, {"_id": identifier}))
        if user_id is not None:
            queries.append((_SINCE_SUCCESS, {"_user": user_id, "_ok": success, "_limit": limit}))
        found = self.sql.batch(queries)
        if locked:
            user = _user(found[0])
            found = found[1:]
        else:
            user = self.store.user_by_id(user_id) if user_id is not None else None
        ch = _challenge(found[0][0] if found[0] else None)
        history = _history(found[1]) if user_id is not None else []
        self._hold(ch)
        return ch, user, history

    def _verify_reads_recent(
        self, recent: RecentRows, identifier: str, user_id: str | None, success: str, limit: int,
    ) -> tuple[Challenge | None, User | None, list[tuple[datetime, str]]]:
        """``verify_reads`` on SQLite: the rows this process wrote itself come from its copies,
        the rest from the database (and are kept from now on, once this step commits)."""
        queries: list[tuple[Prepared, Mapping[str, Any]]] = []
        ch = recent.challenges.get(identifier)
        if ch is None:
            queries.append((_SELECT_CHALLENGE, {"_id": identifier}))
        known = recent.history.get(user_id) if user_id is not None else None
        if known is not None and (known.success != success or known.limit != limit):
            known = None
        if user_id is not None and known is None:
            queries.append((_SINCE_SUCCESS, {"_user": user_id, "_ok": success, "_limit": limit}))
        found = self.sql.batch(queries) if queries else []
        if ch is None:
            first = found.pop(0)
            ch = _challenge(first[0] if first else None)
        history: list[tuple[datetime, str]] = []
        if known is not None:
            history = list(known.rows)
        elif user_id is not None:
            history = _history(found.pop(0))
            read = History(success, limit, list(history))
            self.after_commit.append(lambda: recent.history.put(user_id, read))
        user = self.store.user_by_id(user_id) if user_id is not None else None
        self._hold(ch)  # the step holds the file's write lock: the copy is the row until commit
        return ch, user, history

    def verify_flow_reads(
        self, flow_id: str, success: str, limit: int,
    ) -> tuple[FlowRecord | None, Challenge | None, User | None, list[tuple[datetime, str]]]:
        """``flow(flow_id)`` and ``verify_reads`` for the code the flow was last sent, in one
        batch (one round trip on PostgreSQL instead of two): the flow, its challenge, its user
        (locked, as in ``verify_reads``) and that user's history since the last ``success``.
        The challenge is the one the flow's row names; a flow without one answers None.
        SQLite: what this process wrote itself comes from its copies (``_verify_reads_recent``).
        """
        if (recent := self._recent) is not None:
            record = self.flow(flow_id)
            if record is None or record.identifier is None:
                return record, None, None, []
            return (record, *self._verify_reads_recent(
                recent, record.identifier, record.user_id, success, limit))
        queries: list[tuple[Prepared, Mapping[str, Any]]] = [(_SELECT_FLOW, {"_flow_id": flow_id})]
        locked = not self.sql.sqlite
        if locked:  # first: what is read after it sees every verify that held the lock before
            queries.append((_LOCK_FLOW_USER, {"_flow_id": flow_id}))
        queries += [
            (_LOCK_FLOW_CHALLENGE, {"_flow_id": flow_id}),
            (_FLOW_SINCE_SUCCESS, {"_flow_id": flow_id, "_ok": success, "_limit": limit}),
        ]
        found = self.sql.batch(queries)
        record = _flow(found[0][0] if found[0] else None)
        if record is None or record.identifier is None:
            return record, None, None, []
        ch_rows, history_rows = found[-2], found[-1]
        user: User | None = None
        if locked:
            user = _user(found[1])
        elif record.user_id is not None:
            user = self.store.user_by_id(record.user_id)
        ch = _challenge(ch_rows[0] if ch_rows else None)
        history = _history(history_rows) if record.user_id is not None else []
        self._hold(ch)
        return record, ch, user, history

    def _hold(self, ch: Challenge | None) -> None:
        """Remember a challenge read locked (``FOR UPDATE``; SQLite: the step holds the file's
        write lock) and still usable: no other step can use it before this one commits."""
        if ch is not None and ch.consumed_at is None and ch.invalidated is None:
            self._held.add(ch.identifier)

    def expect_user(self, ref: str, since: datetime) -> None:
        """PostgreSQL: send the hourly limit's lock and read for the user ``ref`` names (an id
        or a username) now, before the step's catch-up is answered, so they travel with the
        step's first wait instead of costing a round trip of their own later: an init's first
        look at the cache waits for the catch-up anyway, and its count used to follow one
        round trip behind. The user is taken from the cache as it stands (it may be stale), so
        it is only a guess: ``codes_issued_since`` uses the answer only for the same subject
        and a ``since`` no earlier than this one, and otherwise locks and counts as usual (the
        lock on a wrong guess is held until commit, as harmless as any). The read covers a
        margin before ``since`` so that a clock offset another process moved, learnt from the
        catch-up, still falls inside it. SQLite: nothing to do (the step's copies answer)."""
        if self.sql.sqlite or self._expected is not None:
            return
        store = self.store
        user_id = UserId(ref) if UserId(ref) in store._users else store._usernames.get(ref.lower())
        if user_id is None:
            return
        since -= _EXPECT_MARGIN
        locks.lock_subject(self.sql, user_id)
        self._expected = (user_id, since, self.sql.send(
            _ISSUED_TIMES, {"_subject": user_id, "_since": since}))

    def codes_issued_since(self, subject: str, since: datetime) -> int:
        """Codes issued to ``subject`` since ``since``; the subject stays locked until commit,
        so two processes can't both see room for one more code (the hourly limit holds)."""
        expected, self._expected = self._expected, None
        if expected is not None and expected[0] == subject and expected[1] <= since:
            # locked and read by ``expect_user`` (the read ran once the lock was held)
            return sum(1 for r in self.sql.sent_rows(expected[2]) if cv.utc(r[0]) > since)
        if (recent := self._recent) is not None:  # SQLite: the step holds the write lock
            known = recent.issued.get(subject)
            count = known.count_after(since) if known is not None else None
            if count is None:
                times = [cv.utc(r[0]) for r in self.sql.rows(
                    _ISSUED_TIMES, {"_subject": subject, "_since": since})]
                read = Issued(since, times)
                self.after_commit.append(lambda: recent.issued.put(subject, read))
                count = len(times)
            return count
        locks.lock_subject(self.sql, subject)
        found = self.sql.scalar(_COUNT_ISSUED, {"_subject": subject, "_since": since})
        return int(found or 0)

    def count_failure(self, identifier: str) -> int:
        """Count one wrong code; answer the failures so far (one UPDATE … RETURNING)."""
        if self._recent is not None:
            self._forget(self._recent.challenges, identifier)
        return int(self.sql.scalar(_COUNT_FAILURE, {"_id": identifier}) or 0)

    def consume(self, identifier: str, at: datetime) -> bool:
        """Mark the code used; False when another verify got there first (single use).

        A challenge this step read locked and usable (``verify_reads``) can't have been used
        since: the UPDATE is only queued (no round trip on PostgreSQL). Otherwise its
        RETURNING row says whether this step was first.
        """
        if self._recent is not None:
            self._forget(self._recent.challenges, identifier)
        if identifier in self._held:
            self._held.discard(identifier)
            self.sql.execute(_CONSUME, {"_id": identifier, "_at": at})
            return True
        return len(self.sql.rows(_CONSUME, {"_id": identifier, "_at": at})) == 1

    def invalidate(self, identifier: str, reason: str) -> None:
        if self._recent is not None:
            self._forget(self._recent.challenges, identifier)
        self._held.discard(identifier)
        self.sql.execute(_INVALIDATE, {"_id": identifier, "_reason": reason})

    # flows
    def add_flow(self, f: FlowRecord) -> None:
        self.sql.execute(_INSERT_FLOW, f.__dict__)
        if (recent := self._recent) is not None:
            self.after_commit.append(lambda: recent.flows.put(f.id, f))

    def update_flow(self, flow_id: str, **values: Any) -> None:
        if (recent := self._recent) is not None:
            old = recent.flows.get(flow_id)
            self._forget(recent.flows, flow_id)
            if old is not None:  # the row is exactly the copy with these columns set
                new = evolve(old, **values)
                self.after_commit.append(lambda: recent.flows.put(flow_id, new))
        self.sql.execute(_UPDATE_FLOW, {"_flow_id": flow_id, **values})

    def flow(self, flow_id: str) -> FlowRecord | None:
        if self._recent is not None and (own := self._recent.flows.get(flow_id)):
            return own
        return _flow(self.sql.first(_SELECT_FLOW, {"_flow_id": flow_id}))

    # history, events, callouts
    def add_history(
        self, *, at: datetime, user_id: str | None, username: str, site_id: str,
        use_case: str, status: str, identifier: str, method: str = "SMS",
    ) -> None:
        self.sql.execute(
            _INSERT_HISTORY,
            {
                "at": at, "user_id": user_id, "username": username, "site_id": site_id,
                "use_case": use_case, "method": method, "status": status,
                "identifier": identifier,
            },
        )
        if user_id is not None and (recent := self._recent) is not None:
            self.after_commit.append(lambda: recent.history_added(user_id, at, status))

    def add_events(self, rows: Sequence[Mapping[str, Any]]) -> Later[list[int]]:
        """Append event rows (``Event.row()``); their ids, in order, known once the step's
        statements are answered (on PostgreSQL at the commit, before it returns)."""
        return self.sql.insert_ids_later(_INSERT_EVENTS, rows)

    def add_callout(self, c: CalloutRecord) -> int:
        values = cv.callout_values(c)
        if c.raw is not None:
            values["sealed_raw"] = self.store.seal_json(cv.raw_dict(c.raw))
        values.setdefault("sealed_raw", None)
        return int(self.sql.scalar(_INSERT_CALLOUT, values))


def _flow(row: Any) -> FlowRecord | None:
    if row is None:
        return None
    data = row._asdict()
    data["started_at"] = cv.utc(data["started_at"])
    return FlowRecord(**data)


def _challenge(row: Any) -> Challenge | None:
    if row is None:
        return None
    return Challenge(
        row.identifier, row.flow_id, row.subject, row.salt, row.code_hash,
        cv.utc(row.issued_at), cv.utc(row.expires_at), row.failed_attempts,
        cv.utc(row.consumed_at) if row.consumed_at else None, row.invalidated,
    )


def _user(rows: list[Any]) -> User | None:
    """The user of a ``_LOCK_USER`` row (with its ``site_ids``), or None."""
    if not rows:
        return None
    row = rows[0]
    return cv.user_from(cast(Any, row), frozenset(SiteId(s) for s in row.site_ids or ()))


def _history(rows: list[Any]) -> list[tuple[datetime, str]]:
    return [(cv.utc(at), status) for at, status in reversed(rows)]
