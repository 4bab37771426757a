"""The flags panel: every user's two verification flags, changes highlighted as they happen, and
the selected user's Identity Verification History.

``FlagsModel`` holds one row per user, in username order. It is filled once when a workspace opens;
after that each user change from the feed updates, inserts, moves or removes that user's row only,
and each ``FlagsChanged`` event updates the row in place: a changed cell stays highlighted for a
few seconds and shows "before → after".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui import theme
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.engine.bus import EventBatch
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

HIGHLIGHT_SECONDS = 6.0
USER_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class FlagsModel(QAbstractTableModel):
    COL_USER, COL_LICENSE, COL_USER_VERIFIED, COL_ADMIN_VERIFIED = range(4)
    HEADERS = ("User", "Licence", "user_verified", "admin_verified")
    _FLAGS = {COL_USER_VERIFIED: "user_verified", COL_ADMIN_VERIFIED: "admin_verified"}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._users: list[Any] = []
        self._changed: dict[tuple[str, str], tuple[bool, float]] = {}  # (user id, flag) → before
        self._fade = QTimer(self)
        self._fade.setInterval(1000)
        self._fade.timeout.connect(self._expire)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._users)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        u = self._users[index.row()]
        col = index.column()
        flag = self._FLAGS.get(col)
        changed = self._changed.get((u.id, flag)) if flag else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_USER:
                return u.username
            if col == self.COL_LICENSE:
                return u.license.value
            value = getattr(u.flags, flag or "")
            if changed is not None:
                return f"{_yes(changed[0])} → {_yes(value)}"
            return _yes(value)
        if role == Qt.ItemDataRole.BackgroundRole and changed is not None:
            return theme.color("highlight")
        if role == Qt.ItemDataRole.ForegroundRole and flag:
            return theme.color("success") if getattr(u.flags, flag) else theme.color("muted")
        if role == Qt.ItemDataRole.FontRole and changed is not None:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.TextAlignmentRole and flag:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{u.username} · {u.license.value} · mobile {u.mobile or 'none'}"
        if role == USER_ROLE:
            return u
        return None

    def set_users(self, users: list[Any]) -> None:
        """Every user at once (a workspace opened): the one reset this model does."""
        self.beginResetModel()
        self._users = sorted(users, key=_order)
        self.endResetModel()

    def user_at(self, row: int) -> Any:
        return self._users[row]

    def row_of(self, user_id: str) -> int | None:
        return next((i for i, u in enumerate(self._users) if u.id == user_id), None)

    def apply_user(self, user_id: str, user: Any | None) -> None:
        """One user saved (``user``) or deleted (None): that row only is updated, inserted,
        moved (a rename keeps the list in username order) or removed."""
        row = self.row_of(user_id)
        if user is None:
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._users[row]
                self.endRemoveRows()
                self._changed = {k: v for k, v in self._changed.items() if k[0] != user_id}
            return
        if row is not None and _order(self._users[row]) == _order(user):
            to = row  # the usual case: same name, same place
        else:
            others = [u for u in self._users if u.id != user_id]
            to = next((i for i, u in enumerate(others) if _order(u) > _order(user)), len(others))
        if row is None:
            self.beginInsertRows(QModelIndex(), to, to)
            self._users.insert(to, user)
            self.endInsertRows()
            return
        if to != row:  # Qt counts the destination before the row leaves
            self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), to + (to > row))
            del self._users[row]
            self._users.insert(to, user)
            self.endMoveRows()
            row = to
        elif self._users[row] == user:
            return  # saved unchanged (a flow step that wrote the same flags): nothing to paint
        self._users[row] = user
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def is_highlighted(self, user_id: str, flag: str) -> bool:
        return (user_id, flag) in self._changed

    def apply_change(self, ev: Any) -> None:
        """A ``FlagsChanged`` event: update the row, highlight the flags that moved."""
        now = time.monotonic()
        for flag in self._FLAGS.values():
            if getattr(ev.before, flag) != getattr(ev.after, flag):
                self._changed[(ev.user_id, flag)] = (getattr(ev.before, flag), now)
        if self._changed and not self._fade.isActive():
            self._fade.start()
        row = self.row_of(ev.user_id)
        if row is None:  # a user the flow registered: its row arrives with its user change,
            return  # highlighted already
        from dataclasses import replace

        self._users[row] = replace(self._users[row], flags=ev.after)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _expire(self) -> None:
        now = time.monotonic()
        gone = [k for k, (_b, at) in self._changed.items() if now - at > HIGHLIGHT_SECONDS]
        for k in gone:
            del self._changed[k]
        for user_id in dict.fromkeys(k[0] for k in gone):  # only the rows that fade
            row = self.row_of(user_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0),
                                      self.index(row, self.columnCount() - 1))
        if not self._changed:
            self._fade.stop()


def _order(user: Any) -> tuple[str, str]:
    return user.username.lower(), user.id  # as the store lists them


def _yes(v: bool) -> str:
    return "✓ true" if v else "false"


class FlagsPanel(QWidget):
    """Signals: history_shown(user_id) once the selected user's history is on screen."""

    history_shown = Signal(str)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self.model = FlagsModel(self)
        self.table = QTableView()
        self.table.setObjectName("flagsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(FlagsModel.COL_USER, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(FlagsModel.COL_LICENSE, True)  # in the tooltip instead
        for c in (FlagsModel.COL_USER_VERIFIED, FlagsModel.COL_ADMIN_VERIFIED):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._on_pick(cur))
        self.history = QTableWidget(0, 4)
        self.history.setObjectName("historyTable")
        self.history.setHorizontalHeaderLabels(["Time", "Use case", "Status", "Identifier"])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setShowGrid(False)
        self.history_title = label("Identity Verification History — select a user", "section")
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 6, 0, 0)
        bl.addWidget(self.history_title)
        bl.addWidget(self.history)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(bottom)
        split.setStretchFactor(0, 5)  # the users' flags first: most of the height is theirs
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(split)
        self.model.modelReset.connect(self._reselect)
        self._selected: str | None = None
        # the selected user's history is re-read once per burst of steps that wrote to it
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(0)
        self._history_timer.timeout.connect(
            lambda: self._load_history(self._selected) if self._selected else None)

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self._selected = None
        self.history.setRowCount(0)

    def set_users(self, users: list[Any]) -> None:
        self.model.set_users(users)

    def on_user_changed(self, user_id: str, user: Any | None) -> None:
        """A user change from the feed: ``user`` as saved now, or None once deleted."""
        self.model.apply_user(user_id, user)
        if user_id != self._selected:
            return
        if user is None:
            self._selected = None
            self.history.setRowCount(0)
            self.history_title.setText("Identity Verification History — select a user")
        else:  # renamed, perhaps: the title names the user as saved now
            self.history_title.setText(f"Identity Verification History — {user.username}")

    def on_flags_changed(self, ev: Any) -> None:
        self.model.apply_change(ev)
        if ev.user_id == self._selected:
            self._history_timer.start()

    def on_batch(self, batch: EventBatch) -> None:
        """A step wrote an Identity Verification History row: re-read it if it is the selected
        user's (a failed or pending verification changes no flag, but still shows here)."""
        row = self.model.row_of(self._selected) if self._selected else None
        if row is None:
            return
        username = self.model.user_at(row).username
        if any(r.kind == "history" and r.user == username for r in batch.records):
            self._history_timer.start()

    def _reselect(self) -> None:
        for r in range(self.model.rowCount()):
            if self.model.index(r, 0).data(USER_ROLE).id == self._selected:
                self.table.selectRow(r)

    def _on_pick(self, index: QModelIndex) -> None:
        user = index.data(USER_ROLE) if index.isValid() else None
        if user is None:
            return
        self._selected = user.id
        self.history_title.setText(f"Identity Verification History — {user.username}")
        self._load_history(user.id)

    def _load_history(self, user_id: str) -> None:
        if self._engine is None:
            return
        engine = self._engine
        self._tasks.run(lambda: engine.history(user_id, limit=200),
                        lambda rows: self._show_history(user_id, rows), title="Reading history")

    def _show_history(self, user_id: str, rows: list[Any]) -> None:
        if user_id != self._selected:
            return
        self.history.setRowCount(len(rows))
        for i, h in enumerate(reversed(rows)):
            for c, text in enumerate((f"{h.at:%Y-%m-%d %H:%M:%S}", h.use_case.label, h.status,
                                      h.identifier)):
                self.history.setItem(i, c, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history_shown.emit(user_id)
