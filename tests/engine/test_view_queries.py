"""A view that refreshes one row asks the engine for that record by the id a change names: it
gets the saved state, None once deleted, and another process's edit once caught up."""

from __future__ import annotations

from otp_bench.domain.changes import Action, Change, What
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store


def test_each_change_names_a_record_the_view_can_read(engine: Engine) -> None:
    batches: list[EventBatch] = []
    engine.events.subscribe(batches.append)
    provider = engine.new_provider("Twilio", kind=ProviderKind.SCRIPTED)
    site = engine.new_site("Shop", handler="Twilio")
    user = engine.new_user("ana@example.com", sites=frozenset({site.id}))
    engine.save_settings(Settings(custom_otp_enabled=True, default_text="{otp} is it"))
    records = [engine.record_of(c) for b in batches for c in b.changes]
    assert records == [provider, site, user, engine.settings]
    assert engine.site_by_id(site.id) == site and engine.user_by_id(user.id) == user
    assert engine.provider_by_id(provider.id) == provider


def test_a_deleted_record_reads_as_none(engine: Engine) -> None:
    user = engine.new_user("ana@example.com")
    [change] = engine.delete_user(user.id)
    assert change.action is Action.DELETED
    assert engine.record_of(change) is None and engine.user_by_id(user.id) is None
    assert engine.site_by_id("0DM000000000000AAA") is None


def test_changes_that_name_no_record_read_as_none(engine: Engine) -> None:
    assert engine.record_of(Change(What.INBOX, Action.SAVED, "+14155550100")) is None
    assert engine.record_of(Change(What.CLOCK, Action.SAVED, "clock")) is None


def test_another_process_edit_reads_back_once_caught_up(engine: Engine) -> None:
    other = Engine(Store(engine.store.url, throwaway=True))
    try:
        user = engine.new_user("ana@example.com")
        renamed = engine.save_user(user.__class__(id=user.id, username="ana.b@example.com"))
        [*_, change] = other.catch_up()
        assert other.record_of(change) == renamed
    finally:
        other.close()
