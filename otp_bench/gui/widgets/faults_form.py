"""The mock provider's faults as a form: pick a workspace provider, then build its faults from a
kind, its parameters and one selector (always, once, the next N calls, every Nth call, a
probability), optionally for one number.

The vocabulary is the scenario files' (``otp_bench.mockprovider.faults``; docs/scenarios.md):
the line under the list shows the faults exactly as a scenario writes them, and pasting scenario
text there (``[{error: timeout, every: 3}]``) fills the form. The dialog opens on the faults
already armed for the provider, never on an empty list that hides them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.widgets.forms import label
from otp_bench.mockprovider.dialect import ERROR_NAMES
from otp_bench.mockprovider.faults import Fault, FaultError, FaultKind

# (form choice, label): "error" and "status" are both FaultKind.STATUS, told apart by the field
KINDS = (
    ("error", "Vendor error — the vendor's own error answer"),
    ("status", "HTTP status — the vendor's error body for a status"),
    ("hang", "Timeout — no answer, the callout times out"),
    ("latency", "Latency — answers late, then normally"),
    ("drop", "Drop — the connection closes mid-answer"),
    ("drip", "Drip — the answer dribbles in byte by byte"),
    ("malformed", "Malformed — a cut-off, non-UTF-8 body"),
)
SELECTORS = (
    ("always", "every call"),
    ("once", "the next call only (once)"),
    ("times", "the next N calls (times)"),
    ("every", "every Nth call (every)"),
    ("probability", "each call with a probability"),
)


class FaultEditor(QWidget):
    """One fault: kind, its parameter, one selector and an optional number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("faultKind")
        for key, text in KINDS:
            self.kind.addItem(text, key)
        self.error = QComboBox()
        self.error.setObjectName("faultError")
        self.error.addItems(ERROR_NAMES)
        self.status = QSpinBox()
        self.status.setObjectName("faultStatus")
        self.status.setRange(100, 599)
        self.status.setValue(500)
        self.seconds = QDoubleSpinBox()
        self.seconds.setObjectName("faultSeconds")
        self.seconds.setRange(0.0, 600.0)
        self.seconds.setDecimals(2)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(2.0)
        self.param = QStackedWidget()
        self.no_param = QLabel("—")
        for w in (self.error, self.status, self.seconds, self.no_param):
            self.param.addWidget(w)
        self.selector = QComboBox()
        self.selector.setObjectName("faultSelector")
        for key, text in SELECTORS:
            self.selector.addItem(text, key)
        self.count = QSpinBox()
        self.count.setObjectName("faultCount")
        self.count.setRange(1, 1_000_000)
        self.count.setValue(3)
        self.probability = QDoubleSpinBox()
        self.probability.setObjectName("faultProbability")
        self.probability.setRange(0.0, 1.0)
        self.probability.setSingleStep(0.05)
        self.probability.setValue(0.2)
        self.sel_param = QStackedWidget()
        for w in (QLabel(""), self.count, self.probability):
            self.sel_param.addWidget(w)
        self.number = QLineEdit()
        self.number.setObjectName("faultNumber")
        self.number.setPlaceholderText("any number (or e.g. +1 415 555 2672)")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("What goes wrong", self.kind)
        form.addRow("Detail", self.param)
        form.addRow("On which calls", self.selector)
        form.addRow("", self.sel_param)
        form.addRow("Only to number", self.number)
        self.kind.currentIndexChanged.connect(self._sync)
        self.selector.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        kind = self.kind.currentData()
        self.param.setCurrentWidget({"error": self.error, "status": self.status,
                                     "latency": self.seconds, "drip": self.seconds}.get(
            kind, self.no_param))
        sel = self.selector.currentData()
        self.sel_param.setCurrentIndex({"times": 1, "every": 1, "probability": 2}.get(sel, 0))

    def fault(self) -> Fault:
        """The fault the form describes; ``FaultError`` names the field that is wrong."""
        from otp_bench.workspace_files.durations import parse_duration

        return Fault.from_dict(self.scenario_dict(), parse_seconds=parse_duration)

    def scenario_dict(self) -> dict[str, Any]:
        kind = self.kind.currentData()
        d: dict[str, Any]
        if kind == "error":
            d = {"error": self.error.currentText()}
        elif kind == "status":
            d = {"status": self.status.value()}
        elif kind in ("latency", "drip"):
            d = {kind: f"{self.seconds.value():g}s"}
        else:
            d = {kind: True}
        sel = self.selector.currentData()
        if sel == "once":
            d["once"] = True
        elif sel in ("times", "every"):
            d[sel] = self.count.value()
        elif sel == "probability":
            d["probability"] = round(self.probability.value(), 4)
        if self.number.text().strip():
            d["number"] = self.number.text().strip()
        return d

    def set_fault(self, f: Fault) -> None:
        kind = {FaultKind.STATUS: "error" if f.error else "status"}.get(f.kind, f.kind.value)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if f.error:
            self.error.setCurrentText(f.error)
        if f.status is not None:
            self.status.setValue(f.status)
        if f.kind in (FaultKind.LATENCY, FaultKind.DRIP):
            self.seconds.setValue(f.seconds)
        if f.times == 1:
            sel = "once"
        elif f.times is not None:
            sel, value = "times", f.times
        elif f.every is not None:
            sel, value = "every", f.every
        elif f.probability is not None:
            sel = "probability"
            self.probability.setValue(f.probability)
        else:
            sel = "always"
        if sel in ("times", "every"):
            self.count.setValue(value)
        self.selector.setCurrentIndex(self.selector.findData(sel))
        self.number.setText(f.number or "")


