"""Typed events for everything the engine does, and their flat, storable form.

Subscribers (the live log, the GUI bridge, the scenario runner) receive these frozen objects;
the store appends ``EventRecord`` rows, never updating or deleting one. No event carries an OTP
or a secret: handler inputs are recorded with the code masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, ClassVar, overload

from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import DeliveryResult, Reason, UseCase

OTP_MASK = "••••••"


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: ClassVar[str] = "event"
    at: datetime
    flow_id: str | None = None
    site: str = ""  # site name
    user: str = ""  # username
    use_case: UseCase | None = None
    step: str = ""

    @property
    def summary(self) -> str:
        return self.kind.replace("_", " ")

    @property
    def result(self) -> str:
        return ""

    @property
    def latency_ms(self) -> float | None:
        return None

    def data(self) -> dict[str, Any]:
        """The payload as plain JSON values: what a stored record's ``data`` reads back as."""
        return {k: jsonable(v) for k, v in self.payload().items()}

    def payload(self) -> dict[str, Any]:
        """The payload fields as they are (enums, datetimes, ``Flags``): the JSON column's
        serializer (orjson) writes these types itself, in the same form ``data()`` gives."""
        names, values, _ = _payload_of(type(self))
        return dict(zip(names, values(self), strict=True))

    def record(self, id: int | None = None) -> EventRecord:
        return stored_record(self.row(), id)

    def row(self) -> dict[str, Any]:
        """The stored columns (``EventRecord``'s fields but the id), ``data`` as ``payload()``:
        built once per event, written as is and turned into its record (``stored_record``) with
        the id the database gave it only when someone reads it."""
        use_case = self.use_case
        names, values, own = _payload_of(type(self))
        return {
            "at": self.at,
            "kind": self.kind,
            "flow_id": self.flow_id,
            "site": self.site,
            "user": self.user,
            # the member's own value attribute: ``.value`` goes through enum's descriptor
            "use_case": use_case._value_ if use_case is not None else "",
            "step": self.step,
            # most kinds keep Event's: no property call for those
            "result": self.result if own[0] else "",
            "latency_ms": self.latency_ms if own[1] else None,
            "summary": self.summary,
            "data": dict(zip(names, values(self), strict=True)),
        }


@dataclass(frozen=True, kw_only=True)
class FlowStarted(Event):
    kind: ClassVar[str] = "flow_started"
    provider: str = ""  # "Salesforce default provider" or the handler's name

    @property
    def summary(self) -> str:
        return f"{self.use_case.label if self.use_case else 'flow'} started via {self.provider}"


@dataclass(frozen=True, kw_only=True)
class InitRefused(Event):
    kind: ClassVar[str] = "init_refused"
    reason: Reason
    detail: str = ""

    @property
    def result(self) -> str:
        return self.reason.value

    @property
    def summary(self) -> str:
        return f"init refused: {self.reason.value} — {self.detail or self.reason.sentence}"


@dataclass(frozen=True, kw_only=True)
class OtpIssued(Event):
    kind: ClassVar[str] = "otp_issued"
    identifier: str
    expires_at: datetime
    resend: bool = False

    @property
    def summary(self) -> str:
        what = "new code issued (resend)" if self.resend else "code issued"
        e = self.expires_at  # formatted by hand: a strftime per issued code cost more than its SQL
        return (f"{what}; identifier {self.identifier}, "
                f"expires {e.hour:02d}:{e.minute:02d}:{e.second:02d}")


@dataclass(frozen=True, kw_only=True)
class HandlerCalled(Event):
    """sendOneTimePassword was called: its six inputs, the OTP masked."""

    kind: ClassVar[str] = "handler_called"
    handler: str
    user_id: str
    phone_number: str
    one_time_password: str = OTP_MASK
    default_text: str = ""
    network_id: str = ""
    experience_id: str = ""

    @property
    def summary(self) -> str:
        return f"{self.handler}.sendOneTimePassword(phoneNumber={self.phone_number!r})"


@dataclass(frozen=True, kw_only=True)
class DeliveryCompleted(Event):
    kind: ClassVar[str] = "delivery"
    handler: str
    delivery: DeliveryResult
    elapsed_ms: float = 0.0
    callout_id: int | None = None
    rule: str = ""
    note: str = ""

    @property
    def result(self) -> str:
        return self.delivery.value

    @property
    def latency_ms(self) -> float | None:
        return self.elapsed_ms

    @property
    def summary(self) -> str:
        extra = f" ({self.rule})" if self.rule else ""
        return f"{self.handler} returned {self.delivery.value}{extra}"


@dataclass(frozen=True, kw_only=True)
class HandlerLogged(Event):
    """A ``System.debug`` line of an Apex handler (or a bench warning about it), redacted."""

    kind: ClassVar[str] = "handler_log"
    handler: str
    line: int = 0
    level: str = "DEBUG"
    message: str = ""
    file: str = ""

    @property
    def summary(self) -> str:
        where = f"{self.file or self.handler}:{self.line}" if self.line else self.handler
        if self.level == "BENCH":
            return f"{where} bench warning: {self.message}"
        return f"{where} System.debug({self.level}) {self.message}"


@dataclass(frozen=True, kw_only=True)
class VerifyAttempted(Event):
    kind: ClassVar[str] = "verify"
    identifier: str
    success: bool
    message: str
    reason: Reason | None = None
    attempt: int = 0

    @property
    def result(self) -> str:
        return self.message if self.reason is None else self.reason.value

    @property
    def summary(self) -> str:
        if self.success:
            return "code verified"
        return f"verify failed: {self.reason.value if self.reason else self.message}"


