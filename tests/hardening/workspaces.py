"""Workspace files that can't be opened, made the way they happen: a newer otp-bench's, one with
damaged pages behind an intact header, another application's SQLite file, and a workspace another
process is writing to (a real second process holding the write lock)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from otp_bench.store.store import Store

KINDS = ("future", "corrupt", "foreign", "locked")
EXPECTED = {
    "future": "created by a newer otp-bench (schema 9999, this is",
    "corrupt": "is damaged at",
    "foreign": "is not an otp-bench workspace",
    "locked": "is locked by process",
}


def workspace(path: Path) -> Path:
    store = Store(f"sqlite:///{path}", throwaway=True)
    try:
        from otp_bench.domain.model import Site

        for i in range(40):  # enough rows that the tables span pages past the header
            store.save_site(Site(id="", name=f"Site {i} " + "x" * 200))
    finally:
        store.close()
    return path


def future(path: Path) -> Path:
    workspace(path)
    with closing(sqlite3.connect(path)) as c:
        c.execute("UPDATE alembic_version SET version_num='9999'")
        c.commit()
    return path


def corrupt(path: Path) -> Path:
    workspace(path)
    with closing(sqlite3.connect(path)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for at in range(page * 2, len(data), page):  # every page after the schema's: garbage
        data[at:at + page] = b"\xa5" * min(page, len(data) - at)
    path.write_bytes(bytes(data))
    return path


def foreign(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as c:
        c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        c.execute("CREATE TABLE tags (name TEXT)")
        c.execute("INSERT INTO notes (body) VALUES ('mine, not otp-bench''s')")
        c.commit()
    return path


_HOLDER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def locked(path: Path) -> Iterator[subprocess.Popen[str]]:
    workspace(path)
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


@contextmanager
def damaged(kind: str, path: Path) -> Iterator[Path]:
    if kind == "locked":
        with locked(path):
            yield path
        return
    {"future": future, "corrupt": corrupt, "foreign": foreign}[kind](path)
    yield path
