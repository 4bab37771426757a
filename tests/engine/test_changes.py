"""The change feed: a workspace edit and its change record commit together, are published
together, and another store on the same file catches up from the feed."""

from __future__ import annotations

import pytest

from otp_bench.domain.changes import Action, What
from otp_bench.domain.model import NewUser, Settings
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.store.store import ConflictError, Store
from tests.engine.helpers import DEFAULT_SITE, Workspace, fresh_mobile


def _feed(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.store.session() as s:
        from sqlalchemy import text

        rows = s.execute(text("SELECT what, action, entity_id FROM changes ORDER BY id"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_an_edit_publishes_its_event_and_its_change_in_one_batch(engine: Engine) -> None:
    batches: list[EventBatch] = []
    engine.events.subscribe(batches.append)
    site = engine.new_site("Shop")
    [batch] = batches
    [change] = batch.changes
    assert (change.what, change.action, change.entity_id) == (What.SITE, Action.SAVED, site.id)
    assert [e.kind for e in batch.events] == ["workspace"]
    assert change.seq > 0 and _feed(engine)[-1] == ("site", "saved", site.id)


def test_a_refused_edit_leaves_no_change_and_no_trace_in_the_cache(engine: Engine) -> None:
    first = engine.new_user("ana@example.com")
    before = _feed(engine)
    clash = engine.store.users()[0].__class__(id="005000000000099AAA", username="ana@example.com")
    with pytest.raises(ConflictError):
        engine.store.save_user(clash)
    assert _feed(engine) == before
    assert engine.store.user_by_id("005000000000099AAA") is None
    assert engine.store.user_by_username("ana@example.com") == first


def test_deletes_answer_what_changed(engine: Engine) -> None:
    user = engine.new_user("ana@example.com")
    changes = engine.delete_user(user.id)
    assert [(c.what, c.action, c.entity_id) for c in changes] == [
        (What.USER, Action.DELETED, user.id)
    ]


def test_a_registration_that_creates_a_user_is_a_user_change(ws: Workspace) -> None:
    mobile = fresh_mobile()
    batches: list[EventBatch] = []
    ws.engine.events.subscribe(batches.append)
    out = ws.engine.start(UseCase.PASSWORDLESS_REGISTRATION, DEFAULT_SITE,
                          new_user=NewUser("new@example.com", mobile))
    result = ws.engine.verify(out.flow_id, ws.code(out.phone or ""))
    assert result.success
    changed = {c.entity_id for b in batches for c in b.changes if c.what is What.USER}
    assert changed == {result.user_id}
    assert ws.engine.find_user("new@example.com").id == result.user_id


def test_another_store_on_the_file_catches_up_from_the_feed(engine: Engine) -> None:
    other = Engine(Store(engine.store.url, throwaway=True))
    try:
        assert other.catch_up().changes == ()  # nothing new since it opened
        site = engine.new_site("Shop")
        user = engine.new_user("ana@example.com", sites=frozenset({site.id}))
        engine.save_settings(Settings(custom_otp_enabled=True, default_text="{otp} hi {site}"))
        seen: list[EventBatch] = []
        other.events.subscribe(seen.append)
        changes = other.catch_up()
        assert {(c.what, c.entity_id) for c in changes} >= {
            (What.SITE, site.id), (What.USER, user.id), (What.SETTINGS, "org")
        }
        assert other.find_user("ana@example.com").sites == {site.id}
        assert other.settings.default_text == "{otp} hi {site}"
        assert [b.changes for b in seen] == [changes]
        assert other.catch_up().changes == (), "each change is applied once"
    finally:
        other.close()
