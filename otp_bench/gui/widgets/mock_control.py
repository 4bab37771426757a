"""Controlling the loopback mock provider from the app: start/stop and faults per provider.

Drives ``otp_bench.mockprovider.LoopbackMock(inbox)`` (``start(port=0) -> base_url``, ``stop()``,
``set_faults(key, faults)``) on workers, and remembers which faults are armed per provider
(``armed``, ``faults_changed``) so the toolbar and the phone can say so. Faults are edited in
``widgets/faults_form.py``, in the scenario files' vocabulary.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

_LOOPBACK = re.compile(r"^http://127\.0\.0\.1:\d+/~([^/?#]+)$")


def _base_url(provider: Any) -> str:
    return str(getattr(provider.http, "base_url", "") or "") if provider.http else ""


def repoint_providers(engine: Engine, base_url: str) -> int:
    """HTTP providers saved against a loopback mock on another port (an earlier run) now use
    ``base_url``; returns how many changed. Runs on a worker (it writes the workspace)."""
    from dataclasses import replace

    changed = 0
    for p in engine.providers():
        m = _LOOPBACK.match(_base_url(p))
        if m and p.http is not None and not _base_url(p).startswith(base_url + "/"):
            engine.save_provider(replace(p, http=p.http.with_(
                base_url=f"{base_url}/~{m.group(1)}")))
            changed += 1
    return changed


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

    def __init__(self, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._mock: Any = None
        self.base_url: str | None = None
        self.armed: dict[str, list[Any]] = {}  # provider name → its armed faults
        self.starting: Any = None
        self._start_pending = False

    @property
    def available(self) -> bool:
        return _load_mock_class() is not None

    @property
    def running(self) -> bool:
        return self.base_url is not None

    @property
    def loopback(self) -> Any:
        """The running LoopbackMock (None when stopped)."""
        return self._mock

    def set_engine(self, engine: Engine) -> None:
        self.stop()
        self._engine = engine

    def start(self) -> None:
        cls = _load_mock_class()
        if cls is None:
            self.error.emit("The mock provider isn't available in this build yet.")
            return
        if self._engine is None or self.running or self._start_pending:
            return
        self._start_pending = True
        inbox = self._engine.phone_inbox()

        def run() -> tuple[Any, str]:
            mock = cls(inbox)
            self.starting = mock  # so an app closing mid-start still stops it
            return mock, mock.start(port=0)

        self.status_changed.emit("Mock provider: starting…")
        self._tasks.run(run, self._started, lambda e: self._failed(e), title="Mock provider")

    def _started(self, res: tuple[Any, str]) -> None:
        self._mock, self.base_url = res
        self.starting, self._start_pending = None, False
        self.status_changed.emit(f"Mock provider: {self.base_url}")
        if self._engine is not None:  # providers saved against an earlier run's port
            engine, base = self._engine, self.base_url
            self._tasks.run(lambda: repoint_providers(engine, base),
                            title="Pointing providers at the mock")
        self.started.emit(self.base_url)

    def uses_mock(self) -> bool:
        """Whether a workspace provider calls a loopback mock (the store's cache: no I/O)."""
        if self._engine is None:
            return False
        return any(_LOOPBACK.match(_base_url(p)) for p in self._engine.providers())

    def _failed(self, exc: BaseException) -> None:
        self._start_pending = False
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
        return [p.name for p in self._engine.providers()
                if str(getattr(p.kind, "value", p.kind)) != "scripted"]

    def armed_summary(self) -> list[str]:
        """One line per armed fault: "twilio-mock — every 3rd call: no answer (…)"."""
        return [f"{key} — {f.describe()}" for key, faults in self.armed.items() for f in faults]

    def url_for(self, key: str) -> str | None:
        """The base URL a provider config uses to reach the mock under ``key``."""
        return self._mock.url_for(key) if self._mock is not None else None
