"""Prepared statements run on the driver's cursor must agree with SQLAlchemy on every backend:
the same SQL, the same type conversions both ways (datetimes, booleans, JSON), ids in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from otp_bench.store.orm import ChallengeRow, EventRow
from otp_bench.store.prepared import Prepared
from otp_bench.store.sql import InsertIds, Sql
from otp_bench.store.store import Store

_CH = cast(Table, ChallengeRow.__table__)
_EV = cast(Table, EventRow.__table__)


def _challenge(i: int, at: datetime) -> dict[str, Any]:
    return {"identifier": f"id{i}", "flow_id": f"f{i}", "subject": "s", "salt": b"\x00salt",
            "code_hash": bytes([i]) * 32, "issued_at": at, "expires_at": at + timedelta(minutes=5),
            "failed_attempts": 0, "consumed_at": None, "invalidated": None}


def test_a_row_written_by_prepared_reads_back_the_same_through_sqlalchemy(
        any_db_url: str) -> None:
    store = Store(any_db_url, throwaway=True)
    at = datetime(2026, 11, 30, 9, 15, 1, 123456, tzinfo=UTC)
    try:
        with store.transaction() as tx:
            tx.sql.execute(Prepared(_CH.insert()), _challenge(1, at))
        with store.engine.connect() as conn:
            row = conn.execute(select(_CH).where(_CH.c.identifier == "id1")).one()
        assert row.code_hash == bytes([1]) * 32 and row.salt == b"\x00salt"
        assert row.issued_at.replace(tzinfo=UTC) == at
        # and back through the prepared path: the types' result processors apply
        with store.transaction() as tx:
            got = tx.sql.first(Prepared(select(_CH).where(_CH.c.identifier == bindparam("_i"))),
                               {"_i": "id1"})
        assert got.identifier == "id1" and got.failed_attempts == 0
        assert got.issued_at.replace(tzinfo=UTC) == at and got.consumed_at is None
    finally:
        store.close()


def test_literal_values_in_a_statement_are_sent_too(any_db_url: str) -> None:
    store = Store(any_db_url, throwaway=True)
    bump = Prepared(_CH.update().where(_CH.c.identifier == bindparam("_i"))
                    .values(failed_attempts=_CH.c.failed_attempts + 1)
                    .returning(_CH.c.failed_attempts))
    try:
        with store.transaction() as tx:
            tx.sql.execute(Prepared(_CH.insert()), _challenge(2, datetime.now(UTC)))
            assert [tx.sql.scalar(bump, {"_i": "id2"}) for _ in range(3)] == [1, 2, 3]
    finally:
        store.close()


def test_inserted_ids_come_back_in_order(any_db_url: str) -> None:
    store = Store(any_db_url, throwaway=True)
    rows = [{"at": datetime.now(UTC), "kind": "k", "flow_id": f"f{i}", "site": "", "user": "",
             "use_case": "", "step": "", "result": "", "latency_ms": None, "summary": str(i),
             "data": {"n": i, "nested": [1, "two"]}} for i in range(7)]
    try:
        with store.transaction() as tx:
            first = tx.sql.insert_ids(InsertIds(_EV), rows[:3])
            second = tx.sql.insert_ids(InsertIds(_EV), rows[3:])
        ids = first + second
        assert ids == sorted(ids) and len(set(ids)) == 7
        with store.engine.connect() as conn:
            stored = {r.id: (r.summary, r.data) for r in conn.execute(select(_EV))}
        assert [stored[i] for i in ids] == [(str(n), {"n": n, "nested": [1, "two"]})
                                            for n in range(7)]
    finally:
        store.close()


def test_a_failed_step_writes_nothing_even_pipelined(any_db_url: str) -> None:
    """PostgreSQL queues writes in a pipeline: an error in one still rolls back the step."""
    store = Store(any_db_url, throwaway=True)
    insert = Prepared(_CH.insert())
    try:
        try:
            with store.transaction() as tx:
                tx.sql.execute(insert, _challenge(3, datetime.now(UTC)))
                tx.sql.execute(insert, _challenge(3, datetime.now(UTC)))  # duplicate key
        except Exception as exc:  # the driver's IntegrityError, whenever the pipeline reports it
            assert "unique" in str(exc).lower() or "duplicate" in str(exc).lower()
        else:
            raise AssertionError("a duplicate key must fail the step")
        with store.engine.connect() as conn:
            assert conn.execute(select(_CH)).all() == []
        with store.transaction() as tx:  # and the step connection is usable again
            tx.sql.execute(insert, _challenge(4, datetime.now(UTC)))
        with store.engine.connect() as conn:
            assert [r.identifier for r in conn.execute(select(_CH))] == ["id4"]
    finally:
        store.close()


def test_sql_without_a_pipeline_is_plain(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    try:
        with store.transaction() as tx:
            assert isinstance(tx.sql, Sql) and tx.sql.sqlite
            assert int(tx.sql.pragma("data_version")) >= 1
    finally:
        store.close()


def test_a_step_after_the_server_dropped_the_connection_works_again(pg_url: str) -> None:
    """The steps' connection is kept open; when the server drops it, one step fails with the
    driver's error and the next opens a fresh connection (never failing forever)."""
    from sqlalchemy import create_engine, text

    store = Store(pg_url, throwaway=True)
    insert = Prepared(_CH.insert())
    try:
        with store.transaction() as tx:
            tx.sql.execute(insert, _challenge(5, datetime.now(UTC)))
        pid = store._step_conn().connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        admin = create_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        admin.dispose()
        failures = 0
        for i in (6, 7):
            try:
                with store.transaction() as tx:
                    tx.sql.execute(insert, _challenge(i, datetime.now(UTC)))
            except Exception:
                failures += 1
        assert failures <= 1
        with store.engine.connect() as conn:
            ids = {r.identifier for r in conn.execute(select(_CH))}
        assert "id7" in ids and "id5" in ids
    finally:
        store.close()


