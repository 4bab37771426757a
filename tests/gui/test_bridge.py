"""The bridge forwards what changed, as the change feed says it, on the GUI thread: a local edit
and another writer's alike; inbox numbers and the clock on their own signals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from otp_bench.domain.changes import Action, ChangeSet, What
from otp_bench.engine.engine import Engine
from otp_bench.gui.bridge import EngineBridge
from otp_bench.store.store import Store


@pytest.fixture
def bridge(qtbot: Any, empty_engine: Engine) -> Iterator[EngineBridge]:
    b = EngineBridge(empty_engine)
    yield b
    b.detach()
    empty_engine.close()


def test_a_local_edit_arrives_as_its_change_set(qtbot: Any, bridge: EngineBridge) -> None:
    engine = bridge.engine
    with qtbot.waitSignal(bridge.workspace_changed, timeout=2000) as got:
        site = engine.new_site("Shop")
    changes = got.args[0]
    assert isinstance(changes, ChangeSet)
    assert [(c.what, c.action, c.entity_id, c.name) for c in changes] == [
        (What.SITE, Action.SAVED, site.id, "Shop")]
    with qtbot.waitSignal(bridge.workspace_changed, timeout=2000) as got:
        engine.delete_site(site.id)
    assert [(c.what, c.action) for c in got.args[0]] == [(What.SITE, Action.DELETED)]


def test_inbox_numbers_and_the_clock_have_their_own_signals(
        qtbot: Any, bridge: EngineBridge) -> None:
    engine = bridge.engine
    with qtbot.assertNotEmitted(bridge.workspace_changed), \
            qtbot.waitSignal(bridge.inbox_changed, timeout=2000) as got:
        engine.store.deliver("+14155550100", "hello", sender="Acme", via="test")
    assert got.args == [("+14155550100",)]
    with qtbot.waitSignal(bridge.clock_changed, timeout=2000), \
            qtbot.assertNotEmitted(bridge.inbox_changed):
        engine.advance_clock(60)


def test_another_writers_change_arrives_the_same_way(qtbot: Any, bridge: EngineBridge) -> None:
    engine = bridge.engine
    other = Engine(Store(engine.store.url, throwaway=True))
    try:
        user = other.new_user("ana@example.com")
        with qtbot.waitSignal(bridge.changed, timeout=2000) as got:
            engine.catch_up()  # what the Follower does when the file moved
        assert [(c.what, c.entity_id) for c in got.args[0]] == [(What.USER, user.id)]
    finally:
        other.close()
