"""Where this machine keeps workspace keys: the OS keyring, keyed by workspace id.

A workspace key (32 random bytes) unlocks the secrets stored in a workspace. It never enters the
database; each teammate holds it under the workspace's *id* (never its URL text, so
``localhost`` vs ``127.0.0.1``, a copied file or a renamed one all find it) and hands it on with
``otp-bench workspace key export/import``.

Where no keyring backend works (a headless server, a container), keys go to one file per key
under the user data dir, owner-only (0600), written to a temp file and renamed into place, so
two processes never lose each other's keys. That fallback is announced once per process, and the
operator picks explicitly with ``OTP_BENCH_KEY_STORE=keyring|file``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import platformdirs

# keyring (and what it loads: urllib, email, its backends' entry points, ~30 ms of CPU) is
# imported where a keyring is used: a command on file-kept keys (OTP_BENCH_KEY_STORE=file) or a
# workspace with no secrets to unlock never pays for it

log = logging.getLogger(__name__)

CHOICE_ENV = "OTP_BENCH_KEY_STORE"
SERVICE = "otp-bench workspace key"
KEY_BYTES = 32
_ID = re.compile(r"^[0-9a-f]{32}$")
_announced = threading.Event()


class KeyStoreError(RuntimeError):
    """The key store can't be used; the message says which and why."""


class KeyStore(Protocol):
    where: str

    def get(self, workspace_id: str) -> bytes | None: ...

    def put(self, workspace_id: str, key: bytes) -> None: ...


class KeyringKeys:
    where = "the OS keyring"

    def get(self, workspace_id: str) -> bytes | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            text = keyring.get_password(SERVICE, _checked(workspace_id))
        except KeyringError as exc:
            raise KeyStoreError(f"the OS keyring can't be read: {exc}") from None
        return _decode(text) if text else None

    def put(self, workspace_id: str, key: bytes) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, _checked(workspace_id), _encode(key))
        except KeyringError as exc:
            raise KeyStoreError(f"the OS keyring refused the key: {exc}") from None


class FileKeys:
    """One owner-only file per workspace key: ``<dir>/<workspace id>.key``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.where = f"key files in {directory} (no OS keyring)"

    def path(self, workspace_id: str) -> Path:
        return self.directory / f"{_checked(workspace_id)}.key"

    def get(self, workspace_id: str) -> bytes | None:
        try:
            return _decode(self.path(workspace_id).read_text("ascii").strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            where = self.path(workspace_id)
            raise KeyStoreError(f"key file {where} is unreadable: {exc}") from None

    def put(self, workspace_id: str, key: bytes) -> None:
        target = self.path(workspace_id)
        write_private(target, _encode(key) + "\n")


def write_private(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically, readable by the owner only (0600)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def keyring_usable() -> bool:
    import keyring

    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    return not any(bad in name for bad in ("fail", "null", "chainer.ChainerBackend", "plaintext"))


def key_dir() -> Path:
    return Path(platformdirs.user_data_dir("otp-bench", appauthor=False)) / "workspace-keys"


def choose_key_store() -> KeyStore:
    """The keyring when it works (or is asked for), else key files — announced once."""
    choice = os.environ.get(CHOICE_ENV, "").strip().lower()
    if choice == "keyring" or (choice != "file" and keyring_usable()):
        return KeyringKeys()
    store = FileKeys(key_dir())
    if choice != "file" and not _announced.is_set():
        _announced.set()
        _notice.append(
            f"no OS keyring backend: workspace keys are kept in owner-only files under "
            f"{store.directory} (set {CHOICE_ENV}=file to choose this and silence this note, "
            "or install a keyring backend)")
        log.warning("%s", _notice[0])  # the CLI's stderr and the log file
    return store


_notice: list[str] = []


def fallback_notice() -> str | None:
    """The keyring-fallback announcement if this process made it (the app shows it too)."""
    return _notice[0] if _notice else None


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


# -- the hand-over file --------------------------------------------------------------------------

_FORMAT = "otp-bench workspace key"


def export_text(workspace_id: str, key: bytes, label: str) -> str:
    return json.dumps({"format": _FORMAT, "version": 1, "workspace_id": workspace_id,
                       "workspace": label, "key": _encode(key)}, indent=2) + "\n"


def parse_export(text: str, source: str) -> tuple[str, bytes]:
    """(workspace id, key) from a hand-over file; a KeyStoreError naming what is wrong."""
    try:
        data = json.loads(text)
    except ValueError:
        raise KeyStoreError(f"{source} isn't an otp-bench workspace key file (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise KeyStoreError(f"{source} isn't an otp-bench workspace key file")
    wid, key = data.get("workspace_id"), data.get("key")
    if not isinstance(wid, str) or not _ID.match(wid):
        raise KeyStoreError(f"{source}: workspace_id is missing or malformed")
    try:
        raw = _decode(key if isinstance(key, str) else "")
    except ValueError:
        raise KeyStoreError(f"{source}: key is missing or malformed") from None
    return wid, raw


def _checked(workspace_id: str) -> str:
    if not _ID.match(workspace_id):
        raise KeyStoreError(f"malformed workspace id {workspace_id!r}")
    return workspace_id


def _encode(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"a workspace key is {KEY_BYTES} bytes")
    return raw
