"""Applying another process's changes to the store's cache: re-read only the records named.

The change feed says what changed (site, user, provider, settings, clock, with ids); each named
record is read again on the connection of the step that noticed (so, inside a step, from the
same snapshot it decides on) and replaces or drops its cached copy. Inbox and connected-app
changes need nothing here: those aren't cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, select

from otp_bench.domain.changes import ChangeSet, What
from otp_bench.domain.ids import ProviderId, SiteId, UserId
from otp_bench.store import convert as cv
from otp_bench.store.orm import KeyValue, MembershipRow, ProviderRow, SiteRow, UserRow

if TYPE_CHECKING:
    from otp_bench.store.store import Store

_SITES = cast(Table, SiteRow.__table__)
_USERS = cast(Table, UserRow.__table__)
_MEMBERS = cast(Table, MembershipRow.__table__)
_PROVIDERS = cast(Table, ProviderRow.__table__)
_KV = cast(Table, KeyValue.__table__)


def apply(store: Store, conn: Connection, changes: ChangeSet) -> None:
    """Bring ``store``'s cache up to date with ``changes`` (committed elsewhere)."""
    for site_id in changes.ids(What.SITE):
        _site(store, conn, SiteId(site_id))
    for user_id in changes.ids(What.USER):
        _user(store, conn, UserId(user_id))
    for provider_id in changes.ids(What.PROVIDER):
        _provider(store, conn, ProviderId(provider_id))
    if changes.touches(What.SETTINGS, What.CLOCK):
        kv = {r.key: r.value for r in conn.execute(select(_KV.c.key, _KV.c.value))}
        store._apply_kv(kv)


def _site(store: Store, conn: Connection, site_id: SiteId) -> None:
    row = conn.execute(select(_SITES).where(_SITES.c.id == site_id)).first()
    if row is None:
        store._forget_site(site_id)
    else:
        store._sites[site_id] = cv.site_from(cast(Any, row))


def _user(store: Store, conn: Connection, user_id: UserId) -> None:
    row = conn.execute(select(_USERS).where(_USERS.c.id == user_id)).first()
    if row is None:
        store._forget_user(user_id)
        return
    sites = conn.scalars(select(_MEMBERS.c.site_id).where(_MEMBERS.c.user_id == user_id))
    store._cache_user(cv.user_from(cast(Any, row), frozenset(SiteId(s) for s in sites)))


def _provider(store: Store, conn: Connection, provider_id: ProviderId) -> None:
    row = conn.execute(select(_PROVIDERS).where(_PROVIDERS.c.id == provider_id)).first()
    if row is None:
        # the other process deleted its secrets; only our cached copy goes
        store._providers.pop(provider_id, None)
        store._secret_names.pop(provider_id, None)
    else:
        store._providers[provider_id] = cv.provider_from(
            cast(Any, row), store._credentials(cast(Any, row))
        )
