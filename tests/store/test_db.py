"""Opening a workspace database: URLs, pragmas, Alembic migrations, unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from otp_bench.engine.engine import Engine
from otp_bench.store.db import (
    _MIGRATIONS,
    ENV_VAR,
    StoreError,
    migrate,
    open_engine,
    resolve_url,
    sqlite_path,
)
from otp_bench.store.store import Store

TABLES = {
    "alembic_version", "callouts", "challenges", "changes", "events", "flows", "inbox", "kv",
    "memberships", "providers", "sites", "users", "verification_history", "connected_apps",
    "workspace_secrets",
}


def _cfg() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def test_migration_from_empty_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    raw = create_engine(url)
    assert inspect(raw).get_table_names() == []
    migrate(raw)
    assert set(inspect(raw).get_table_names()) == TABLES
    head = ScriptDirectory.from_config(_cfg()).get_current_head()
    with raw.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
    migrate(raw)  # at head: nothing to do
    raw.dispose()


def test_the_schema_matches_the_models_and_migrates_down_and_up(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'ws.db'}")
    cfg = _cfg()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # raises when the models drifted from the migrations
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == TABLES
    engine.dispose()


def test_every_connection_gets_the_pragmas(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'ws.db'}")
    conns = [engine.connect() for _ in range(3)]
    try:
        for c in conns:
            assert c.scalar(text("PRAGMA journal_mode")) == "wal"
            assert c.scalar(text("PRAGMA foreign_keys")) == 1
            assert c.scalar(text("PRAGMA busy_timeout")) >= 5000
    finally:
        for c in conns:
            c.close()
        engine.dispose()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["garbage", "bad-header"],
)
def test_a_corrupt_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.db"
    bad.write_bytes(content)
    with pytest.raises(StoreError) as err:
        Store(f"sqlite:///{bad}", throwaway=True)
    assert str(bad) in str(err.value)
    assert ("not a readable otp-bench database" in str(err.value)
            or "is damaged at" in str(err.value))
    assert bad.read_bytes() == content, "the file is left as it was"
    with pytest.raises(StoreError, match=r"broken\.db"):
        Engine.open(str(bad), throwaway=True)
    # the app keeps running: another workspace opens fine afterwards
    good = Engine.open(str(tmp_path / "good.db"), throwaway=True)
    good.new_site("Still works")
    good.close()


def test_an_unreachable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises((StoreError, OSError)):
        Store(f"sqlite:///{blocker / 'sub' / 'ws.db'}", throwaway=True)


def test_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    path_url = resolve_url(str(tmp_path / "a.db"))
    assert path_url == f"sqlite:///{(tmp_path / 'a.db').resolve()}"
    assert sqlite_path(path_url) == (tmp_path / "a.db").resolve()
    assert sqlite_path("sqlite:///:memory:") is None
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")


def test_an_in_memory_workspace(tmp_path: Path) -> None:
    store = Store("sqlite:///:memory:", throwaway=True)
    assert store.path is None and store.sites() == []
    store.close()
