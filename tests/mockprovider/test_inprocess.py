"""The mock in-process (no socket) behind the engine: same dialects, same faults, same results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.mockprovider.inprocess import InProcessMock
from otp_bench.store.store import Store


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[tuple[Engine, InProcessMock]]:
    store = Store(f"sqlite:///{tmp_path / 'ws.db'}", throwaway=True)
    mock = InProcessMock(store)
    eng = Engine(store, FrozenClock(), transport=mock.transport)
    eng.save_settings(Settings(custom_otp_enabled=True))
    for name in ("vonage", "infobip"):
        eng.new_provider(name, kind=ProviderKind.HTTP, credentials=get_preset(name)
                         .example_credentials, http=preset_http(
                             name, base_url=mock.url_for(name), sender="Bench", timeout_s=0.3))
        site = eng.new_site(name, handler=name)
        eng.new_user(f"{name}@example.com", mobile="+14155552671", sites=frozenset({site.id}),
                     flags=Flags(admin_verified=True))
    yield eng, mock
    eng.close()
    mock.close()


@pytest.mark.parametrize(("fault", "result"), [
    (None, DeliveryResult.SUCCESS),
    ({"error": "invalid_number"}, DeliveryResult.INVALID_PHONE_NUMBER),
    ({"error": "country_block"}, DeliveryResult.COUNTRY_BLOCK),
    ({"hang": True}, DeliveryResult.EXCEPTION),
    ({"drop": True}, DeliveryResult.EXCEPTION),
    ({"malformed": True}, DeliveryResult.EXCEPTION),
])
def test_http_200_refusals_and_faults_without_a_socket(wired, fault, result) -> None:  # type: ignore[no-untyped-def]
    eng, mock = wired
    for name in ("vonage", "infobip"):
        mock.set_faults(name, [fault] if fault else [])
        out = eng.start("verification", name, f"{name}@example.com")
        assert out.delivery is result, (name, out.detail)
        if result is DeliveryResult.SUCCESS:
            msg = eng.store.inbox("+14155552671")[-1]
            assert eng.verify(out.flow_id, msg.otp or "").success
