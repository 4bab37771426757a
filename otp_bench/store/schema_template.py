"""New SQLite workspaces from a pre-migrated template file, built once per schema version.

Running the Alembic migrations costs about half a second per new workspace (the script directory
is parsed, every revision runs its DDL). A new workspace file is instead a copy of a template that
was migrated by a real ``alembic upgrade head`` once: the copy is the migrated schema by
construction, and takes a millisecond or two.

The template is keyed by the migration scripts' *content* (a hash of ``versions/*.py``), so a
teammate's new or edited migration builds a new template on the next open, with no step to run.
Templates live in the user cache dir (``$OTP_BENCH_TEMPLATE_DIR`` overrides it); a template is
written to a private temp file and renamed into place, so processes racing to build one are safe.

Rule for migrations: they may create schema and *shared* defaults only. Data that must differ per
workspace (an id, a key) is made when the workspace is first opened, never by a migration,
because every workspace copied from one template would share it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import platformdirs

TEMPLATE_DIR_ENV = "OTP_BENCH_TEMPLATE_DIR"
_VERSIONS = Path(__file__).parent / "migrations" / "versions"
_lock = threading.Lock()
_key_cache: dict[tuple[tuple[str, int, int], ...], str] = {}


def schema_key() -> str:
    """A short hash of the migration scripts' content; changes whenever a migration does."""
    files = sorted(p for p in _VERSIONS.glob("*.py") if p.name != "__init__.py")
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    with _lock:
        cached = _key_cache.get(stamp)
        if cached is not None:
            return cached
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    key = h.hexdigest()[:16]
    with _lock:
        _key_cache[stamp] = key
    return key


def template_dir() -> Path:
    chosen = os.environ.get(TEMPLATE_DIR_ENV)
    return Path(chosen) if chosen else Path(platformdirs.user_cache_dir("otp-bench")) / "schema"


def template_path() -> Path:
    return template_dir() / f"workspace-{schema_key()}.db"


def is_new(path: Path) -> bool:
    """True when ``path`` holds no database yet (absent or empty), so a template copy fits."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def built_revision() -> str | None:
    """The revision ``alembic upgrade head`` wrote into the current template; None if it isn't
    built yet. The template is keyed by the scripts' content, so this is their head: reading
    it spares a process importing Alembic and parsing every script just to learn the head."""
    target = template_path()
    if not target.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def ensure_template(migrate_file: Callable[[str], None]) -> Path:
    """The template for the current migrations; built with ``migrate_file(url)`` if missing."""
    target = template_path()
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".db", dir=target.parent)
    os.close(fd)
    try:
        migrate_file(f"sqlite:///{tmp}")
        # one self-contained file: fold the WAL back in so a plain copy is a complete database;
        # the file stays in WAL mode, so opening a copy doesn't rewrite its header
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return target


def create_from_template(path: Path, migrate_file: Callable[[str], None]) -> None:
    """Make ``path`` a new, fully migrated workspace file (copy of the template)."""
    template = ensure_template(migrate_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(template, tmp)
        try:
            os.link(tmp, path)  # atomic create-if-absent: a reader never sees half a file
        except FileExistsError:
            if is_new(path):  # an empty placeholder file (e.g. made by mkstemp)
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
