"""One outbound callout, the way Apex makes it: the callout path every custom handler shares.

``CalloutClient.send`` makes one request through ``exchange.perform`` (one overall deadline
enforced by a timer, a 6 MB response ceiling; no retries: a resent SMS costs twice and reaches the
user twice; redirects not followed; no proxy from the environment; no cookie jar, as Apex keeps no
cookies between callouts) and returns the unredacted ``Callout``; the handler decides the result
(declarative rules or the user's Apex), then ``record`` turns it into a redacted
``CalloutRecord`` with the raw exchange kept for the store to seal. The declarative
``HttpHandler`` and the ``ApexHandler`` both call out through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from otp_bench.delivery.base import current_flow
from otp_bench.delivery.exchange import Exchange, close_transport, default_transport, perform
from otp_bench.delivery.redaction import (
    Redactor,
    install_log_filter,
    redact_exchange,
    secrets_in_flight,
)
from otp_bench.delivery.request import BuiltRequest
from otp_bench.domain.callout import CalloutRecord, HttpMessage, RawExchange
from otp_bench.domain.vocabulary import DeliveryResult

MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # Apex's synchronous heap-size limit for a callout answer
STORED_BODY_CHARS = 64 * 1024  # what a callout record keeps of a body
USER_AGENT = "SFDC-Callout/62.0 (otp-bench)"  # what an Apex callout announces, marked as ours
APEX_NOTE = "response over 6 MB: Apex would have failed here"


def _cap(text: str) -> tuple[str, bool]:
    if len(text) > STORED_BODY_CHARS:
        return text[:STORED_BODY_CHARS], True
    return text, False


@dataclass(frozen=True)
class Callout:
    """One request and what came back, unredacted (``exchange.error`` is a transport error)."""

    request: BuiltRequest
    exchange: Exchange
    started_at: datetime

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return self.exchange.headers

    @property
    def body(self) -> bytes:
        return self.exchange.body

    @property
    def error(self) -> str | None:
        return self.exchange.error

    @property
    def elapsed_ms(self) -> float:
        return self.exchange.elapsed_s * 1000

    @property
    def note(self) -> str | None:
        """The exchange's own remark (a transport error, an oversized or redirected answer)."""
        if self.error == "too_large":
            return APEX_NOTE
        if self.error is not None:
            return f"transport error ({self.error}): {self.exchange.detail}"
        if self.status is not None and 300 <= self.status < 400:
            location = dict((k.lower(), v) for k, v in self.headers).get("location", "?")
            return f"redirect to {location} not followed"
        return None


class CalloutClient:
    """The callout path of one provider: its connection pool, its secrets, its redaction."""

    def __init__(
        self, name: str, *, transport: Any = None, secrets: Iterable[str] = (),
        secret_headers: Iterable[str] = (),
    ) -> None:
        self.name = name
        # the transport, not a Client: one connection pool per handler (see exchange.py)
        self._transport: Any = transport or default_transport()
        self._owns_transport = transport is None
        self.secrets = [s for s in secrets if s]
        self.redactor = Redactor(self.secrets, secret_headers=secret_headers)
        install_log_filter()

    def close(self) -> None:
        if self._owns_transport:  # a transport handed in (a test seam) is shared: not ours
            close_transport(self._transport)

    def send(self, req: BuiltRequest, *, timeout_s: float, otp: str = "",
             deadline_s: float | None = None) -> Callout:
        """One request within ``deadline_s`` overall (what is left of ``timeout_s``); never
        raises for what the network or the provider does."""
        started_at = datetime.now(UTC)
        wait = max(0.001, timeout_s if deadline_s is None else deadline_s)
        with secrets_in_flight([*self.secrets, otp]):
            try:
                request = httpx.Request(
                    req.method, req.url, headers=[*req.headers, ("User-Agent", USER_AGENT)],
                    content=req.content or None,
                    extensions={"timeout": httpx.Timeout(timeout_s).as_dict()},
                )
            except (httpx.InvalidURL, ValueError) as exc:
                ex = Exchange(req.headers, None, (), b"", "network", type(exc).__name__, 0.0)
            else:
                ex = perform(self._transport, request, deadline_s=wait,
                             max_bytes=MAX_RESPONSE_BYTES, timeout_s=timeout_s)
        return Callout(req, ex, started_at)

    def record(
        self, ex: Callout, *, otp: str, result: DeliveryResult, rule: str = "",
        note: str | None = None, extra: dict[str, Any] | None = None,
        elapsed_ms: float | None = None,
    ) -> CalloutRecord:
        """The exchange as stored and shown: redacted, with the raw copy for sealing."""
        req = ex.request
        req_text, req_cut = _cap(req.content.decode("utf-8", errors="replace"))
        resp_text, resp_cut = _cap(ex.body.decode("utf-8", errors="replace"))
        raw = RawExchange(
            url=req.url,
            request=HttpMessage(ex.exchange.request_headers, req_text, req_cut),
            response=(HttpMessage(ex.headers, resp_text, resp_cut or ex.error == "too_large")
                      if ex.status is not None else None),
        )
        red = redact_exchange(raw, self.redactor.plus(otp))
        return CalloutRecord(
            flow_id=current_flow() or "", provider=self.name, started_at=ex.started_at,
            method=req.method, url=red.url, request=red.request, status=ex.status,
            response=red.response,
            elapsed_ms=ex.elapsed_ms if elapsed_ms is None else elapsed_ms, result=result,
            rule=rule, error=ex.error, note=note if note is not None else ex.note,
            extra=dict(extra or {}), raw=raw,
        )
