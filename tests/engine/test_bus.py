"""The event bus: every subscriber gets each batch; bound methods are held weakly."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from otp_bench.domain.events import ClockAdvanced
from otp_bench.engine.bus import EventBatch, EventBus


def _batch() -> EventBatch:
    ev = ClockAdvanced(at=datetime(2026, 1, 1, tzinfo=UTC), seconds=1)
    return EventBatch((ev,), (ev.record(),))


class View:
    def __init__(self) -> None:
        self.seen: list[EventBatch] = []

    def on_batch(self, batch: EventBatch) -> None:
        self.seen.append(batch)


def test_subscribe_and_unsubscribe() -> None:
    bus = EventBus()
    got: list[EventBatch] = []
    unsubscribe = bus.subscribe(got.append)
    bus.publish(_batch())
    unsubscribe()
    bus.publish(_batch())
    assert len(got) == 1


def test_a_closed_view_stops_receiving() -> None:
    bus = EventBus()
    view = View()
    bus.subscribe(view.on_batch)
    bus.publish(_batch())
    assert len(view.seen) == 1
    del view
    gc.collect()
    bus.publish(_batch())  # no error, and the dead reference is dropped
    assert bus._subs == []


def test_one_failing_subscriber_doesnt_starve_the_others() -> None:
    bus = EventBus()
    got: list[EventBatch] = []

    def broken(_b: EventBatch) -> None:
        raise ValueError("boom")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    bus.publish(_batch())
    assert len(got) == 1
