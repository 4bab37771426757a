"""Controlling the loopback mock provider from the app: start/stop and faults per provider.

Drives ``otp_bench.mockprovider.LoopbackMock(inbox)`` (``start(port=0) -> base_url``, ``stop()``,
``set_faults(key, faults)``) on workers, and remembers which faults are armed per provider
(``armed``, ``faults_changed``) so the toolbar and the phone can say so. Faults are edited in
``widgets/faults_form.py``, in the scenario files' vocabulary.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


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
    faults_changed = Signal()  # ``armed`` changed (set, cleared, or the mock stopped)

    def __init__(self, tasks: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Any = None
        self._mock: Any = None
        self.base_url: str | None = None
        self.armed: dict[str, list[Any]] = {}  # provider name → its armed faults

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
        if self.armed:
            self.armed = {}
            self.faults_changed.emit()
        self.status_changed.emit("Mock provider: stopped")

    def toggle(self) -> None:
        self.stop() if self.running else self.start()

    def set_faults(self, key: str, faults: list[Any]) -> None:
        if self._mock is None:
            self.error.emit("Start the mock provider first.")
            return
        mock = self._mock
        if faults:
            self.armed[key] = list(faults)
        else:
            self.armed.pop(key, None)
        self.faults_changed.emit()
        self._tasks.run(lambda: mock.set_faults(key, faults), title="Setting mock faults")

    def keys(self) -> list[str]:
        """The workspace's providers that call out (HTTP, Apex), by their workspace names: the
        same names as the workspace tree, the site editor and scenario files."""
        if self._engine is None:
            return []
        return [p.name for p in self._engine.store.providers()
                if str(getattr(p.kind, "value", p.kind)) != "scripted"]

    def armed_summary(self) -> list[str]:
        """One line per armed fault: "twilio-mock — every 3rd call: no answer (…)"."""
        return [f"{key} — {f.describe()}" for key, faults in self.armed.items() for f in faults]

    def url_for(self, key: str) -> str | None:
        """The base URL a provider config uses to reach the mock under ``key``."""
        return self._mock.url_for(key) if self._mock is not None else None
