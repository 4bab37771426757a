"""The one place the engine's events enter Qt.

``EngineBridge`` subscribes to ``engine.events`` (called on whichever worker thread committed the
step) and re-emits each batch as Qt signals. The hop goes through a queued connection, so every
slot downstream runs on the GUI thread; no widget subscribes to the engine itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from otp_bench.domain.changes import What
from otp_bench.domain.events import (
    ClockAdvanced,
    DeliveryCompleted,
    FlagsChanged,
    SiteHandlerSwitched,
    UserRegistered,
    WorkspaceChanged,
)
from otp_bench.domain.flags import Flags
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
        if not batch.events:  # another process's batch (engine.follow): records and changes
            for rec in batch.records:
                flags = _foreign_flags(rec)
                if flags is not None:
                    self.flags_changed.emit(flags)
            changes = batch.changes
            workspace = workspace or changes.touches(
                What.SITE, What.USER, What.PROVIDER, What.SETTINGS, What.CONNECTED_APP)
            inbox = inbox or changes.touches(What.INBOX)
            clock = clock or changes.touches(What.CLOCK)
        if workspace:
            self.workspace_changed.emit(batch)
        if inbox:
            self.inbox_changed.emit()
        if clock:
            self.clock_changed.emit()

    def detach(self) -> None:
        """Stop listening (workspace switch, shutdown)."""
        self._unsubscribe()


def _foreign_flags(rec: Any) -> FlagsChanged | None:
    """A stored ``flags_changed`` record as the event the flags panel highlights."""
    if rec.kind != FlagsChanged.kind:
        return None
    try:
        d = rec.data
        return FlagsChanged(at=rec.at, step=rec.step, user_id=d["user_id"],
                            before=Flags(**d["before"]), after=Flags(**d["after"]))
    except (KeyError, TypeError):
        return None
