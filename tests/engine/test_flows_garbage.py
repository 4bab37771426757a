"""A flow's objects are freed as soon as it is done, without the cycle collector.

A step's ``Tx`` holds its statements' cursor, its events, their rows and its callbacks; a
callback that held the ``Tx`` itself made a reference cycle, so every init step's objects (about
fifty per flow) waited for a collection, and a collection walked them all: a steady-state
workspace then paused for the collector every few flows. Checked with the collector off:
whatever a flow leaves to it is garbage it would have had to find.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.engine.helpers import Workspace


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cyclic_garbage() -> Counter[str]:
    """What the collector finds unreachable now, by type (kept, not freed, to be named)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = Counter(type(o).__qualname__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


@pytest.mark.parametrize("custom", [False, True], ids=["default provider", "custom handler"])
def test_a_complete_flow_leaves_nothing_to_the_cycle_collector(
    ws: Workspace, custom: bool, no_collector: None,
) -> None:
    user = ws.user()
    site = ws.site(custom)
    engine = ws.engine
    for _ in range(2):  # the first flow fills caches and compiles statements
        out = engine.start(UseCase.PASSWORDLESS_LOGIN, site.name, user.username)
        assert out.ok
        assert engine.verify(out.flow_id, ws.code(user)).success
    _cyclic_garbage()
    out = engine.start(UseCase.PASSWORDLESS_LOGIN, site.name, user.username)
    result = engine.verify(out.flow_id, ws.code(user))
    assert result.success
    assert _cyclic_garbage() == Counter()


def test_a_closed_workspace_is_freed(tmp_path: Path) -> None:
    """Closing an engine lets its workspace go: the store, its SQLAlchemy engine and caches.

    The checkpointer (kept per SQLAlchemy engine, weakly) held the store's ``settled`` method,
    so a closed workspace lived as long as the process: ~400 objects each, walked by every full
    collection after (the app opening workspace after workspace; the suite's ~1,000 engines)."""
    engine = Engine(Store(f"sqlite:///{tmp_path / 'ws.db'}", throwaway=True), FrozenClock())
    engine.new_site("Shop")
    gone = weakref.ref(engine.store), weakref.ref(engine.store.engine)
    engine.close()
    del engine
    gc.collect()
    assert [ref() for ref in gone] == [None, None]
