"""Sealing codes in phone messages, and the secret stores behind the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from otp_bench.domain.secrets import MemorySecretStore
from otp_bench.store.seal import PLACEHOLDER, Sealer, find_otp, mask_body, unmask_body
from otp_bench.store.secret_store import FileSecretStore, legacy_secret_store


def test_find_the_code_in_a_message() -> None:
    assert find_otp("Your code: 012345. Expires soon") == "012345"
    assert find_otp("Call 4155552671 then enter 654321") == "654321"
    assert find_otp("no code") is None
    assert find_otp("12345678", digits=8) == "12345678"


def test_mask_and_unmask() -> None:
    masked = mask_body("012345 is your code", "012345")
    assert "012345" not in masked and PLACEHOLDER in masked
    assert unmask_body(masked, "012345") == "012345 is your code"
    assert unmask_body(masked, None) == "•••••• is your code"


def test_seal_round_trip_and_wrong_key() -> None:
    secrets = MemorySecretStore()
    sealer = Sealer(secrets)
    token = sealer.seal("123456")
    assert b"123456" not in token
    assert Sealer(secrets).unseal(token) == "123456"  # the key persists in the secret store
    assert Sealer(MemorySecretStore()).unseal(token) is None
    assert sealer.unseal(None) is None


def test_codes_sealed_by_earlier_versions_still_open_and_tampering_is_caught() -> None:
    """Earlier versions sealed with Fernet under the same key: those rows still read back. A
    GCM seal that was altered (or truncated) opens to nothing, never to a wrong code."""
    from cryptography.fernet import Fernet

    from otp_bench.store.seal import SEAL_KEY

    secrets = MemorySecretStore()
    sealer = Sealer(secrets)
    key = secrets.get(SEAL_KEY)
    assert key is not None
    old = Fernet(key.encode()).encrypt(b'{"otp":"654321","groups":["654321"]}')
    assert sealer.unseal(old) == '{"otp":"654321","groups":["654321"]}'
    token = sealer.seal("123456")
    assert token is not None and token != sealer.seal("123456")  # a fresh nonce each time
    flipped = token[:-1] + bytes([token[-1] ^ 1])
    assert sealer.unseal(flipped) is None
    assert sealer.unseal(token[:10]) is None


def test_file_secret_store_is_owner_only(tmp_path: Path) -> None:
    store = FileSecretStore(tmp_path / "s" / "secrets.json")
    store.set("k", "v")
    assert FileSecretStore(tmp_path / "s" / "secrets.json").get("k") == "v"
    assert os.stat(tmp_path / "s" / "secrets.json").st_mode & 0o777 == 0o600
    store.delete("k")
    store.delete("missing")
    assert store.get("k") is None


def test_an_unreadable_secret_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "secrets.json"
    bad.write_text("{not json")
    with pytest.raises(RuntimeError, match=r"secrets\.json"):
        FileSecretStore(bad).get("k")


def test_finding_the_earlier_secret_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")
    chosen = legacy_secret_store("sqlite:///x", tmp_path)
    assert isinstance(chosen, FileSecretStore) and chosen.path.parent == tmp_path
