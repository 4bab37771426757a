"""Reading a workspace's activity: history, events, callouts and flows, as domain records.

Mixed into ``Store``; everything here only reads, so it never takes the write lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.events import EventRecord
from otp_bench.domain.model import HistoryEntry
from otp_bench.store import convert as cv
from otp_bench.store.orm import CalloutRow, EventRow, FlowRow, HistoryRow
from otp_bench.store.seal import Sealer


class ActivityQueries:
    _sealer: Sealer

    def session(self) -> AbstractContextManager[Session]:  # pragma: no cover - Store's
        raise NotImplementedError


    def history(self, user_id: str | None = None, limit: int = 1000) -> list[HistoryEntry]:
        q = select(HistoryRow).order_by(HistoryRow.id.desc()).limit(limit)
        if user_id is not None:
            q = q.where(HistoryRow.user_id == user_id)
        with self.session() as s:
            return [cv.history_from(r) for r in reversed(list(s.scalars(q)))]

    def events(
        self, *, after_id: int = 0, before_id: int | None = None, flow_id: str | None = None,
        limit: int | None = None, newest_first: bool = False,
    ) -> list[EventRecord]:
        q = select(EventRow).where(EventRow.id > after_id)
        if before_id is not None:
            q = q.where(EventRow.id < before_id)
        if flow_id is not None:
            q = q.where(EventRow.flow_id == flow_id)
        q = q.order_by(EventRow.id.desc() if newest_first else EventRow.id)
        if limit is not None:
            q = q.limit(limit)
        with self.session() as s:
            return [cv.event_from(r) for r in s.scalars(q)]

    def iter_events(self, batch: int = 2000) -> Iterator[EventRecord]:
        """All events, oldest first, read in batches so memory stays flat."""
        last = 0
        while True:
            chunk = self.events(after_id=last, limit=batch)
            if not chunk:
                return
            yield from chunk
            last = chunk[-1].id or last

    def last_event_id(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.max(EventRow.id))) or 0)

    def event_count(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(EventRow)) or 0)

    def seal_json(self, data: dict[str, Any]) -> bytes | None:
        return self._sealer.seal(json.dumps(data))

    def callouts(
        self, *, flow_id: str | None = None, ids: Iterable[int] | None = None,
        after_id: int = 0, limit: int | None = None, reveal: bool = False,
    ) -> list[CalloutRecord]:
        """Callouts as stored (redacted); ``reveal=True`` also unseals the raw exchange."""
        q = select(CalloutRow).where(CalloutRow.id > after_id).order_by(CalloutRow.id)
        if flow_id is not None:
            q = q.where(CalloutRow.flow_id == flow_id)
        if ids is not None:
            q = q.where(CalloutRow.id.in_(list(ids)))
        if limit is not None:
            q = q.limit(limit)
        with self.session() as s:
            rows = list(s.scalars(q))
        out = []
        for r in rows:
            rec = cv.callout_from(r)
            if reveal and r.sealed_raw:
                text = self._sealer.unseal(r.sealed_raw)
                if text is not None:
                    rec = replace(rec, raw=cv.raw_from(json.loads(text)))
            out.append(rec)
        return out

    def flows(self, limit: int = 1000) -> list[dict[str, Any]]:
        q = select(FlowRow).order_by(FlowRow.started_at.desc()).limit(limit)
        with self.session() as s:
            return [
                {c.key: getattr(r, c.key) for c in FlowRow.__table__.columns}
                for r in s.scalars(q)
            ]