def test_many_rows_get_their_own_ids_in_order_beyond_one_chunk(any_db_url: str) -> None:
    store = Store(any_db_url, throwaway=True)
    n = InsertIds.CHUNK * 2 + 3
    rows = [{"at": datetime.now(UTC), "kind": "k", "flow_id": None, "site": "", "user": "",
             "use_case": "", "step": "", "result": "", "latency_ms": float(i), "summary": str(i),
             "data": {}} for i in range(n)]
    try:
        with store.transaction() as tx:
            ids = tx.sql.insert_ids(InsertIds(_EV), rows)
        assert len(ids) == n and ids == sorted(set(ids))
        with store.engine.connect() as conn:
            summary = {r.id: r.summary for r in conn.execute(select(_EV))}
        assert [summary[i] for i in ids] == [str(i) for i in range(n)]
    finally:
        store.close()


def test_sqlite_datetimes_are_written_as_sqlalchemy_writes_them() -> None:
    """The fast DATETIME conversion on SQLite writes exactly SQLAlchemy's own text, so rows
    written by either path compare, sort and read back alike."""
    from datetime import timezone

    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from otp_bench.store.prepared import _bind_processor

    dialect = sqlite.dialect()
    ours = _bind_processor(DateTime(timezone=True), dialect)
    theirs = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and theirs is not None
    for value in (datetime(2026, 11, 30, 9, 15, 1, 123456, tzinfo=UTC),
                  datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds
                  datetime(999, 12, 31, 23, 59, 59, 1),  # naive, a short year
                  datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
                  datetime(2026, 6, 1).date(), None):
        assert ours(value) == theirs(value), value
    import pytest
    with pytest.raises(TypeError):
        ours("2026-01-01")


