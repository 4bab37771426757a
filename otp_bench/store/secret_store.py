"""Secrets stored in the workspace itself, encrypted; and the per-machine stores they replace.

``WorkspaceSecrets`` keeps each secret (a provider credential, the code-sealing key, a
connected app's consumer secret, a token-signing key) as one row of ``workspace_secrets``:
AES-256-GCM under the workspace key, bound to the secret's name and the workspace id. Every
teammate who holds the key reads the same secrets; a row per secret means two processes saving
different secrets never lose each other's. Without the key the store is *locked*: reads answer
nothing, writes raise ``SecretsLocked`` with what to do.

``KeyringSecretStore`` / ``FileSecretStore`` are the earlier per-machine stores keyed by a hash of
the URL text; ``legacy_secret_store`` finds them so ``store.unlock`` can move their secrets into
the workspace on the first open.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import sqlite

from otp_bench.domain.secrets import MemorySecretStore, SecretStore
from otp_bench.store.identity import Cipher
from otp_bench.store.keystore import keyring_usable, write_private
from otp_bench.store.orm import WorkspaceSecretRow

__all__ = [
    "FileSecretStore", "KeyringSecretStore", "MemorySecretStore", "SecretsLocked",
    "WorkspaceSecrets", "legacy_secret_store",
]

_ROWS: Table = WorkspaceSecretRow.__table__  # type: ignore[assignment]


class SecretsLocked(RuntimeError):
    """A secret was needed but this machine has no key for the workspace; says what to do."""


class WorkspaceSecrets:
    def __init__(self, engine: Engine, workspace_id: str, key: bytes | None,
                 locked: str | None = None) -> None:
        self._engine = engine
        self.workspace_id = workspace_id
        self._cipher = Cipher(workspace_id, key) if key is not None else None
        self.locked = locked if key is None else None  # the message when there's no key

    def _need(self) -> Cipher:
        if self._cipher is None:
            raise SecretsLocked(self.locked or "workspace secrets are locked")
        return self._cipher

    # -- bytes (for keys and other binary secrets) ------------------------------------------------

    def get_bytes(self, name: str) -> bytes | None:
        if self._cipher is None:
            return None
        with self._engine.connect() as conn:
            blob = conn.scalar(select(_ROWS.c.sealed).where(_ROWS.c.name == name))
        if blob is None:
            return None
        try:
            return self._cipher.open(name, bytes(blob))
        except InvalidTag:
            return None  # sealed under another key: unreadable, like a missing secret

    def set_bytes(self, name: str, value: bytes) -> None:
        sealed = self._need().seal(name, value)
        with self._engine.begin() as conn:
            conn.execute(_upsert(conn.dialect.name, name, sealed, replace=True))

    def setdefault_bytes(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The stored value, or ``make()`` stored first; one value wins when processes race."""
        found = self.get_bytes(name)
        if found is not None:
            return found
        sealed = self._need().seal(name, make())
        with self._engine.begin() as conn:
            conn.execute(_upsert(conn.dialect.name, name, sealed, replace=False))
        found = self.get_bytes(name)
        if found is None:
            raise SecretsLocked(f"workspace secret {name!r} is sealed under another key")
        return found

    # -- text (the SecretStore protocol) -----------------------------------------------------------

    def get(self, key: str) -> str | None:
        raw = self.get_bytes(key)
        return raw.decode() if raw is not None else None

    def set(self, key: str, value: str) -> None:
        self.set_bytes(key, value.encode())

    def setdefault(self, key: str, make: Callable[[], str]) -> str:
        return self.setdefault_bytes(key, lambda: make().encode()).decode()

    def delete(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(_ROWS).where(_ROWS.c.name == key))


def _upsert(dialect: str, name: str, sealed: bytes, *, replace: bool):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # not imported by a SQLite workspace's process

        insert = postgresql.insert
    else:
        insert = sqlite.insert  # type: ignore[assignment]
    ins = insert(_ROWS).values(name=name, sealed=sealed)
    if replace:
        return ins.on_conflict_do_update(index_elements=["name"], set_={"sealed": sealed})
    return ins.on_conflict_do_nothing(index_elements=["name"])


# -- the earlier per-machine stores (read for the one-time move into the workspace) --------------


class KeyringSecretStore:
    """(keyring is imported here only: see ``otp_bench.store.keystore``.)"""

    def __init__(self, service: str) -> None:
        import keyring

        self._keyring = keyring
        self._service = service

    def get(self, key: str) -> str | None:
        return self._keyring.get_password(self._service, key)

    def set(self, key: str, value: str) -> None:
        self._keyring.set_password(self._service, key, value)

    def delete(self, key: str) -> None:
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):  # already gone is fine
            self._keyring.delete_password(self._service, key)


class FileSecretStore:
    """A JSON file readable by the owner only (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text("utf-8")))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"secret store {self.path} is unreadable: {exc}") from None

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._load().get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            data = self._load()  # re-read: another process may have written meanwhile
            data[key] = value
            write_private(self.path, json.dumps(data))

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._load()
            if data.pop(key, None) is not None:
                write_private(self.path, json.dumps(data))


def legacy_secret_store(url: str, sidecar_dir: Path) -> SecretStore:
    """Where otp-bench before team workspaces kept this URL's secrets (keyed by the URL text)."""
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    if os.environ.get("OTP_BENCH_SECRETS") != "file" and keyring_usable():
        return KeyringSecretStore(f"otp-bench/{tag}")
    return FileSecretStore(sidecar_dir / f"secrets-{tag}.json")
