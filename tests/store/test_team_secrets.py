"""Team workspace secrets: stored in the workspace, encrypted, unlocked by a key filed by id.

A teammate is a process with another HOME (its own key store): without the key the workspace
opens with its secrets locked and says what to do; after `otp-bench workspace key import` it sends
through a Twilio preset like the owner. Both backends.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from otp_bench.cli import main
from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import ProviderKind, Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.keystore import FileKeys, key_dir
from otp_bench.store.secret_store import SecretsLocked
from otp_bench.store.store import Store
from tests.store.procs import Child

TOKEN = "tw-token-5f1e9c"  # a credential no id, timestamp or number in the workspace contains
BASE = "http://mock-provider.invalid"

TEAMMATE = """
    import json, sys
    from otp_bench.cli import main
    from otp_bench.engine.engine import Engine
    from otp_bench.mockprovider.inprocess import InProcessMock
    from otp_bench.store.store import Store

    def attempt():
        store = Store({url!r})
        mock = InProcessMock(store)
        eng = Engine(store, transport=mock.transport)
        out = eng.start("passwordless_login", "Customers", "ana@example.com")
        code = [m.otp for m in store.inbox("+14155552671")][-1:]
        res = {{"locked": store.secrets_locked, "delivery": out.delivery.value if out.delivery
                else None, "detail": out.detail, "code": code}}
        eng.close(); mock.close()
        return res

    print("ready", flush=True)
    sys.stdin.readline()
    before = attempt()
    rc = main(["workspace", "key", "import", {keyfile!r}, "--db", {url!r}])
    after = attempt()
    print(json.dumps({{"before": before, "import_rc": rc, "after": after}}))
