"""Editable tables for provider configs: name/value pairs, masked credentials, result rules."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from otp_bench.domain.vocabulary import DeliveryResult


class _TableBox(QWidget):
    changed = Signal()

    def __init__(self, headers: list[str], add_text: str) -> None:
        super().__init__()
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(110)
        self.table.itemChanged.connect(lambda _i: self.changed.emit())
        add = QPushButton(add_text)
        add.setProperty("flat", True)
        add.clicked.connect(lambda: self.add_row())
        rm = QPushButton("Remove selected")
        rm.setProperty("flat", True)
        rm.clicked.connect(self._remove)
        self.buttons = bar = QHBoxLayout()
        bar.addWidget(add)
        bar.addWidget(rm)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)
        lay.addLayout(bar)

    def add_row(self, *values: Any) -> None:
        raise NotImplementedError

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        self.changed.emit()

    def _text(self, r: int, c: int) -> str:
        item = self.table.item(r, c)
        return item.text().strip() if item else ""


class PairsTable(_TableBox):
    """(name, value template) pairs: headers, query parameters, form fields."""

    def __init__(self, what: str = "header") -> None:
        super().__init__(["Name", "Value (template)"], f"+ Add {what}")

    def add_row(self, name: str = "", value: str = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(name))
        self.table.setItem(r, 1, QTableWidgetItem(value))

    def set_pairs(self, pairs: Any) -> None:
        self.table.setRowCount(0)
        items = pairs.items() if isinstance(pairs, dict) else pairs or ()
        for name, value in items:
            self.add_row(str(name), str(value))

    def pairs(self) -> list[list[str]]:
        return [[self._text(r, 0), self._text(r, 1)] for r in range(self.table.rowCount())
                if self._text(r, 0)]


class CredentialsTable(_TableBox):
    """Credential keys and their secret values; values are masked unless "Show" is on."""

    def __init__(self) -> None:
        super().__init__(["Credential key", "Secret value"], "+ Add credential")
        self.show_secrets = QPushButton("Show secrets")
        self.show_secrets.setCheckable(True)
        self.show_secrets.setProperty("flat", True)
        self.show_secrets.toggled.connect(self._echo)
        self.buttons.addWidget(self.show_secrets)

    def add_row(self, key: str = "", value: str = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(key))
        edit = QLineEdit(value)
        edit.setObjectName(f"secret_{key}")
        edit.setEchoMode(QLineEdit.EchoMode.Normal if self.show_secrets.isChecked()
                         else QLineEdit.EchoMode.Password)
        edit.textChanged.connect(lambda _t: self.changed.emit())
        self.table.setCellWidget(r, 1, edit)

    def _echo(self, on: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        for r in range(self.table.rowCount()):
            w = self.table.cellWidget(r, 1)
            if isinstance(w, QLineEdit):
                w.setEchoMode(mode)

    def set_credentials(self, creds: dict[str, str], keys: Any = ()) -> None:
        self.table.setRowCount(0)
        for k in dict.fromkeys([*keys, *creds]):
            self.add_row(k, creds.get(k, ""))

    def credentials(self) -> dict[str, str]:
        out = {}
        for r in range(self.table.rowCount()):
            w = self.table.cellWidget(r, 1)
            key = self._text(r, 0)
            if key and isinstance(w, QLineEdit) and w.text():
                out[key] = w.text()
        return out


RULE_FIELDS = ("status", "json_path", "equals", "pattern", "error", "label")


class RulesTable(_TableBox):
    """Ordered result-mapping rules; the first that holds wins."""

    def __init__(self) -> None:
        super().__init__(["Result", "Status", "JSON path", "Equals (a, b)", "Body pattern",
                          "Transport error", "Meaning"], "+ Add rule")
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        for c, width in enumerate((170, 70, 150, 110, 110, 90)):
            self.table.setColumnWidth(c, width)
        self.table.setMinimumHeight(180)

    def add_row(self, rule: dict[str, Any] | None = None) -> None:
        rule = rule or {"result": "PROVIDER_ERROR"}
        r = self.table.rowCount()
        self.table.insertRow(r)
        combo = QComboBox()
        for res in DeliveryResult:
            combo.addItem(res.value)
        combo.setCurrentText(str(rule.get("result", "PROVIDER_ERROR")))
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.table.setCellWidget(r, 0, combo)
        for c, key in enumerate(RULE_FIELDS, start=1):
            value = rule.get(key, "")
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value)
            self.table.setItem(r, c, QTableWidgetItem(str(value)))

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        for rule in rules:
            self.add_row(rule)

    def rules(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            combo = self.table.cellWidget(r, 0)
            rule: dict[str, Any] = {"result": combo.currentText() if isinstance(combo, QComboBox)
                                    else "PROVIDER_ERROR"}
            for c, key in enumerate(RULE_FIELDS, start=1):
                text = self._text(r, c)
                if text:
                    rule[key] = [v.strip() for v in text.split(",")] if key == "equals" else text
            out.append(rule)
        return out
