"""Opening a workspace database: URL resolution, SQLite pragmas, Alembic migrations.

A new SQLite workspace file is a copy of a pre-migrated template (``store.schema_template``);
an existing one, or any other backend, is brought to the head revision by Alembic. Alembic is
imported only when a migration runs (or the head isn't known yet): a workspace already at the
head opens without it, which spares every process (CLI, server, test worker) its import.

The default workspace is a SQLite file in the user data dir; ``--db URL`` or ``OTP_BENCH_DB``
names any SQLAlchemy URL instead (PostgreSQL for a team workspace).
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from otp_bench.domain.events import jsonable
from otp_bench.domain.workspace import Workspace, sqlite_url
from otp_bench.store import checkpoint, locks, preflight, schema_template

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "OTP_BENCH_DB"
_MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The database can't be used; the message names the file and what is wrong."""


class _MigrationFailed(RuntimeError):
    """Alembic refused (its ``CommandError``), caught where the workspace is named."""


def default_url() -> str:
    data = Path(platformdirs.user_data_dir("otp-bench", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return sqlite_url(data / "workspace.db")


def resolve_url(url: str | None = None) -> str:
    """``url`` if given, else ``$OTP_BENCH_DB``, else the default workspace file.

    A bare path is taken as a SQLite file; ``postgresql://`` means the psycopg 3 driver.
    """
    return Workspace.parse(url or os.environ.get(ENV_VAR) or default_url()).url


def sqlite_path(url: str) -> Path | None:
    return Workspace(url).sqlite_path


def _json_text(value: Any) -> str:
    """JSON columns' text: orjson (every event row carries one, and json.dumps builds an encoder
    per call), which also writes an event payload's enums, datetimes and dataclasses itself;
    what orjson refuses (an int beyond 64 bits, a non-string key) goes to json."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(jsonable(value))


def open_engine(url: str) -> Engine:
    """An engine with WAL and a busy timeout for SQLite; migrated to the newest schema."""
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    if path is not None:  # refuse a stranger's, newer, damaged or locked file before touching it
        try:
            preflight.check_sqlite_file(path, head=head_revision(), known=known_revisions)
        except preflight.WorkspaceRefused as exc:
            raise StoreError(str(exc)) from None
    try:
        fresh = path is not None and schema_template.is_new(path)
        if fresh:
            assert path is not None
            schema_template.create_from_template(path, _migrate_url)
    except (DatabaseError, OperationalError, sqlite3.DatabaseError, OSError) as exc:
        raise StoreError(f"can't create workspace {path}: {_plain(exc)}") from None
    where = Workspace(url)
    try:
        engine = create_engine(url, **kwargs)
    except ImportError as exc:
        raise StoreError(_missing_driver(where, exc)) from None
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        if path is not None:
            checkpoint.install(engine, path)
    locks.install(engine)
    try:
        if not fresh:
            migrate(engine)
    except (DatabaseError, OperationalError, sqlite3.DatabaseError, _MigrationFailed) as exc:
        engine.dispose()
        raise StoreError(where.scrub(f"can't open workspace {where}: {_plain(exc)}")) from None
    return engine


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


@functools.lru_cache(maxsize=8)
def _head_for(key: str) -> str | None:
    """The head revision of the scripts whose content hashes to ``key`` (found once): the one
    their template was migrated to, else what Alembic makes of the scripts."""
    built = schema_template.built_revision()
    if built is not None:
        return built
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def head_revision() -> str | None:
    return _head_for(schema_template.schema_key())


@functools.lru_cache(maxsize=8)
def _known_for(key: str) -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions())


def known_revisions() -> frozenset[str]:
    """Every schema revision this otp-bench knows (older ones it can upgrade)."""
    return _known_for(schema_template.schema_key())


def _migrate_url(url: str) -> None:
    engine = create_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it is already there).

    Under a lock (see ``store.locks``): processes opening a fresh database at once take turns,
    and the later ones find it migrated.
    """
    head = head_revision()
    with locks.immediate(engine).begin() as conn:
        locks.lock_for_migration(conn)
        if head is not None and _stamped(conn) == [head]:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.util.exc import CommandError

        try:
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return
            if current is not None and current not in known_revisions():
                where = engine.url.render_as_string(hide_password=True)
                raise StoreError(f"{where} was created by a newer otp-bench (schema {current}, "
                                 f"this is {head}); open it with that version — it was left "
                                 "unchanged")
            cfg = _config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        except CommandError as exc:
            raise _MigrationFailed(str(exc)) from exc


def _stamped(conn: Connection) -> list[str]:
    """The revisions in ``alembic_version`` (none when the table is absent)."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return [str(r) for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))]


def _missing_driver(where: Workspace, exc: ImportError) -> str:
    if where.url.startswith("postgresql"):
        return (f"can't open workspace {where}: PostgreSQL workspaces need the psycopg driver, "
                "which isn't installed: pip install 'otp-bench[postgres]'")
    return f"can't open workspace {where}: its database driver isn't installed ({exc.name})"


# sqlite3 binds None, bytes and memoryview (SQLAlchemy's binary parameters) natively but first
# offers each such parameter to its adapters: a miss looks ``__adapt__`` up on its protocol
# class, which formats an AttributeError and drops it (about a microsecond per NULL or BLOB
# parameter, a dozen per flow). An adapter answering the value as it is (C callables: no Python
# frame; none for a base type sqlite3 binds first) skips that; the driver binds the same value.
_NO_KEYS: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NO_KEYS.get)
sqlite3.register_adapter(bytes, bytes)
sqlite3.register_adapter(memoryview, memoryview)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # checkpoints run off the engine's path (store.checkpoint), never inside a step's commit
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.execute(f"PRAGMA journal_size_limit={checkpoint.JOURNAL_SIZE_LIMIT}")
    cur.close()


def _plain(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    if "file is not a database" in text or "malformed" in text:
        return f"the file is not a readable otp-bench database ({text})"
    if "locked" in text:
        return f"the database is locked by another program ({text}); close it and retry"
    return text
