"""A store's steps: one transaction each, on a connection kept open, caught up with other
processes before anything is decided.

A ``Store`` mixin. ``transaction()`` begins on the driver's connection (``BEGIN IMMEDIATE`` on
SQLite), first applies what other processes committed (``catch_up``: one ``PRAGMA data_version``
on SQLite; the change feed and the records it names only when something moved), hands out a
``Tx``, and commits; the cache updates and the commit listeners run after the commit. A second
``transaction()`` on the same thread joins the open one. See store.prepared and store.sql for
why the hot path runs on the driver's cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, select

from otp_bench.domain.changes import Action, Change, ChangeSet, What
from otp_bench.store import checkpoint, reload
from otp_bench.store import convert as cv
from otp_bench.store.activity import Tx
from otp_bench.store.notify import NOTE, note_params
from otp_bench.store.orm import ChangeRow
from otp_bench.store.prepared import Prepared
from otp_bench.store.recent import RecentRows
from otp_bench.store.sql import Sql

if TYPE_CHECKING:
    from otp_bench.store.store import Store

_CHANGES = cast(Table, ChangeRow.__table__)
# "after _after, up to the newest": the upper bound changes nothing but the plan. PostgreSQL
# plans a prepared ``id > $1`` for a third of the table (a sequential scan of the whole feed on
# every step, growing with it); a range bounded on both sides is planned as the few rows it is:
# the primary key's index, whatever the table's statistics
_NEW = and_(_CHANGES.c.id > bindparam("_after"),
            _CHANGES.c.id <= select(func.max(_CHANGES.c.id)).scalar_subquery())
_NEW_CHANGES = Prepared(select(_CHANGES).where(_NEW).order_by(_CHANGES.c.id))
# PostgreSQL steps: the same read also sends the step's notification (``notify.NOTE``, one
# statement instead of two); with no new rows it answers the note's row alone, all NULLs
_NEW_CHANGES_NOTED = Prepared(
    select(_CHANGES).select_from(NOTE.outerjoin(_CHANGES, _NEW)).order_by(_CHANGES.c.id)
)


class StepTransactions:
    workspace_id: str
    commit_listeners: list[Callable[[Tx], None]]
    on_caught_up: Callable[[ChangeSet], None] | None
    _step_engine: Engine
    _write: threading.RLock
    _conn: Connection | None
    _sqlite: bool
    _notify: bool
    _data_version: int | None
    _active: tuple[int, Tx] | None
    # PostgreSQL: the open step's catch-up read, sent and not yet applied: (thread, Sql, sent)
    _feed_due: tuple[int, Sql, Any] | None = None
    _checkpoints: checkpoint.Checkpointer | None
    _last_change: int
    recent: RecentRows

    def _as_store(self) -> Store:
        return cast("Store", self)  # the mixin only ever lives in a Store

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One engine step: everything inside commits together or not at all.

        It begins by catching up with what other processes committed (on SQLite it holds the
        file's write lock by then, so nothing can change between that look and the commit): a
        step never decides on a stale copy. After the commit, the transaction's ``after_commit``
        callbacks run (cache updates first, in the order written), then every commit listener
        (the engine's publisher).

        Called again on the same thread while one is open (a handler that runs inside the init
        step delivering to the phone), it joins the open transaction: one commit for both.
        """
        active = self._active
        if active is not None and active[0] == threading.get_ident():
            yield active[1]
            return
        with self._write:
            conn = self._step_conn()
            # begun and ended on the driver's connection: SQLAlchemy's Transaction cost more per
            # step than the SQL. A step that also runs statements through SQLAlchemy (``tx.conn``,
            # ``tx.session``: workspace edits) joins this transaction (``locks._begin`` sees it
            # open) and is committed through SQLAlchemy, which then knows it began one.
            raw: Any = conn.connection.dbapi_connection
            # PostgreSQL: pipelined (see Sql): the step's statements up to the pipeline's sync
            # are its transaction; the sync carries its last writes and commits them
            sql = Sql(conn)
            try:
                try:
                    sql.begin()
                    self._catch_up_on(conn, sql)
                    tx = Tx(conn, self._as_store(), sql)
                    self._active = (threading.get_ident(), tx)
                    try:
                        yield tx
                        self._fresh()  # applied before the commit, whatever the step read
                    finally:
                        self._active = None
                        self._feed_due = None  # a failed step: read again by the next one
                    tx.finish()
                    if not self._sqlite:
                        # one round trip: the queued writes and the commit (none of it when a
                        # write failed); the step's ``Later`` ids are known after it
                        sql.commit()
                except BaseException as exc:
                    sql.flush(exc)
                    raise
                if conn.in_transaction():  # PostgreSQL: committed already, no I/O
                    conn.commit()
                elif self._sqlite:
                    raw.commit()
                    if self._checkpoints is not None:
                        self._checkpoints.committed()
            except BaseException:
                self._abandon(conn, raw)
                raise
            # the cache updates run under the write lock too: a catch-up re-reading the cache on
            # another thread then can't swap in a snapshot taken before this commit and lose them
            for fn in tx.after_commit:
                fn()
        if tx.changes or tx.published:
            for listener in self.commit_listeners:
                listener(tx)

    @contextmanager
    def settled(self) -> Iterator[None]:
        """Hold off this process's steps: any step whose commit another connection could see
        has finished (its ``Later`` ids known, its cache updates applied) while inside."""
        with self._write:
            yield

    @contextmanager
    def _tx(self, tx: Tx | None) -> Iterator[Tx]:
        """``tx`` when the caller has one open, else a transaction of our own."""
        if tx is not None:
            yield tx
        else:
            with self.transaction() as own:
                yield own

    def _step_conn(self) -> Connection:
        """The connection every step runs on (only under ``_write``), kept open between steps:
        checking one out of the pool, beginning and resetting it cost more than a step's SQL.
        A connection the database dropped (a restarted server) is replaced on the next step."""
        conn = self._conn
        raw = None if conn is None or conn.invalidated else conn.connection.dbapi_connection
        if raw is not None and (getattr(raw, "broken", False) or getattr(raw, "closed", False)):
            conn.invalidate()  # type: ignore[union-attr]  # dropped under a read: start afresh
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                conn.close()
            conn = self._conn = self._step_engine.connect()
            if not self._sqlite:
                # a step's transaction is its pipeline's (``Sql.begin``): psycopg would
                # otherwise send a BEGIN and wait for it; reads outside a step need none
                conn.execution_options(isolation_level="AUTOCOMMIT")
            self._data_version = None
        return conn

    def _read(self, prep: Prepared, params: Mapping[str, Any]) -> list[Any]:
        """A short read on the step connection (under the write lock: never inside another
        thread's step): no pool checkout, and on SQLite no transaction at all."""
        with self._write:
            # PostgreSQL: one statement in autocommit mode, one round trip
            return Sql(self._step_conn(), pipeline=False).rows(prep, params)

    def _abandon(self, conn: Connection, raw: Any) -> None:
        """Roll a failed step back. A connection that can't even do that (the server restarted,
        the network dropped) is dropped: the next step opens a fresh one instead of failing on
        it forever (SQLAlchemy can't notice: the step ran on the driver's connection). So is
        one left in libpq's pipeline mode by a failure while reading its results."""
        pgconn = getattr(raw, "pgconn", None)
        if pgconn is not None and pgconn.pipeline_status:  # PostgreSQL: pq.PipelineStatus.OFF is 0
            conn.invalidate()
            return
        try:
            if conn.in_transaction():
                conn.rollback()
            else:
                raw.rollback()
        except Exception:
            conn.invalidate()
            return
        if getattr(raw, "broken", False) or getattr(raw, "closed", False):
            conn.invalidate()

    def catch_up(self) -> ChangeSet:
        """Apply the feed rows written since this cache last looked (by any process).

        The records they name are re-read from the database before the changes are answered,
        so whoever reacts to them (a view, a deciding transaction) sees the new state. Every
        step does this itself at its start (``transaction``); the ``Follower`` calls it when
        another process committed, so an idle instance shows their changes too.
        """
        with self._write:  # never interleaved with a local commit and its cache updates
            conn = self._step_conn()
            if self._sqlite and not self._data_moved(conn):
                return ChangeSet()  # the usual answer, without touching the file's lock
            with conn.begin():
                return self._read_feed(conn, Sql(conn, pipeline=False))

    def _catch_up_on(self, conn: Connection, sql: Sql) -> None:
        """Inside a step (``conn`` in its transaction): catch up if anything moved.

        On PostgreSQL the read also sends the step's notification (other instances hear of
        the step when it commits: LISTEN/NOTIFY), and it is only sent here: its answer is
        applied when the step first needs it — its first wait on the server (which carries
        the read: a verify's reads cost no round trip of their own for it), or any look at the
        cache before that (``_fresh``, called by every cache accessor), at the latest before
        the commit. So no decision is made on a stale copy, and a step that reads the database
        first pays no extra round trip for catching up."""
        if self._sqlite:
            if self._data_moved(conn, sql):
                self._read_feed(conn, sql)
            return
        if self._notify:
            sent = sql.send(_NEW_CHANGES_NOTED, {"_after": self._last_change,
                                                 **note_params(self.workspace_id)})
        else:
            sent = sql.send(_NEW_CHANGES, {"_after": self._last_change})
        self._feed_due = (threading.get_ident(), sql, sent)
        sql.before_wait = self._fresh

    def _fresh(self) -> None:
        """Apply the open step's pending catch-up (PostgreSQL), on the step's own thread:
        the cache is then what was committed when the step began. Other threads read the
        cache as it is, as always."""
        due = self._feed_due
        if due is None or due[0] != threading.get_ident():
            return
        self._feed_due = None
        sql = due[1]
        sql.before_wait = None
        try:
            rows = [r for r in sql.sent_rows(due[2]) if r.id is not None]
            self._apply_rows(sql.conn, sql, rows)
        except BaseException:
            self._data_version = None
            raise

    def _data_moved(self, conn: Connection, sql: Sql | None = None) -> bool:
        """SQLite: did another connection commit since the last look? One pragma, no SQL on
        the tables (``data_version`` moves only for other connections' commits); on the open
        step's ``sql`` if there is one."""
        version = int((sql or Sql(conn)).pragma("data_version"))
        moved = version != self._data_version
        self._data_version = version
        if moved:  # another connection committed: this process's copies may be stale
            self.recent.clear()
        return moved

    def _read_feed(self, conn: Connection, sql: Sql) -> ChangeSet:
        try:
            return self._apply_feed(conn, sql)
        except BaseException:
            self._data_version = None  # look again next time: nothing may be skipped
            raise

    def _apply_feed(self, conn: Connection, sql: Sql) -> ChangeSet:
        return self._apply_rows(conn, sql, sql.rows(_NEW_CHANGES, {"_after": self._last_change}))

    def _apply_rows(self, conn: Connection, sql: Sql, rows: list[Any]) -> ChangeSet:
        if not rows:
            return ChangeSet()
        sql.flush()  # the records are re-read through SQLAlchemy
        changes = ChangeSet.of(
            Change(What(r.what), Action(r.action), r.entity_id, r.name, r.id, cv.utc(r.at))
            for r in rows
        )
        reload.apply(self._as_store(), conn, changes)
        self._last_change = max(self._last_change, changes.last_seq)
        if self.on_caught_up is not None:
            self.on_caught_up(changes)
        return changes

    @property
    def last_change(self) -> int:
        """The newest feed position this cache reflects."""
        return self._last_change

    def _seen(self, seq: int) -> None:
        if seq == self._last_change + 1:  # only a gapless step: a gap is another writer's
            self._last_change = seq
