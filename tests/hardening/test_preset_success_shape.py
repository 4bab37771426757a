"""Presets decide SUCCESS from the vendor's success shape, not the status alone (P9 / NET-6).

Reproduced first: a provider answering its success status (200/201/202) with invalid JSON or
binary counted as SUCCESS through the preset's status-only rule. Now, for every preset, such an
answer is EXCEPTION: an Apex handler parsing the vendor's documented JSON would throw there."""

from __future__ import annotations

import httpx
import pytest

from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import PRESETS
from otp_bench.domain.vocabulary import DeliveryResult
from tests.delivery.helpers import preset_config, send

GARBAGE = {
    "invalid json": b'{"sid": "SM1", ',
    "binary": bytes(range(256)) * 4,
    "empty": b"",
    "html": b"<html><body>Service temporarily available</body></html>",
    "json of another shape": b'{"hello": "world"}',
    "json array": b"[1, 2, 3]",
}
SUCCESS_STATUS = {"twilio": 201, "sinch": 201, "plivo": 202, "messagebird": 201}


@pytest.mark.parametrize("kind", GARBAGE)
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_success_status_with_garbage_is_not_success(preset: str, kind: str) -> None:
    status = SUCCESS_STATUS.get(preset, 200)
    transport = httpx.MockTransport(lambda r: httpx.Response(status, content=GARBAGE[kind]))
    handler = HttpHandler(preset_config(preset, "https://api.example.com"), transport=transport)
    try:
        report = send(handler)
    finally:
        handler.close()
    assert report.result is DeliveryResult.EXCEPTION, (preset, kind, report.rule)
    assert "unrecognised 2xx" in report.rule
