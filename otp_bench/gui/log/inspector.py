"""The detail inspector: the correlated chain of the flow selected in the live log.

Reads run on a worker (``store.events(flow_id=)``, ``store.callouts(flow_id=)``). Callouts are
fetched unsealed (``reveal=True``) only after the operator turns on "Reveal secrets" and confirms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.log.chain_html import render_chain, render_single
from otp_bench.gui.log.log_model import LogRow

if TYPE_CHECKING:
    from otp_bench.domain.callout import CalloutRecord
    from otp_bench.domain.events import EventRecord
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner


class FlowInspector(QWidget):
    """Signals: shown(flow_id) after a chain was rendered (tests wait on it)."""

    shown = Signal(str)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._row: LogRow | None = None
        self._generation = 0
        self.title = QLabel("Inspector")
        self.title.setProperty("role", "section")
        self.reveal = QPushButton("Reveal secrets")
        self.reveal.setCheckable(True)
        self.reveal.setToolTip("Show OTPs and credentials in clear for this view (asks first)")
        self.reveal.toggled.connect(self._on_reveal)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setPlaceholderText("Select a row in the log to see its flow: step → handler "
                                        "inputs → request → response → rule → result → flags.")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.reveal)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.browser, 1)

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self.browser.clear()

    @property
    def revealed(self) -> bool:
        return self.reveal.isChecked()

    def show_row(self, row: LogRow | None) -> None:
        self._row = row
        self._generation += 1
        if row is None or self._engine is None:
            self.browser.clear()
            return
        gen, engine, revealed = self._generation, self._engine, self.revealed
        flow_id, event_id = row.flow_id, row.id

        def fetch() -> tuple[list[EventRecord], list[CalloutRecord]]:
            if flow_id:
                return engine.flow_chain(flow_id, reveal=revealed)
            one = engine.event(event_id)
            return ([one] if one is not None else []), []

        self._tasks.run(fetch, lambda res: self._render(gen, row, res, revealed),
                        title="Loading the flow")

    def _render(self, gen: int, row: LogRow, res: tuple[list[EventRecord], list[CalloutRecord]],
                revealed: bool) -> None:
        if gen != self._generation:  # a newer selection won
            return
        events, callouts = res
        if row.flow_id:
            self.title.setText(f"Flow {row.flow_id}")
            html = render_chain(events, callouts, revealed)
        else:
            self.title.setText(row.kind)
            html = render_single(events[0]) if events else ""
        self.browser.setHtml(html)
        self.shown.emit(row.flow_id or "")

    def _label_reveal(self) -> None:
        """The button says what pressing it does: reveal, or hide again."""
        self.reveal.setText("Hide secrets" if self.reveal.isChecked() else "Reveal secrets")

    def restyle(self) -> None:
        self.show_row(self._row)

    def _on_reveal(self, on: bool) -> None:
        self._label_reveal()
        if on:
            answer = QMessageBox.question(
                self, "Reveal secrets?",
                "Show one-time passwords and provider credentials in clear in the inspector?\n\n"
                "Don't share screenshots taken while secrets are revealed.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.reveal.blockSignals(True)
                self.reveal.setChecked(False)
                self.reveal.blockSignals(False)
                self._label_reveal()
                return
        self.show_row(self._row)
