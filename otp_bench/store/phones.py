"""The phones: messages delivered to a number, written to the workspace with their codes sealed.

A ``Store`` mixin (``Store`` supplies the transaction, the step connection and the sealer). A
message of a flow's step lands in that step's transaction (``Store.transaction`` joins the open
one); the mock provider's batches go in one executemany each (``deliver_many``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, Table, bindparam, select

from otp_bench.domain.changes import Action, Change, What
from otp_bench.domain.model import InboxMessage, Settings
from otp_bench.domain.vocabulary import Channel
from otp_bench.store import convert as cv
from otp_bench.store.notify import notify_in
from otp_bench.store.orm import ChangeRow, InboxRow
from otp_bench.store.prepared import Prepared
from otp_bench.store.seal import Sealer, open_fields, seal_fields

if TYPE_CHECKING:
    import threading

    from otp_bench.store.activity import Tx

_INBOX = cast(Table, InboxRow.__table__)
_INSERT_INBOX = Prepared(_INBOX.insert().returning(_INBOX.c.id))
_INSERT_INBOX_ROWS = _INBOX.insert()
_INBOX_ALL = Prepared(select(_INBOX).order_by(_INBOX.c.id.desc()).limit(bindparam("_limit")))
_INBOX_OF = Prepared(select(_INBOX).where(_INBOX.c.to == bindparam("_to"))
                     .order_by(_INBOX.c.id.desc()).limit(bindparam("_limit")))
_CHANGES = cast(Table, ChangeRow.__table__)
_INSERT_CHANGE = _CHANGES.insert()


class PhoneStore:
    engine: Engine
    workspace_id: str
    _sealer: Sealer
    _settings: Settings
    _notify: bool
    _write: threading.RLock

    if TYPE_CHECKING:
        def transaction(self) -> AbstractContextManager[Tx]: ...
        def _read(self, prep: Prepared, params: Mapping[str, Any]) -> list[Any]: ...
        def session(self) -> AbstractContextManager[Any]: ...

    def deliver(
        self, to: str, body: str, *, sender: str, via: str, channel: Channel = Channel.SMS,
        otp: str | None = None, at: datetime | None = None,
    ) -> InboxMessage:
        masked, sealed, code = seal_fields(body, otp, self._settings.otp.digits, self._sealer)
        when = at or self.now()
        with self.transaction() as tx:
            new_id = int(tx.sql.scalar(
                _INSERT_INBOX,
                {
                    "to": to, "sender": sender, "body_masked": masked, "otp_sealed": sealed,
                    "received_at": when, "channel": channel.value, "via": via,
                },
            ))
            tx.changed(Change(What.INBOX, Action.SAVED, to, via))
        return InboxMessage(new_id, to, sender, body, when, channel, via, code)

    def deliver_many(self, messages: Iterable[Mapping[str, Any]]) -> int:
        """Several messages in one transaction (the mock provider's batching writer); the count.

        Each item has ``deliver``'s arguments by name (``to``, ``body``, ``sender``, ``via``;
        optional ``channel``, ``otp``, ``at``); codes are sealed the same way. Rows are inserted
        in the order given, so a phone reads its messages in the order they were sent.
        """
        rows: list[dict[str, Any]] = []
        for m in messages:
            body, otp = m["body"], m.get("otp")
            masked, sealed, _code = seal_fields(body, otp, self._settings.otp.digits,
                                                self._sealer)
            rows.append({
                "to": m["to"], "sender": m["sender"], "body_masked": masked, "otp_sealed": sealed,
                "received_at": m.get("at") or self.now(),
                "channel": Channel(m.get("channel", Channel.SMS)).value, "via": m["via"],
            })
        if rows:
            # one executemany on a bare connection: no ORM session and no RETURNING, which
            # halves the cost of a commit on the mock's hot path
            numbers = sorted({r["to"] for r in rows})
            now = datetime.now(UTC)
            with self._write, self.engine.begin() as conn:
                conn.execute(_INSERT_INBOX_ROWS, rows)
                conn.execute(_INSERT_CHANGE, [
                    {"at": now, "what": What.INBOX.value, "action": Action.SAVED.value,
                     "entity_id": n, "name": "mock provider"} for n in numbers
                ])
                if self._notify:
                    notify_in(conn, self.workspace_id)
        return len(rows)

    # the engine sets its bench clock here, so phone messages carry bench time
    now_hook: Callable[[], datetime] | None = None

    def now(self) -> datetime:
        return self.now_hook() if self.now_hook else datetime.now(UTC)

    def inbox(self, number: str | None = None, *, limit: int = 500) -> list[InboxMessage]:
        if number is None:
            rows = self._read(_INBOX_ALL, {"_limit": limit})
        else:
            rows = self._read(_INBOX_OF, {"_to": number, "_limit": limit})
        out = []
        for r in reversed(rows):
            body, code = open_fields(r.body_masked, r.otp_sealed, self._sealer)
            out.append(
                InboxMessage(
                    r.id, r.to, r.sender, body, cv.utc(r.received_at),
                    Channel(r.channel), r.via, code,
                )
            )
        return out

    def inbox_numbers(self) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(InboxRow.to).distinct().order_by(InboxRow.to)))