def test_one_statement_takes_any_mix_of_nulls_sizes_and_bytes(any_db_url: str) -> None:
    """On PostgreSQL each statement is prepared once per connection with its parameters' types
    left to the SQL (store.pg_pipe): NULL or not, a small or a huge integer, any byte, any
    text, all through the same statement, and read back as SQLAlchemy reads them."""
    store = Store(any_db_url, throwaway=True)
    insert, read = Prepared(_CH.insert()), Prepared(select(_CH).order_by(_CH.c.identifier))
    at = datetime(2026, 11, 30, 9, 15, 1, 999999, tzinfo=UTC)
    values = [
        {**_challenge(10, at), "code_hash": bytes(range(256)), "failed_attempts": 2 ** 31 - 1},
        {**_challenge(11, at), "consumed_at": at, "invalidated": "ünïcode 'quoted' \\ %s $1"},
        {**_challenge(12, at), "salt": b"", "failed_attempts": -7},
        {**_challenge(13, at), "consumed_at": None, "invalidated": None},
    ]
    try:
        for row in values:  # one step each: the statement is reused across steps too
            with store.transaction() as tx:
                tx.sql.execute(insert, row)
        with store.transaction() as tx:
            got = tx.sql.rows(read, {})
        with store.engine.connect() as conn:
            theirs = conn.execute(select(_CH).order_by(_CH.c.identifier)).all()
        assert [tuple(r) for r in got] == [tuple(r) for r in theirs]
        assert [r.identifier for r in got] == ["id10", "id11", "id12", "id13"]
        assert got[0].code_hash == bytes(range(256)) and got[0].failed_attempts == 2 ** 31 - 1
        assert got[1].invalidated == "ünïcode 'quoted' \\ %s $1"
        assert got[1].consumed_at.replace(tzinfo=UTC) == at and got[2].salt == b""
    finally:
        store.close()


def test_a_statement_the_server_rejects_names_the_cause_and_the_next_step_runs(
        any_db_url: str) -> None:
    """A statement that fails when it is first sent (PostgreSQL: its prepare) fails the step
    with the server's message; the connection and the other statements stay usable."""
    from sqlalchemy import text

    store = Store(any_db_url, throwaway=True)
    broken = Prepared(text("SELECT no_such_column FROM challenges"))
    try:
        for _ in range(2):  # and again: a failed statement isn't remembered as ready
            try:
                with store.transaction() as tx:
                    tx.sql.execute(Prepared(_CH.insert()), _challenge(20, datetime.now(UTC)))
                    tx.sql.rows(broken, {})
            except Exception as exc:
                assert "no_such_column" in str(exc)
            else:
                raise AssertionError("the statement must fail the step")
        with store.transaction() as tx:
            tx.sql.execute(Prepared(_CH.insert()), _challenge(21, datetime.now(UTC)))
        with store.engine.connect() as conn:
            assert [r.identifier for r in conn.execute(select(_CH))] == ["id21"]
    finally:
        store.close()


def test_steps_still_run_when_the_connections_prepared_names_are_forgotten(pg_url: str) -> None:
    """The step connection's statements are prepared on the server under names kept with the
    pool's record of the connection; should that record be cleared while the connection lives
    on, the next step prepares them again under new names instead of failing on every step."""
    store = Store(pg_url, throwaway=True)
    insert = Prepared(_CH.insert())
    try:
        with store.transaction() as tx:
            tx.sql.execute(insert, _challenge(30, datetime.now(UTC)))
        store._step_conn().connection.info.clear()
        for i in (31, 32):
            with store.transaction() as tx:
                tx.sql.execute(insert, _challenge(i, datetime.now(UTC)))
        with store.engine.connect() as conn:
            assert sorted(r.identifier for r in conn.execute(select(_CH))) == [
                "id30", "id31", "id32"]
    finally:
        store.close()


