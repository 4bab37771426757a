"""The engine's read facade: what the app shows comes from typed engine methods returning domain
records: lists, lookups, log pages, a flow's chain, history, the phones, the workspace itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.events import EventRecord
from otp_bench.domain.model import (
    HistoryEntry,
    InboxMessage,
    ProviderConfig,
    ProviderKind,
    Site,
    User,
)
from otp_bench.domain.vocabulary import UseCase
from otp_bench.domain.workspace import Workspace as WorkspaceUrl
from otp_bench.engine.engine import Engine
from otp_bench.engine.queries import open_workspace
from otp_bench.mockprovider.loopback import LoopbackMock
from tests.engine.helpers import BOTH_VERIFIED, CUSTOM_HANDLER, CUSTOM_SITE, DEFAULT_SITE, Workspace


def _frozen(record: object) -> bool:
    return dataclasses.is_dataclass(record) and type(record).__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_workspace_lists_and_lookups_are_domain_records(ws: Workspace) -> None:
    user = ws.user()
    engine = ws.engine
    assert {s.name for s in engine.sites()} == {DEFAULT_SITE, CUSTOM_SITE}
    assert [u.username for u in engine.users()] == [user.username]
    assert [p.name for p in engine.providers()] == [CUSTOM_HANDLER]
    assert all(isinstance(s, Site) and _frozen(s) for s in engine.sites())
    assert isinstance(engine.providers()[0], ProviderConfig)
    assert engine.site_named(CUSTOM_SITE) == ws.custom_site
    assert engine.user_named(user.username) == user
    provider = engine.provider_named(CUSTOM_HANDLER)
    assert provider is not None and provider.id == ws.custom_site.provider_id
    assert engine.site_named("Nope") is None
    assert engine.user_named("nobody@example.com") is None
    assert engine.provider_named("nope") is None


def test_an_edit_shows_in_the_lists_at_once(ws: Workspace) -> None:
    ws.engine.new_site("Third Site")
    assert ws.engine.site_named("Third Site") in ws.engine.sites()
    user = ws.user()
    ws.engine.delete_user(user.id)
    assert ws.engine.user_named(user.username) is None and ws.engine.users() == []


def test_event_pages_go_back_in_time_without_gaps_or_repeats(ws: Workspace) -> None:
    user = ws.user()
    for _ in range(3):
        ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
    everything = ws.engine.store.events()
    first = ws.engine.event_page(limit=4)
    assert [r.id for r in first] == [r.id for r in reversed(everything)][:4], "newest first"
    seen = list(first)
    while True:
        page = ws.engine.event_page(before_id=seen[-1].id, limit=4)
        if not page:
            break
        seen.extend(page)
    assert [r.id for r in seen] == [r.id for r in reversed(everything)]
    assert all(isinstance(r, EventRecord) for r in seen)
    last = everything[-1]
    assert last.id is not None and ws.engine.event(last.id) == last
    assert ws.engine.event(last.id + 1000) is None


def test_a_flows_chain_is_its_events_and_its_callouts_secrets_only_when_revealed(
    engine: Engine,
) -> None:
    with LoopbackMock(engine.phone_inbox()) as mock:
        http = preset_http("twilio", base_url=f"{mock.base_url}/~twilio", sender="+15005550006")
        engine.new_provider("twilio", kind=ProviderKind.HTTP, http=http,
                            credentials=dict(get_preset("twilio").example_credentials))
        engine.new_site("Acme", handler="twilio")
        user = engine.new_user("ana@example.com", mobile="+1 415 555 2671",
                               sites=frozenset(s.id for s in engine.sites()),
                               flags=BOTH_VERIFIED)
        out = engine.start(UseCase.PASSWORDLESS_LOGIN, "Acme", user.username)
        assert out.ok, out
        events, callouts = engine.flow_chain(out.flow_id)
        assert events and {r.flow_id for r in events} == {out.flow_id}
        assert [r.id for r in events] == sorted(r.id or 0 for r in events), "in order"
        [callout] = callouts
        assert isinstance(callout, CalloutRecord)
        token = get_preset("twilio").example_credentials["auth_token"]
        code = engine.newest_code(user.mobile)
        assert code and token not in repr(callout) and code not in callout.request.body
        assert callout.raw is None, "the raw exchange stays sealed unless revealed"
        [revealed] = engine.flow_chain(out.flow_id, reveal=True)[1]
        assert revealed.raw is not None and code in revealed.raw.request.body


def test_history_and_phones(ws: Workspace) -> None:
    user = ws.user()
    other = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
    ws.engine.verify(out.flow_id, ws.code(user))
    history = ws.engine.history(user.id)
    assert history and all(isinstance(h, HistoryEntry) for h in history)
    assert ws.engine.history(other.id) == []
    assert ws.engine.inbox_numbers() == [user.mobile.replace(" ", "")]
    [message] = ws.engine.inbox(user.mobile)
    assert isinstance(message, InboxMessage) and message.otp == ws.code(user)
    assert ws.engine.newest_code(user.mobile) == message.otp
    assert ws.engine.newest_code(other.mobile) is None
    assert ws.engine.inbox(limit=1) == [message]


def test_warm_handlers_builds_each_custom_sites_handler_and_skips_a_broken_one(
    ws: Workspace,
) -> None:
    built: list[str] = []
    original = ws.engine.handler_for

    def spy(site: Site) -> object:
        built.append(site.name)
        return original(site)

    ws.engine.handler_for = spy  # type: ignore[method-assign,assignment]
    assert ws.engine.warm_handlers() == 1
    assert built == [CUSTOM_SITE], "the default provider needs no build"

    def broken(site: Site) -> object:
        raise RuntimeError("bad config")

    ws.engine.handler_for = broken  # type: ignore[method-assign,assignment]
    assert ws.engine.warm_handlers() == 0, "a broken provider is the flow's to report"


def test_workspace_identity_and_key_hand_over(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from otp_bench.store import preflight

    # open_workspace installs the progress hook process-wide: put it back for the next tests
    # (a CLI test on a locked workspace later in this process expects the wait on stderr)
    monkeypatch.setattr(preflight, "progress_hook", preflight.progress_hook)
    url = f"sqlite:///{tmp_path / 'team.db'}"
    said: list[str] = []
    hook = preflight.progress_hook
    engine = open_workspace(url, progress=said.append)
    assert preflight.progress_hook is hook, "the caller's hook lasts only as long as the open"
    try:
        assert isinstance(engine.workspace, WorkspaceUrl) and engine.workspace.url == url
        assert engine.workspace_path == tmp_path / "team.db"
        assert engine.workspace_id and engine.secrets_locked is None
        message = engine.export_key(tmp_path / "team.key")
        assert engine.workspace_id in message and (tmp_path / "team.key").exists()
        assert (tmp_path / "team.key").stat().st_mode & 0o077 == 0, "owner-only"
        assert "key" in engine.import_key(tmp_path / "team.key")
    finally:
        engine.close()


def test_importing_an_unreadable_key_file_says_which_file(engine: Engine, tmp_path: Path) -> None:
    from otp_bench.engine.team import KeyStoreError

    with pytest.raises(KeyStoreError, match=r"missing\.key"):
        engine.import_key(tmp_path / "missing.key")


def test_users_are_users(ws: Workspace) -> None:
    ws.user()
    assert all(isinstance(u, User) and _frozen(u) for u in ws.engine.users())
