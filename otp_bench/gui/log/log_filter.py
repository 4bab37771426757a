"""Filtering the live log: every word typed must appear somewhere in the row.

The words are matched against a lower-cased text each row carries, in ``filterAcceptsRow`` with no
Qt calls, so filtering 100k rows stays well under 100 ms.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from otp_bench.gui.log.log_model import LogTableModel


class LogFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._rows: Any = ()

    def setSourceModel(self, model: Any) -> None:
        super().setSourceModel(model)
        self._rows = model.rows if isinstance(model, LogTableModel) else ()

    @property
    def terms(self) -> tuple[str, ...]:
        return self._terms

    def set_filter_text(self, text: str) -> None:
        terms = tuple(text.lower().split())
        if terms == self._terms:
            return
        self.beginFilterChange()
        self._terms = terms
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        terms = self._terms
        if not terms:
            return True
        hay = self._rows[source_row].hay
        return all(t in hay for t in terms)
