"""What a view asks after a change names a record: that one record, by id, or None once deleted.

The change feed (``domain.changes``) says *what* changed (kind, id, action); a view that refreshes
only that row reads the record's current state here. Answers come from the store's in-memory
cache, which the store updates before the change is published (and ``Engine.catch_up`` re-reads
for other processes' changes), so a view reacting to a change always sees the state it names.
No I/O: safe to call on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otp_bench.domain.changes import Change, What
from otp_bench.domain.model import ProviderConfig, Settings, Site, User

if TYPE_CHECKING:
    from otp_bench.store.store import Store

Record = Site | User | ProviderConfig | Settings


class ViewQueries:
    store: Store

    def site_by_id(self, site_id: str) -> Site | None:
        return self.store.site_by_id(site_id)

    def user_by_id(self, user_id: str) -> User | None:
        return self.store.user_by_id(user_id)

    def provider_by_id(self, provider_id: str) -> ProviderConfig | None:
        return self.store.provider_by_id(provider_id)

    def record_of(self, change: Change) -> Record | None:
        """The current state of the record ``change`` names (None: deleted, or not a record)."""
        if change.what is What.SITE:
            return self.site_by_id(change.entity_id)
        if change.what is What.USER:
            return self.user_by_id(change.entity_id)
        if change.what is What.PROVIDER:
            return self.provider_by_id(change.entity_id)
        if change.what is What.SETTINGS:
            return self.store.settings()
        return None
