"""One outbound callout, the way Apex makes it: the transport every custom handler shares.

``CalloutClient.send`` makes one request (no retries: a resent SMS costs twice and reaches the
user twice; redirects not followed; no proxy from the environment; no cookie jar, as Apex keeps no
cookies between callouts) with a timeout that is also an overall deadline (httpx's read timeout is
per chunk, so a slow-drip answer could otherwise outlive it) and a 6 MB response ceiling. It
returns the unredacted ``Exchange``; the handler decides the result (declarative rules or the
user's Apex), then ``record`` turns the exchange into a redacted ``CalloutRecord`` with the raw
exchange kept for the store to seal. The declarative ``HttpHandler`` and the ``ApexHandler`` both
call out through here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from otp_bench.delivery.base import current_flow
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


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


def _error_kind(exc: Exception) -> str:
    if isinstance(exc, _Deadline | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "protocol"
    return "network"


def _cap(text: str) -> tuple[str, bool]:
    if len(text) > STORED_BODY_CHARS:
        return text[:STORED_BODY_CHARS], True
    return text, False


@dataclass(frozen=True)
class Exchange:
    """What one callout brought back, unredacted; ``error`` is a transport error kind or None."""

    request: BuiltRequest
    request_headers: tuple[tuple[str, str], ...]
    status: int | None
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    error: str | None  # "timeout", "connect", "protocol", "network", "too_large"
    detail: str
    started_at: datetime
    elapsed_ms: float

    @property
    def note(self) -> str | None:
        """The exchange's own remark (a transport error, an oversized or redirected answer)."""
        if self.error == "too_large":
            return APEX_NOTE
        if self.error is not None:
            return f"transport error ({self.error}): {self.detail}"
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
        # the transport, not a Client: one connection pool per handler, no retries, no
        # redirects, no proxy from the environment, and no cookie jar
        self._transport: httpx.BaseTransport = transport or httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            trust_env=False, retries=0,
        )
        self._owns_transport = transport is None
        self.secrets = [s for s in secrets if s]
        self.redactor = Redactor(self.secrets, secret_headers=secret_headers)
        install_log_filter()

    def close(self) -> None:
        if self._owns_transport:  # a transport handed in (a test seam) is shared: not ours
            self._transport.close()

    def send(self, req: BuiltRequest, *, timeout_s: float, otp: str = "",
             deadline: float | None = None) -> Exchange:
        """One request; never raises for what the network or the provider does."""
        started = time.perf_counter()
        started_at = datetime.now(UTC)
        stop = min(deadline, started + timeout_s) if deadline is not None else started + timeout_s
        req_headers: tuple[tuple[str, str], ...] = req.headers
        status: int | None = None
        reason = ""
        resp_headers: tuple[tuple[str, str], ...] = ()
        body = bytearray()
        error: str | None = None
        detail = ""
        wait = max(stop - started, 0.001)
        with secrets_in_flight([*self.secrets, otp]):
            try:
                request = httpx.Request(
                    req.method, req.url, headers=[*req.headers, ("User-Agent", USER_AGENT)],
                    content=req.content or None,
                    extensions={"timeout": httpx.Timeout(wait).as_dict()},
                )
                req_headers = tuple(request.headers.items())
                response = self._transport.handle_request(request)
                try:
                    status = response.status_code
                    reason = response.reason_phrase
                    resp_headers = tuple(response.headers.items())
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                        raise _TooLarge
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > MAX_RESPONSE_BYTES:
                            raise _TooLarge
                        if time.perf_counter() > stop:
                            raise _Deadline
                finally:
                    response.close()
            except _TooLarge:
                error = "too_large"
            except (_Deadline, httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                error = _error_kind(exc)
                detail = (f"no complete answer within the {timeout_s:g} s deadline"
                          if isinstance(exc, _Deadline) else f"{type(exc).__name__}")
        return Exchange(req, req_headers, status, reason, resp_headers, bytes(body), error,
                        detail, started_at, (time.perf_counter() - started) * 1000)

    def record(
        self, ex: Exchange, *, otp: str, result: DeliveryResult, rule: str = "",
        note: str | None = None, extra: dict[str, Any] | None = None,
        elapsed_ms: float | None = None,
    ) -> CalloutRecord:
        """The exchange as stored and shown: redacted, with the raw copy for sealing."""
        req = ex.request
        req_text, req_cut = _cap(req.content.decode("utf-8", errors="replace"))
        resp_text, resp_cut = _cap(ex.body.decode("utf-8", errors="replace"))
        raw = RawExchange(
            url=req.url,
            request=HttpMessage(ex.request_headers, req_text, req_cut),
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
