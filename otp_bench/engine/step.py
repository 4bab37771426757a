"""One engine step's events and history, written in its transaction and published after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from otp_bench.domain.events import Event, HistoryRecorded
from otp_bench.domain.frozen import make
from otp_bench.domain.model import Site
from otp_bench.domain.vocabulary import UseCase
from otp_bench.store.activity import Tx

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine


@dataclass
class StepLog:
    """Events of one step, written and published together."""

    engine: Engine
    flow_id: str
    site: Site
    username: str
    use_case: UseCase
    step: str
    events: list[Event] = field(default_factory=list)

    def emit(self, cls: type[Event], **kw: object) -> None:
        self._emit_at(cls, self.engine.clock.now(), kw)

    def _emit_at(self, cls: type[Event], at: datetime, kw: dict[str, object]) -> None:
        self.events.append(
            make(cls, at=at, flow_id=self.flow_id, site=self.site.name, user=self.username,
                 use_case=self.use_case, step=self.step, **kw)
        )

    def history(self, tx: Tx, user_id: str | None, status: str, identifier: str) -> None:
        at = self.engine.clock.now()  # the row and its event: the same moment
        tx.add_history(
            at=at, user_id=user_id, username=self.username, site_id=self.site.id,
            use_case=self.use_case._value_, status=status, identifier=identifier,
        )
        self._emit_at(HistoryRecorded, at, {"status": status, "identifier": identifier})
