"""The live log's table model: one compact row per event, bounded, appended in batches.

Rows are small tuples (not the events themselves) so 100k of them stay cheap; the full chain of a
flow is fetched from the store when the inspector asks. New records are buffered and inserted on a
short timer tick, one ``beginInsertRows`` per tick, and the oldest rows are dropped past ``cap``
(they stay in the store; "Load older" brings them back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from otp_bench.gui import theme

DEFAULT_CAP = 100_000
FLUSH_MS = 50
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class LogRow(NamedTuple):
    id: int
    time: str
    site: str
    user: str
    use_case: str
    step: str
    kind: str
    result: str
    latency: str
    summary: str
    flow_id: str | None
    hay: str  # lower-cased text the filter searches


def row_from(rec: Any) -> LogRow:
    """A compact row from a stored ``EventRecord``."""
    latency = f"{rec.latency_ms:.0f} ms" if rec.latency_ms is not None else ""
    time = rec.at.isoformat(timespec="milliseconds")[11:23]
    hay = " ".join(
        (rec.site, rec.user, rec.use_case, rec.step, rec.kind, rec.result, rec.summary,
         rec.flow_id or "")
    ).lower()
    return LogRow(rec.id or 0, time, rec.site, rec.user, rec.use_case, rec.step, rec.kind,
                  rec.result, latency, rec.summary, rec.flow_id, hay)


_FAIL_WORDS = ("ERROR", "EXCEPTION", "INVALID", "BLOCK", "EXCEEDED", "FAILURE")


class LogTableModel(QAbstractTableModel):
    COL_TIME, COL_SITE, COL_USER, COL_USE_CASE, COL_STEP, COL_KIND, COL_RESULT, COL_LATENCY, \
        COL_SUMMARY = range(9)
    HEADERS = ("Time", "Site", "User", "Use case", "Step", "Kind", "Result", "Latency", "Summary")
    _FIELDS = ("time", "site", "user", "use_case", "step", "kind", "result", "latency", "summary")

    def __init__(self, parent: Any = None, cap: int = DEFAULT_CAP) -> None:
        super().__init__(parent)
        self.cap = cap
        self._rows: list[LogRow] = []
        self._pending: list[LogRow] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    # -- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row[col + 1]
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_RESULT and row.result:
            if row.result == "SUCCESS":
                return theme.color("success")
            if row.result.isupper() and any(w in row.result for w in _FAIL_WORDS):
                return theme.color("danger")
            if not row.result.isupper():  # a refusal reason code
                return theme.color("danger")
            return None
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_SUMMARY:
            return row.summary
        if role == ROW_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    # -- feeding -------------------------------------------------------------------------------

    def add_records(self, records: Iterable[Any]) -> None:
        """Queue records; they appear on the next timer tick, in one insert."""
        self._pending.extend(row_from(r) for r in records)
        if not self._timer.isActive():
            self._timer.start()

    def add_rows(self, rows: Sequence[LogRow]) -> None:
        self._pending.extend(rows)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Insert everything queued now (the timer calls this; tests and benches may too)."""
        if not self._pending:
            return
        new, self._pending = self._pending, []
        if len(new) > self.cap:
            new = new[-self.cap:]
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self.endInsertRows()
        self._trim()

    def prepend_older(self, newest_first: Sequence[Any]) -> int:
        """Put older stored records (as ``store.events(newest_first=True)`` returns them) on top."""
        room = self.cap - len(self._rows)
        rows = [row_from(r) for r in reversed(newest_first[: max(room, 0)])]
        if not rows:
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self._rows[0:0] = rows
        self.endInsertRows()
        return len(rows)

    def _trim(self) -> None:
        extra = len(self._rows) - self.cap
        if extra > 0:
            self.beginRemoveRows(QModelIndex(), 0, extra - 1)
            del self._rows[:extra]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._pending.clear()
        self.endResetModel()

    # -- lookups -------------------------------------------------------------------------------

    def row(self, i: int) -> LogRow:
        return self._rows[i]

    @property
    def rows(self) -> Sequence[LogRow]:
        return self._rows

    @property
    def oldest_id(self) -> int | None:
        return self._rows[0].id if self._rows else None

    @property
    def newest_id(self) -> int:
        if self._pending:
            return self._pending[-1].id
        return self._rows[-1].id if self._rows else 0
