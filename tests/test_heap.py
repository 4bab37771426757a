"""A started process's long-lived objects leave the collector's walks, and come back at shutdown."""

from __future__ import annotations

import gc

from otp_bench import heap


def _walked(obj: object) -> bool:
    """Whether a collection would walk ``obj`` (it is in one of the three generations)."""
    return any(o is obj for o in gc.get_objects())


def test_settle_freezes_what_is_alive_and_release_hands_it_back() -> None:
    kept = [[1], [2]]  # a long-lived container the collector would otherwise walk every time
    assert _walked(kept)
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0 and not _walked(kept)
        made_after = [[3]]
        assert _walked(made_after)  # what the app makes from then on is collected as before
    finally:
        heap.release()
    assert gc.get_freeze_count() == 0 and _walked(kept)