class FaultsDialog(QDialog):
    """Faults per workspace provider; ``key`` and ``faults()`` once accepted."""

    def __init__(self, providers: list[str], armed: dict[str, list[Fault]],
                 parent: QWidget | None = None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mock provider faults")
        self._armed = {k: list(v) for k, v in armed.items()}
        self.provider = QComboBox()
        self.provider.setObjectName("faultProvider")
        self.provider.addItems(providers)
        if current and current in providers:
            self.provider.setCurrentText(current)
        self.list = QListWidget()
        self.list.setObjectName("faultList")
        self.editor = FaultEditor()
        self.add_button = QPushButton("Add fault")
        self.add_button.setObjectName("addFault")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear all")
        self.text = QLineEdit()
        self.text.setObjectName("faultsText")
        self.text.setToolTip("The faults as a scenario file writes them; paste scenario text "
                             "here, e.g. [{error: timeout, every: 3}], and press Enter")
        self.problem = QLabel()
        self.problem.setObjectName("faultProblem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Arm")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        top = QFormLayout()
        top.addRow("Provider", self.provider)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(label("Armed faults (the first that matches a call decides its answer; "
                            "latency adds up)", "section"))
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        lay.addWidget(label("New fault", "section"))
        lay.addWidget(self.editor)
        lay.addWidget(label("As in a scenario file (editable)", "muted"))
        lay.addWidget(self.text)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.clear_button.clicked.connect(lambda: self._set_faults([]))
        self.list.currentRowChanged.connect(self._pick)
        self.text.returnPressed.connect(self._parse_text)
        self.provider.currentTextChanged.connect(self._load)
        self._faults: list[Fault] = []
        self._load()
        self.resize(560, 560)

    @property
    def key(self) -> str:
        return self.provider.currentText()

    def faults(self) -> list[Fault]:
        return list(self._faults)

    def _load(self) -> None:
        self._set_faults(self._armed.get(self.key, []))

    def _set_faults(self, faults: list[Fault]) -> None:
        self._faults = list(faults)
        self._armed[self.key] = list(faults)
        self.list.clear()
        for f in self._faults:
            self.list.addItem(f.describe())
        self.text.setText(scenario_text(self._faults))
        self.problem.clear()

    def _add(self) -> None:
        try:
            fault = self.editor.fault()
        except FaultError as exc:
            self.problem.setText(f"Fault: {exc}")
            return
        self._set_faults([*self._faults, fault])

    def _remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._faults):
            self._set_faults(self._faults[:row] + self._faults[row + 1:])

    def _pick(self, row: int) -> None:
        if 0 <= row < len(self._faults):
            self.editor.set_fault(self._faults[row])

    def _parse_text(self) -> bool:
        try:
            faults = parse_scenario_faults(self.text.text())
        except FaultError as exc:
            self.problem.setText(f"Fault: {exc}")
            return False
        self._set_faults(faults)
        return True

    def _accept(self) -> None:
        if self.text.text().strip() != scenario_text(self._faults) and not self._parse_text():
            return  # typed scenario text that doesn't parse: say so, don't arm something else
        self.accept()


def scenario_text(faults: list[Fault]) -> str:
    """Faults in scenario flow style: ``[{error: timeout, every: 3}]``."""
    import yaml

    if not faults:
        return "[]"
    return str(yaml.safe_dump([f.to_scenario() for f in faults], default_flow_style=True,
                              sort_keys=False, width=10_000)).strip()


def parse_scenario_faults(text: str) -> list[Fault]:
    """Scenario fault text (a YAML list, or one mapping) → faults; ``FaultError`` if not."""
    import yaml

    from otp_bench.workspace_files.durations import parse_duration

    try:
        value = yaml.safe_load(text or "[]")
    except yaml.YAMLError as exc:
        raise FaultError("faults", f"not valid YAML: {exc}") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise FaultError("faults", "a list of faults, e.g. [{status: 500, once: true}]")
    out = []
    for i, item in enumerate(value):
        try:
            out.append(Fault.from_dict(item, parse_seconds=parse_duration))
        except FaultError as exc:
            raise FaultError(f"[{i}].{exc.field}", exc.message) from None
    return out
