"""How a transaction takes the database's locks, so decisions hold across processes.

- SQLite: the driver's own transaction handling is switched off and every transaction begins
  with an explicit ``BEGIN``; a transaction that reads and then decides (an engine step, a
  migration) begins with ``BEGIN IMMEDIATE``, which takes the file's write lock up front. Two
  processes then take turns (waiting up to the busy timeout) instead of deciding on the same
  snapshot, and never fail with ``SQLITE_BUSY_SNAPSHOT`` when they write.
- PostgreSQL: migrations run under a transaction-scoped advisory lock; the hourly code limit
  takes an advisory lock per subject (a registration has no user row to lock); flag updates lock
  the user's row with ``SELECT … FOR UPDATE``. All are released by the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event, text

from otp_bench.store.prepared import Prepared
from otp_bench.store.sql import Sql

_OPTION = "otp_bench_begin"
# two-int advisory lock keys: (namespace, object) — "otb" / "otc" in ASCII
_MIGRATION_LOCK = (0x6F7462, 1)
_SUBJECT_NAMESPACE = 0x6F7463


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def install(engine: Engine) -> None:
    """Explicit transactions on SQLite (idempotent; a no-op on other databases)."""
    if not is_sqlite(engine) or event.contains(engine, "begin", _begin):
        return
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", _begin)


def immediate(engine: Engine) -> Engine:
    """The same engine whose transactions begin with ``BEGIN IMMEDIATE`` on SQLite."""
    install(engine)
    return engine.execution_options(**{_OPTION: "IMMEDIATE"})


def _no_driver_transactions(dbapi_conn: Any, _record: Any) -> None:
    # SQLAlchemy's documented recipe: pysqlite stops emitting its own BEGIN, we emit ours
    dbapi_conn.isolation_level = None


def _begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_OPTION, "")
    # on the driver's connection: this runs at the start of every engine step, and a statement
    # through ``exec_driver_sql`` cost more than the rest of the BEGIN
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if dbapi.in_transaction:  # a store step began it on the driver's connection: join it
        return
    dbapi.execute("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def lock_for_migration(conn: Connection) -> None:
    """Serialise schema changes between processes opening the same database at once.

    SQLite is already serialised by ``BEGIN IMMEDIATE`` (see ``immediate``).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"),
                     {"a": _MIGRATION_LOCK[0], "b": _MIGRATION_LOCK[1]})


_LOCK_SUBJECT = Prepared(text("SELECT pg_advisory_xact_lock(:a, hashtext(:s))"))


def lock_subject(sql: Sql, subject: str) -> None:
    """Serialise the hourly-limit decision for one subject (user id or phone) until commit
    (queued in the step's pipeline: the count that follows runs once the lock is held)."""
    if sql.dialect.name == "postgresql":
        sql.execute(_LOCK_SUBJECT, {"a": _SUBJECT_NAMESPACE, "s": subject})
