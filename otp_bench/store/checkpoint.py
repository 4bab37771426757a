"""SQLite WAL checkpoints off the engine's path: run on a short-lived thread, not in a commit.

With SQLite's default (``wal_autocheckpoint=1000``) the commit that finds the write-ahead log
over 1000 pages copies it into the database and syncs the file, inside that engine step: most
commits took ~20 µs and every few hundredth took milliseconds, a third of the engine's time per
flow (bench/bench_engine.py). The workspace's connections switch automatic checkpoints off
(``db._sqlite_pragmas``); ``install`` counts every commit of the engine (engine steps, edits,
the mock provider's batches), and every ``EVERY`` commits one thread runs a PASSIVE checkpoint
(it never blocks a writer) on a connection of its own. ``journal_size_limit`` keeps the log
file from growing past its cap once checkpointed. The last connection to close checkpoints
whatever is left (SQLite does that).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

EVERY = 200  # commits between checkpoints (a step writes a few pages: ~1000 pages of log)
JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024  # bytes of log file kept once checkpointed
BUSY_MS = 2000  # a checkpoint waits at most this long for the database


class Checkpointer:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._commits = 0
        self._running = threading.Lock()  # at most one checkpoint thread at a time

    def committed(self) -> None:
        """Count one commit; every ``EVERY``, checkpoint on a thread (unless one is running)."""
        self._commits += 1
        if self._commits % EVERY == 0 and self._running.acquire(blocking=False):
            threading.Thread(target=self._run, name="otp-bench-checkpoint", daemon=True).start()

    def _run(self) -> None:
        try:
            self.checkpoint()
        finally:
            self._running.release()

    def checkpoint_now(self, timeout: float = 10.0) -> tuple[int, int, int] | None:
        """``checkpoint()`` once any checkpoint thread running has finished (None if it hasn't
        within ``timeout``)."""
        if not self._running.acquire(timeout=timeout):
            return None
        try:
            return self.checkpoint()
        finally:
            self._running.release()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint now: (busy, log frames, frames checkpointed), or None when the
        database couldn't be opened (it is logged; the next one tries again)."""
        try:
            conn = sqlite3.connect(self._path, timeout=BUSY_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            log.warning("checkpoint of %s skipped: %s", self._path, exc)
            return None
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return (int(row[0]), int(row[1]), int(row[2]))
        except sqlite3.Error as exc:
            log.warning("checkpoint of %s failed: %s", self._path, exc)
            return None
        finally:
            conn.close()


_INSTALLED: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def of(engine: Engine) -> Checkpointer | None:
    """The checkpointer installed on ``engine`` (None: not a SQLite file). Commits made on the
    driver's connection, bypassing SQLAlchemy, are counted by calling its ``committed()``."""
    return _INSTALLED.get(engine)


def install(engine: Engine, path: Path) -> Checkpointer:
    """Checkpoint the SQLite file at ``path`` every ``EVERY`` commits made through ``engine``."""
    checkpointer = _INSTALLED[engine] = Checkpointer(path)

    def on_commit(_conn: Any) -> None:
        checkpointer.committed()

    event.listen(engine, "commit", on_commit)
    return checkpointer
