"""Following the other processes on a workspace, so this instance shows what they do, live.

A ``Follower`` watches the workspace (``store.notify``: LISTEN/NOTIFY on PostgreSQL, PRAGMA
data_version on SQLite). When another process committed, it applies that process's workspace
changes to this engine's caches (``Engine.catch_up``) and publishes them on ``engine.events``
together with the flow events it stored, so the log, phone, flags and workspace views of this
instance update as for a flow of its own — within the notification's latency (milliseconds on
PostgreSQL, ≤ 100 ms on SQLite).

Decisions don't wait for it: each flow step catches up itself before deciding (``Engine``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from otp_bench.store import notify

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine

BATCH = 2000  # event rows read per look; the rest on the next one


class Follower:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._last_event = engine.store.last_event_id()
        self._watcher: notify.Watcher | None = None

    def start(self) -> Follower:
        store = self.engine.store
        self._watcher = notify.watch(store.url, store.workspace_id, self.look)
        return self

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def look(self) -> None:
        """Apply and publish what other processes committed since the last look."""
        with self._lock:
            rows = self.engine.store.events(after_id=self._last_event, limit=BATCH)
            # after the read, and once this process's step in progress (if any) is done: a
            # step learns its event ids with its commit's answer, so a commit this read saw
            # has its ids here by then (``Store.settled``)
            with self.engine.store.settled():
                own = set(self.engine.own_event_ids)
            if rows:
                self._last_event = max(r.id or 0 for r in rows)
            foreign = tuple(r for r in rows if r.id not in own)
            self.engine.catch_up(foreign)
            if len(rows) == BATCH:  # more than one batch behind: keep reading
                threading.Thread(target=self.look, daemon=True).start()
