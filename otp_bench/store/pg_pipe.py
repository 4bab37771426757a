"""A PostgreSQL step's statements on psycopg's libpq connection, in pipeline mode, without a Cursor.

Through psycopg's ``Cursor`` each statement cost about 90 µs of the client's CPU on this VM
(bench/bench_pg_driver.py): a cursor object, its query conversion and parameter checks, a
prepared-statement cache lookup, a socket write and read attempt per statement, result
bookkeeping. A ``PgPipe`` sends the same statements through psycopg's own lower layers: the
``psycopg.pq`` connection in pipeline mode (``send_prepare`` once per statement text and
connection, then ``send_query_prepared``), psycopg's C ``Transformer`` to dump parameters and
load rows, and psycopg's generators to wait on the socket (the GIL is released while waiting).
Nothing leaves the process until a result is needed: a flush request or a sync sends what is
queued in one write (about 12 µs of CPU per statement, measured the same way).

Parameters travel in text format and statements are prepared without parameter types: the
server takes each type from the statement's own casts (SQLAlchemy renders ``$1::VARCHAR``) or
its context, so one prepared statement serves every call of a statement, whatever values are
None or how large an integer is (typed binary parameters would prepare a variant per pattern).

One ``PgPipe`` per DBAPI connection (``of``), kept in SQLAlchemy's per-connection ``info``: the
statements prepared on it live as long as it does.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from typing import Any

from psycopg import errors, generators, pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.json import _JsonWrapper

_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
_FAILED = pq.ExecStatus.FATAL_ERROR
_TEXT = pq.Format.TEXT
_INFO_KEY = "otp_bench.pg_pipe"
# prepared statement names, unique in the process: a pipe made afresh for a connection that
# already has some (its pool record's ``info`` cleared) never reuses one
_NAMES = itertools.count(1)


def _json_as_text(params: Sequence[Any], json_at: tuple[int, ...]) -> list[Any]:
    """``params`` with the JSON values at ``json_at`` as the JSON text their wrapper's own
    ``dumps`` makes (what psycopg's JSON dumper would send, in text format like every
    parameter here, to a ``$n::JSON`` parameter), without a call into its Python dumper per
    value (about 3 µs each); a wrapper without its own ``dumps``, or a value that isn't one,
    goes to psycopg as it is."""
    out = list(params)
    for i in json_at:
        value = out[i]
        if isinstance(value, _JsonWrapper) and value.dumps is not None:
            text = value.dumps(value.obj)
            out[i] = text.decode() if isinstance(text, bytes) else text
    return out


class Slot:
    """One request sent in the pipeline; its result once read (``PgPipe.wait``)."""

    __slots__ = ("done", "result", "seq", "sql")

    def __init__(self, seq: int, sql: str | None = None) -> None:
        self.seq = seq
        self.sql = sql  # a prepare's statement text (forgotten again when the prepare failed)
        self.done = False
        self.result: Any = None


class Fetched:
    """A statement's rows as ``_Compiled.rows`` reads a DBAPI cursor: ``fetchall`` and, for its
    first use, ``description`` (the columns' type codes pick SQLAlchemy's result processors)."""

    __slots__ = ("_result", "_rows")

    def __init__(self, result: Any, rows: list[Any]) -> None:
        self._result = result
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows

    @property
    def description(self) -> list[tuple[str, int]]:
        res = self._result
        if res is None:
            return []
        return [((res.fname(i) or b"").decode(), res.ftype(i)) for i in range(res.nfields)]


class PgPipe:
    """The pipeline of one psycopg connection (used under the store's write lock only)."""

    statements = 0  # statements sent by every pipe of this process: a bench figure
    # the longest a step waits on the server for one answer: a step's statements take
    # milliseconds (a row lock waits for another process's step at most), so a server that
    # stopped answering is given up on, and the step fails naming it, instead of hanging
    deadline_seconds = 30.0

    def __init__(self, conn: Any) -> None:
        self.conn = conn  # psycopg.Connection, in autocommit mode (see store.steps)
        self.pgconn: Any = conn.pgconn
        self._tx = Transformer(conn)  # the connection's adapters, as its cursors would use
        self._encoding = conn.info.encoding
        # statement text → its prepared statement's name, and where its JSON values go
        self._names: dict[str, tuple[bytes, tuple[int, ...]]] = {}
        self._queue: deque[Slot] = deque()  # sent, result not read yet, in order
        self._sent = 0  # requests sent so far (each slot's seq)
        self._asked = 0  # the server was asked to answer requests up to this seq
        self._formats: dict[int, list[PyFormat]] = {}
        self.failed: BaseException | None = None  # the pipeline's first error, until its sync
        self.active = False  # in pipeline mode

    @classmethod
    def of(cls, record_info: dict[Any, Any], conn: Any) -> PgPipe:
        """The pipe of DBAPI connection ``conn`` (whose pool record's ``info`` is given)."""
        pipe = record_info.get(_INFO_KEY)
        if pipe is None or pipe.conn is not conn:  # a replaced connection starts afresh
            pipe = record_info[_INFO_KEY] = cls(conn)
        return pipe  # type: ignore[no-any-return]

    def _wait(self, gen: Any) -> Any:
        """psycopg's wait for ``gen``, bounded by ``deadline_seconds``. Past it the connection
        is closed (what was sent is in an unknown state; the server rolls the step back) and
        the step fails; the next step opens a fresh connection (store.steps)."""
        try:
            return self.conn.wait(gen, timeout=self.deadline_seconds)
        except errors.OperationalError as exc:
            if type(exc).__name__ != "_WaitTimeout":  # psycopg's own timeout class is private
                raise
            self.pgconn.finish()
            self.active = False  # nothing more is read from it: the step's rollback is the server's
            self._queue.clear()
            raise errors.OperationalError(
                f"the PostgreSQL server didn't answer within {self.deadline_seconds:g} s; the "
                "step was abandoned and rolled back, and its connection closed") from None

    def _enter(self) -> None:
        if not self.active:
            self.pgconn.enter_pipeline_mode()
            self.active = True

    def _slot(self, sql: str | None = None) -> Slot:
        self._sent += 1
        slot = Slot(self._sent, sql)
        self._queue.append(slot)
        return slot

    def send(self, sql: str, params: Sequence[Any]) -> Slot:
        """Queue one statement (prepared on this connection the first time it is sent)."""
        if not self.active:
            self._enter()
        pgconn = self.pgconn
        known = self._names.get(sql)
        if known is None:
            # the positions of its JSON values, as the statement's first call gives them
            json_at = tuple(i for i, p in enumerate(params) if isinstance(p, _JsonWrapper))
            known = self._names[sql] = (b"otb_%d" % next(_NAMES), json_at)
            pgconn.send_prepare(known[0], sql.encode(), None)
            self._slot(sql)
        if known[1]:
            params = _json_as_text(params, known[1])
        formats = self._formats.get(len(params))
        if formats is None:
            formats = self._formats[len(params)] = [PyFormat.TEXT] * len(params)
        dumped = self._tx.dump_sequence(params, formats) if params else None
        pgconn.send_query_prepared(known[0], dumped, None, _TEXT)
        PgPipe.statements += 1
        return self._slot()

    def command(self, sql: bytes) -> Slot:
        """Queue a statement without parameters (BEGIN, COMMIT, ROLLBACK)."""
        self._enter()
        self.pgconn.send_query_params(sql, None)
        PgPipe.statements += 1
        return self._slot()

    def wait(self, slot: Slot) -> bool:
        """Read results up to ``slot``'s; True when that asked the server for them (a round
        trip: what an earlier request asked for is on its way already). Raises the pipeline's
        first error, whichever statement it was (the rest were not run)."""
        asked = False
        if not slot.done:
            if self._asked < slot.seq:
                self.pgconn.send_flush_request()
                self._asked = self._sent
                asked = True
                self._wait(generators.send(self.pgconn))
            while not slot.done:
                self._read_next()
        if self.failed is not None:
            raise self.failed
        return asked

    def sync(self, exc: BaseException | None = None) -> None:
        """Send a sync and read every result up to its answer: the step's implicit transaction
        commits there, or rolls back when a statement failed (or ``exc``: the step failed and
        ROLLBACK was queued). Leaves pipeline mode; raises the first error unless ``exc``."""
        if not self.active:
            return
        pgconn = self.pgconn
        pgconn.pipeline_sync()
        self._asked = self._sent
        self._wait(generators.send(pgconn))
        while self._queue:
            self._read_next()
        done = pgconn.get_result() if not pgconn.is_busy() else self._wait(
            generators.fetch(pgconn))
        if done is None or done.status != pq.ExecStatus.PIPELINE_SYNC:
            # the connection broke (its error is the first one read), or libpq lost count
            if pgconn.status == pq.ConnStatus.BAD:
                raise errors.OperationalError("the connection to the server was lost") from (
                    self.failed)
            raise self.failed or errors.InternalError(f"expected the pipeline's sync: {done!r}")
        pgconn.exit_pipeline_mode()
        self.active = False
        failed, self.failed = self.failed, None
        if failed is not None and exc is None:
            raise failed

    def _read_next(self) -> None:
        slot = self._queue.popleft()
        pgconn = self.pgconn
        result = None
        # a request's results end with a None; what is already buffered is taken without
        # psycopg's wait (a poll per result cost more than the rest of reading it)
        while True:
            got = self._wait(generators.fetch(pgconn)) if pgconn.is_busy() else pgconn.get_result()
            if got is None:
                break
            if result is None or result.status != _FAILED:  # keep the error, if any
                result = got
        slot.result, slot.done = result, True
        if result is None or result.status in _OK:
            return
        if result.status == _FAILED:
            if slot.sql is not None:  # a prepare that failed: prepared again next time
                self._names.pop(slot.sql, None)
            if self.failed is None:
                self.failed = errors.error_from_result(result, encoding=self._encoding)
        elif self.failed is None:  # aborted by an earlier error this pipeline had
            self.failed = errors.PipelineAborted("pipeline aborted")

    def rows(self, slot: Slot) -> Fetched:
        """The rows of a statement whose result was read (``wait``)."""
        result = slot.result
        if result is None or result.status != pq.ExecStatus.TUPLES_OK:
            return Fetched(result, [])
        tx = self._tx
        tx.set_pgresult(result)
        return Fetched(result, tx.load_rows(0, result.ntuples, tuple))
