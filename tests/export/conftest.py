"""A workspace with planted secrets: provider credentials, a raw exchange holding an API key,
a Basic-auth pair and an OTP, next to the redacted public copy the store keeps."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from otp_bench.delivery.presets import preset_http
from otp_bench.domain.callout import CalloutRecord, HttpMessage, RawExchange
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store

API_KEY = "CANARY-api-key-7f3a9c1e5b"
AUTH_TOKEN = "CANARY-auth-token-2d8e4f"
ACCOUNT_SID = "AC0000000000000000000000000000CANARY"
OTP = "482915"
BASIC = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
CANARIES = (API_KEY, AUTH_TOKEN, ACCOUNT_SID, OTP, BASIC)


@dataclass
class Planted:
    engine: Engine
    url: str
    login_flow: str  # a flow with two callouts (a 500, then a 201)
    refused_flow: str  # a flow with one callout that got no response

    @property
    def store(self) -> Store:
        return self.engine.store


def _callout(flow_id: str, clock: FrozenClock, *, status: int | None, n: int) -> CalloutRecord:
    url = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
    form = "To=%2B14155552671&From=%2B15005550006&Body={otp}+is+your+code"
    public_body = form.format(otp="••••••")
    response = None
    if status is not None:
        response = HttpMessage(
            headers=(("Content-Type", "application/json"),),
            body='{"sid": "SM1", "status": "queued", "body": "%s is your code"}',
        )
    return CalloutRecord(
        flow_id=flow_id, provider="twilio-sandbox",
        started_at=clock.now() + timedelta(milliseconds=n), method="POST",
        url=url.format(sid="AC…REDACTED"),
        request=HttpMessage(
            headers=(("Authorization", "Basic REDACTED"),
                     ("Content-Type", "application/x-www-form-urlencoded"),
                     ("X-Api-Key", "REDACTED")),
            body=public_body,
        ),
        status=status,
        response=HttpMessage(response.headers, response.body % "••••••") if response else None,
        elapsed_ms=12.5 + n,
        result=DeliveryResult.SUCCESS if status == 201 else DeliveryResult.PROVIDER_ERROR,
        rule="status 201 → SUCCESS" if status == 201 else "status 5xx → PROVIDER_ERROR",
        error=None if status is not None else "timeout",
        raw=RawExchange(
            url=url.format(sid=ACCOUNT_SID) + f"?api_key={API_KEY}",
            request=HttpMessage(
                headers=(("Authorization", f"Basic {BASIC}"),
                         ("Content-Type", "application/x-www-form-urlencoded"),
                         ("X-Api-Key", API_KEY)),
                body=form.format(otp=OTP),
            ),
            response=HttpMessage(response.headers, response.body % OTP) if response else None,
        ),
    )


def plant(engine: Engine) -> tuple[str, str]:
    """Sites, users, an HTTP provider with credentials, flows and callouts with secrets."""
    clock = engine.clock
    assert isinstance(clock, FrozenClock)
    engine.save_settings(Settings(custom_otp_enabled=True))
    engine.new_provider("scripted-ok", result=DeliveryResult.SUCCESS)
    engine.new_provider(
        "twilio-sandbox", kind=ProviderKind.HTTP,
        http=preset_http("twilio", sender="+15005550006"),
        credentials={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "api_key": API_KEY},
    )
    site = engine.new_site("Customers", handler="scripted-ok", url_prefix="customers")
    engine.new_site("Partners", url_prefix="partners")
    engine.new_user("ana@example.com", mobile="+1 415 555 2671", sites=frozenset({site.id}),
                    first_name="Ana")
    engine.new_user("carl@example.com", mobile="+44 7911 123456", sites=frozenset({site.id}))
    login = engine.start("verification_method_registration", "Customers", "ana@example.com")
    code = next(m.otp for m in reversed(engine.store.inbox(login.phone)) if m.otp)
    engine.verify(login.flow_id, "000000" if code != "000000" else "111111")
    engine.verify(login.flow_id, code)
    refused = engine.start("passwordless_login", "Customers", "carl@example.com")
    other = engine.start("verification_method_registration", "Customers", "carl@example.com")
    with engine.store.transaction() as tx:
        tx.add_callout(_callout(login.flow_id, clock, status=500, n=1))
        tx.add_callout(_callout(login.flow_id, clock, status=201, n=2))
        tx.add_callout(_callout(other.flow_id, clock, status=None, n=3))
    assert not refused.ok
    return login.flow_id, other.flow_id


@pytest.fixture(autouse=True)
def _private_secrets(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Never the OS keyring or the user's own workspace from these tests."""
    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")
    monkeypatch.setenv("OTP_BENCH_DB", str(tmp_path / "default-workspace.db"))


@pytest.fixture
def planted(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Planted]:  # type: ignore[no-untyped-def]
    # a real (non-throwaway) workspace whose secrets sit in a 0600 sidecar file (see above),
    # so the CLI, opening the same URL in-process, can unseal what the test sealed
    url = f"sqlite:///{tmp_path / 'planted.db'}"
    engine = Engine(Store(url), FrozenClock())
    login, other = plant(engine)
    yield Planted(engine, url, login, other)
    engine.close()


def files_under(root) -> list:  # type: ignore[no-untyped-def]
    return [p for p in root.rglob("*") if p.is_file()]
