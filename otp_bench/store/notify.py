"""Telling every process on a workspace that another one committed: LISTEN/NOTIFY or data_version.

- PostgreSQL: each committing engine step sends ``NOTIFY otp_bench_<workspace id>`` inside its
  transaction (its first read carries ``NOTE``; ``notify_in`` elsewhere; delivered at commit,
  never for a rolled-back step). A ``Watcher``
  holds one extra connection that LISTENs and calls back within milliseconds; it waits on that
  connection's socket and on a wake-up socket of its own, so ``stop`` ends the watch at once
  (closing a workspace or a window doesn't wait out a LISTEN wait).
- SQLite: a ``Watcher`` polls ``PRAGMA data_version`` on a connection of its own, a few times a
  second (``SQLITE_INTERVAL``): the value moves when any other connection — another process, or
  this one's own writers — committed. One query per tick, one watcher per open workspace: no
  polling storm.

Either way the callback (``on_change``) runs on the watcher's thread and only says "look again":
what changed is read from the database (the change feed, the event rows), so a lost or merged
notification loses nothing. Bursts are coalesced: at most one callback runs at a time, and
notifications arriving meanwhile fold into one more call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select as io_select  # sqlalchemy.select is the other select here
import socket
import sqlite3
import threading
from collections.abc import Callable

from sqlalchemy import Connection, bindparam, func, make_url, select, text

from otp_bench.store.prepared import Prepared
from otp_bench.store.sql import Sql

log = logging.getLogger(__name__)

SQLITE_INTERVAL = 0.1  # seconds between data_version polls (≤ 100 ms of the 1 s budget)
PG_WAIT = 0.5  # seconds a LISTEN wait lasts at most (stop wakes it at once)
RETRY = 1.0  # seconds before reconnecting after the server went away
INSTANCE = f"{os.getpid()}-{os.urandom(4).hex()}"  # this process, in each payload


def channel(workspace_id: str) -> str:
    return f"otp_bench_{workspace_id}"


_NOTIFY = Prepared(text("SELECT pg_notify(:c, :p)"))
# The notification as a one-row subquery (binds ``_channel``, ``_payload``: ``note_params``), for
# a step's first read to carry (store.steps): the step's own statement fewer. Like any NOTIFY it
# goes out when the step commits, never for a step rolled back.
NOTE = select(func.pg_notify(bindparam("_channel"), bindparam("_payload")).label("sent")
              ).subquery("note")


def note_params(workspace_id: str) -> dict[str, str]:
    return {"_channel": channel(workspace_id), "_payload": INSTANCE}


def notify_in(sql: Sql | Connection, workspace_id: str) -> None:
    """Queue the workspace's notification in the transaction of ``sql`` (PostgreSQL only)."""
    if sql.dialect.name == "postgresql":
        # a caller's own SQLAlchemy transaction: sent at once (it commits through SQLAlchemy)
        run = sql if isinstance(sql, Sql) else Sql(sql, pipeline=False)
        run.execute(_NOTIFY, {"c": channel(workspace_id), "p": INSTANCE})


class Watcher:
    """Calls ``on_change()`` soon after another connection commits to the workspace."""

    def __init__(self, url: str, workspace_id: str, on_change: Callable[[], None]) -> None:
        self._url = url
        self._channel = channel(workspace_id)
        self._on_change = on_change
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()  # stop() writes: the wait ends now
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="otp-bench-watcher",
                                        daemon=True)

    def start(self, timeout: float = 10.0) -> Watcher:
        """Start watching; returns once the watch is in place (or ``timeout`` passed)."""
        self._thread.start()
        self._ready.wait(timeout)
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):  # already woken and closed
            self._wake_w.send(b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=PG_WAIT + RETRY + 1)
        if not self._thread.is_alive():
            self._wake_r.close()
            self._wake_w.close()

    def _fire(self) -> None:
        try:
            self._on_change()
        except Exception:  # a failing reader never stops the watch
            log.exception("workspace change callback failed")

    def _run(self) -> None:
        watch = self._watch_pg if self._url.startswith("postgresql") else self._watch_sqlite
        failing = False
        while not self._stop.is_set():
            try:
                watch()
            except Exception as exc:  # the server restarted, the file moved: retry
                self._ready.set()
                if not failing:
                    log.warning("watching the workspace for changes failed (%s); retrying "
                                "every %g s", type(exc).__name__, RETRY)
                failing = True
                if not self._stop.wait(RETRY):
                    self._fire()  # changes may have been missed meanwhile: look once

    def _watch_sqlite(self) -> None:
        path = make_url(self._url).database or ""
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5,
                              check_same_thread=False)
        try:
            last = con.execute("PRAGMA data_version").fetchone()[0]
            self._ready.set()
            while not self._stop.wait(SQLITE_INTERVAL):
                now = con.execute("PRAGMA data_version").fetchone()[0]
                if now != last:
                    last = now
                    self._fire()
        finally:
            con.close()

    def _watch_pg(self) -> None:
        import psycopg

        conninfo = make_url(self._url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as con:
            con.execute(f'LISTEN "{self._channel}"')
            self._ready.set()
            while True:
                # what has arrived, without waiting: a burst becomes one callback
                notes = list(con.notifies(timeout=0.0))
                if any(n.payload != INSTANCE for n in notes):  # our own are published already
                    self._fire()
                if self._stop.is_set():
                    return
                # until the server says something or stop() wakes us; every wait has a deadline
                io_select.select([con.fileno(), self._wake_r.fileno()], [], [], PG_WAIT)


def watch(url: str, workspace_id: str, on_change: Callable[[], None]) -> Watcher | None:
    """A started watcher for a file or PostgreSQL workspace; None for an in-memory one."""
    if url in ("sqlite://", "sqlite:///:memory:") or not (
        url.startswith("sqlite") or url.startswith("postgresql")
    ):
        return None
    return Watcher(url, workspace_id, on_change).start()