@dataclass(frozen=True, kw_only=True)
class FlagsChanged(Event):
    kind: ClassVar[str] = "flags_changed"
    user_id: str
    before: Flags
    after: Flags

    @property
    def summary(self) -> str:
        parts = []
        for name in ("user_verified", "admin_verified"):
            b, a = getattr(self.before, name), getattr(self.after, name)
            parts.append(f"{name} {b}→{a}" if a != b else f"{name} {a}")
        return "flags: " + ", ".join(parts)


@dataclass(frozen=True, kw_only=True)
class UserRegistered(Event):
    kind: ClassVar[str] = "user_registered"
    user_id: str

    @property
    def summary(self) -> str:
        return f"user {self.user} created ({self.user_id})"


@dataclass(frozen=True, kw_only=True)
class HistoryRecorded(Event):
    kind: ClassVar[str] = "history"
    status: str
    identifier: str

    @property
    def summary(self) -> str:
        return f"Identity Verification History: {self.status}"


@dataclass(frozen=True, kw_only=True)
class ClockAdvanced(Event):
    kind: ClassVar[str] = "clock"
    seconds: float

    @property
    def summary(self) -> str:
        return f"bench clock advanced {self.seconds:g} s"


@dataclass(frozen=True, kw_only=True)
class SiteHandlerSwitched(Event):
    kind: ClassVar[str] = "handler_switched"
    before: str | None
    after: str | None
    warning: str = ""

    @property
    def summary(self) -> str:
        b = self.before or "Salesforce default provider"
        a = self.after or "Salesforce default provider"
        return f"site handler switched: {b} → {a}" + (f" — {self.warning}" if self.warning else "")


@dataclass(frozen=True, kw_only=True)
class WorkspaceChanged(Event):
    kind: ClassVar[str] = "workspace"
    what: str = ""  # "site", "user", "provider", "settings"
    name: str = ""
    action: str = "saved"

    @property
    def summary(self) -> str:
        return f"{self.what} {self.name!r} {self.action}"


@dataclass(frozen=True)
class EventRecord:
    """The flat, append-only form of an event, as the log and exports see it."""

    id: int | None
    at: datetime
    kind: str
    flow_id: str | None
    site: str
    user: str
    use_case: str
    step: str
    result: str
    latency_ms: float | None
    summary: str
    data: dict[str, Any] = field(default_factory=dict)


class StoredRecords(Sequence[EventRecord]):
    """A committed step's events as stored (``Event.row()`` and the ids the database gave),
    turned into ``EventRecord``s the first time a subscriber looks: a run nobody watches (the
    headless API, a scenario, a benchmark) never builds them."""

    __slots__ = ("_built", "_ids", "_rows")

    def __init__(self, rows: Sequence[dict[str, Any]], ids: Sequence[int]) -> None:
        if len(rows) != len(ids):
            raise ValueError(f"{len(rows)} event rows but {len(ids)} ids")
        self._rows, self._ids = rows, ids
        self._built: tuple[EventRecord, ...] | None = None

    def _records(self) -> tuple[EventRecord, ...]:
        built = self._built
        if built is None:
            built = self._built = tuple(
                stored_record(row, i) for row, i in zip(self._rows, self._ids, strict=True)
            )
        return built

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> EventRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[EventRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> EventRecord | tuple[EventRecord, ...]:
        return self._records()[index]

    def __iter__(self) -> Iterator[EventRecord]:
        return iter(self._records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"StoredRecords({list(self)!r})"


def stored_record(row: dict[str, Any], id: int | None) -> EventRecord:
    """The record of a stored ``Event.row()``: its payload as plain JSON values, as a read of
    the row would give."""
    return EventRecord(id=id, **{**row, "data": jsonable(row["data"])})


_ENVELOPE = frozenset({"at", "flow_id", "site", "user", "use_case", "step"})


_PAYLOAD: dict[type[Event], tuple[tuple[str, ...], Callable[[Event], tuple[Any, ...]],
                                  tuple[bool, bool]]] = {}
_PLAIN = frozenset({str, int, float, bool, type(None)})  # stored as they are


def _payload_of(cls: type[Event]) -> tuple[tuple[str, ...], Callable[[Event], tuple[Any, ...]],
                                           tuple[bool, bool]]:
    """The class's payload field names, one getter answering their values as a tuple, and
    whether it has its own ``result`` and ``latency_ms`` (else Event's: "" and None)."""
    found = _PAYLOAD.get(cls)
    if found is None:
        names = tuple(f.name for f in fields(cls) if f.name not in _ENVELOPE)
        get = attrgetter(*names) if names else (lambda _ev: ())
        getter: Callable[[Event], tuple[Any, ...]] = (
            get if len(names) != 1 else (lambda ev: (get(ev),)))  # type: ignore[assignment]
        own = (_overrides(cls, "result"), _overrides(cls, "latency_ms"))
        found = _PAYLOAD[cls] = (names, getter, own)
    return found


def _overrides(cls: type[Event], name: str) -> bool:
    """Does ``cls`` define ``name`` itself, or a base of it below ``Event``?"""
    return any(name in vars(k) for k in cls.__mro__[:cls.__mro__.index(Event)])


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON values (str, numbers, bools, None, dicts and lists)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value  # the common case first: most payload fields are plain
    if isinstance(value, str):  # StrEnum
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):  # e.g. Flags
        names = _FIELD_NAMES.get(kind)
        if names is None:  # dataclasses.fields walks the class every call
            names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
        return {name: jsonable(getattr(value, name)) for name in names}
    return value
