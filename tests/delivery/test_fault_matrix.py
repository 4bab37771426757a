"""Every fault kind over real loopback HTTP, through the engine: the expected result, a complete
callout record, and an engine that keeps working afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.engine.outcomes import InitOutcome
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store
from tests.selected import selected

# An answer must never time out by accident on a loaded machine: 5 s (0.6 s for every fault
# timed out prompt answers under load 9). The stalling faults, whose expected outcome is the
# timeout, get a shorter one, side by side; it also holds for their provider's next send, over
# the same handler, so it stays well above a loopback answer's time on a loaded machine.
TIMEOUT, STALL_TIMEOUT = 5.0, 1.5
# The stalling faults outlast their timeout 20 times (a drip of 0.1 s per byte takes longer
# still, a hang forever): a deadline that didn't hold shows as a wait of STALL_S or more, so the
# bound on the wait can leave a loaded machine seconds of slack and still tell.
STALL_S = 30.0

MATRIX = [
    ({"latency": 0.05}, DeliveryResult.SUCCESS, None),
    ({"latency": STALL_S}, DeliveryResult.EXCEPTION, "timeout"),  # later than the timeout
    ({"status": 500}, DeliveryResult.PROVIDER_ERROR, None),
    ({"status": 429}, DeliveryResult.PROVIDER_ERROR, None),
    ({"error": "invalid_number"}, DeliveryResult.INVALID_PHONE_NUMBER, None),
    ({"error": "country_block"}, DeliveryResult.COUNTRY_BLOCK, None),
    ({"malformed": True}, DeliveryResult.EXCEPTION, None),
    ({"hang": True}, DeliveryResult.EXCEPTION, "timeout"),
    ({"drop": True}, DeliveryResult.EXCEPTION, "protocol"),
    ({"drip": 0.1}, DeliveryResult.EXCEPTION, "timeout"),  # each byte in time, the whole not
]
STALLING = [fault for fault, _, error in MATRIX if error == "timeout"]


def _setup(eng: Engine, mock: LoopbackMock, preset: str = "twilio",
           timeout_s: float = TIMEOUT) -> str:
    p = get_preset(preset)
    http = preset_http(preset, base_url=mock.url_for("prov"), sender="+15005550006",
                       timeout_s=timeout_s)
    eng.new_provider("prov", kind=ProviderKind.HTTP, http=http,
                     credentials=p.example_credentials)
    site = eng.new_site("Customers", handler="prov")
    eng.new_user("ana@example.com", mobile="+14155552671", sites=frozenset({site.id}),
                 flags=Flags(admin_verified=True))
    return site.id


@dataclass
class Case:
    """One fault's run: the send under the fault, how long it took, the stored callouts and the
    next send's result."""

    out: InitOutcome
    elapsed: float
    stored: list[CalloutRecord]
    again: InitOutcome


def _run_case(fault: dict[str, Any], timeout_s: float, folder: Path) -> Case:
    """One fault kind through an engine and a loopback mock of its own (as ``live`` makes them)."""
    eng = Engine(Store(f"sqlite:///{folder / 'ws.db'}", throwaway=True), FrozenClock())
    try:
        eng.save_settings(Settings(custom_otp_enabled=True))
        with LoopbackMock(eng.store) as mock:
            _setup(eng, mock, timeout_s=timeout_s)
            mock.set_faults("prov", [{**fault, "times": 1}])
            started = time.perf_counter()
            out = eng.start("verification", "Customers", "ana@example.com")
            elapsed = time.perf_counter() - started
            stored = eng.store.callouts(flow_id=out.flow_id)
            # the engine and the process are unharmed: the next send goes through
            again = eng.start("verification", "Customers", "ana@example.com")
        return Case(out, elapsed, stored, again)
    finally:
        eng.close()


def _key(fault: dict[str, Any]) -> str:
    return next(iter(fault)) + str(next(iter(fault.values())))


@pytest.fixture(scope="module")
def stalled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[dict[str, Future[Case]]]:
    """The selected stalling faults (a late answer, hang, drip) at once, each with its own
    engine, mock and clock on its own thread: their timeouts run out side by side."""
    chosen = [f for f in selected(request, "test_fault_kind_maps_to_result", "fault")
              if f in STALLING]
    with ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
        yield {_key(f): pool.submit(_run_case, f, STALL_TIMEOUT, tmp_path_factory.mktemp("stall"))
               for f in chosen}


@pytest.mark.parametrize(("fault", "result", "error"), MATRIX,
                         ids=[_key(f) for f, _, _ in MATRIX])
def test_fault_kind_maps_to_result(stalled: dict[str, Future[Case]], fault: dict[str, Any],
                                   result: DeliveryResult, error: str | None,
                                   tmp_path: Path) -> None:
    started = stalled.get(_key(fault))
    case = started.result(timeout=STALL_S) if started else _run_case(fault, TIMEOUT, tmp_path)
    out = case.out
    assert out.delivery is result, out.detail
    assert case.elapsed < STALL_S / 3  # the overall deadline holds, even for a slow drip
    (rec,) = out.callouts
    assert rec.id is not None and rec.flow_id == out.flow_id and rec.provider == "prov"
    assert rec.method == "POST" and "/Messages.json" in rec.url and rec.request.body
    assert rec.result is result and rec.rule and rec.elapsed_ms > 0
    assert rec.error == error
    if error is None:
        assert rec.status is not None and rec.response is not None
    assert [c.id for c in case.stored] == [rec.id] and case.stored[0].rule == rec.rule
    assert case.again.delivery is DeliveryResult.SUCCESS


def test_selectors_every_nth_and_one_number(live: Any) -> None:
    eng, mock = live
    _setup(eng, mock)
    mock.set_faults("prov", [{"status": 500, "every": 2}])
    results = [eng.start("verification", "Customers", "ana@example.com").delivery
               for _ in range(4)]
    assert results == [DeliveryResult.SUCCESS, DeliveryResult.PROVIDER_ERROR] * 2
    eng.advance_clock(3600)
    mock.set_faults("prov", [{"status": 500, "number": "+1 415 555 9999"}])
    assert eng.start("verification", "Customers", "ana@example.com").delivery is (
        DeliveryResult.SUCCESS)


def test_probability_zero_and_one(live: Any) -> None:
    eng, mock = live
    _setup(eng, mock)
    mock.set_faults("prov", [{"status": 500, "probability": 0}])
    assert eng.start("verification", "Customers", "ana@example.com").delivery is (
        DeliveryResult.SUCCESS)
    mock.set_faults("prov", [{"status": 500, "probability": 1}])
    assert eng.start("verification", "Customers", "ana@example.com").delivery is (
        DeliveryResult.PROVIDER_ERROR)


def test_accepted_message_reaches_the_phone_and_verifies(live: Any) -> None:
    eng, mock = live
    _setup(eng, mock)
    out = eng.start("verification", "Customers", "ana@example.com")
    (msg,) = eng.store.inbox("+14155552671")
    assert msg.otp and msg.via == "prov"
    assert eng.verify(out.flow_id, msg.otp).success
