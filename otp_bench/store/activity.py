"""What one engine step writes: challenges, flows, history, events, callouts — in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.events import EventRecord
from otp_bench.store import convert as cv
from otp_bench.store.orm import CalloutRow, ChallengeRow, EventRow, FlowRow, HistoryRow

if TYPE_CHECKING:
    from otp_bench.store.store import Store


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
    """A unit of work handed to the engine by ``Store.transaction()``."""

    def __init__(self, session: Session, store: Store) -> None:
        self.session = session
        self.store = store
        self.after_commit: list[Callable[[], None]] = []

    # challenges
    def add_challenge(self, c: Challenge) -> None:
        self.session.execute(
            insert(ChallengeRow).values(
                identifier=c.identifier, flow_id=c.flow_id, subject=c.subject, salt=c.salt,
                code_hash=c.code_hash, issued_at=c.issued_at, expires_at=c.expires_at,
                failed_attempts=c.failed_attempts, consumed_at=None, invalidated=None,
            )
        )

    def challenge(self, identifier: str) -> Challenge | None:
        row = self.session.get(ChallengeRow, identifier)
        if row is None:
            return None
        return Challenge(
            row.identifier, row.flow_id, row.subject, row.salt, row.code_hash,
            cv.utc(row.issued_at), cv.utc(row.expires_at), row.failed_attempts,
            cv.utc(row.consumed_at) if row.consumed_at else None, row.invalidated,
        )

    def codes_issued_since(self, subject: str, since: datetime) -> int:
        q = select(func.count()).where(
            ChallengeRow.subject == subject, ChallengeRow.issued_at > since
        )
        return int(self.session.scalar(q) or 0)

    def count_failure(self, identifier: str) -> int:
        self.session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.identifier == identifier)
            .values(failed_attempts=ChallengeRow.failed_attempts + 1)
        )
        return int(
            self.session.scalar(
                select(ChallengeRow.failed_attempts).where(ChallengeRow.identifier == identifier)
            )
            or 0
        )

    def consume(self, identifier: str, at: datetime) -> bool:
        """Mark the code used; False when another verify got there first (single use)."""
        res = self.session.execute(
            update(ChallengeRow)
            .where(
                ChallengeRow.identifier == identifier,
                ChallengeRow.consumed_at.is_(None),
                ChallengeRow.invalidated.is_(None),
            )
            .values(consumed_at=at)
        )
        return int(res.rowcount) == 1  # type: ignore[attr-defined]

    def invalidate(self, identifier: str, reason: str) -> None:
        self.session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.identifier == identifier, ChallengeRow.invalidated.is_(None))
            .values(invalidated=reason)
        )

    # flows
    def add_flow(self, f: FlowRecord) -> None:
        self.session.execute(insert(FlowRow).values(**f.__dict__))

    def update_flow(self, flow_id: str, **values: Any) -> None:
        self.session.execute(update(FlowRow).where(FlowRow.id == flow_id).values(**values))

    def flow(self, flow_id: str) -> FlowRecord | None:
        row = self.session.get(FlowRow, flow_id)
        if row is None:
            return None
        data = {c.key: getattr(row, c.key) for c in FlowRow.__table__.columns}
        data["started_at"] = cv.utc(data["started_at"])
        return FlowRecord(**data)

    # history, events, callouts
    def add_history(
        self, *, at: datetime, user_id: str | None, username: str, site_id: str,
        use_case: str, status: str, identifier: str, method: str = "SMS",
    ) -> None:
        self.session.execute(
            insert(HistoryRow).values(
                at=at, user_id=user_id, username=username, site_id=site_id, use_case=use_case,
                method=method, status=status, identifier=identifier,
            )
        )

    def add_events(self, records: Sequence[EventRecord]) -> list[int]:
        if not records:
            return []
        ids = []
        for rec in records:  # one statement each: RETURNING ids in order on every backend
            ids.append(
                self.session.execute(
                    insert(EventRow).values(**cv.event_values(rec)).returning(EventRow.id)
                ).scalar_one()
            )
        return ids

    def add_callout(self, c: CalloutRecord) -> int:
        values = cv.callout_values(c)
        if c.raw is not None:
            values["sealed_raw"] = self.store.seal_json(cv.raw_dict(c.raw))
        return int(
            self.session.execute(
                insert(CalloutRow).values(**values).returning(CalloutRow.id)
            ).scalar_one()
        )
