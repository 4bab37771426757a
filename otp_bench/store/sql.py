"""Running ``Prepared`` statements in an engine step, on the driver's own connection.

SQLite: on the DBAPI cursor of the connection the step holds (its ``BEGIN IMMEDIATE``), a new
row's id from ``lastrowid``. PostgreSQL: in libpq's pipeline mode (``store.pg_pipe``), waiting on
the server only where the step needs an answer; a value needed only after the step's last
statement is a ``Later``. See ``Sql``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from otp_bench.store.prepared import Prepared, _Compiled

if TYPE_CHECKING:
    from otp_bench.store.pg_pipe import Fetched, PgPipe, Slot

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"\$(\d+)")  # a ``$n`` parameter of a PostgreSQL statement
_SQLITE_PARAMS = 999  # parameters per statement SQLite takes everywhere (before 3.32, its limit)


class Later(Generic[T]):
    """What a queued statement answers (a new row's id), known once the step's pipeline has
    been answered: on PostgreSQL at the step's commit, which carries every write still queued
    (see ``Sql``); on SQLite at once. Reading ``value`` before then waits for it (one round
    trip), so it is never wrong, only sooner paid for. ``then`` callbacks run when it is
    known, in the order the statements were queued, before the step's commit returns."""

    __slots__ = ("_done", "_sql", "_then", "_value")

    def __init__(self, sql: Sql | None = None) -> None:
        self._sql = sql
        self._done = False
        self._value: Any = None
        self._then: list[Callable[[T], None]] = []

    @classmethod
    def known(cls, value: T) -> Later[T]:
        later: Later[T] = cls.__new__(cls)  # known from the start: nothing waits on it yet
        later._sql, later._done, later._value, later._then = None, True, value, []
        return later

    @property
    def value(self) -> T:
        if not self._done and self._sql is not None:
            self._sql._settle(through=self)
        if not self._done:
            raise RuntimeError("the statement behind this value did not complete")
        return cast(T, self._value)

    def then(self, fn: Callable[[T], None]) -> None:
        if self._done:
            fn(self._value)
        else:
            self._then.append(fn)

    def _set(self, value: T) -> None:
        self._value, self._done = value, True
        waiting, self._then = self._then, []
        for fn in waiting:
            fn(value)


class Sql:
    """Runs ``Prepared`` statements on the DBAPI connection under ``conn`` (same transaction).

    On PostgreSQL a step runs in pipeline mode (``store.pg_pipe``: psycopg's libpq connection
    and C Transformer, no Cursor per statement), on a connection in autocommit mode, and costs
    a round trip only where it must wait for an answer: its statements up to the pipeline's
    sync are one transaction (see ``begin``: no BEGIN or COMMIT statement); a write whose
    outcome isn't read is only queued (``execute``); a value a step needs only after its last
    statement (a new row's id) is a ``Later``, filled from the pipeline when it is answered;
    ``commit`` syncs once, so the last writes and the commit cost one round trip together; a
    read (``rows``, ``batch``) waits, and carries every write queued before it.
    An error in a queued write surfaces at the next wait (at the latest the commit's) and the
    whole step rolls back, naming the cause.
    SQLAlchemy reads each result as it executes, so anything run through it must ``flush()``
    first (``Tx.conn`` does). ``pipeline=False``: one statement, one round trip (a short read
    outside a step).

    ``Sql.round_trips`` counts this process's waits on the PostgreSQL server by this class
    (pipeline syncs, reads that had to wait, unpipelined statements): a bench figure
    (bench/bench_engine.py --db); statements run through SQLAlchemy itself aren't in it.
    """

    round_trips = 0  # PostgreSQL only; an approximate total when several threads run steps

    def __init__(self, conn: Connection, *, pipeline: bool = True) -> None:
        self.conn = conn
        self._dbapi: Any = conn.connection.dbapi_connection
        self.sqlite = conn.dialect.name == "sqlite"
        # PostgreSQL: statements compiled with ``$n`` placeholders, as the pipe sends them
        self.dialect = conn.dialect if self.sqlite else _numbered(conn.dialect)
        self._pg: PgPipe | None = None
        if not self.sqlite:
            from otp_bench.store.pg_pipe import PgPipe  # psycopg: the postgres extra's

            self._pg = PgPipe.of(conn.connection.info, self._dbapi)
            # a statement run inside an open step on its thread (a store read from a handler
            # that runs in the step) joins the step's pipeline: a sync would commit the step
            pipeline = pipeline or self._pg.active
        self._piped = pipeline
        # called (once it is set) before the first wait for a result: the step's catch-up
        # (store.steps), whose read travels with whatever the step first waits for
        self.before_wait: Callable[[], None] | None = None
        self._pending: list[tuple[Later[Any], Callable[[], Any]]] = []  # queued, in order
        self._step: str | None = None  # PostgreSQL: the open step's "implicit"/"explicit" txn
        self._writer: Any = None  # SQLite: the cursor the step's writes run on

    def begin(self) -> None:
        """Begin the step's transaction: ``BEGIN IMMEDIATE`` on SQLite (the file's write lock,
        taken now). PostgreSQL needs no statement: the statements a pipeline sends up to its
        sync form one transaction (the protocol's implicit transaction), committed by that sync
        when all succeeded and rolled back when one failed; locks (``FOR UPDATE``, advisory)
        hold until then. Leaving the pipeline earlier (``flush``) first turns it into an
        explicit one with BEGIN, which takes in what was already sent."""
        if self.sqlite:
            self._dbapi.execute("BEGIN IMMEDIATE")
        else:
            self._step = "implicit"

    def commit(self) -> None:
        """PostgreSQL: sync once — the step's queued writes and its commit cost one round trip
        together (COMMIT is queued only if the transaction was made explicit) — and every
        ``Later`` is known when it returns. On SQLite the store commits on the driver."""
        if self._pg is None:
            raise RuntimeError("Sql.commit is PostgreSQL's; SQLite steps commit on the driver")
        if self._step == "explicit":
            self._pg.command(b"COMMIT")
        self._step = None
        self._sync()

    def flush(self, exc: BaseException | None = None) -> None:
        """Leave pipeline mode: every queued statement's result (or error) is in after this,
        and every ``Later`` known. Inside a step the transaction stays open: an implicit one is
        made explicit first (BEGIN), since the sync would commit it. With ``exc`` (the step
        failed) it is rolled back instead and the ``Later``s are dropped."""
        if self._pg is not None and self._step == "implicit":
            try:
                self._pg.command(b"ROLLBACK" if exc else b"BEGIN")
            except Exception:
                if exc is None:
                    raise
                # the connection is gone: the step's transaction went with it
            self._step = None if exc else "explicit"
        self._sync(exc)

    def _sync(self, exc: BaseException | None = None) -> None:
        pg = self._pg
        if pg is not None and pg.active:
            Sql.round_trips += 1
            try:
                pg.sync(exc)
            except BaseException:
                self._drop_pending()
                raise
        if exc is not None:
            self._drop_pending()
        else:
            self._settle()

    def _settle(self, through: Later[Any] | None = None) -> None:
        """Fill the queued ``Later``s in order (all of them, or up to ``through``)."""
        while self._pending:
            later, read = self._pending.pop(0)
            later._set(read())
            if later is through:
                return

    def _drop_pending(self) -> None:
        self._pending.clear()

    def _run(self, prep: Prepared, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        """Send (PostgreSQL: queue) a statement; what ``_rows`` reads its rows from."""
        c = prep.compiled(self.dialect, params)
        if self._pg is None:
            cursor = self._dbapi.cursor()
            cursor.execute(c.sql, c.args(params))
            return c, cursor
        return c, self._pg_send(c.sql, c.args(params))

    def _pg_send(self, sql: str, args: Sequence[Any]) -> Slot:
        """PostgreSQL: queue ``sql`` in the step's pipeline (unpipelined: run it now)."""
        pg = cast("PgPipe", self._pg)
        slot = pg.send(sql, args)
        if not self._piped:
            Sql.round_trips += 1  # sent and answered
            pg.sync()
        return slot

    def _pg_answer(self, slot: Slot) -> Fetched:
        """PostgreSQL: the result of a statement queued by ``_pg_send``, waiting for it if it
        isn't in yet (that carries everything queued before it)."""
        pg = cast("PgPipe", self._pg)
        if self.before_wait is not None and not slot.done:
            self.before_wait()
        if pg.wait(slot):
            Sql.round_trips += 1
        return pg.rows(slot)

    def _rows(self, c: _Compiled, sent: Any) -> list[Any]:
        """The rows of a statement run by ``_run`` (waiting for them if they aren't in yet:
        on PostgreSQL that carries everything queued before it)."""
        if self._pg is None:
            try:
                return c.rows(self.dialect, sent)
            finally:
                sent.close()
        return c.rows(self.dialect, self._pg_answer(sent))

    def execute(self, prep: Prepared, params: Mapping[str, Any]) -> None:
        """Run a write whose outcome the step doesn't read. On PostgreSQL it is only queued,
        and travels with the next statement whose result is needed, at the latest with the
        commit's sync (an error in it surfaces there). SQLite: the writes share one cursor."""
        c = prep.compiled(self.dialect, params)
        pg = self._pg
        if pg is None:
            if self._writer is None:
                self._writer = self._dbapi.cursor()
            self._writer.execute(c.sql, c.args(params))
            return
        pg.send(c.sql, c.args(params))
        if not self._piped:
            Sql.round_trips += 1
            pg.sync()

    def rows(self, prep: Prepared, params: Mapping[str, Any]) -> list[Any]:
        c, sent = self._run(prep, params)
        return self._rows(c, sent)

    def send(self, prep: Prepared, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        """Send a query whose rows are read later (``sent_rows``): on PostgreSQL it travels
        with the next wait, and reading it then costs no round trip of its own."""
        return self._run(prep, params)

    def sent_rows(self, sent: tuple[_Compiled, Any]) -> list[Any]:
        return self._rows(*sent)

    def later(self, prep: Prepared, params: Mapping[str, Any],
              convert: Callable[[list[Any]], T]) -> Later[T]:
        """Run a statement whose rows (``convert``-ed) the step needs only after its last
        statement: queued like a write on PostgreSQL, known once the pipeline is answered."""
        c, sent = self._run(prep, params)
        if self._pg is None or not self._pg.active:
            return Later.known(convert(self._rows(c, sent)))
        later: Later[T] = Later(self)
        self._pending.append((later, lambda: convert(self._rows(c, sent))))
        return later

    def batch(self, queries: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list[list[Any]]:
        """Several independent queries' rows: all sent before any result is read, so on
        PostgreSQL (pipelined) they cost one round trip together."""
        started = [self._run(prep, params) for prep, params in queries]
        return [self._rows(c, sent) for c, sent in started]

    def first(self, prep: Prepared, params: Mapping[str, Any]) -> Any:
        found = self.rows(prep, params)
        return found[0] if found else None

    def scalar(self, prep: Prepared, params: Mapping[str, Any]) -> Any:
        row = self.first(prep, params)
        return row[0] if row is not None else None

    def pragma(self, name: str) -> Any:
        """A SQLite ``PRAGMA`` read on this connection (e.g. ``data_version``), on the cursor
        the step's writes share (a cursor made and closed per look cost more than the look)."""
        assert name.isidentifier()
        cursor = self._writer
        if cursor is None:
            cursor = self._writer = self._dbapi.cursor()
        return cursor.execute(f"PRAGMA {name}").fetchone()[0]

    def insert_ids(self, ins: InsertIds, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert ``rows`` and answer their ids now (see ``insert_ids_later``)."""
        return self.insert_ids_later(ins, rows).value

    def insert_ids_later(self, ins: InsertIds,
                         rows: Sequence[Mapping[str, Any]]) -> Later[list[int]]:
        """Insert ``rows`` (the same keys each) into ``ins``'s table; their ids, in order.

        SQLite: one multi-row INSERT (per ``_SQLITE_PARAMS`` parameters) and the cursor's
        ``lastrowid``: the rows of one statement get consecutive rowids (the step holds the
        file's write lock; a statement that can't allocate them so fails whole). PostgreSQL: one
        multi-row INSERT … RETURNING id per ``InsertIds.CHUNK`` rows (one statement, not one
        per row: the server's and the client's work per statement was the larger cost),
        queued: the ids are known once the pipeline is answered (``Later``).
        """
        if not rows:
            return Later.known([])
        if self.sqlite:
            c = ins.plain.compiled(self.dialect, rows[0])
            cursor = self._writer
            if cursor is None:
                cursor = self._writer = self._dbapi.cursor()
            n = len(rows)
            per = max(1, _SQLITE_PARAMS // len(rows[0]))
            if n <= per:  # a step's rows: one statement
                cursor.execute(c.values_sql(n), tuple(chain.from_iterable(map(c.args, rows)))
                               if n > 1 else c.args(rows[0]))
                last = int(cursor.lastrowid)
                return Later.known(list(range(last - n + 1, last + 1)))
            new_ids: list[int] = []
            for at in range(0, n, per):
                chunk = rows[at:at + per]
                cursor.execute(c.values_sql(len(chunk)),
                               tuple(chain.from_iterable(map(c.args, chunk))))
                last = int(cursor.lastrowid)
                new_ids.extend(range(last - len(chunk) + 1, last + 1))
            return Later.known(new_ids)
        # the one-row INSERT … RETURNING id compiled for these keys, its VALUES repeated per
        # row: each row's parameters converted as one row's are, no per-row names to build
        c = ins.returning.compiled(self.dialect, rows[0])
        args = c.args
        per = InsertIds.CHUNK
        started = []
        for at in range(0, len(rows), per):
            chunk = rows[at:at + per]
            started.append(self._pg_send(ins.values_sql(c, len(chunk)),
                                         tuple(chain.from_iterable(map(args, chunk)))))

        def ids() -> list[int]:
            # the ids come from the table's sequence, drawn row by row in VALUES order as the
            # statement inserts: sorted, they are the rows' ids in order (RETURNING's own order
            # isn't promised); an integer column's values come from the driver as ints
            return [i for slot in started
                    for i in sorted(r[0] for r in self._pg_answer(slot).fetchall())]

        if self._pg is None or not self._pg.active:
            return Later.known(ids())
        later: Later[list[int]] = Later(self)
        self._pending.append((later, ids))
        return later


_NUMBERED: WeakKeyDictionary[Dialect, Dialect] = WeakKeyDictionary()


def _numbered(dialect: Dialect) -> Dialect:
    """``dialect`` compiling ``$1`` placeholders (SQLAlchemy's ``numeric_dollar`` paramstyle,
    as for asyncpg), the form libpq's prepared statements take; otherwise the same dialect,
    with the same types and bind casts. All of a process's PostgreSQL statements run through
    ``Sql``, so ``Prepared``'s per-dialect-name cache holds only this form."""
    found = _NUMBERED.get(dialect)
    if found is None:
        found = _NUMBERED[dialect] = copy.copy(dialect)
        found.paramstyle = "numeric_dollar"
        found.positional = True
    return found


def _shifted(sql: str, by: int) -> str:
    """``sql`` with each ``$n`` parameter as ``$(n + by)``."""
    return _PLACEHOLDER.sub(lambda m: f"${int(m[1]) + by}", sql) if by else sql


class InsertIds:
    """An INSERT into ``table`` that answers the new rows' integer ids (see ``Sql.insert_ids``)."""

    # rows per multi-row INSERT: bounds the statements compiled and prepared (one per row count
    # used); a step's events fit one (each statement costs the server and the client more than
    # its rows do)
    CHUNK = 50

    def __init__(self, table: Table) -> None:
        self.table = table
        self.plain = Prepared(table.insert())
        self.returning = Prepared(table.insert().returning(table.c.id))  # PostgreSQL
        self._values: dict[tuple[_Compiled, int], str] = {}

    def values_sql(self, c: _Compiled, n: int) -> str:
        """``c``, a one-row ``INSERT … VALUES (…) RETURNING …`` with ``$n`` placeholders, as
        ``n`` rows': each row's VALUES numbered on from the row before it (parameters row
        after row, each row's in one row's order)."""
        found = self._values.get((c, n))
        if found is None:
            head, sep, rest = c.sql.partition(" VALUES (")
            row, ret, tail = rest.rpartition(") RETURNING ")
            if not sep or not ret:
                raise ValueError(f"not a one-row INSERT … VALUES … RETURNING: {c.sql!r}")
            width = max((int(m) for m in _PLACEHOLDER.findall(row)), default=0)
            rows = [_shifted(row, at) for at in range(0, n * width, width)] if width else [
                row] * n
            found = self._values[(c, n)] = (
                head + " VALUES (" + "), (".join(rows) + ") RETURNING " + tail)
        return found
