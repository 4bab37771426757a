"""The SMS-pumping guard refuses before any callout (P9 / FR-2, FR-4).

Reproduced first: premium-rate, toll-free, VoIP, pager and personal numbers were accepted and
"delivered" (11 of 11), with no velocity limit per number or prefix."""

from __future__ import annotations

from typing import Any

import httpx
import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.domain.vocabulary import DeliveryResult
from tests.delivery.helpers import preset_config, send

BLOCKED = ["PREMIUM_RATE", "TOLL_FREE", "VOIP", "PAGER", "PERSONAL_NUMBER", "SHARED_COST", "UAN"]
REGIONS = ["GB", "US", "DE", "FR", "AU"]
CASES = [(r, t) for r in REGIONS for t in BLOCKED
         if phonenumbers.example_number_for_type(r, getattr(PhoneNumberType, t)) is not None]


def _handler(guard: Any = True) -> tuple[HttpHandler, list[httpx.Request]]:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(201, json={"sid": "SM1", "status": "queued"})

    cfg = preset_config("twilio", "https://api.example.com", http={"pumping_guard": guard})
    return HttpHandler(cfg, transport=httpx.MockTransport(answer)), calls


@pytest.mark.parametrize(("region", "kind"), CASES)
def test_pumping_prone_number_types_are_refused_without_a_callout(region: str,
                                                                   kind: str) -> None:
    num = phonenumbers.example_number_for_type(region, getattr(PhoneNumberType, kind))
    e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    handler, calls = _handler()
    report = send(handler, e164)
    handler.close()
    assert report.result is DeliveryResult.INVALID_PHONE_NUMBER
    assert calls == [] and report.callouts == ()
    assert f"is a {kind} number" in (report.note or "") and "no callout" in (report.note or "")


def test_enough_blocked_types_are_covered() -> None:
    assert len(CASES) >= 11


def test_mobile_numbers_pass() -> None:
    handler, calls = _handler()
    gb_mobile = phonenumbers.example_number_for_type("GB", PhoneNumberType.MOBILE)
    for phone in ("+1 4155552671", phonenumbers.format_number(gb_mobile, PhoneNumberFormat.E164)):
        assert send(handler, phone).result is DeliveryResult.SUCCESS
    assert len(calls) == 2
    handler.close()


def test_per_number_velocity() -> None:
    handler, calls = _handler({"per_number": 5})
    results = [send(handler).result for _ in range(6)]
    assert results[:5] == [DeliveryResult.SUCCESS] * 5
    assert results[5] is DeliveryResult.MESSAGE_LIMIT_EXCEEDED and len(calls) == 5
    handler.close()


def test_per_prefix_velocity() -> None:
    handler, calls = _handler({"per_number": 0, "per_prefix": 20})
    reports = [send(handler, f"+1 41555526{i:02d}") for i in range(21)]
    assert all(r.result is DeliveryResult.SUCCESS for r in reports[:20])
    assert reports[20].result is DeliveryResult.MESSAGE_LIMIT_EXCEEDED
    assert "prefix +1415555…" in (reports[20].note or "") and len(calls) == 20
    handler.close()


def test_guard_off_sends_anything() -> None:
    handler, calls = _handler(False)
    num = phonenumbers.example_number_for_type("GB", PhoneNumberType.PREMIUM_RATE)
    send(handler, phonenumbers.format_number(num, PhoneNumberFormat.E164))
    assert len(calls) == 1
    handler.close()


def test_bad_guard_settings_name_the_field() -> None:
    from otp_bench.delivery.presets import preset_http
    from otp_bench.domain.http_config import ConfigError, HttpConfig

    http = preset_http("twilio", sender="+15005550006")
    with pytest.raises(ConfigError, match=r"pumping_guard\.allowed_types"):
        HttpConfig.from_dict({**http, "pumping_guard": {"allowed_types": ["SATELLITE"]}})
