"""The live log pane: filter box, the event table, "load older", and the flow inspector.

New events arrive through the bridge (``append_batch``); older ones are read from the store on a
worker when the operator scrolls to the top or presses "Load older".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.log.inspector import FlowInspector
from otp_bench.gui.log.log_filter import LogFilterProxy
from otp_bench.gui.log.log_model import ROW_ROLE, LogRow, LogTableModel

if TYPE_CHECKING:
    from otp_bench.domain.events import EventRecord
    from otp_bench.engine.bus import EventBatch
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

INITIAL_ROWS = 1000
OLDER_PAGE = 2000


class LogPane(QWidget):
    """Signals: older_loaded(int) after "load older" added rows."""

    older_loaded = Signal(int)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._loading = False
        self._exhausted = False
        self.model = LogTableModel(self)
        # The proxy is attached only while a filter is on: unfiltered, the view reads the model
        # directly, so appends and clearing the filter never walk 100k rows through Python.
        self.proxy = LogFilterProxy(self)

        self.filter = QLineEdit()
        self.filter.setObjectName("logFilter")
        self.filter.setPlaceholderText("Filter the log — every word must match (site, user, "
                                       "kind, result, flow id…)   Ctrl+F")
        self.filter.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(120)  # debounce typing
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.follow = QPushButton("Follow")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest row in view")
        self.older = QPushButton("Load older")
        self.older.clicked.connect(self.load_older)
        self.count = QLabel("0 rows")
        self.count.setProperty("role", "muted")

        self.table = QTableView()
        self.table.setObjectName("logTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        head = self.table.horizontalHeader()
        head.setStretchLastSection(True)
        head.setHighlightSections(False)
        for col, width in enumerate((96, 120, 150, 170, 80, 104, 150, 70)):
            self.table.setColumnWidth(col, width)
        self._connect_selection()
        self.table.verticalScrollBar().valueChanged.connect(self._on_scroll)
        self.model.rowsInserted.connect(self._on_rows_inserted)

        self.inspector = FlowInspector(tasks)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.older)
        bar.addWidget(self.follow)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(bar)
        ll.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.inspector)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(split)

    def set_engine(self, engine: Engine) -> None:
        """Show the newest stored rows of ``engine``'s workspace (read on a worker)."""
        self._engine = engine
        self._exhausted = False
        self.model.clear()
        self.inspector.set_engine(engine)
        self._loading = True
        self._tasks.run(lambda: engine.event_page(limit=INITIAL_ROWS),
                        self._on_initial, title="Reading the log")

    def _on_initial(self, records: list[EventRecord]) -> None:
        self._loading = False
        self.model.flush()  # rows that arrived live while we read sit below the stored ones
        oldest = self.model.oldest_id
        self.model.prepend_older(
            records if oldest is None else [r for r in records if (r.id or 0) < oldest]
        )
        self._exhausted = len(records) < INITIAL_ROWS
        self._update_count()

    def append_batch(self, batch: EventBatch) -> None:
        self.model.add_records(batch.records)

    def load_older(self) -> None:
        if self._engine is None or self._loading or self._exhausted:
            return
        before = self.model.oldest_id
        engine = self._engine
        self._loading = True
        self._tasks.run(
            lambda: engine.event_page(before_id=before, limit=OLDER_PAGE),
            self._on_older, title="Reading older log rows",
        )

    def _on_older(self, records: list[EventRecord]) -> None:
        self._loading = False
        self._exhausted = len(records) < OLDER_PAGE
        n = self.model.prepend_older(records)
        self.older.setEnabled(not self._exhausted)
        self._update_count()
        self.older_loaded.emit(n)

    def _on_scroll(self, value: int) -> None:
        if value == 0 and self.table.verticalScrollBar().maximum() > 0:
            self.load_older()

    def _on_rows_inserted(self, _parent: Any, first: int, _last: int) -> None:
        self._update_count()
        if first > 0 and self.follow.isChecked():
            self.table.scrollToBottom()

    def _connect_selection(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    @property
    def shown_model(self) -> Any:
        """What the table shows: the model, or the filter proxy while a filter is on."""
        return self.table.model()

    def set_filter(self, text: str) -> None:
        """Show only rows containing every word of ``text`` (empty: all rows)."""
        self.model.flush()
        if text.split():
            if self.proxy.sourceModel() is None:
                self.proxy.set_filter_text(text)
                self.proxy.setSourceModel(self.model)
            else:
                self.proxy.set_filter_text(text)
            target: Any = self.proxy
        else:
            target = self.model
        if self.table.model() is not target:
            self.table.setModel(target)
            self._connect_selection()
            if target is self.model:
                self.proxy.setSourceModel(None)
                self.proxy.set_filter_text("")
        self._update_count()

    def _apply_filter(self) -> None:
        self.set_filter(self.filter.text())

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.shown_model.rowCount()
        self.count.setText(f"{total:,} rows" if shown == total else f"{shown:,} of {total:,}")

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        idx = selected.indexes()
        self.inspector.show_row(idx[0].data(ROW_ROLE) if idx else None)

    def select_flow(self, flow_id: str) -> None:
        """Select the newest row of ``flow_id`` (the site pane's "show in log")."""
        self.model.flush()
        view = self.shown_model
        for r in range(view.rowCount() - 1, -1, -1):
            idx = view.index(r, 0)
            if idx.data(ROW_ROLE).flow_id == flow_id:
                self.table.selectRow(r)
                self.table.scrollTo(idx)
                return
        # not among the rows held (older than the cap, or still arriving): inspect it anyway
        self.inspector.show_row(LogRow(0, "", "", "", "", "", "flow", "", "", "", flow_id, ""))
