"""The phones: messages delivered to a number, written to the workspace with their codes sealed.

A ``Store`` mixin (``Store`` supplies the transaction, the step connection and the sealer). A
message of a flow's step lands in that step's transaction (``Store.transaction`` joins the open
one); the mock provider's batches go in one executemany each (``deliver_many``).

On SQLite a number's messages, once read, are answered from memory while ``PRAGMA
data_version`` shows no other connection committed (the phone pane and the headless API read a
phone after every message to it); this process's own deliveries join them once committed, in
the form a read gives (sealed then opened, so a locked workspace shows them masked as well).
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
from otp_bench.store.seal import (
    Sealer,
    mask_fields,
    open_fields,
    opened_body,
    seal_fields,
    seal_payload,
)
from otp_bench.store.sql import InsertIds, Later, Sql

if TYPE_CHECKING:
    import threading

    from sqlalchemy import Connection

    from otp_bench.store.activity import Tx

_INBOX = cast(Table, InboxRow.__table__)
_INSERT_INBOX = InsertIds(_INBOX)  # SQLite: the id from lastrowid, no RETURNING
_INSERT_INBOX_ROWS = _INBOX.insert()
_INBOX_ALL = Prepared(select(_INBOX).order_by(_INBOX.c.id.desc()).limit(bindparam("_limit")))
_INBOX_OF = Prepared(select(_INBOX).where(_INBOX.c.to == bindparam("_to"))
                     .order_by(_INBOX.c.id.desc()).limit(bindparam("_limit")))
_CHANGES = cast(Table, ChangeRow.__table__)
_INSERT_CHANGE = _CHANGES.insert()


_KEEP = 100  # messages kept per number read (the phone pane shows the newest)
_NUMBERS = 512  # numbers kept


class _Known:
    """One number's newest messages, oldest first; ``complete``: every message it has."""

    __slots__ = ("complete", "messages")

    def __init__(self, messages: list[InboxMessage], complete: bool) -> None:
        self.messages = messages
        self.complete = complete


class PhoneStore:
    engine: Engine
    workspace_id: str
    _sealer: Sealer
    _settings: Settings
    _notify: bool
    _sqlite: bool
    _write: threading.RLock
    _known_inbox: dict[str, _Known]
    _inbox_version: int | None

    if TYPE_CHECKING:
        def transaction(self) -> AbstractContextManager[Tx]: ...
        def _read(self, prep: Prepared, params: Mapping[str, Any]) -> list[Any]: ...
        def session(self) -> AbstractContextManager[Any]: ...
        def _step_conn(self) -> Connection: ...

    def deliver(
        self, to: str, body: str, *, sender: str, via: str, channel: Channel = Channel.SMS,
        otp: str | None = None, at: datetime | None = None,
    ) -> InboxMessage:
        new_id, when, code = self._put(to, body, sender, via, channel, otp, at)
        return InboxMessage(new_id.value[0], to, sender, body, when, channel, via, code)

    def land(
        self, to: str, body: str, *, sender: str, via: str, channel: Channel = Channel.SMS,
        otp: str | None = None,
    ) -> None:
        """``deliver`` without the message back: in an engine step on PostgreSQL its id is
        known at the step's commit, with no round trip of its own (see ``Inbox.land``)."""
        self._put(to, body, sender, via, channel, otp, None)

    def _put(
        self, to: str, body: str, sender: str, via: str, channel: Channel, otp: str | None,
        at: datetime | None,
    ) -> tuple[Later[list[int]], datetime, str | None]:
        """Write the message (its code sealed) in a transaction of its own, or in the open
        step's; its id (in a list, known at once on SQLite), its time and the code it holds."""
        masked, payload, code = mask_fields(body, otp, self._settings.otp.digits)
        sealed = seal_payload(payload, self._sealer)
        when = at or self.now()
        with self.transaction() as tx:
            ids = tx.sql.insert_ids_later(_INSERT_INBOX, [{
                "to": to, "sender": sender, "body_masked": masked, "otp_sealed": sealed,
                "received_at": when, "channel": channel.value, "via": via,
            }])
            tx.changed(Change(What.INBOX, Action.SAVED, to, via))
            if tx.sql.sqlite:
                # the time as SQLite gives it back: its wall clock, read as UTC
                # a read opens the seal to this same payload (none: a locked workspace)
                as_read = (ids.value[0], to, sender, masked, payload if sealed else None,
                           cv.utc(when.replace(tzinfo=None)), channel, via)
                tx.after_commit.append(lambda: self._delivered_here(*as_read))
        return ids, when, code

    def _delivered_here(self, new_id: int, to: str, sender: str, masked: str,
                        payload: dict[str, object] | None, when: datetime, channel: Channel,
                        via: str) -> None:
        """A committed delivery joins the number's messages, if they are known, in the form a
        read gives (``payload``: what its seal opens to; None when it can't be opened)."""
        known = self._known_inbox.get(to)
        if known is None:
            return
        body, code = opened_body(masked, payload)
        known.messages.append(InboxMessage(new_id, to, sender, body, when, channel, via, code))
        if len(known.messages) > _KEEP:
            del known.messages[0]
            known.complete = False

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
        if number is None or not self._sqlite:
            return self._read_inbox(number, limit)
        with self._write:
            version = int(Sql(self._step_conn()).pragma("data_version"))
            if version != self._inbox_version:  # another connection committed: read afresh
                self._known_inbox.clear()
                self._inbox_version = version
            known = self._known_inbox.get(number)
            if known is not None and (known.complete or len(known.messages) >= limit):
                return known.messages[-limit:]
            out = self._read_inbox(number, max(limit, _KEEP))
            if len(self._known_inbox) >= _NUMBERS:
                self._known_inbox.pop(next(iter(self._known_inbox)))
            self._known_inbox[number] = _Known(out[-_KEEP:], complete=len(out) < _KEEP)
            return out[-limit:]

    def _read_inbox(self, number: str | None, limit: int) -> list[InboxMessage]:
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
