"""What the app reads from the core, as typed engine methods returning domain records.

``WorkspaceQueries`` is mixed into ``Engine``: the GUI (and anything else above the engine) asks
these methods for the workspace's sites, users and providers, pages of the event log, a flow's
chain, a user's history, the phones' inboxes, the workspace's identity and secrets status, and
the team-key hand-over, and never holds the store itself. Everything here returns frozen domain
records (never ORM rows). The workspace lists come from the store's in-process cache (no I/O);
the activity reads (events, callouts, history, inbox) touch the database, so callers run them on
a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.events import EventRecord
from otp_bench.domain.model import HistoryEntry, InboxMessage, ProviderConfig, Site, User
from otp_bench.domain.workspace import Workspace

if TYPE_CHECKING:
    from otp_bench.delivery.base import DeliveryHandler, Inbox
    from otp_bench.engine.clock import BenchClock
    from otp_bench.engine.engine import Engine
    from otp_bench.store.store import Store

Progress = Callable[[str], None]


class WorkspaceQueries:
    store: Store

    if TYPE_CHECKING:
        def handler_for(self, site: Site) -> DeliveryHandler: ...

    # -- the workspace's records (the store's cache: no I/O) -----------------------------------

    def sites(self) -> list[Site]:
        return self.store.sites()

    def users(self) -> list[User]:
        return self.store.users()

    def providers(self) -> list[ProviderConfig]:
        return self.store.providers()

    def site_named(self, name: str) -> Site | None:
        """The site called ``name``, or None (``find_site`` raises instead)."""
        return self.store.site_by_name(name)

    def user_named(self, username: str) -> User | None:
        """The user with ``username``, or None (``find_user`` raises instead)."""
        return self.store.user_by_username(username)

    def provider_named(self, name: str) -> ProviderConfig | None:
        """The provider called ``name``, or None (``find_provider`` raises instead)."""
        return self.store.provider_by_name(name)

    # -- activity (reads the database: call it from a worker) ----------------------------------

    def event_page(
        self, *, before_id: int | None = None, limit: int = 500,
    ) -> list[EventRecord]:
        """The ``limit`` newest stored events older than ``before_id`` (all when None), newest
        first: the log's first screen, then each "older rows" page."""
        return self.store.events(before_id=before_id, limit=limit, newest_first=True)

    def event(self, event_id: int) -> EventRecord | None:
        """One stored event by its id."""
        found = self.store.events(after_id=event_id - 1, limit=1)
        return found[0] if found and found[0].id == event_id else None

    def flow_chain(
        self, flow_id: str, *, reveal: bool = False,
    ) -> tuple[list[EventRecord], list[CalloutRecord]]:
        """A flow's events and callouts in order; ``reveal`` unseals the raw exchanges."""
        return (self.store.events(flow_id=flow_id),
                self.store.callouts(flow_id=flow_id, reveal=reveal))

    def history(self, user_id: str, *, limit: int = 200) -> list[HistoryEntry]:
        """A user's identity verification history, oldest first (the newest ``limit``)."""
        return self.store.history(user_id, limit=limit)

    def inbox(self, number: str | None = None, *, limit: int = 500) -> list[InboxMessage]:
        """Messages delivered to ``number`` (every phone when None), oldest first."""
        return self.store.inbox(number, limit=limit)

    def inbox_numbers(self) -> list[str]:
        """The phone numbers that have received a message."""
        return self.store.inbox_numbers()

    def newest_code(self, number: str) -> str | None:
        """The code in the newest message to ``number`` that carries one."""
        return next((m.otp for m in reversed(self.store.inbox(number)) if m.otp), None)

    def phone_inbox(self) -> Inbox:
        """Where a provider started next to the engine (the loopback mock) delivers messages;
        each batch it writes is published to this engine's subscribers (``local_inbox``)."""
        from otp_bench.engine.local_inbox import PublishedInbox

        return PublishedInbox(self.store, self._as_engine().catch_up)

    # -- handlers ------------------------------------------------------------------------------

    def warm_handlers(self) -> int:
        """Build every site's handler once, so the first flow doesn't pay for it; how many.

        The first build imports the HTTP stack and compiles templates: C calls that hold the GIL
        for tens of milliseconds, which the app runs on a worker right after the workspace opens
        rather than in the operator's first flow. A broken or locked provider is reported by the
        flow that uses it, not here.
        """
        built = 0
        for site in self.store.sites():
            if site.provider_id:
                try:
                    self.handler_for(site)
                except Exception:  # said by the flow that uses it
                    continue
                built += 1
        return built

    # -- the workspace itself ------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """Where the workspace lives; prints without its password."""
        return self.store.workspace

    @property
    def workspace_path(self) -> Path | None:
        """The SQLite file (None for a server database)."""
        return self.store.path

    @property
    def workspace_id(self) -> str:
        return self.store.workspace_id

    @property
    def secrets_locked(self) -> str | None:
        """Why this machine can't read the workspace's secrets, and what to do; None if it can."""
        return self.store.secrets_locked

    def export_key(self, path: Path) -> str:
        """Write the workspace key to ``path`` (owner-only); a sentence saying what was done."""
        from otp_bench.engine.team import export_key

        return export_key(self._as_engine(), path)

    def import_key(self, path: Path) -> str:
        """File the key in ``path`` for this workspace (reopen it to unlock); what was done."""
        from otp_bench.engine.team import import_key

        return import_key(self._as_engine(), path)

    def _as_engine(self) -> Engine:
        from otp_bench.engine.engine import Engine

        assert isinstance(self, Engine)
        return self


def key_store_notice() -> str | None:
    """The keyring-fallback announcement (workspace keys kept in files), if this process made
    it: the app shows it as the CLI does on stderr."""
    from otp_bench.store.keystore import fallback_notice

    return fallback_notice()


def open_workspace(
    url: str | None, *, throwaway: bool = False, clock: BenchClock | None = None,
    progress: Progress | None = None,
) -> Engine:
    """Open (or create) the workspace at ``url``; ``progress`` hears about a wait for a locked
    workspace (bounded) while this open lasts, so the app can say it where the user looks; the
    process's own hook (stderr) is back afterwards. Blocking: use a worker."""
    from otp_bench.engine.engine import Engine
    from otp_bench.store import preflight

    if progress is None:
        return Engine.open(url, throwaway=throwaway, clock=clock)
    previous, preflight.progress_hook = preflight.progress_hook, progress
    try:
        return Engine.open(url, throwaway=throwaway, clock=clock)
    finally:
        preflight.progress_hook = previous
