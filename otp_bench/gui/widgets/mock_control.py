"""Controlling the loopback mock provider from the app: start/stop and faults per provider.

Drives ``otp_bench.mockprovider.LoopbackMock(inbox)`` (``start(port=0) -> base_url``, ``stop()``,
``set_faults(key, faults)``) on workers. Faults are typed in the scenario syntax
(``[{status: 500, times: 1}]``) so what works here works in a scenario file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.widgets.forms import label, set_invalid


def _load_mock_class() -> Any:
    try:
        from otp_bench.mockprovider.loopback import LoopbackMock
    except ImportError:
        return None
    return LoopbackMock


class MockController(QObject):
    """Signals: status_changed(text) for the status bar; started(base_url); error(str)."""

    status_changed = Signal(str)
    started = Signal(str)
    error = Signal(str)

    def __init__(self, tasks: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Any = None
        self._mock: Any = None
        self.base_url: str | None = None

    @property
    def available(self) -> bool:
        return _load_mock_class() is not None

    @property
    def running(self) -> bool:
        return self.base_url is not None

    def set_engine(self, engine: Any) -> None:
        self.stop()
        self._engine = engine

    def start(self) -> None:
        cls = _load_mock_class()
        if cls is None:
            self.error.emit("The mock provider isn't available in this build yet.")
            return
        if self._engine is None or self.running:
            return
        inbox = self._engine.store

        def run() -> tuple[Any, str]:
            mock = cls(inbox)
            return mock, mock.start(port=0)

        self.status_changed.emit("Mock provider: starting…")
        self._tasks.run(run, self._started, lambda e: self._failed(e), title="Mock provider")

    def _started(self, res: tuple[Any, str]) -> None:
        self._mock, self.base_url = res
        self.status_changed.emit(f"Mock provider: {self.base_url}")
        self.started.emit(self.base_url)

    def _failed(self, exc: BaseException) -> None:
        self.status_changed.emit("Mock provider: stopped")
        self.error.emit(f"The mock provider didn't start: {exc}")

    def stop(self) -> None:
        mock, self._mock, self.base_url = self._mock, None, None
        if mock is not None:
            self._tasks.run(mock.stop, title="Stopping the mock provider")
        self.status_changed.emit("Mock provider: stopped")

    def toggle(self) -> None:
        self.stop() if self.running else self.start()

    def set_faults(self, key: str, faults: list[Any]) -> None:
        if self._mock is None:
            self.error.emit("Start the mock provider first.")
            return
        mock = self._mock
        self._tasks.run(lambda: mock.set_faults(key, faults), title="Setting mock faults")

    def keys(self) -> list[str]:
        """Dialect names (all providers speaking it) and the workspace's provider names."""
        dialects = list(getattr(getattr(self._mock, "state", None), "dialects", {}) or ())
        names = [p.name for p in self._engine.store.providers()] if self._engine else []
        return [*dialects, *names]

    def url_for(self, key: str) -> str | None:
        """The base URL a provider config uses to reach the mock under ``key``."""
        return self._mock.url_for(key) if self._mock is not None else None


class FaultsDialog(QDialog):
    """Pick a provider dialect and type its faults; ``faults()`` returns the parsed list."""

    def __init__(self, keys: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mock provider faults")
        self.key = QComboBox()
        self.key.setEditable(True)
        self.key.addItems(keys)
        self.text = QPlainTextEdit("[]")
        self.text.setObjectName("faultsText")
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        form = QFormLayout()
        form.addRow("Provider", self.key)
        form.addRow("Faults", self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(label("Scenario syntax, e.g. [{latency: 2s}], [{status: 500, times: 1}], "
                            "[{error: timeout, every: 3}], [{drop: true, probability: 0.2}]. "
                            "An empty list clears the faults.", "muted"))
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self._faults: list[Any] = []

    def _check(self) -> None:
        import yaml

        try:
            value = yaml.safe_load(self.text.toPlainText() or "[]")
        except yaml.YAMLError as exc:
            set_invalid(self.text, str(exc))
            self.problem.setText(f"Not valid YAML: {exc}")
            return
        if not isinstance(value, list):
            self.problem.setText("Faults are a list, e.g. [{status: 500}]")
            set_invalid(self.text, "a list")
            return
        from otp_bench.mockprovider.faults import Fault, FaultError
        from otp_bench.scenario.durations import parse_duration

        try:
            self._faults = [Fault.from_dict(f, parse_seconds=parse_duration) for f in value]
        except FaultError as exc:
            self.problem.setText(f"Fault: {exc}")
            set_invalid(self.text, str(exc))
            return
        self.accept()

    def faults(self) -> list[Any]:
        return self._faults
