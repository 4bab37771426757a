"""Settings that do what they say (P9).

Reproduced first: "Redact secrets and codes" changed nothing, yet the exported report then said
"redaction OFF"; the keyring fallback to files was silent. Now the switch is gone (redaction is
always on, revealing is per use) and the fallback is announced once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from otp_bench.store import keystore


def test_the_keyring_fallback_is_announced_once(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(keystore, "_announced", threading.Event())
    monkeypatch.setattr(keystore, "_notice", [])
    monkeypatch.delenv(keystore.CHOICE_ENV, raising=False)
    monkeypatch.setattr(keystore, "key_dir", lambda: tmp_path / "keys")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with caplog.at_level(logging.WARNING):
            keystore.choose_key_store()
            keystore.choose_key_store()
    finally:
        keyring.set_keyring(previous)
    notes = [r for r in caplog.records if "no OS keyring backend" in r.getMessage()]
    assert len(notes) == 1
    notice = keystore.fallback_notice()
    assert notice is not None and str(tmp_path / "keys") in notice


def test_the_report_never_claims_redaction_off(tmp_path: Path) -> None:
    import io

    from otp_bench.domain.model import Settings
    from otp_bench.engine.engine import Engine
    from otp_bench.export.report import write_report
    from otp_bench.store.store import Store

    eng = Engine(Store(f"sqlite:///{tmp_path / 'ws.db'}", throwaway=True))
    eng.save_settings(Settings(redact=False))  # an old workspace that had switched it off
    out = io.StringIO()
    write_report(eng.store, out)
    text = out.getvalue()
    eng.close()
    assert "redaction OFF" not in text and "redaction on (always" in text
