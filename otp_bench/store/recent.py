"""What this process's own steps wrote lately, read back without SQL on SQLite.

A verify reads the flow, the challenge and the account's recent history; an init counts the
subject's codes of the last hour. Most of the time this same process wrote every one of those
rows moments before (the app, the headless API, a scenario). On SQLite a step holds the file's
write lock from ``BEGIN IMMEDIATE`` and first asks ``PRAGMA data_version`` whether any other
connection committed since its last look (``StepTransactions._data_moved``). When none did, the
database is exactly what this process last read plus what its own steps committed, so these
copies are exact, not a guess; when one did, ``clear()`` drops them all before anything is
decided and the step reads the rows again.

Rules that keep the copies exact:
- an entry is stored only after its transaction committed (``Tx.after_commit``), so a rolled
  back step leaves nothing behind;
- a write that changes a stored row drops the entry at once; a challenge is read from the
  database next time, a flow's copy comes back with the columns the update set, once the step
  committed (``Tx.update_flow``);
- a step that also ran statements through SQLAlchemy (``Tx.conn``/``Tx.session``: workspace
  edits) clears everything at commit: only the hot path's own writes are followed.
PostgreSQL keeps reading inside the step (row locks there are what make decisions exact).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from otp_bench.store.activity import Challenge, FlowRecord

K = TypeVar("K")
V = TypeVar("V")

LIMIT = 4096  # entries per kind: the flows in flight in one process, with room to spare


class _Bounded(Generic[K, V]):
    """A dict keeping its newest ``LIMIT`` entries."""

    def __init__(self) -> None:
        self._d: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._d.get(key)

    def put(self, key: K, value: V) -> None:
        d = self._d
        d[key] = value
        d.move_to_end(key)
        if len(d) > LIMIT:
            d.popitem(last=False)

    def drop(self, key: K) -> None:
        self._d.pop(key, None)

    def clear(self) -> None:
        self._d.clear()

    def __len__(self) -> int:
        return len(self._d)


class Issued:
    """A subject's code issue times since ``since``: every one in the database, oldest first."""

    __slots__ = ("since", "times")

    def __init__(self, since: datetime, times: list[datetime]) -> None:
        self.since = since
        self.times = times

    def count_after(self, since: datetime) -> int | None:
        """Codes issued after ``since``; None when the copy doesn't reach back that far."""
        if since < self.since:
            return None
        if since > self.since:  # the window moved on: what fell out of it is never counted again
            self.times = [t for t in self.times if t > since]
            self.since = since
        return len(self.times)


class History:
    """A user's verification-history (time, status) rows after their last ``success``, oldest
    first: the newest ``limit`` of them, as the account-lock check reads them."""

    __slots__ = ("limit", "rows", "success")

    def __init__(self, success: str, limit: int, rows: list[tuple[datetime, str]]) -> None:
        self.success = success
        self.limit = limit
        self.rows = rows

    def added(self, at: datetime, status: str) -> None:
        if status == self.success:
            self.rows = []  # a success resets every count kept over the history
            return
        self.rows.append((at, status))
        if len(self.rows) > self.limit:
            del self.rows[0]


class RecentRows:
    """The copies one store keeps (see the module docstring); ``flows``, ``challenges``,
    ``issued`` (by subject) and ``history`` (by user id)."""

    def __init__(self) -> None:
        self.flows: _Bounded[str, FlowRecord] = _Bounded()
        self.challenges: _Bounded[str, Challenge] = _Bounded()
        self.issued: _Bounded[str, Issued] = _Bounded()
        self.history: _Bounded[str, History] = _Bounded()

    def clear(self) -> None:
        for kind in (self.flows, self.challenges, self.issued, self.history):
            kind.clear()

    # what a committed step wrote (called from ``Tx.after_commit``, in the order written)
    def challenge_added(self, c: Challenge) -> None:
        self.challenges.put(c.identifier, c)
        issued = self.issued.get(c.subject)
        if issued is not None:
            issued.times.append(c.issued_at)

    def history_added(self, user_id: str, at: datetime, status: str) -> None:
        history = self.history.get(user_id)
        if history is not None:
            history.added(at, status)
