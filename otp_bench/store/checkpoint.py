"""SQLite WAL checkpoints off the engine's path, and a write-ahead log that stays bounded
however long the steps keep coming.

With SQLite's default (``wal_autocheckpoint=1000``) the commit that finds the write-ahead log
over 1000 pages copies it into the database and syncs the file, inside that engine step: most
commits took ~20 µs and every few hundredth took milliseconds, a third of the engine's time per
flow (bench/bench_engine.py). The workspace's connections switch automatic checkpoints off
(``db._sqlite_pragmas``); ``install`` counts every commit of the engine (engine steps, edits,
the mock provider's batches), and every ``EVERY`` commits one thread runs a PASSIVE checkpoint
(it never blocks a writer) on a connection of its own.

A log is only ever restarted from its beginning by a writer that finds it wholly copied into the
database. Under a steady stream of steps a checkpoint never did: steps committed while it copied,
so the log grew with every step, without bound (1 GB after 10,000 bench flows, steps slowing as
it grew). So once the log holds ``MAX_LOG_FRAMES`` pages, a checkpoint that saw steps commit
meanwhile copies their frames once more, then the few that came during that copy with this
process's steps held off (``hold``: they wait for that pass's sync of the file), and the next
step restarts the log. In the pauses of interactive use a checkpoint copies everything by itself
and the log restarts without a wait. ``journal_size_limit`` keeps the file at that cap once
restarted: trimmed to 16 MB and grown again each time, it cost a 3,000-flow bench ~8 % of its
engine time. The last connection to close checkpoints whatever is left (SQLite does that).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

EVERY = 200  # commits between checkpoints (a flow's two steps write ~22 pages: ~9 MB of log)
MAX_LOG_FRAMES = 16384  # pages in the log (64 MB at 4 KB) past which it is made to restart
CATCH_UP = 10  # commits that came during a copy, copied again before the steps are held off
JOURNAL_SIZE_LIMIT = MAX_LOG_FRAMES * 4096  # bytes of log file kept once restarted (its cap)
BUSY_MS = 2000  # a checkpoint waits at most this long for the database


class Checkpointer:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._commits = 0
        self._copied_to = 0  # the commit count when the last checkpoint began
        self._running = threading.Lock()  # at most one checkpoint thread at a time
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = False  # a checkpoint thread is started and not finished
        self._runs = 0
        self._ran = threading.Condition()
        # holds off this process's steps (``Store.settled``), for the catch-up copy
        self.hold: Callable[[], AbstractContextManager[object]] | None = None

    def committed(self) -> None:
        """Count one commit; every ``EVERY``, checkpoint on a thread (unless one is running)."""
        self._commits += 1
        if self._commits - self._copied_to < EVERY or self._busy or self._stopped.is_set():
            return
        if self._running.acquire(blocking=False):
            self._busy = True
            self._thread = threading.Thread(target=self._run, name="otp-bench-checkpoint",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._copy()
        finally:
            self._busy = False
            self._running.release()
            with self._ran:
                self._runs += 1
                self._ran.notify_all()

    def _copy(self) -> None:
        began = self._copied_to = self._commits
        done = self.checkpoint()
        if done is None or done[1] < MAX_LOG_FRAMES or self.hold is None:
            return
        # steps committed while it copied: their frames are the log's only copy of them, and a
        # log never found wholly copied is never restarted. Past its cap, copy again what came
        # meanwhile, then what came during that (a few steps' pages) with the steps held off:
        # they wait for the last pass's sync of the file
        if self._commits - began > CATCH_UP:
            began = self._copied_to = self._commits
            if self.checkpoint() is None:
                return
        if self._commits == began:
            return
        with self.hold():
            if self._stopped.is_set():
                return
            self._copied_to = self._commits
            self.checkpoint()

    def wait_for_runs(self, runs: int, timeout: float) -> bool:
        """Until ``runs`` checkpoint threads have finished (True), or ``timeout`` seconds."""
        with self._ran:
            return self._ran.wait_for(lambda: self._runs >= runs, timeout)

    @property
    def runs(self) -> int:
        """Checkpoint threads finished so far."""
        return self._runs

    def stop(self, timeout: float = 5.0) -> None:
        """No more checkpoint threads; a running one is waited for (at most ``timeout``
        seconds). Never call it holding ``hold``: the thread may need it."""
        self._stopped.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

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
        database couldn't be opened (it is logged; the next one tries again). A file that is
        gone stays gone: the connection never creates one."""
        try:
            conn = sqlite3.connect(f"file:{quote(str(self._path))}?mode=rw", uri=True,
                                   timeout=BUSY_MS / 1000, isolation_level=None)
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
    """Checkpoint the SQLite file at ``path`` as commits made through ``engine`` fill its log."""
    checkpointer = _INSTALLED[engine] = Checkpointer(path)

    def on_commit(_conn: Any) -> None:
        checkpointer.committed()

    event.listen(engine, "commit", on_commit)
    return checkpointer
