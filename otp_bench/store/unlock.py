"""Opening a workspace's secrets: find its key on this machine, or make it on the first open.

The first open (a new workspace, or one made before team workspaces) makes the workspace key,
files it in this machine's key store under the workspace id, writes the check value, and moves
every secret the earlier per-machine store held for this URL into the workspace — all under the
migration lock, so processes opening together agree on one key. Nothing is deleted from the
earlier store.

Later opens look the key up by workspace id. No key, or a key that doesn't open the check: the
secrets are *locked*, and ``locked_message`` says exactly that and what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, select

from otp_bench.domain.secrets import SecretStore
from otp_bench.domain.workspace import Workspace
from otp_bench.store import identity, locks
from otp_bench.store.identity import Cipher, Identity
from otp_bench.store.keystore import (
    KeyStore,
    KeyStoreError,
    choose_key_store,
    export_text,
    new_key,
)
from otp_bench.store.orm import ConnectedAppRow, ProviderRow, WorkspaceSecretRow
from otp_bench.store.seal import SEAL_KEY
from otp_bench.store.secret_store import WorkspaceSecrets, _upsert, legacy_secret_store

log = logging.getLogger(__name__)


def locked_message(ident: Identity, where: Workspace, why: str) -> str:
    return (
        f"workspace secrets are locked: {why} for workspace {ident.id} ({where}). Provider "
        "credentials and the codes on the phones can't be read or saved here until you import "
        "the key: ask a teammate who has it to run `otp-bench workspace key export FILE "
        f"--db URL`, then run `otp-bench workspace key import FILE` here (or in the app: File → "
        "Import workspace key…)."
    )


def open_secrets(
    engine: Engine, where: Workspace, legacy_dir: Path, keys: KeyStore | None = None,
) -> WorkspaceSecrets:
    ident = identity.ensure(engine)
    try:
        keys = keys or choose_key_store()
        if ident.key_check is None:
            ident, key = _first_open(engine, where, legacy_dir, keys)
        else:
            key = keys.get(ident.id)
    except KeyStoreError as exc:
        return WorkspaceSecrets(engine, ident.id, None, locked_message(ident, where, str(exc)))
    if key is None:
        why = f"this machine has no key (looked in {keys.where})"
        return WorkspaceSecrets(engine, ident.id, None, locked_message(ident, where, why))
    if not Cipher(ident.id, key).opens(ident):
        why = f"the key held in {keys.where} isn't this workspace's key"
        return WorkspaceSecrets(engine, ident.id, None, locked_message(ident, where, why))
    return WorkspaceSecrets(engine, ident.id, key)


def _first_open(
    engine: Engine, where: Workspace, legacy_dir: Path, keys: KeyStore,
) -> tuple[Identity, bytes | None]:
    with locks.immediate(engine).begin() as conn:
        locks.lock_for_migration(conn)
        found = identity.read(conn)
        assert found is not None  # made by identity.ensure before
        ident = found
        if ident.key_check is not None:  # another process made it while we waited
            return ident, keys.get(ident.id)
        key = keys.get(ident.id) or new_key()
        cipher = Cipher(ident.id, key)
        keys.put(ident.id, key)
        ident = Identity(ident.id, cipher.check_value())
        identity.write(conn, ident)
        legacy = legacy_secret_store(where.url, legacy_dir)
        moved = 0
        for name in _legacy_names(conn):
            try:
                value = legacy.get(name)
            except Exception as exc:  # an unreadable old store: say so, lose nothing else
                log.warning("can't read the earlier secret store for %s: %s", where,
                            type(exc).__name__)
                break
            if value is not None:
                conn.execute(_upsert(conn.dialect.name, name,
                                     cipher.seal(name, value.encode()), replace=False))
                moved += 1
        if moved:
            log.info("moved %d secret(s) of %s into the workspace (encrypted)", moved, where)
        return ident, key


def _legacy_names(conn) -> list[str]:  # type: ignore[no-untyped-def]
    names = [SEAL_KEY]
    for pid, keys in conn.execute(select(ProviderRow.id, ProviderRow.secret_keys)):
        names += [f"provider:{pid}:{k}" for k in (keys or {}).get("keys", [])]
    for (aid,) in conn.execute(select(ConnectedAppRow.id)):
        names.append(f"connected_app:{aid}:consumer_secret")
    have = set(conn.scalars(select(WorkspaceSecretRow.name)))
    return [n for n in names if n not in have]


def import_key(engine: Engine, where: Workspace, workspace_id: str, key: bytes,
               keys: KeyStore | None = None) -> str:
    """File ``key`` for the workspace at ``engine`` after checking it is its key; where it went."""
    ident = identity.ensure(engine)
    if workspace_id != ident.id:
        raise KeyStoreError(
            f"the key file is for workspace {workspace_id}, but {where} is workspace {ident.id}"
        )
    if ident.key_check is not None and not Cipher(ident.id, key).opens(ident):
        raise KeyStoreError(f"the key in the file doesn't open workspace {ident.id}")
    keys = keys or choose_key_store()
    keys.put(ident.id, key)
    return keys.where


def export_key_text(secrets: SecretStore, where: Workspace) -> str:
    """The hand-over file's text for this workspace's key; a KeyStoreError when there's none."""
    if not isinstance(secrets, WorkspaceSecrets):  # a throwaway workspace: secrets in memory
        raise KeyStoreError("this workspace has no key to export: its secrets live only in this "
                            "session")
    if secrets.locked:
        raise KeyStoreError(secrets.locked)
    key = choose_key_store().get(secrets.workspace_id)
    if key is None:
        raise KeyStoreError(f"this machine has no key for workspace {secrets.workspace_id}")
    return export_text(secrets.workspace_id, key, where.display)
