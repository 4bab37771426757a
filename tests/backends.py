"""Test databases on both backends: a SQLite file, or a fresh database on a PostgreSQL server.

``scripts/pg-test-server CMD`` starts a throwaway server and exports ``OTP_BENCH_TEST_PG_URL``;
without it the PostgreSQL tests skip and say why (with ``CI=true`` they fail instead).
``OTP_BENCH_TEST_BACKEND=postgresql`` makes the ``db_url`` fixture hand out PostgreSQL databases,
so the store, engine, scenario and headless suites run once more against PostgreSQL.

Each PostgreSQL test gets its own database, cloned from a migrated template (a file copy, much
cheaper than migrating) and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

PG_ENV = "OTP_BENCH_TEST_PG_URL"
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
        if self._template is None:
            from otp_bench.store.db import open_engine

            name = f"otp_tmpl_{os.getpid()}_{secrets.token_hex(3)}"
            open_engine(self._create(name)).dispose()
            self._template = name
        return self._create("otp_t_" + secrets.token_hex(6), self._template)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._template is not None:
            self.drop(self.url_for(self._template))
        self.admin.dispose()


def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(NO_SERVER + "; CI=true: the PostgreSQL tests must run")
        pytest.skip(NO_SERVER)
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
