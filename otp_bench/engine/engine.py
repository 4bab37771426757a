"""The engine facade: one workspace, its clock, its handlers, its flows and its event bus.

Every method may be called from any thread; the GUI calls them from workers, never its own thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from otp_bench.delivery.base import DEFAULT_PROVIDER_NAME, DeliveryHandler, DeliveryReport
from otp_bench.delivery.default_provider import SalesforceDefaultProvider
from otp_bench.delivery.registry import build_handler
from otp_bench.domain.changes import ChangeSet, What
from otp_bench.domain.errors import InvalidArgument, NotFound, WrongState
from otp_bench.domain.events import ClockAdvanced, Event, EventRecord, StoredRecords
from otp_bench.domain.ids import FlowId, UserId
from otp_bench.domain.model import NewUser, ProviderConfig, Settings, Site, User
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.bus import EventBatch, EventBus
from otp_bench.engine.clock import BenchClock
from otp_bench.engine.connected_apps import ConnectedAppOps
from otp_bench.engine.flows import FlowRunner
from otp_bench.engine.follow import Follower
from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome
from otp_bench.engine.provider_tools import ProviderTools
from otp_bench.engine.queries import WorkspaceQueries
from otp_bench.engine.view_queries import ViewQueries
from otp_bench.engine.workspace import WorkspaceOps
from otp_bench.store.activity import Tx
from otp_bench.store.secret_store import SecretsLocked
from otp_bench.store.store import Store

__all__ = ["Engine", "InvalidArgument", "NotFound", "WrongState"]

# a use case by member or by value, looked up without enum's call machinery (~1 µs a flow)
_USE_CASES: dict[object, UseCase] = {**{m.value: m for m in UseCase}, **{m: m for m in UseCase}}


@dataclass(frozen=True)
class AuthGrant:
    """A headless authorization code waiting for its token exchange."""

    flow_id: FlowId
    user_id: UserId


class Engine(WorkspaceOps, ConnectedAppOps, WorkspaceQueries, ProviderTools, ViewQueries):
    def __init__(
        self, store: Store, clock: BenchClock | None = None, *, transport: Any = None
    ) -> None:
        self.store = store
        self.clock = clock or BenchClock(store.clock_offset())
        self.store.now_hook = self.clock.now
        self.events = EventBus()
        self.transport = transport  # httpx transport for HTTP handlers (tests, in-process mock)
        self._flows = FlowRunner(self)
        self._default = SalesforceDefaultProvider(store)
        self._handlers: dict[str, tuple[ProviderConfig, DeliveryHandler]] = {}
        self._handlers_lock = threading.Lock()
        self._grants: dict[str, AuthGrant] = {}
        self.own_event_ids: deque[int] = deque(maxlen=8192)  # stored by this engine (Follower)
        self._follower: Follower | None = None
        store.commit_listeners.append(self._publish_commit)
        store.on_caught_up = self._caught_up

    @classmethod
    def open(cls, url: str | None = None, *, throwaway: bool = False, **kw: Any) -> Engine:
        return cls(Store(url, throwaway=throwaway), **kw)

    def follow(self) -> None:
        """Show what other processes do on this workspace, live (see ``engine.follow``)."""
        if self._follower is None:
            self._follower = Follower(self).start()

    def close(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        with self._handlers_lock:
            for _cfg, handler in self._handlers.values():
                close = getattr(handler, "close", None)
                if close:
                    close()
            self._handlers.clear()
        self.store.close()

    @property
    def settings(self) -> Settings:
        return self.store.settings()

    # -- lookups -------------------------------------------------------------------------------

    def find_site(self, ref: str) -> Site:
        site = self.store.site_by_id(ref) or self.store.site_by_name(ref)
        if site is None:
            raise NotFound(f"no site named {ref!r}")
        return site

    def find_user(self, ref: str) -> User:
        user = self.store.user_by_id(ref) or self.store.user_by_username(ref)
        if user is None:
            raise NotFound(f"no user {ref!r}")
        return user

    def handler_name(self, site: Site) -> str:
        return self.provider_name(site.provider_id) or DEFAULT_PROVIDER_NAME

    def handler_for(self, site: Site) -> DeliveryHandler:
        if site.provider_id is None:
            return self._default
        config = self.store.provider_by_id(site.provider_id)
        if config is None:
            raise NotFound(f"site {site.name} points at provider {site.provider_id!r}, "
                           "which doesn't exist")
        locked = self.store.credentials_problem(config)
        if locked:  # say why the credentials are missing, and what to do
            raise SecretsLocked(locked)
        with self._handlers_lock:
            cached = self._handlers.get(config.id)
            if cached is not None and cached[0] == config:
                return cached[1]
            if cached is not None:
                close = getattr(cached[1], "close", None)
                if close:
                    close()
            handler = build_handler(
                config, inbox=self.store, directory=self.store,
                timeout_seconds=self.settings.callout_timeout_seconds, transport=self.transport,
            )
            self._handlers[config.id] = (config, handler)
            return handler

    # -- flows ---------------------------------------------------------------------------------

    def start(
        self, use_case: UseCase | str, site: str, user: str | None = None, *,
        new_user: NewUser | None = None, mobile: str | None = None,
    ) -> InitOutcome:
        """Init a flow: checks scope and flags, issues the OTP and calls the handler."""
        found = _USE_CASES.get(use_case) if isinstance(use_case, str) else None
        return self._flows.start(found or UseCase(use_case), site, user, new_user, mobile)

    def resend(self, flow_id: str) -> InitOutcome:
        return self._flows.resend(flow_id)

    def verify(self, flow_id: str, code: str) -> VerifyOutcome:
        return self._flows.verify(flow_id, code)

    def verify_identifier(self, identifier: str, code: str) -> VerifyOutcome:
        return self._flows.verify_identifier(identifier, code)

    def send_test(self, config: ProviderConfig, phone: str) -> DeliveryReport:
        """One real call of ``config``'s handler (saved or not) to ``phone``, with a fresh code
        and the workspace's default text and timeout. Blocking: call it off the GUI thread."""
        from otp_bench.delivery.sendtest import send_test

        settings = self.settings
        return send_test(config, phone, default_text=settings.default_text, inbox=self.store,
                         directory=self.store, timeout_seconds=settings.callout_timeout_seconds,
                         transport=self.transport)

    def remember_auth_code(self, code: str, flow_id: str, user_id: str) -> None:
        self._grants[code] = AuthGrant(FlowId(flow_id), UserId(user_id))

    def redeem_auth_code(self, code: str) -> AuthGrant | None:
        """Single use: a code returned by authorize is exchanged once for a token."""
        return self._grants.pop(code, None)

    # -- clock ---------------------------------------------------------------------------------

    def advance_clock(self, seconds: float) -> None:
        offset = self.clock.advance(seconds)
        ev = ClockAdvanced(at=self.clock.now(), step="clock", seconds=seconds)
        with self.store.transaction() as tx:
            self.store.save_clock_offset(offset, tx)
            self.publish_after(tx, [ev])

    # -- events and the change feed ------------------------------------------------------------

    def publish_after(self, tx: Tx, events: Sequence[Event]) -> None:
        """Store ``events`` in ``tx``; they are published with its changes once it commits."""
        if not events:
            return
        rows = [ev.row() for ev in events]
        tx.events.extend(events)

        def stored(ids: list[int]) -> None:
            # known when the step's statements are answered (PostgreSQL: with its COMMIT), before
            # the step returns: the Follower waits for this process's steps before it tells
            # another process's events from ours
            self.own_event_ids.extend(ids)
            tx.stored_rows.extend(rows)
            tx.stored_ids.extend(ids)

        tx.add_events(rows).then(stored)

    def _publish_commit(self, tx: Tx) -> None:
        """One batch per committed transaction: its events and its change-feed rows."""
        self.events.publish(
            EventBatch(tuple(tx.events), StoredRecords(tx.stored_rows, tx.stored_ids),
                       ChangeSet.of(tx.changes))
        )

    def catch_up(self, records: Sequence[EventRecord] = ()) -> ChangeSet:
        """Apply changes other processes committed (re-reading what they name) and publish
        them like our own, then ``records`` (their flow events, from the ``Follower``). Every
        flow step also catches up itself, inside its transaction (``Store.transaction``)."""
        changes = self.store.catch_up()
        if records:
            self.events.publish(EventBatch((), tuple(records), ChangeSet()))
        return changes

    def _caught_up(self, changes: ChangeSet) -> None:
        """The store applied another process's ``changes`` (under its write lock, possibly
        inside a step about to decide): move the clock first, then tell the views."""
        if changes.touches(What.CLOCK):
            self.clock.set_offset(self.store.clock_offset())
        self.events.publish(EventBatch((), (), changes))
