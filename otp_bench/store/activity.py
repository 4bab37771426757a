"""What one engine step writes (challenges, flows, history, events, callouts) in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.orm import Session

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.changes import Change
from otp_bench.domain.events import EventRecord
from otp_bench.domain.ids import SiteId
from otp_bench.domain.model import User
from otp_bench.store import convert as cv
from otp_bench.store import locks
from otp_bench.store.orm import (
    CalloutRow,
    ChallengeRow,
    ChangeRow,
    EventRow,
    FlowRow,
    HistoryRow,
    MembershipRow,
    UserRow,
)

if TYPE_CHECKING:
    from otp_bench.store.store import Store

# Statements built once, executed with parameters: an engine step writes a handful of rows, and
# building ORM ``insert().values(...)`` per row cost more than the SQL itself (bench/bench_engine).
_CH = cast(Table, ChallengeRow.__table__)
_FLOW = cast(Table, FlowRow.__table__)
_EV = cast(Table, EventRow.__table__)
_CALLOUTS = cast(Table, CalloutRow.__table__)
_INSERT_CHALLENGE = _CH.insert()
_SELECT_CHALLENGE = select(_CH).where(_CH.c.identifier == bindparam("_id"))
_COUNT_ISSUED = select(func.count()).where(
    _CH.c.subject == bindparam("_subject"), _CH.c.issued_at > bindparam("_since")
)
_COUNT_FAILURE = (
    _CH.update()
    .where(_CH.c.identifier == bindparam("_id"))
    .values(failed_attempts=_CH.c.failed_attempts + 1)
    .returning(_CH.c.failed_attempts)
)
_CONSUME = (
    _CH.update()
    .where(
        _CH.c.identifier == bindparam("_id"),
        _CH.c.consumed_at.is_(None),
        _CH.c.invalidated.is_(None),
    )
    .values(consumed_at=bindparam("_at"))
)
_INVALIDATE = (
    _CH.update()
    .where(_CH.c.identifier == bindparam("_id"), _CH.c.invalidated.is_(None))
    .values(invalidated=bindparam("_reason"))
)
_INSERT_FLOW = _FLOW.insert()
_UPDATE_FLOW = _FLOW.update().where(_FLOW.c.id == bindparam("_flow_id"))
_SELECT_FLOW = select(_FLOW).where(_FLOW.c.id == bindparam("_flow_id"))
_HISTORY = cast(Table, HistoryRow.__table__)
_INSERT_HISTORY = _HISTORY.insert()
# ids in parameter order on every backend (SQLite runs it row by row inside one call)
_INSERT_EVENTS = _EV.insert().returning(_EV.c.id, sort_by_parameter_order=True)
_INSERT_CALLOUT = _CALLOUTS.insert().returning(_CALLOUTS.c.id)
_USERS = cast(Table, UserRow.__table__)
_MEMBERS = cast(Table, MembershipRow.__table__)
_LOCK_USER = select(_USERS).where(_USERS.c.id == bindparam("_id")).with_for_update()
_USER_SITES = select(_MEMBERS.c.site_id).where(_MEMBERS.c.user_id == bindparam("_id"))
_CHANGES = cast(Table, ChangeRow.__table__)
_INSERT_CHANGE = _CHANGES.insert().returning(_CHANGES.c.id)


@dataclass(frozen=True)
class Challenge:
    identifier: str
    flow_id: str
    subject: str
    salt: bytes
    code_hash: bytes
    issued_at: datetime
    expires_at: datetime
    failed_attempts: int
    consumed_at: datetime | None
    invalidated: str | None


@dataclass(frozen=True)
class FlowRecord:
    id: str
    use_case: str
    site_id: str
    user_id: str | None
    username: str
    state: str
    handler: str
    identifier: str | None
    init: str
    delivery: str | None
    verify: str | None
    started_at: datetime
    pending_user: dict[str, Any] | None
    mobile: str | None


class Tx:
    """A unit of work handed to the engine by ``Store.transaction()``.

    The hot path (every flow step) runs prebuilt Core statements on ``conn``, a plain connection:
    an ORM session's unit of work costs more per step than the SQL. Workspace edits, which are
    rare and use the ORM, get ``session``: made on first use, on a savepoint of the same
    transaction, flushed by ``Store.transaction()`` before the commit.
    """

    def __init__(self, conn: Connection, store: Store) -> None:
        self.conn = conn
        self._session: Session | None = None
        self.store = store
        self.after_commit: list[Callable[[], None]] = []
        self.changes: list[Change] = []  # the change-feed rows written, with their seq
        self.events: list[Any] = []  # what the engine asked to publish after the commit
        self.records: list[EventRecord] = []  # those events as stored, with ids

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.conn, join_transaction_mode="create_savepoint",
                                    expire_on_commit=False, autoflush=True)
        return self._session

    def finish(self) -> None:
        """Flush and release the ORM session, if one was used (before the commit)."""
        if self._session is not None:
            self._session.commit()  # releases its savepoint; the connection commits later
            self._session.close()
            self._session = None

    @property
    def published(self) -> bool:
        return bool(self.events)

    def changed(self, change: Change) -> Change:
        """Write ``change`` to the feed in this transaction; answers it with its position."""
        at = change.at or self.store.now()
        seq = int(self.conn.execute(_INSERT_CHANGE, {
            "at": at, "what": change.what.value, "action": change.action.value,
            "entity_id": change.entity_id, "name": change.name[:200],
        }).scalar_one())
        stored = Change(change.what, change.action, change.entity_id, change.name, seq, at)
        self.changes.append(stored)
        self.after_commit.append(lambda: self.store._seen(seq))
        return stored

    # challenges
    def add_challenge(self, c: Challenge) -> None:
        self.conn.execute(
            _INSERT_CHALLENGE,
            {
                "identifier": c.identifier, "flow_id": c.flow_id, "subject": c.subject,
                "salt": c.salt, "code_hash": c.code_hash, "issued_at": c.issued_at,
                "expires_at": c.expires_at, "failed_attempts": c.failed_attempts,
                "consumed_at": None, "invalidated": None,
            },
        )

    def challenge(self, identifier: str) -> Challenge | None:
        row = self.conn.execute(_SELECT_CHALLENGE, {"_id": identifier}).first()
        if row is None:
            return None
        return Challenge(
            row.identifier, row.flow_id, row.subject, row.salt, row.code_hash,
            cv.utc(row.issued_at), cv.utc(row.expires_at), row.failed_attempts,
            cv.utc(row.consumed_at) if row.consumed_at else None, row.invalidated,
        )

    def codes_issued_since(self, subject: str, since: datetime) -> int:
        """Codes issued to ``subject`` since ``since``; the subject stays locked until commit,
        so two processes can't both see room for one more code (the hourly limit holds)."""
        locks.lock_subject(self.conn, subject)
        found = self.conn.scalar(_COUNT_ISSUED, {"_subject": subject, "_since": since})
        return int(found or 0)

    def lock_user(self, user_id: str) -> User | None:
        """The user as committed now (None when deleted), its row locked until this step
        commits: a decision on flags never uses another process's stale copy, and a flag
        update never overwrites one made meanwhile (SQLite: the step holds BEGIN IMMEDIATE)."""
        row = self.conn.execute(_LOCK_USER, {"_id": user_id}).first()
        if row is None:
            return None
        sites = self.conn.scalars(_USER_SITES, {"_id": user_id})
        return cv.user_from(cast(Any, row), frozenset(SiteId(s) for s in sites))

    def count_failure(self, identifier: str) -> int:
        """Count one wrong code; answer the failures so far (one UPDATE … RETURNING)."""
        return int(self.conn.scalar(_COUNT_FAILURE, {"_id": identifier}) or 0)

    def consume(self, identifier: str, at: datetime) -> bool:
        """Mark the code used; False when another verify got there first (single use)."""
        res = self.conn.execute(_CONSUME, {"_id": identifier, "_at": at})
        return int(res.rowcount) == 1  # type: ignore[attr-defined]

    def invalidate(self, identifier: str, reason: str) -> None:
        self.conn.execute(_INVALIDATE, {"_id": identifier, "_reason": reason})

    # flows
    def add_flow(self, f: FlowRecord) -> None:
        self.conn.execute(_INSERT_FLOW, dict(f.__dict__))

    def update_flow(self, flow_id: str, **values: Any) -> None:
        self.conn.execute(_UPDATE_FLOW, {"_flow_id": flow_id, **values})

    def flow(self, flow_id: str) -> FlowRecord | None:
        row = self.conn.execute(_SELECT_FLOW, {"_flow_id": flow_id}).first()
        if row is None:
            return None
        data = dict(row._mapping)
        data["started_at"] = cv.utc(data["started_at"])
        return FlowRecord(**data)

    # history, events, callouts
    def account_history(self, user_id: str, limit: int) -> list[tuple[datetime, str]]:
        """The user's latest ``limit`` verification-history (time, status) rows, oldest first."""
        rows = self.conn.execute(
            select(_HISTORY.c.at, _HISTORY.c.status).where(_HISTORY.c.user_id == user_id)
            .order_by(_HISTORY.c.id.desc()).limit(limit)).all()
        return [(cv.utc(at), status) for at, status in reversed(rows)]

    def add_history(
        self, *, at: datetime, user_id: str | None, username: str, site_id: str,
        use_case: str, status: str, identifier: str, method: str = "SMS",
    ) -> None:
        self.conn.execute(
            _INSERT_HISTORY,
            {
                "at": at, "user_id": user_id, "username": username, "site_id": site_id,
                "use_case": use_case, "method": method, "status": status,
                "identifier": identifier,
            },
        )

    def add_events(self, records: Sequence[EventRecord]) -> list[int]:
        if not records:
            return []
        params = [cv.event_values(rec) for rec in records]
        return list(self.conn.scalars(_INSERT_EVENTS, params))

    def add_callout(self, c: CalloutRecord) -> int:
        values = cv.callout_values(c)
        if c.raw is not None:
            values["sealed_raw"] = self.store.seal_json(cv.raw_dict(c.raw))
        values.setdefault("sealed_raw", None)
        return int(self.conn.execute(_INSERT_CALLOUT, values).scalar_one())
