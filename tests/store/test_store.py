"""The workspace store: what a reopened file shows, where secrets go, name clashes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from otp_bench.delivery.presets import preset_http
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import OtpPolicy, ProviderConfig, ProviderKind, Settings, User
from otp_bench.domain.vocabulary import Channel, DeliveryResult, License, UseCase
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.secret_store import FileSecretStore
from otp_bench.store.store import ConflictError, Store

TOKEN = "tok-3f9c2a7d5e"  # a credential that must live only in the secret store


def _open(db: Path, secrets: Path) -> Engine:
    return Engine(Store(f"sqlite:///{db}", secrets=FileSecretStore(secrets)), FrozenClock())


def test_a_reopened_workspace_shows_everything(tmp_path: Path) -> None:
    db, sec = tmp_path / "ws.db", tmp_path / "secrets.json"
    eng = _open(db, sec)
    settings = Settings(custom_otp_enabled=True, otp=OtpPolicy(ttl_seconds=300),
                        default_text="Code {otp} for {site}", callout_timeout_seconds=20)
    eng.save_settings(settings)
    provider = eng.new_provider(
        "twilio", kind=ProviderKind.HTTP, http=preset_http("twilio", sender="+15005550006"),
        credentials={"account_sid": "AC123", "auth_token": TOKEN}, channel=Channel.WHATSAPP,
        verified_only=True, country_allow_list=("US", "GB"),
    )
    scripted = eng.new_provider("ok", result=DeliveryResult.SUCCESS)
    site = eng.new_site("Customers", handler="ok", headless_passwordless_login=True,
                        url_prefix="customers", brand_color="#112233", default_region="GB",
                        enabled_use_cases=frozenset({UseCase.PASSWORDLESS_LOGIN}))
    user = eng.new_user("ana@example.com", mobile="+44 7400 123456", flags=Flags(True, False),
                        license=License.PARTNER_COMMUNITY, first_name="Ana",
                        sites=frozenset({site.id}))
    out = eng.start("passwordless_login", "Customers", user.username)
    eng.advance_clock(42)
    inbox = eng.store.inbox()
    history = eng.store.history()
    events = eng.store.events()
    eng.close()

    again = _open(db, sec)
    try:
        s = again.store
        assert s.settings() == settings
        assert s.clock_offset() == 42  # the bench clock resumes where it was
        assert s.sites() == [site]
        assert s.users() == [user]
        by_name = {p.name: p for p in s.providers()}
        assert by_name["twilio"] == provider
        assert by_name["twilio"].credentials == {"account_sid": "AC123", "auth_token": TOKEN}
        assert by_name["ok"] == scripted
        assert s.inbox() == inbox and inbox[0].otp is not None
        assert s.history() == history
        assert s.events() == events
        assert [f["id"] for f in s.flows()] == [out.flow_id]
    finally:
        again.close()
    # the credential is in the secret store file, not in the database
    assert TOKEN in sec.read_text()
    for path in tmp_path.glob("ws.db*"):
        assert TOKEN.encode() not in path.read_bytes()
    assert sec.stat().st_mode & 0o777 == 0o600


def test_removed_credentials_leave_the_secret_store(tmp_path: Path) -> None:
    eng = _open(tmp_path / "ws.db", tmp_path / "s.json")
    p = eng.new_provider("p", credentials={"a": "1", "b": "2"})
    eng.save_provider(ProviderConfig(id=p.id, name="p", credentials={"a": "1"}))
    data = json.loads((tmp_path / "s.json").read_text())
    assert f"provider:{p.id}:a" in data and f"provider:{p.id}:b" not in data
    eng.delete_provider(p.id)
    data = json.loads((tmp_path / "s.json").read_text())
    assert not any(k.startswith("provider:") for k in data)
    eng.close()


def test_a_provider_repr_hides_credentials() -> None:
    p = ProviderConfig(id="01p", name="x", credentials={"auth_token": TOKEN})
    assert TOKEN not in repr(p) and TOKEN not in str(p)


def test_duplicate_names_conflict_and_write_nothing(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    store.save_user(User(id="005A", username="ana@example.com"))
    with pytest.raises(ConflictError, match=r"ana@example\.com"):
        store.save_user(User(id="005B", username="ana@example.com"))
    assert [u.id for u in store.users()] == ["005A"]
    store.close()
    reopened = Store(db_url, throwaway=True)
    assert [u.id for u in reopened.users()] == ["005A"]
    reopened.close()


def test_inbox_per_number_with_sealed_codes(db_url: str) -> None:
    store = Store(db_url, throwaway=True)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    store.deliver("+14155552671", "Your code is 123456.", sender="S", via="v", at=at)
    store.deliver("+14155552671", "No code here", sender="S", via="v", at=at)
    store.deliver("+447400123456", "987654 is yours", sender="T", via="v", otp="987654", at=at)
    us = store.inbox("+14155552671")
    assert [m.otp for m in us] == ["123456", None]
    assert us[0].body == "Your code is 123456." and us[0].received_at == at
    assert store.inbox_numbers() == ["+14155552671", "+447400123456"]
    assert [m.to for m in store.inbox(limit=2)] == ["+14155552671", "+447400123456"]
    store.close()


def test_a_lost_seal_key_masks_the_code(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ws.db'}"
    store = Store(db, secrets=FileSecretStore(tmp_path / "a.json"))
    store.deliver("+14155552671", "Your code is 123456.", sender="S", via="v")
    store.close()
    other = Store(db, secrets=FileSecretStore(tmp_path / "b.json"))  # e.g. a keyring reset
    [msg] = other.inbox()
    assert msg.otp is None and "123456" not in msg.body and "••••••" in msg.body
    other.close()


def test_callouts_are_stored_redacted_with_the_raw_exchange_sealed(db_url: str) -> None:
    from otp_bench.domain.callout import CalloutRecord, HttpMessage, RawExchange

    store = Store(db_url, throwaway=True)
    raw = RawExchange(
        "https://api.example.com/send?key=" + TOKEN,
        HttpMessage((("Authorization", "Bearer " + TOKEN),), '{"code": "482913"}'),
        HttpMessage((), '{"ok": true}'),
    )
    rec = CalloutRecord(
        flow_id="flw_1", provider="p", started_at=datetime(2026, 1, 1, tzinfo=UTC),
        method="POST", url="https://api.example.com/send?key=***",
        request=HttpMessage((("Authorization", "***"),), '{"code": "••••••"}'),
        status=200, response=HttpMessage((), '{"ok": true}'), elapsed_ms=3.0,
        result=DeliveryResult.SUCCESS, rule="status 2xx", raw=raw,
    )
    with store.transaction() as tx:
        cid = tx.add_callout(rec)
    [stored] = store.callouts(flow_id="flw_1")
    assert stored.id == cid and stored.raw is None
    assert stored.request.body == '{"code": "••••••"}' and stored.status == 200
    [revealed] = store.callouts(ids=[cid], reveal=True)
    assert revealed.raw == raw
    store.close()
    for path in Path(db_url.removeprefix("sqlite:///")).parent.glob("workspace.db*"):
        data = path.read_bytes()
        assert TOKEN.encode() not in data and b"482913" not in data


def test_catch_up_rereads_only_the_records_named(tmp_path: Path) -> None:
    """Another process's edit of one user refreshes that user; the cache isn't reloaded."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    a, b = Store(url, throwaway=True), Store(url, throwaway=True)
    try:
        for n, name in enumerate(("ana", "bo")):
            a.save_user(User(id=f"005X{n}", username=f"{name}@example.com"))
        b.catch_up()
        ana = b.user_by_username("ana@example.com")
        assert ana is not None
        a.save_user(replace(ana, flags=Flags(True, True)))
        a.delete_user(b.user_by_username("bo@example.com").id)  # type: ignore[union-attr]

        def no_full_reload() -> None:
            raise AssertionError("catch_up reloaded the whole cache")

        b._load_cache = no_full_reload  # type: ignore[method-assign]
        changes = b.catch_up()
        assert len(changes) == 2
        assert b.user_by_username("ANA@example.com").flags == Flags(True, True)  # type: ignore[union-attr]
        assert b.user_by_username("bo@example.com") is None
    finally:
        a.close()
        b.close()
