"""A session's events grouped by flow, in the order flows started, read with bounded memory.

``scan`` reads the events once for a small summary per flow (what the report's failure list and
headings need) and the events that belong to no flow. ``grouped`` reads them a second time and
hands each flow's events over as soon as the flow is complete (its last event, known from the
scan, has gone by) and every earlier-started flow was handed over. Flows that overlap only keep
their own few events waiting; if a long-open flow holds too many back, it is read on its own
with a query instead, so the buffer never exceeds ``MAX_BUFFERED`` events.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from otp_bench.domain.events import EventRecord
from otp_bench.domain.vocabulary import UseCase
from otp_bench.store.store import Store

MAX_BUFFERED = 20_000


@dataclass(slots=True)
class FlowSummary:
    """What the report needs to know of a flow before writing it, read off its events."""

    id: str
    use_case: str
    site: str
    username: str
    handler: str
    started_at: datetime
    init: str = ""
    delivery: str | None = None
    verify: str | None = None
    last_event: int = 0

    @property
    def label(self) -> str:
        try:
            return UseCase(self.use_case).label
        except ValueError:
            return self.use_case

    @property
    def title(self) -> str:
        return f"{self.label} — {self.site} — {self.username or 'no user'}"

    @property
    def failure(self) -> str | None:
        """Why the flow counts as failed, in words; None when nothing went wrong."""
        if self.init and self.init not in ("ok", "delivery_failed"):
            return f"init refused: {self.init}"
        if self.delivery and self.delivery != "SUCCESS":
            return f"delivery {self.delivery}"
        if self.verify and self.verify != "SUCCESS":
            return f"verify {self.verify}"
        return None

    def see(self, e: EventRecord) -> None:
        self.last_event = e.id or self.last_event
        if e.kind == "init_refused":
            self.init, self.delivery = sys.intern(e.result), None
        elif e.kind == "delivery":
            self.delivery = sys.intern(e.result)
            self.init = "ok" if e.result == "SUCCESS" else "delivery_failed"
        elif e.kind == "verify":
            self.verify = sys.intern(e.result)


def scan(
    store: Store, wanted: set[str] | None
) -> tuple[dict[str, FlowSummary], list[tuple[datetime, str]]]:
    """One pass over the events: a small summary per flow (in start order), and the events
    that belong to no flow (workspace edits, clock moves)."""
    flows: dict[str, FlowSummary] = {}
    others: list[tuple[datetime, str]] = []
    for e in store.iter_events():
        if e.flow_id is None:
            if wanted is None:
                others.append((e.at, e.summary))
            continue
        if wanted is not None and e.flow_id not in wanted:
            continue
        flow = flows.get(e.flow_id)
        if flow is None:
            # names repeat across thousands of flows: one copy of each is kept
            provider = str(e.data.get("provider", "")) if e.kind == "flow_started" else ""
            flow = flows[e.flow_id] = FlowSummary(
                e.flow_id, sys.intern(e.use_case), sys.intern(e.site), sys.intern(e.user),
                sys.intern(provider), e.at)
        flow.see(e)
    return flows, others


def grouped(
    store: Store, flows: dict[str, FlowSummary], *, max_buffered: int = MAX_BUFFERED,
) -> Iterator[tuple[FlowSummary, list[EventRecord]]]:
    """Each flow of ``flows`` (as ``scan`` returned them) with its events, in start order."""
    order = iter(flows.values())
    head = next(order, None)
    buffer: dict[str, list[EventRecord]] = {}
    buffered = 0
    read_alone: set[str] = set()  # flows handed over from their own query: skip their events
    for e in store.iter_events():
        fid = e.flow_id
        if fid is None or fid not in flows or fid in read_alone:
            continue
        buffer.setdefault(fid, []).append(e)
        buffered += 1
        while head is not None and (head.last_event <= (e.id or 0) or buffered > max_buffered):
            events = buffer.pop(head.id, [])
            buffered -= len(events)
            if head.last_event > (e.id or 0):  # still open and holding others back
                read_alone.add(head.id)
                events = store.events(flow_id=head.id)
            yield head, events
            head = next(order, None)
    while head is not None:
        yield head, buffer.pop(head.id, [])
        head = next(order, None)