def test_a_server_that_stops_answering_fails_the_step_by_its_deadline(
    pg_url: str, monkeypatch: Any,
) -> None:
    """A step waits on the server at most ``PgPipe.deadline_seconds`` per answer: past it the
    step fails naming the wait, its writes are not committed, and the next step runs on a fresh
    connection. (A statement that sleeps stands in for a server that stopped answering.)"""
    import time

    import pytest
    from sqlalchemy import func

    from otp_bench.store.pg_pipe import PgPipe

    monkeypatch.setattr(PgPipe, "deadline_seconds", 0.5)
    store = Store(pg_url, throwaway=True)
    insert = Prepared(_CH.insert())
    stall = Prepared(select(func.pg_sleep(5)))
    try:
        started = time.monotonic()
        with (pytest.raises(Exception, match=r"didn't answer within 0\.5 s"),
              store.transaction() as tx):
            tx.sql.execute(insert, _challenge(8, datetime.now(UTC)))
            tx.sql.rows(stall, {})
        assert time.monotonic() - started < 4  # the deadline, not the statement, ended it
        with store.transaction() as tx:
            tx.sql.execute(insert, _challenge(9, datetime.now(UTC)))
        with store.engine.connect() as conn:
            ids = {r.identifier for r in conn.execute(select(_CH))}
        assert "id9" in ids and "id8" not in ids
    finally:
        store.close()


def test_a_postgresql_multi_row_insert_is_the_one_sqlalchemy_compiles() -> None:
    """The steps' n-row INSERT … RETURNING id on PostgreSQL (one row's statement, its VALUES
    numbered on per row) is the same SQL, with the same parameters in the same order, as
    SQLAlchemy's own multi-row ``insert().values([...])``."""
    from sqlalchemy.dialects import postgresql

    from otp_bench.store.sql import _numbered

    dialect = _numbered(postgresql.psycopg.dialect())
    rows = [{"at": datetime(2026, 11, 30, 9, i, tzinfo=UTC), "kind": f"k{i}", "flow_id": None,
             "site": "s", "user": "u", "use_case": "", "step": "", "result": "",
             "latency_ms": float(i), "summary": str(i), "data": {"i": i}} for i in range(3)]
    ins = InsertIds(_EV)
    one = ins.returning.compiled(dialect, rows[0])
    theirs = _EV.insert().values([
        {k: bindparam(f"{k}__{i}", type_=_EV.c[k].type) for k in rows[0]} for i in range(3)
    ]).returning(_EV.c.id).compile(dialect=dialect)
    assert ins.values_sql(one, 3) == theirs.string
    ours = [a for r in rows for a in one.args(r)]  # as Sql sends them: row after row
    assert theirs.positiontup is not None and len(theirs.positiontup) == len(ours)
    for sent, name in zip(ours, theirs.positiontup, strict=True):
        key, i = name.rsplit("__", 1)
        # the JSON column's value travels in the driver's Json wrapper
        assert getattr(sent, "obj", sent) == rows[int(i)][key]


def test_json_values_read_back_as_written_whatever_they_hold(any_db_url: str) -> None:
    """JSON parameters (on PostgreSQL sent as the text their serializer makes) read back
    through SQLAlchemy as the values written: non-ASCII text, quotes and backslashes, nesting,
    an empty object, JSON null and a SQL NULL alike, in one statement and one by one."""
    store = Store(any_db_url, throwaway=True)
    values: list[Any] = [{"name": "Zoë \"quoted\" \\ back", "emoji": "🔐"},
                         {"nested": {"list": [1, 2.5, None, True]}}, {}, [], "text", None]
    rows = [{"at": datetime.now(UTC), "kind": "k", "flow_id": None, "site": "", "user": "",
             "use_case": "", "step": "", "result": "", "latency_ms": None, "summary": str(i),
             "data": v} for i, v in enumerate(values)]
    try:
        with store.transaction() as tx:
            together = tx.sql.insert_ids(InsertIds(_EV), rows)
            alone = [tx.sql.insert_ids(InsertIds(_EV), [r])[0] for r in rows]
        with store.engine.connect() as conn:
            stored = {r.id: r.data for r in conn.execute(select(_EV))}
        assert [stored[i] for i in together] == values
        assert [stored[i] for i in alone] == values
    finally:
        store.close()
