"""The workspace store: sites, users, providers and settings, plus the activity a flow leaves.

Reads come from an in-process cache of the (small) workspace tables. The cache is only ever
changed *after* a commit (``Tx.after_commit``), so a rolled-back write never shows, and every
write of a workspace record also writes its change-feed row (``Change``) in the same transaction.
Steps, and catching up with other processes, are ``store.steps``; the phones are
``store.phones``; connected apps ``store.connected_apps``; activity queries ``store.queries``.
One lock serialises this process's writers, so flows never meet SQLITE_BUSY.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, cast

import platformdirs
from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from otp_bench.domain.changes import Action, Change, ChangeSet, What
from otp_bench.domain.flags import Flags
from otp_bench.domain.ids import ProviderId, SiteId, UserId
from otp_bench.domain.model import (
    OtpPolicy,
    ProviderConfig,
    Settings,
    Site,
    User,
)
from otp_bench.domain.secrets import SecretStore
from otp_bench.domain.workspace import Workspace
from otp_bench.store import checkpoint, identity, locks
from otp_bench.store import convert as cv
from otp_bench.store.activity import Tx
from otp_bench.store.connected_apps import ConnectedAppStore
from otp_bench.store.db import open_engine, resolve_url, sqlite_path
from otp_bench.store.orm import (
    ChangeRow,
    KeyValue,
    MembershipRow,
    ProviderRow,
    SiteRow,
    UserRow,
)
from otp_bench.store.phones import PhoneStore
from otp_bench.store.prepared import Prepared
from otp_bench.store.queries import ActivityQueries
from otp_bench.store.recent import RecentRows
from otp_bench.store.seal import Sealer
from otp_bench.store.secret_store import MemorySecretStore, SecretsLocked
from otp_bench.store.sql import Sql
from otp_bench.store.steps import StepTransactions
from otp_bench.store.unlock import open_secrets

# built once: these run on every flow (see store.prepared)
_USERS = cast(Table, UserRow.__table__)
_SET_FLAGS = Prepared(_USERS.update().where(_USERS.c.id == bindparam("_id")))

# what opening a workspace reads into the cache: compiled once per process, not per engine (the
# ORM's compiled cache is per engine, and every workspace opened, e.g. one per test, paid ~10 ms)
_LAST_CHANGE = Prepared(select(func.max(cast(Table, ChangeRow.__table__).c.id)))
_ALL_SITES = Prepared(select(cast(Table, SiteRow.__table__)))
_ALL_MEMBERS = Prepared(select(cast(Table, MembershipRow.__table__)))
_ALL_USERS = Prepared(select(_USERS))
_ALL_PROVIDERS = Prepared(select(cast(Table, ProviderRow.__table__)))
_ALL_KV = Prepared(select(cast(Table, KeyValue.__table__)))


class ConflictError(ValueError):
    """A save that clashes with existing data (e.g. a duplicate name); nothing was written."""


class Store(StepTransactions, ActivityQueries, ConnectedAppStore, PhoneStore):
    def __init__(
        self, url: str | None = None, *, secrets: SecretStore | None = None,
        throwaway: bool = False,
    ) -> None:
        self.url = resolve_url(url)
        self.workspace = Workspace(self.url)  # what to print: the password never shows
        self.engine: Engine = open_engine(self.url)
        path = sqlite_path(self.url)
        sidecar = path.parent if path else Path(platformdirs.user_data_dir("otp-bench"))
        if secrets is not None or throwaway:
            self.secrets: SecretStore = secrets or MemorySecretStore()
            self.workspace_id = identity.ensure(self.engine).id
        else:  # the workspace's own encrypted secrets, unlocked by this machine's key
            ws_secrets = open_secrets(self.engine, self.workspace, sidecar)
            self.secrets = ws_secrets
            self.workspace_id = ws_secrets.workspace_id
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # a step reads, then decides, then writes: on SQLite it takes the write lock up front
        # (BEGIN IMMEDIATE), so another process can't decide on the same snapshot meanwhile
        self._step_engine = locks.immediate(self.engine)
        self._write = threading.RLock()  # held for a whole step: one writer per process
        self._conn: Connection | None = None  # the steps' connection, kept open (see _step_conn)
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._checkpoints = checkpoint.of(self.engine)  # SQLite files: counts our raw commits
        if self._checkpoints is not None:  # its catch-up copy holds off this process's steps
            self._checkpoints.hold = self.settled
        self._active: tuple[int, Tx] | None = None  # the open step: (thread, its transaction)
        self._data_version: int | None = None  # SQLite: the step connection's last look
        # SQLite: this process's own recent flows, codes and history, exact while no other
        # connection commits (dropped in steps._data_moved when one did; see store.recent)
        self.recent = RecentRows()
        self._known_inbox = {}  # SQLite: phones as last read (store.phones)
        self._inbox_version = None
        # called with what another process changed, right after the cache applied it (under the
        # write lock, inside the step that noticed): the engine moves its clock and publishes
        self.on_caught_up: Callable[[ChangeSet], None] | None = None
        self._sealer = Sealer(self.secrets)
        self.commit_listeners: list[Callable[[Tx], None]] = []  # the engine publishes here
        self._notify = self.engine.dialect.name == "postgresql"
        self._secret_names: dict[str, list[str]] = {}
        self._load_cache()

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def secrets_locked(self) -> str | None:
        """Why the workspace's secrets can't be read here, and what to do; None when they can."""
        return getattr(self.secrets, "locked", None)

    def credentials_problem(self, provider: ProviderConfig) -> str | None:
        """Why ``provider`` has no credentials here (a locked workspace), or None."""
        if self.secrets_locked and provider.credentials == {} and self._secret_names.get(
            provider.id
        ):
            return self.secrets_locked
        return None

    def workspace_secret(self, name: str) -> bytes | None:
        """A binary secret kept in the workspace (encrypted), e.g. a token-signing key."""
        getter = getattr(self.secrets, "get_bytes", None)
        if getter is not None:
            return cast(bytes | None, getter(name))
        text = self.secrets.get(name)
        return bytes.fromhex(text) if text is not None else None

    def workspace_secret_setdefault(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The stored binary secret, or ``make()`` stored first (one wins across processes).

        Raises ``SecretsLocked`` when this machine has no key for the workspace.
        """
        setdefault = getattr(self.secrets, "setdefault_bytes", None)
        if setdefault is not None:
            return cast(bytes, setdefault(name, make))
        found = self.workspace_secret(name)
        if found is None:
            found = make()
            self.secrets.set(name, found.hex())
        return found

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()  # before the lock: its catch-up copy may be waiting for it
            # the checkpointer is kept per SQLAlchemy engine (weakly), and ``hold`` is this
            # store's method: left set, the store and its engine would outlive it forever
            self._checkpoints.hold = None
        with self._write:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s:
            yield s

    # -- cache ----------------------------------------------------------------------------------

    def _load_cache(self) -> None:
        with self.engine.begin() as conn:
            sql = Sql(conn, pipeline=False)
            last, site_rows, member_rows, user_rows, provider_rows, kv_rows = sql.batch([
                (_LAST_CHANGE, {}), (_ALL_SITES, {}), (_ALL_MEMBERS, {}), (_ALL_USERS, {}),
                (_ALL_PROVIDERS, {}), (_ALL_KV, {}),
            ])
        self._last_change = int(last[0][0] or 0)
        members: dict[str, set[SiteId]] = {}
        for m in member_rows:
            members.setdefault(m.user_id, set()).add(SiteId(m.site_id))
        # Core rows carry the ORM rows' attribute names (reload.py converts them the same way)
        sites = [cv.site_from(cast(Any, r)) for r in site_rows]
        users = [cv.user_from(cast(Any, r), frozenset(members.get(r.id, ()))) for r in user_rows]
        providers = [cv.provider_from(cast(Any, r), self._credentials(cast(Any, r)))
                     for r in provider_rows]
        self._sites: dict[SiteId, Site] = {x.id: x for x in sites}
        self._users: dict[UserId, User] = {x.id: x for x in users}
        self._usernames = {x.username.lower(): x.id for x in users}  # usernames ignore case
        self._providers: dict[ProviderId, ProviderConfig] = {x.id: x for x in providers}
        self._apply_kv({r.key: r.value for r in kv_rows})

    def _apply_kv(self, kv: Mapping[str, Any]) -> None:
        self._settings = _settings_from(kv.get("settings"))
        self._clock_offset = float(kv.get("clock", {}).get("offset", 0.0))

    def _credentials(self, row: ProviderRow) -> dict[str, str]:
        out = {}
        names = list(row.secret_keys.get("keys", []))
        self._secret_names[row.id] = names
        for key in names:
            value = self.secrets.get(f"provider:{row.id}:{key}")
            if value is not None:
                out[key] = value
        return out

    def _set_kv(self, s: Session, key: str, value: dict[str, Any]) -> None:
        row = s.get(KeyValue, key)
        if row is None:
            s.add(KeyValue(key=key, value=value))
        else:
            row.value = value

    # -- settings and clock --------------------------------------------------------------------

    def settings(self) -> Settings:
        self._fresh()
        return self._settings

    def save_settings(self, settings: Settings, tx: Tx | None = None) -> None:
        with self._tx(tx) as t:
            self._set_kv(t.session, "settings", _settings_dict(settings))
            t.changed(Change(What.SETTINGS, Action.SAVED, "org", "org"))
            t.after_commit.append(lambda: setattr(self, "_settings", settings))

    def clock_offset(self) -> float:
        self._fresh()
        return self._clock_offset

    def save_clock_offset(self, seconds: float, tx: Tx | None = None) -> None:
        with self._tx(tx) as t:
            self._set_kv(t.session, "clock", {"offset": seconds})
            t.changed(Change(What.CLOCK, Action.SAVED, "clock", f"{seconds:g}"))
            t.after_commit.append(lambda: setattr(self, "_clock_offset", seconds))

    # -- sites ---------------------------------------------------------------------------------

    def sites(self) -> list[Site]:
        self._fresh()
        return sorted(self._sites.values(), key=lambda s: s.name.lower())

    def site_by_id(self, site_id: str) -> Site | None:
        self._fresh()
        return self._sites.get(SiteId(site_id))

    def site_by_name(self, name: str) -> Site | None:
        self._fresh()
        return next((s for s in self._sites.values() if s.name == name), None)

    def save_site(self, site: Site, tx: Tx | None = None) -> Site:
        with self._guard("site", site.name), self._tx(tx) as t:
            row = t.session.get(SiteRow, site.id)
            if row is None:
                t.session.add(SiteRow(id=site.id, **cv.site_fields(site)))
            else:
                for k, v in cv.site_fields(site).items():
                    setattr(row, k, v)
            t.session.flush()  # a duplicate name fails here, inside the guard
            t.changed(Change(What.SITE, Action.SAVED, site.id, site.name))
            t.after_commit.append(lambda: self._sites.__setitem__(site.id, site))
        return site

    def delete_site(self, site_id: SiteId, tx: Tx | None = None) -> None:
        old = self._sites.get(site_id)
        with self._tx(tx) as t:
            t.session.execute(delete(MembershipRow).where(MembershipRow.site_id == site_id))
            t.session.execute(delete(SiteRow).where(SiteRow.id == site_id))
            t.changed(Change(What.SITE, Action.DELETED, site_id, old.name if old else site_id))
            t.after_commit.append(lambda: self._forget_site(site_id))

    def _forget_site(self, site_id: SiteId) -> None:
        self._sites.pop(site_id, None)
        for u in list(self._users.values()):
            if site_id in u.sites:
                self._cache_user(replace(u, sites=u.sites - {site_id}))

    # -- users ---------------------------------------------------------------------------------

    def users(self) -> list[User]:
        self._fresh()
        return sorted(self._users.values(), key=lambda u: u.username.lower())

    def user_by_id(self, user_id: str) -> User | None:
        self._fresh()
        return self._users.get(UserId(user_id))

    def user_by_username(self, username: str) -> User | None:
        self._fresh()
        found = self._usernames.get(username.lower())
        return self._users.get(found) if found is not None else None

    def save_user(self, user: User, tx: Tx | None = None) -> User:
        with self._guard("user", user.username), self._tx(tx) as t:
            self._write_user(t.session, user)
            t.changed(Change(What.USER, Action.SAVED, user.id, user.username))
            t.after_commit.append(lambda: self._cache_user(user))
        return user

    def _write_user(self, s: Session, user: User) -> None:
        row = s.get(UserRow, user.id)
        if row is None:
            s.add(UserRow(id=user.id, **cv.user_fields(user)))
            s.flush()
        else:
            for k, v in cv.user_fields(user).items():
                setattr(row, k, v)
        s.execute(delete(MembershipRow).where(MembershipRow.user_id == user.id))
        for site_id in sorted(user.sites):
            s.add(MembershipRow(user_id=user.id, site_id=site_id))
        s.flush()  # a duplicate username fails here, inside the caller's guard

    def set_flags(self, tx: Tx, user: User, flags: Flags) -> User:
        """``user`` (read with ``tx.verify_reads``) with ``flags``, written in ``tx`` (the cache
        changes only once ``tx`` commits)."""
        tx.sql.execute(
            _SET_FLAGS,
            {"_id": user.id, "user_verified": flags.user_verified,
             "admin_verified": flags.admin_verified},
        )
        user = replace(user, flags=flags)
        tx.changed(Change(What.USER, Action.SAVED, user.id, user.username))
        tx.after_commit.append(lambda: self._cache_user(user))
        return user

    def delete_user(self, user_id: UserId, tx: Tx | None = None) -> None:
        old = self._users.get(user_id)
        with self._tx(tx) as t:
            t.session.execute(delete(MembershipRow).where(MembershipRow.user_id == user_id))
            t.session.execute(delete(UserRow).where(UserRow.id == user_id))
            t.changed(Change(What.USER, Action.DELETED, user_id, old.username if old else user_id))
            t.after_commit.append(lambda: self._forget_user(user_id))

    def _forget_user(self, user_id: UserId) -> None:
        old = self._users.pop(user_id, None)
        if old is not None:
            self._usernames.pop(old.username.lower(), None)

    def _cache_user(self, user: User) -> None:
        old = self._users.get(user.id)
        if old is not None:
            self._usernames.pop(old.username.lower(), None)
        self._users[user.id] = user
        self._usernames[user.username.lower()] = user.id

    # -- providers -----------------------------------------------------------------------------

    def providers(self) -> list[ProviderConfig]:
        self._fresh()
        return sorted(self._providers.values(), key=lambda p: p.name.lower())

    def provider_by_name(self, name: str) -> ProviderConfig | None:
        self._fresh()
        return next((p for p in self._providers.values() if p.name == name), None)

    def provider_by_id(self, provider_id: str) -> ProviderConfig | None:
        self._fresh()
        return self._providers.get(ProviderId(provider_id))

    def save_provider(self, provider: ProviderConfig, tx: Tx | None = None) -> ProviderConfig:
        if provider.credentials and self.secrets_locked:
            raise SecretsLocked(self.secrets_locked)  # before anything is written
        old = self._providers.get(provider.id)
        with self._guard("provider", provider.name), self._tx(tx) as t:
            row = t.session.get(ProviderRow, provider.id)
            if row is None:
                t.session.add(ProviderRow(id=provider.id, **cv.provider_fields(provider)))
            else:
                for k, v in cv.provider_fields(provider).items():
                    setattr(row, k, v)
            t.session.flush()  # a duplicate name fails here, inside the guard
            t.changed(Change(What.PROVIDER, Action.SAVED, provider.id, provider.name))
            # secrets live outside the database: written once the row is committed
            t.after_commit.append(lambda: self._saved_provider(provider, old))
        return provider

    def _saved_provider(self, provider: ProviderConfig, old: ProviderConfig | None) -> None:
        for key, value in provider.credentials.items():
            self.secrets.set(f"provider:{provider.id}:{key}", value)
        for key in set(old.credentials if old else ()) - set(provider.credentials):
            self.secrets.delete(f"provider:{provider.id}:{key}")
        self._providers[provider.id] = provider

    def delete_provider(self, provider_id: ProviderId, tx: Tx | None = None) -> None:
        old = self._providers.get(provider_id)
        with self._tx(tx) as t:
            t.session.execute(delete(ProviderRow).where(ProviderRow.id == provider_id))
            t.changed(Change(What.PROVIDER, Action.DELETED, provider_id,
                             old.name if old else provider_id))
            t.after_commit.append(lambda: self._forget_provider(provider_id))

    def _forget_provider(self, provider_id: ProviderId) -> None:
        old = self._providers.pop(provider_id, None)
        for key in old.credentials if old else ():
            self.secrets.delete(f"provider:{provider_id}:{key}")

    @contextmanager
    def _guard(self, what: str, name: str) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise ConflictError(f"a {what} named {name!r} already exists") from None


def _settings_dict(s: Settings) -> dict[str, Any]:
    d = asdict(s)
    return d


def _settings_from(d: dict[str, Any] | None) -> Settings:
    if not d:
        return Settings()
    d = dict(d)
    d["otp"] = OtpPolicy(**d.get("otp", {}))
    known = set(Settings.__dataclass_fields__)
    return Settings(**{k: v for k, v in d.items() if k in known})
