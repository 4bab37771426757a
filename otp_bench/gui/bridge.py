"""The one place the engine's events enter Qt.

``EngineBridge`` subscribes to ``engine.events`` (called on whichever worker thread committed the
step) and re-emits each batch as Qt signals. The hop goes through a queued connection, so every
slot downstream runs on the GUI thread; no widget subscribes to the engine itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from otp_bench.domain.events import (
    ClockAdvanced,
    DeliveryCompleted,
    FlagsChanged,
    SiteHandlerSwitched,
    UserRegistered,
    WorkspaceChanged,
)
from otp_bench.domain.vocabulary import DeliveryResult


class EngineBridge(QObject):
    """Engine events as Qt signals, always delivered on the GUI thread.

    Signals:
        batch(EventBatch): every committed batch, events and stored records.
        flags_changed(FlagsChanged): a user's two flags were written.
        workspace_changed(object): a site, user, provider or the settings changed.
        inbox_changed(): a message may have landed on a phone.
        clock_changed(): the bench clock moved.
    """

    batch = Signal(object)
    flags_changed = Signal(object)
    workspace_changed = Signal(object)
    inbox_changed = Signal()
    clock_changed = Signal()
    _incoming = Signal(object)

    def __init__(self, engine: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        # The bus holds bound methods weakly: the bridge stops receiving once it is gone.
        self._unsubscribe = engine.events.subscribe(self._on_batch)

    def _on_batch(self, batch: Any) -> None:  # worker thread: emit only, touch nothing
        self._incoming.emit(batch)

    @Slot(object)
    def _dispatch(self, batch: Any) -> None:
        self.batch.emit(batch)
        inbox = workspace = clock = False
        for ev in batch.events:
            if isinstance(ev, FlagsChanged):
                self.flags_changed.emit(ev)
            elif isinstance(ev, WorkspaceChanged | SiteHandlerSwitched | UserRegistered):
                workspace = True
            elif isinstance(ev, DeliveryCompleted) and ev.delivery is DeliveryResult.SUCCESS:
                inbox = True
            elif isinstance(ev, ClockAdvanced):
                clock = True
        if workspace:
            self.workspace_changed.emit(batch)
        if inbox:
            self.inbox_changed.emit()
        if clock:
            self.clock_changed.emit()

    def detach(self) -> None:
        """Stop listening (workspace switch, shutdown)."""
        self._unsubscribe()
