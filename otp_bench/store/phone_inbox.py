"""Opening a workspace for a process that only delivers to its phones (the mock provider).

``otp-bench mock-provider`` and its worker processes open the workspace only to put accepted
messages on its phones; they hold the result as ``mockprovider.workers.DeliveryInbox`` (the
``Inbox`` protocol, the batched ``deliver_many`` and ``close``), so the store's queries, caches
and workspace edits stay out of the mock (import-linter keeps ``otp_bench.store.store`` out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otp_bench.store.store import Store


def open_inbox(url: str | None) -> Store:
    """The workspace at ``url`` (None: the user's workspace), migrated and ready to deliver to;
    ``StoreError`` when it can't be opened."""
    from otp_bench.store.store import Store

    return Store(url)
