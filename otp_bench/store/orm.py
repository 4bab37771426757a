"""ORM tables of a workspace. Only ``otp_bench.store`` imports this module.

Secrets and OTPs have no plaintext column here: provider credentials live in
``workspace_secrets``, encrypted under the workspace key (kept outside the database), codes are
kept as salted HMACs, and a code in a phone message is sealed with the workspace's sealing key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class KeyValue(Base):
    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]]


class SiteRow(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url_prefix: Mapped[str] = mapped_column(String(200), default="")
    provider_id: Mapped[str | None] = mapped_column(String(18))  # None: the default provider
    headless_passwordless_login: Mapped[bool] = mapped_column(Boolean, default=False)
    headless_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_use_cases: Mapped[dict[str, Any]]  # {"use_cases": [...]}
    brand_color: Mapped[str] = mapped_column(String(20), default="#0176d3")
    logo_text: Mapped[str] = mapped_column(String(200), default="")
    default_region: Mapped[str | None] = mapped_column(String(4))
    experience_id: Mapped[str] = mapped_column(String(200), default="")


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    license: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    user_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    admin_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(40), default="en_US", server_default="en_US")


class MembershipRow(Base):
    __tablename__ = "memberships"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )


class ProviderRow(Base):
    __tablename__ = "providers"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(40))
    http: Mapped[dict[str, Any]]
    secret_keys: Mapped[dict[str, Any]]  # {"keys": [...]}: names only, values in the secret store
    channel: Mapped[str] = mapped_column(String(20), default="sms")
    verified_only: Mapped[bool] = mapped_column(Boolean, default=False)
    country_allow_list: Mapped[str] = mapped_column(String(400), default="")


class ChallengeRow(Base):
    """One issued OTP: bound to its identifier, stored as a salted HMAC."""

    __tablename__ = "challenges"
    identifier: Mapped[str] = mapped_column(String(40), primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))  # rate-limit key: user id or phone
    salt: Mapped[bytes]
    code_hash: Mapped[bytes]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None]
    invalidated: Mapped[str | None] = mapped_column(String(40))  # reason, e.g. "superseded"

    # SQLite: rows keyed by the identifier itself, one b-tree (migration 0006)
    __table_args__ = (Index("ix_challenges_subject_issued", "subject", "issued_at"),
                      {"sqlite_with_rowid": False})


class FlowRow(Base):
    __tablename__ = "flows"
    __table_args__ = {"sqlite_with_rowid": False}  # one b-tree keyed by the id (migration 0006)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    use_case: Mapped[str] = mapped_column(String(60))
    site_id: Mapped[str] = mapped_column(String(18))
    user_id: Mapped[str | None] = mapped_column(String(18))
    username: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    handler: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str | None] = mapped_column(String(40))
    init: Mapped[str] = mapped_column(String(40), default="")
    delivery: Mapped[str | None] = mapped_column(String(40))
    verify: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime]
    pending_user: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    mobile: Mapped[str | None] = mapped_column(String(20))


class HistoryRow(Base):
    __tablename__ = "verification_history"
    # a verify looks back from the user's newest row to the last success (migration 0007)
    __table_args__ = (Index("ix_verification_history_user_id_id", "user_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(18))
    username: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[str] = mapped_column(String(18))
    use_case: Mapped[str] = mapped_column(String(60))
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(120))
    identifier: Mapped[str] = mapped_column(String(40))


class InboxRow(Base):
    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to: Mapped[str] = mapped_column(String(20), index=True)
    sender: Mapped[str] = mapped_column(String(200))
    body_masked: Mapped[str] = mapped_column(Text)  # the code replaced by a placeholder
    otp_sealed: Mapped[bytes | None]
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20), default="sms")
    via: Mapped[str] = mapped_column(String(200), default="")


class EventRow(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]  # not indexed: the log pages by id (migration 0006)
    kind: Mapped[str] = mapped_column(String(40))
    flow_id: Mapped[str | None] = mapped_column(String(40), index=True)
    site: Mapped[str] = mapped_column(String(200), default="")
    user: Mapped[str] = mapped_column(String(200), default="")
    use_case: Mapped[str] = mapped_column(String(60), default="")
    step: Mapped[str] = mapped_column(String(60), default="")
    result: Mapped[str] = mapped_column(String(60), default="")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]]


class CalloutRow(Base):
    """A provider callout, already redacted when it gets here."""

    __tablename__ = "callouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[str] = mapped_column(String(40), index=True)
    provider: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    result: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    request: Mapped[dict[str, Any]]
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]]
    sealed_raw: Mapped[bytes | None]  # the unredacted exchange, sealed with the workspace key


class ChangeRow(Base):
    """The change feed: one row per workspace record a committed operation changed.

    Written in the same transaction as the change itself; ``id`` only grows, so a reader (another
    process after a notification) asks for ``id > last seen`` and never misses or repeats one.
    """

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    what: Mapped[str] = mapped_column(String(20))  # site, user, provider, settings, clock
    action: Mapped[str] = mapped_column(String(20))  # saved, deleted
    entity_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))


class ConnectedAppRow(Base):
    """A connected app the headless API accepts; its consumer secret is in the secret store."""

    __tablename__ = "connected_apps"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    client_id: Mapped[str] = mapped_column(String(255), unique=True)
    callback_urls: Mapped[dict[str, Any]]  # {"urls": [...]}
    require_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    scopes: Mapped[dict[str, Any]]  # {"scopes": [...]}


class WorkspaceSecretRow(Base):
    """A secret of the workspace (credential, sealing key, signing key), AEAD-encrypted under the
    workspace key, which never enters the database (see ``store.secret_store``)."""

    __tablename__ = "workspace_secrets"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sealed: Mapped[bytes]


# usernames are unique ignoring case, as in Salesforce (migration 0004)
Index("uq_users_username_ci", func.lower(UserRow.username), unique=True)
