"""A Qt-free event bus: subscribers get each committed transaction's events and changes.

One ``EventBatch`` per committed transaction: the flow events it stored and the change-feed rows
it wrote (``changes``), published after the commit on the committing thread. The GUI's one
bridge subscribes here and re-emits Qt signals (queued onto the GUI thread); each view looks at
``batch.changes`` and refreshes only what is named there. Subscribers are held weakly when they
are bound methods, so a closed view stops receiving.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from otp_bench.domain.changes import ChangeSet
from otp_bench.domain.events import Event, EventRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventBatch:
    events: tuple[Event, ...]
    # the stored form, with ids, same order (a step's: ``StoredRecords``, built when first read)
    records: Sequence[EventRecord]
    changes: ChangeSet = field(default_factory=ChangeSet)  # workspace records it changed


Subscriber = Callable[[EventBatch], None]


class EventBus:
    def __init__(self) -> None:
        self._subs: list[Callable[[], Subscriber | None]] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        ref: Callable[[], Any]
        if hasattr(fn, "__self__") and hasattr(fn, "__func__"):
            ref = weakref.WeakMethod(fn)
        else:
            ref = lambda: fn  # noqa: E731 - plain functions are held strongly
        with self._lock:
            self._subs.append(ref)

        def unsubscribe() -> None:
            with self._lock:
                if ref in self._subs:
                    self._subs.remove(ref)

        return unsubscribe

    def publish(self, batch: EventBatch) -> None:
        with self._lock:
            subs = list(self._subs)
        for ref in subs:
            fn = ref()
            if fn is None:
                with self._lock:
                    if ref in self._subs:
                        self._subs.remove(ref)
                continue
            try:
                fn(batch)
            except Exception:  # a broken subscriber never breaks a flow
                log.exception("event subscriber failed")
