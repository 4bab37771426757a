"""A workspace's identity: its id, and a check value that tells whether a key is its key.

Both sit in the ``kv`` table under ``workspace``. The id is made on the first open (never by a
migration: every workspace copied from the schema template would share it) and is what the
workspace key is filed under on each machine. The check is a short value sealed with the
workspace key: a key that opens it is the right key.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.dialects import sqlite

from otp_bench.store import locks
from otp_bench.store.orm import KeyValue
from otp_bench.store.prepared import Prepared
from otp_bench.store.sql import Sql

KV_KEY = "workspace"
_KV = KeyValue.__table__
_CHECK_NAME = "key-check"
_CHECK_TEXT = b"otp-bench workspace key check v1"
# every open reads it: compiled once per process (store.prepared), not once per engine
_READ = Prepared(select(_KV.c.value).where(_KV.c.key == KV_KEY))


@dataclass(frozen=True)
class Identity:
    id: str
    key_check: str | None = None  # hex of the sealed check value; None until a key is made


class Cipher:
    """AES-256-GCM under the workspace key; each value bound to its name and the workspace id."""

    def __init__(self, workspace_id: str, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._id = workspace_id.encode()

    def _aad(self, name: str) -> bytes:
        return self._id + b"\0" + name.encode()

    def seal(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, self._aad(name))

    def open(self, name: str, blob: bytes) -> bytes:
        """The plaintext; ``InvalidTag`` when the key is wrong or the value was tampered with."""
        return self._aead.decrypt(blob[:12], blob[12:], self._aad(name))

    def check_value(self) -> str:
        return self.seal(_CHECK_NAME, _CHECK_TEXT).hex()

    def opens(self, identity: Identity) -> bool:
        if identity.key_check is None:
            return False
        try:
            return self.open(_CHECK_NAME, bytes.fromhex(identity.key_check)) == _CHECK_TEXT
        except (InvalidTag, ValueError):
            return False


def read(conn: Connection) -> Identity | None:
    value = Sql(conn, pipeline=False).scalar(_READ, {})
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    check = value.get("key_check")
    return Identity(value["id"], check if isinstance(check, str) else None)


def write(conn: Connection, identity: Identity) -> None:
    value = {"id": identity.id, "key_check": identity.key_check}
    table: Table = _KV  # type: ignore[assignment]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # not imported by a SQLite workspace's process

        stmt = postgresql.insert(table).values(key=KV_KEY, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
    else:
        stmt2 = sqlite.insert(table).values(key=KV_KEY, value=value)
        conn.execute(stmt2.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def ensure(engine: Engine) -> Identity:
    """The workspace's identity, made on the first open (one winner when processes race)."""
    with engine.connect() as conn:
        found = read(conn)
    if found is not None:
        return found
    with locks.immediate(engine).begin() as conn:
        locks.lock_for_migration(conn)
        found = read(conn)
        if found is None:
            found = Identity(secrets.token_hex(16))
            write(conn, found)
        return found
