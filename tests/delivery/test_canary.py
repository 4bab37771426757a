"""Planted secrets (an API key, a Basic-auth pair) and the OTPs never reach log output, stored
callout records, events, or the bytes of the database files; only an explicit reveal shows them."""

from __future__ import annotations

import base64
import logging
from dataclasses import asdict
from pathlib import Path

import pytest

from otp_bench.delivery.presets import preset_http
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import OtpPolicy, ProviderKind, Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store

API_KEY = "CANARYapiKEY7f3e9b2d41"
SID = "AC" + "c4a7" * 8
TOKEN = "CANARYbasicTOKEN5a8c1e"
BASIC = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


def test_secrets_and_otps_never_leak(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("", "httpx", "httpcore", "uvicorn", "otp_bench"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    db = tmp_path / "ws.db"
    eng = Engine(Store(f"sqlite:///{db}", throwaway=True), FrozenClock())
    eng.save_settings(Settings(custom_otp_enabled=True, otp=OtpPolicy(digits=8)))
    mock = LoopbackMock(eng.store)
    mock.start()
    try:
        eng.new_provider("basic", kind=ProviderKind.HTTP, credentials={
            "account_sid": SID, "auth_token": TOKEN},
            http=preset_http("twilio", base_url=mock.url_for("basic"), sender="+15005550006"))
        query = preset_http("webhook", base_url=mock.url_for("query"))
        # a provider forcing the key into the query string (httpx logs URLs at INFO)
        query["auth"] = {"kind": "api_key_query", "token": "api_key", "name": "api_key"}
        query["headers"] = [["X-API-Key", "{{ credentials.api_key }}"]]
        eng.new_provider("query", kind=ProviderKind.HTTP, http=query,
                         credentials={"api_key": API_KEY})
        sites = [eng.new_site("Basic Site", handler="basic"),
                 eng.new_site("Query Site", handler="query")]
        eng.new_user("ana@example.com", mobile="+14155552671",
                     sites=frozenset(s.id for s in sites), flags=Flags(admin_verified=True))
        mock.set_faults("query", [{"status": 500, "times": 1}])  # an error answer too
        flows = [eng.start("verification", s, "ana@example.com")
                 for s in ("Basic Site", "Query Site", "Query Site")]
        assert [f.delivery.value for f in flows] == ["SUCCESS", "PROVIDER_ERROR", "SUCCESS"]
        otps = [m.otp for m in eng.store.inbox("+14155552671")]
        assert len(otps) == 2 and all(o and len(o) == 8 for o in otps)
        canaries = [API_KEY, TOKEN, BASIC, *otps]

        records = eng.store.callouts()
        assert len(records) == 3
        events = list(eng.store.iter_events())
        sinks = {
            "log": caplog.text,
            "callouts": repr([asdict(r) | {"raw": None} for r in records]),
            "events": repr(events),
        }
        assert "receive_response_headers" in caplog.text  # httpcore logged at DEBUG, masked
        revealed = eng.store.callouts(reveal=True)
        assert any(r.raw and BASIC in repr(r.raw) for r in revealed)  # sealed, not lost
        assert any(r.raw and API_KEY in r.raw.url for r in revealed)
    finally:
        mock.stop()
        eng.close()
    for path in (db, Path(f"{db}-wal")):
        if path.exists():
            sinks[path.name] = path.read_bytes().decode("latin-1")
    for sink, text in sinks.items():
        for canary in canaries:
            assert canary not in text, f"{canary[:6]}… leaked into {sink}"
