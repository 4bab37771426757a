"""Test databases on both backends: a SQLite file, or a fresh database on a PostgreSQL server.

``scripts/pg-test-server CMD`` starts a throwaway server and exports ``OTP_BENCH_TEST_PG_URL``;
without it the PostgreSQL tests skip and say why (with ``CI=true`` they fail instead).
``OTP_BENCH_TEST_BACKEND=postgresql`` makes the ``db_url`` fixture hand out PostgreSQL databases,
so the store, engine, scenario and headless suites run once more against PostgreSQL.

Each PostgreSQL test gets a database of its own, as a freshly migrated one: cloned from a
migrated template (a file copy, much cheaper than migrating), or one an earlier test of this
process used, emptied once that test ended. Emptying (its sessions ended, every table but
``alembic_version`` truncated, sequences restarted) costs the server about a third of a clone
and a drop; a database whose schema the test changed is dropped instead, never handed out.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

PG_ENV = "OTP_BENCH_TEST_PG_URL"
STATE_ENV = "OTP_BENCH_TEST_PG_STATE"  # scripts/pg-test-server, starting the server beside us
STARTUP_DEADLINE_S = 60.0
BACKEND_ENV = "OTP_BENCH_TEST_BACKEND"
NO_SERVER = (
    f"no PostgreSQL server: ${PG_ENV} is unset (run through scripts/pg-test-server, as make test "
    "does)"
)


def selected_backend() -> str:
    return os.environ.get(BACKEND_ENV, "sqlite")


class PgServer:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT",
                                           poolclass=NullPool)
        self._template: str | None = None
        self._schema: str | None = None  # the template's schema, as _SCHEMA_SQL sums it up
        self._free: list[str] = []  # emptied databases, each as a fresh one

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url_for(name)

    def empty_database(self) -> str:
        return self._create("otp_t_" + secrets.token_hex(6))

    def migrated_database(self) -> str:
        if self._free:
            return self._free.pop()
        if self._template is None:
            from otp_bench.store.db import open_engine

            name = f"otp_tmpl_{os.getpid()}_{secrets.token_hex(3)}"
            open_engine(self._create(name)).dispose()
            self._template = name
            with self._connect(self.url_for(name)) as conn:
                self._schema = conn.execute(text(_SCHEMA_SQL)).scalar_one()
        return self._create("otp_t_" + secrets.token_hex(6), self._template)

    def release(self, url: str) -> None:
        """A test is done with ``url`` (from ``migrated_database``): emptied for the next test
        when its schema is still the template's, else dropped."""
        try:
            with self._connect(url) as conn:
                conn.execute(text("SET lock_timeout = '10s'"))
                # what the test left connected (its engines, second processes): ended, as
                # DROP ... WITH (FORCE) would; TRUNCATE then waits for their locks to go
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()"))
                if conn.execute(text(_SCHEMA_SQL)).scalar_one() != self._schema:
                    raise _Changed
                tables = conn.execute(text(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"),
                ).scalar_one()
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        except Exception:  # a changed schema, a lock that stayed: not like new, so not reused
            self.drop(url)
            return
        self._free.append(url)

    def _connect(self, url: str) -> Any:
        return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect()

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        for url in self._free:
            self.drop(url)
        if self._template is not None:
            self.drop(self.url_for(self._template))
        self.admin.dispose()


class _Changed(Exception):
    pass


# one text summing up what a migration makes (tables, columns, indexes, constraints, sequences,
# functions, types, schemas) and the revision: a test that changed any of it changes this
_SCHEMA_SQL = """
SELECT md5(coalesce(string_agg(x, ';' ORDER BY x), '')) FROM (
  SELECT format('col %s.%s %s %s %s', table_schema, table_name, column_name, data_type,
                is_nullable) AS x
    FROM information_schema.columns
   WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL SELECT format('idx %s', indexdef) FROM pg_indexes
   WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT format('con %s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
   WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT format('fn %s', p.oid::regprocedure) FROM pg_proc p
   WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT format('type %s %s', t.oid::regtype, t.typtype) FROM pg_type t
   WHERE t.typtype IN ('e', 'd', 'r', 'm')
     AND t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT format('rev %s', version_num) FROM alembic_version
) parts
"""


def _no_server(why: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(why + "; CI=true: the PostgreSQL tests must run")
    pytest.skip(why)


def _started() -> str | None:
    """Why the server scripts/pg-test-server is starting beside this process didn't start, or
    None once it is up (at once when it started before us)."""
    state = os.environ.get(STATE_ENV)
    if not state:
        return None
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while True:  # the script writes the whole file at once, by rename
        try:
            said = open(state, encoding="utf-8").read().strip()  # noqa: SIM115
        except FileNotFoundError:
            return "scripts/pg-test-server ended before its server started"
        if said:
            return None if said == "ready" else f"the test PostgreSQL server: {said}"
        if time.monotonic() > deadline:
            return f"the test PostgreSQL server didn't start within {STARTUP_DEADLINE_S:g} s"
        time.sleep(0.02)  # another process's start-up, which sends no signal we could wait on


def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(PG_ENV)
    if not url:
        _no_server(NO_SERVER)
    if (why := _started()) is not None:
        _no_server(why)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg isn't installed: pip install -e '.[postgres]'")
    server = PgServer(url)
    try:
        with server.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the server named in the variable doesn't answer
        server.admin.dispose()
        pytest.fail(f"${PG_ENV} names a server that doesn't answer: {type(exc).__name__}")
    yield server
    server.close()
