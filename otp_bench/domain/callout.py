"""The record of one outbound provider callout, already redacted, as stored and exported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from otp_bench.domain.vocabulary import DeliveryResult


@dataclass(frozen=True)
class HttpMessage:
    """A request or response as recorded: headers as ordered pairs, body as text (redacted)."""

    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    body_truncated: bool = False


@dataclass(frozen=True)
class RawExchange:
    """The unredacted callout, for an explicit reveal only; the store keeps it sealed."""

    url: str
    request: HttpMessage
    response: HttpMessage | None = None


@dataclass(frozen=True)
class CalloutRecord:
    flow_id: str
    provider: str
    started_at: datetime
    method: str
    url: str
    request: HttpMessage
    status: int | None = None
    response: HttpMessage | None = None
    elapsed_ms: float = 0.0
    result: DeliveryResult = DeliveryResult.EXCEPTION
    rule: str = ""  # the mapping rule that fired, in words
    error: str | None = None  # transport error kind, e.g. "timeout", "connect", "too_large"
    note: str | None = None
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: RawExchange | None = field(default=None, repr=False, compare=False)