"""


def _owner(url: str) -> None:
    store = Store(url)
    eng = Engine(store, FrozenClock())
    eng.save_settings(Settings(custom_otp_enabled=True))
    eng.new_provider("twilio", kind=ProviderKind.HTTP,
                     credentials={**get_preset("twilio").example_credentials,
                                  "auth_token": TOKEN},
                     http=preset_http("twilio", base_url=f"{BASE}/~twilio", sender="+15005550006"))
    site = eng.new_site("Customers", handler="twilio")
    eng.new_user("ana@example.com", mobile="+14155552671", flags=Flags(admin_verified=True),
                 sites=frozenset({site.id}))
    eng.close()


def test_a_teammate_imports_the_key_and_sends_through_twilio(
    any_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "owner-home"))
    _owner(any_db_url)
    keyfile = tmp_path / "handover.key"
    assert main(["workspace", "key", "export", str(keyfile), "--db", any_db_url]) == 0
    assert os.stat(keyfile).st_mode & 0o777 == 0o600

    mate = Child(TEAMMATE.format(url=any_db_url, keyfile=str(keyfile)),
                 env={"XDG_DATA_HOME": str(tmp_path / "teammate-home")})
    mate.wait_ready()
    mate.go()
    got = mate.result()
    before, after = got["before"], got["after"]
    assert "workspace secrets are locked" in before["locked"]
    assert "otp-bench workspace key import FILE" in before["locked"]
    assert before["delivery"] == "EXCEPTION" and "workspace secrets are locked" in before["detail"]
    assert got["import_rc"] == 0
    assert after["locked"] is None
    assert after["delivery"] == "SUCCESS", after["detail"]
    assert len(after["code"]) == 1 and after["code"][0].isdigit()


def test_secrets_live_encrypted_in_the_workspace_and_follow_a_copied_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    _owner(url)
    with sqlite3.connect(tmp_path / "ws.db") as db:
        names = {n for (n,) in db.execute("SELECT name FROM workspace_secrets")}
        dump = "\n".join(db.iterdump())
    assert any(n.endswith(":auth_token") for n in names) and "workspace-seal-key" in names
    assert TOKEN not in dump
    for f in tmp_path.glob("ws.db*"):
        assert TOKEN.encode() not in f.read_bytes()
    # a copy (or the same file by another path) is the same workspace: same id, same key
    shutil.copy(tmp_path / "ws.db", tmp_path / "renamed.db")
    copy = Store(str(tmp_path / "renamed.db"))
    assert copy.secrets_locked is None
    assert copy.provider_by_name("twilio").credentials["auth_token"] == TOKEN  # type: ignore[union-attr]
    copy.close()


def test_without_the_key_saving_a_credential_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    _owner(url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    eng = Engine(Store(url), FrozenClock())
    assert eng.store.provider_by_name("twilio").credentials == {}  # type: ignore[union-attr]
    with pytest.raises(SecretsLocked, match="workspace key import"):
        eng.new_provider("vonage", kind=ProviderKind.HTTP,
                         credentials=get_preset("vonage").example_credentials,
                         http=preset_http("vonage", base_url=f"{BASE}/vonage", sender="Bench"))
    assert eng.store.provider_by_name("vonage") is None
    eng.close()


def test_a_wrong_or_foreign_key_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    Store(a).close()
    Store(b).close()
    keyfile = tmp_path / "a.key"
    assert main(["workspace", "key", "export", str(keyfile), "--db", a]) == 0
    assert main(["workspace", "key", "import", str(keyfile), "--db", b]) == 2
    assert "the key file is for workspace" in capsys.readouterr().err
    (tmp_path / "junk.key").write_text("{not json")
    assert main(["workspace", "key", "import", str(tmp_path / "junk.key"), "--db", a]) == 2
    assert "isn't an otp-bench workspace key file" in capsys.readouterr().err
    forged = json.loads(keyfile.read_text())
    forged["key"] = "A" * 43 + "="
    (tmp_path / "forged.key").write_text(json.dumps(forged))
    assert main(["workspace", "key", "import", str(tmp_path / "forged.key"), "--db", a]) == 2
    assert "doesn't open workspace" in capsys.readouterr().err


def test_key_files_are_per_key_owner_only_and_atomic(tmp_path: Path) -> None:
    keys = FileKeys(tmp_path / "keys")
    keys.put("ab" * 16, b"k" * 32)
    keys.put("cd" * 16, b"j" * 32)
    assert keys.get("ab" * 16) == b"k" * 32 and keys.get("cd" * 16) == b"j" * 32
    assert {p.name for p in (tmp_path / "keys").iterdir()} == {"ab" * 16 + ".key",
                                                               "cd" * 16 + ".key"}
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in (tmp_path / "keys").iterdir())
    assert key_dir().name == "workspace-keys"


def test_a_workspace_from_before_team_workspaces_moves_its_secrets_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made the way otp-bench 0.1 made it: schema 0003, credentials in a sidecar file keyed by a
    hash of the URL text, the sealing key beside them, a sealed code on a phone."""
    from alembic import command
    from alembic.config import Config
    from cryptography.fernet import Fernet
    from sqlalchemy import create_engine, text

    from otp_bench.store.db import _MIGRATIONS
    from otp_bench.store.secret_store import FileSecretStore, legacy_secret_store

    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    raw = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with raw.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(text(
            "INSERT INTO providers (id, name, kind, result, http, secret_keys, channel, "
            "verified_only, country_allow_list) VALUES ('0Pr1', 'twilio', 'http', 'SUCCESS', "
            "'{}', '{\"keys\": [\"auth_token\"]}', 'sms', 0, '')"))
        seal_key = Fernet.generate_key()
        conn.execute(text(
            "INSERT INTO inbox (\"to\", sender, body_masked, otp_sealed, received_at, channel, "
            "via) VALUES ('+14155552671', 'x', 'code', :s, '2026-01-01 00:00:00', 'sms', 'x')"),
            {"s": Fernet(seal_key).encrypt(b"424242")})
    raw.dispose()
    old = legacy_secret_store(url, tmp_path)
    assert isinstance(old, FileSecretStore)
    old.set("provider:0Pr1:auth_token", TOKEN)
    old.set("workspace-seal-key", seal_key.decode())

    store = Store(url)  # first open with team workspaces: migrate schema, then the secrets
    assert store.secrets_locked is None
    assert store.provider_by_name("twilio").credentials == {"auth_token": TOKEN}  # type: ignore[union-attr]
    assert [m.otp for m in store.inbox("+14155552671")] == ["424242"]
    store.close()
    assert old.get("provider:0Pr1:auth_token") == TOKEN  # nothing deleted from the old store
    again = Store(str(tmp_path / "old.db"))  # the same file by its path: still unlocked
    assert again.provider_by_name("twilio").credentials == {"auth_token": TOKEN}  # type: ignore[union-attr]
    again.close()
