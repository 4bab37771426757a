"""Secret stores: the OS keyring when it works, else a user-only sidecar file (a bench assumption).

Provider credentials and the workspace sealing key live here, never in the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path

import keyring
from keyring.errors import KeyringError

from otp_bench.domain.secrets import MemorySecretStore, SecretStore

__all__ = ["FileSecretStore", "KeyringSecretStore", "MemorySecretStore", "choose_secret_store"]


class KeyringSecretStore:
    def __init__(self, service: str) -> None:
        self._service = service

    def get(self, key: str) -> str | None:
        return keyring.get_password(self._service, key)

    def set(self, key: str, value: str) -> None:
        keyring.set_password(self._service, key, value)

    def delete(self, key: str) -> None:
        with contextlib.suppress(KeyringError):  # already gone is fine
            keyring.delete_password(self._service, key)


class FileSecretStore:
    """A JSON file readable by the owner only (mode 0600), beside the workspace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cache: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._cache is None:
            try:
                self._cache = dict(json.loads(self.path.read_text("utf-8")))
            except FileNotFoundError:
                self._cache = {}
            except (OSError, ValueError) as exc:
                raise RuntimeError(f"secret store {self.path} is unreadable: {exc}") from None
        return self._cache

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._load().get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            data = self._load()
            data[key] = value
            self._save(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._load()
            if data.pop(key, None) is not None:
                self._save(data)


def keyring_usable() -> bool:
    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    return not any(bad in name for bad in ("fail", "null", "chainer.ChainerBackend", "plaintext"))


def choose_secret_store(url: str, sidecar_dir: Path, *, throwaway: bool = False) -> SecretStore:
    """Memory for a throwaway run; the keyring when usable; else a 0600 sidecar file."""
    if throwaway:
        return MemorySecretStore()
    tag = hashlib.sha256(url.encode()).hexdigest()[:12]
    if os.environ.get("OTP_BENCH_SECRETS") != "file" and keyring_usable():
        return KeyringSecretStore(f"otp-bench/{tag}")
    return FileSecretStore(sidecar_dir / f"secrets-{tag}.json")
