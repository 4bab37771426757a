"""The one place the engine's events enter Qt.

``EngineBridge`` subscribes to ``engine.events`` (called on whichever worker thread committed the
step) and re-emits each batch as Qt signals. The hop goes through a queued connection, so every
slot downstream runs on the GUI thread; no widget subscribes to the engine itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot

from otp_bench.domain.changes import ChangeSet, What
from otp_bench.domain.events import DeliveryCompleted, EventRecord, FlagsChanged
from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import DeliveryResult

if TYPE_CHECKING:
    from otp_bench.engine.bus import EventBatch
    from otp_bench.engine.engine import Engine

# the kinds of change that name a workspace record a view lists
RECORDS = frozenset({What.SITE, What.USER, What.PROVIDER, What.SETTINGS, What.CONNECTED_APP})


class EngineBridge(QObject):
    """Engine events as Qt signals, always delivered on the GUI thread.

    What changed travels as the change feed's own ``ChangeSet`` (kind, id, action per record), from
    this process's commits and, through ``engine.follow``, other processes' alike; each view
    refreshes only the records named there.

    Signals:
        batch(EventBatch): every committed batch, events and stored records.
        flags_changed(FlagsChanged): a user's two flags were written (with before and after).
        changed(ChangeSet): every non-empty change set, in feed order.
        workspace_changed(ChangeSet): the sites, users, providers, settings or connected apps
            one batch changed (only those changes).
        inbox_changed(tuple[str, ...]): the phone numbers that received a message, oldest first
            (empty: a local delivery succeeded without naming its number).
        clock_changed(): the bench clock moved.
    """

    batch = Signal(object)
    flags_changed = Signal(object)
    changed = Signal(object)
    workspace_changed = Signal(object)
    inbox_changed = Signal(object)
    clock_changed = Signal()
    _incoming = Signal(object)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        # The bus holds bound methods weakly: the bridge stops receiving once it is gone.
        self._unsubscribe = engine.events.subscribe(self._on_batch)

    def _on_batch(self, batch: EventBatch) -> None:  # worker thread: emit only, touch nothing
        self._incoming.emit(batch)

    @Slot(object)
    def _dispatch(self, batch: EventBatch) -> None:
        self.batch.emit(batch)
        delivered = False
        for ev in batch.events:
            if isinstance(ev, FlagsChanged):
                self.flags_changed.emit(ev)
            elif isinstance(ev, DeliveryCompleted) and ev.delivery is DeliveryResult.SUCCESS:
                delivered = True
        if not batch.events:  # another process's batch (engine.follow): its stored records
            for rec in batch.records:
                flags = _foreign_flags(rec)
                if flags is not None:
                    self.flags_changed.emit(flags)
        changes: ChangeSet = batch.changes
        if changes:
            self.changed.emit(changes)
            records = ChangeSet.of(c for c in changes if c.what in RECORDS)
            if records:
                self.workspace_changed.emit(records)
        numbers = tuple(dict.fromkeys(c.entity_id for c in changes if c.what is What.INBOX))
        if numbers or delivered:
            # a handler that wrote to a phone through another connection (the in-process mock)
            # is named by the feed a moment later; the hint makes the phone look now
            self.inbox_changed.emit(numbers)
        if changes.touches(What.CLOCK):
            self.clock_changed.emit()

    def detach(self) -> None:
        """Stop listening (workspace switch, shutdown)."""
        self._unsubscribe()


def _foreign_flags(rec: EventRecord) -> FlagsChanged | None:
    """A stored ``flags_changed`` record as the event the flags panel highlights."""
    if rec.kind != FlagsChanged.kind:
        return None
    try:
        d = rec.data
        return FlagsChanged(at=rec.at, step=rec.step, user_id=d["user_id"],
                            before=Flags(**d["before"]), after=Flags(**d["after"]))
    except (KeyError, TypeError):
        return None
