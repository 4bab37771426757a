"""The PostgreSQL test databases: one a test gets after another test used it is a fresh one."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from otp_bench.domain.model import Settings
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.backends import PgServer


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        eng.dispose()


def test_a_used_database_comes_back_empty_with_its_ids_from_the_start(
        pg_server: PgServer) -> None:
    url = pg_server.migrated_database()
    eng = Engine(Store(url))  # left open, as a test that fails midway leaves it
    eng.save_settings(Settings(custom_otp_enabled=True))
    eng.new_site("Customers")
    eng.new_user("ana@example.com", mobile="+1 415 555 2671")
    before = _rows(url, "SELECT count(*) FROM changes")
    assert before[0][0] > 0
    pg_server.release(url)
    again = pg_server.migrated_database()
    try:
        assert again == url  # reused, not cloned again
        counts = _rows(url, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM sites) "
                            "+ (SELECT count(*) FROM kv) + (SELECT count(*) FROM changes)")
        assert counts == [(0,)]
        fresh = Engine(Store(url))
        fresh.save_settings(Settings(custom_otp_enabled=True))
        fresh.close()
        assert _rows(url, "SELECT min(id) FROM changes") == [(1,)]  # the sequence restarted
    finally:
        eng.close()
        pg_server.release(again)


def test_a_database_whose_schema_changed_is_never_handed_out_again(pg_server: PgServer) -> None:
    url = pg_server.migrated_database()
    eng = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("ALTER TABLE users ADD COLUMN nickname text"))
    eng.dispose()
    pg_server.release(url)
    other = pg_server.migrated_database()
    try:
        assert other != url
        assert _rows(pg_server.url_for("postgres"),
                     f"SELECT count(*) FROM pg_database WHERE datname = "
                     f"'{url.rsplit('/', 1)[1]}'") == [(0,)]  # dropped
    finally:
        pg_server.release(other)
