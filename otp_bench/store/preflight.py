"""Checking a SQLite workspace file before anything writes to it.

Opening a file runs migrations, which create tables: done blindly, another application's SQLite
file gets otp-bench's tables and a damaged or newer workspace fails deep inside Alembic. So the file
is first read through a read-only connection and refused, unchanged, with one line saying what it
is and what to do: not an otp-bench database; created by a newer otp-bench (its schema revision
unknown here); damaged (``PRAGMA quick_check`` names where), with the recovery steps; or locked by
another program, which is waited for a bounded time (progress reported each second) and then named
(the process holding the lock, from ``/proc/locks`` on Linux).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from urllib.parse import quote

SQLITE_MAGIC = b"SQLite format 3\x00"
LOCK_WAIT_ENV = "OTP_BENCH_LOCK_WAIT"
DEFAULT_LOCK_WAIT_S = 10.0
ATTEMPT_S = 0.25  # one look waits this long for the lock at most (and never past the whole wait)
# tables every otp-bench schema has had since revision 0001: a file holding them but an
# unknown Alembic revision is a newer otp-bench's, not a stranger's
CORE_TABLES = frozenset({"kv", "sites", "users", "providers"})

Progress = Callable[[str], None]


class WorkspaceRefused(RuntimeError):
    """The file can't be used as a workspace; the message is one line for the user."""


def _stderr(line: str) -> None:
    print(f"otp-bench: {line}", file=sys.stderr, flush=True)


progress_hook: Progress = _stderr  # the app replaces it to show the wait in its status bar


def lock_wait_s() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT_S)))
    except ValueError:
        return DEFAULT_LOCK_WAIT_S


def check_sqlite_file(path: Path, *, head: str | None, known: Callable[[], Collection[str]],
                      progress: Progress | None = None) -> None:
    """Raise WorkspaceRefused unless ``path`` is absent/empty or an otp-bench workspace this
    version can open and write. Nothing is written to the file."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise WorkspaceRefused(f"can't read workspace {path}: {exc.strerror or exc}") from None
    if header != SQLITE_MAGIC:
        raise WorkspaceRefused(
            f"{path} is not an otp-bench workspace (not a readable otp-bench database: not "
            "SQLite at all); it was left unchanged — choose another file or a new one")
    wait = lock_wait_s()
    started = time.monotonic()
    announced = 0
    while True:
        # the last look waits only what is left: the refusal comes when the wait said it would
        attempt = min(ATTEMPT_S, max(0.0, wait - (time.monotonic() - started)))
        try:
            _inspect(path, head, known, attempt)
            _try_write_lock(path, attempt)
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise WorkspaceRefused(_damaged(path, str(exc))) from None
        except sqlite3.DatabaseError as exc:
            raise WorkspaceRefused(_damaged(path, str(exc))) from None
        waited = time.monotonic() - started
        if waited >= wait:
            raise WorkspaceRefused(
                f"{path} is locked by {holder_of(path)}; waited {wait:g} s — finish or close "
                "that program's work on it and retry") from None
        if int(waited) > announced or announced == 0:
            announced = max(1, int(waited))
            (progress or progress_hook)(
                f"{path} is locked by {holder_of(path)}; waiting up to {wait:g} s "
                f"({waited:.0f} s so far)")


def _connect(path: Path, mode: str, busy_s: float) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, timeout=busy_s,
                           isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(busy_s * 1000)}")  # each attempt's wait, bounded
    return conn


@contextlib.contextmanager
def _closing(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield conn
    finally:
        conn.close()


def _inspect(path: Path, head: str | None, known: Callable[[], Collection[str]],
             busy_s: float) -> None:
    with _closing(_connect(path, "ro", busy_s)) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")}
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(str(p) for p in problems))
        if not tables:
            return  # an empty database: ours to initialise
        if "alembic_version" not in tables:
            raise WorkspaceRefused(_foreign(path, tables))
        revision = next(iter(conn.execute("SELECT version_num FROM alembic_version")),
                        (None,))[0]
    # ``known`` parses every migration script: only asked when the file isn't at the head
    if revision is None or revision == head or revision in known():
        return
    if tables & CORE_TABLES == CORE_TABLES:
        raise WorkspaceRefused(
            f"{path} was created by a newer otp-bench (schema {revision}, this is {head}); "
            "open it with that version, or choose another workspace — it was left unchanged")
    raise WorkspaceRefused(_foreign(path, tables))


def _try_write_lock(path: Path, busy_s: float) -> None:
    """Take and release the write lock: a writer elsewhere shows up here, not mid-migration."""
    with _closing(_connect(path, "rw", busy_s)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _foreign(path: Path, tables: Collection[str]) -> str:
    shown = ", ".join(sorted(tables)[:4]) + (", …" if len(tables) > 4 else "")
    return (f"{path} is not an otp-bench workspace (another application's database, with tables "
            f"{shown}); it was left unchanged — choose another file or a new one")


def _damaged(path: Path, problem: str) -> str:
    first = problem.replace("\n", " ").strip()[:160]
    return (f"{path} is damaged at: {first}. To recover: keep a copy of it and its -wal file, run "
            f"`sqlite3 '{path}' 'PRAGMA integrity_check'` to see the extent, then "
            f"`sqlite3 '{path}' .recover | sqlite3 recovered.db` and open recovered.db "
            "— or restore your last backup")


# -- who holds the lock -----------------------------------------------------------------------

def holder_of(path: Path) -> str:
    """'process 1234 (name)' holding a lock on the database (or its -wal/-shm), if knowable."""
    pids = _lock_holders(path)
    if not pids:
        return "another program (which one can't be told on this system)"
    names = []
    for pid in sorted(pids)[:3]:
        me = " — this otp-bench itself" if pid == os.getpid() else ""
        names.append(f"process {pid} ({_process_name(pid)}{me})")
    return ", ".join(names)


def _lock_holders(path: Path) -> set[int]:
    inodes: set[tuple[int, int]] = set()
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):
            st = p.stat()
            inodes.add((st.st_dev, st.st_ino))
    pids: set[int] = set()
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return pids
    for line in lines:
        parts = line.split()
        if "->" in parts:  # a waiter, not a holder
            continue
        try:
            pid = int(parts[4])
            major, minor, inode = parts[5].split(":")
            dev = os.makedev(int(major, 16), int(minor, 16))
            if (dev, int(inode)) in inodes and pid > 0:
                pids.add(pid)
        except (IndexError, ValueError):
            continue
    return pids


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() or "?"
    except OSError:
        return "?"
