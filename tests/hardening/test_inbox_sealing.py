"""Every code-like digit group of a message that carried a code is sealed (P9 / OTP-7).

Reproduced first: through the mock provider, a message with two digit groups ("Order 123456 …
code 654322") or a formatted code ("65-43-23") left a code in plaintext in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otp_bench.delivery.http_handler import HttpHandler
from tests.delivery.helpers import preset_config

MESSAGES = {
    "two groups": ("Order 123456 shipped. Your code is 654322.", ["123456", "654322"], "654322"),
    "formatted": ("Your Acme code: 65-43-23", ["65-43-23", "654323"], "654323"),
    "spaced": ("Code 654 329 — don't share it", ["654 329", "654329"], "654329"),
}


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


@pytest.mark.parametrize("name", MESSAGES)
def test_mock_provider_inbox_seals_every_code_like_group(live: Any, name: str) -> None:
    eng, mock = live
    text, secrets, code = MESSAGES[name]
    handler = HttpHandler(preset_config("twilio", mock.url_for("p")))
    try:
        report = handler.send_one_time_password(
            "005000000000001AAA", "+1 4155552671", code, text, "0DB000000000001AAA", "")
    finally:
        handler.close()
    assert report.result.value == "SUCCESS"
    (msg,) = eng.store.inbox("+14155552671")[-1:]
    assert msg.body == text and msg.otp == code  # the phone shows it whole
    raw = _raw(eng.store.path)
    for s in secrets:
        assert s.encode() not in raw, f"{s!r} in plaintext in the workspace file"
