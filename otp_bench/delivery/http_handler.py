"""The declarative custom handler: one real HTTP callout per ``sendOneTimePassword``.

Mirrors what an Apex handler can do: one request (no retries: a resent SMS costs twice and
reaches the user twice), redirects not followed, a timeout of 10 s by default and 120 s at most
that is also an overall deadline (httpx's read timeout is per chunk, so a slow-drip answer could
otherwise outlive it), and a 6 MB response ceiling. Policy options refuse before any callout:
``verified_only`` and ``country_allow_list``. Every callout becomes a ``CalloutRecord``, redacted,
with the unredacted exchange in ``raw`` for the store to seal.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from otp_bench.delivery.base import DeliveryReport, Directory, Inbox, current_flow
from otp_bench.delivery.redaction import (
    Redactor,
    install_log_filter,
    redact_exchange,
    secrets_in_flight,
)
from otp_bench.delivery.request import BuiltRequest, CompiledConfig, call_variables
from otp_bench.delivery.template import cached_phone
from otp_bench.domain.callout import CalloutRecord, HttpMessage, RawExchange
from otp_bench.domain.http_config import MAX_TIMEOUT_S, ConfigError, HttpConfig
from otp_bench.domain.model import ProviderConfig
from otp_bench.domain.phone import Phone, PhoneError
from otp_bench.domain.rules import Answer, map_result
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


class HttpHandler:
    def __init__(
        self, config: ProviderConfig, *, inbox: Inbox | None = None,
        directory: Directory | None = None, timeout_seconds: float = 10.0,
        transport: Any = None,
    ) -> None:
        self.name = config.name
        self.provider = config
        self._directory = directory
        self._problem: str | None = None
        try:
            self.config: HttpConfig | None = config.require_http()
            self._compiled: CompiledConfig | None = CompiledConfig(self.config)
        except ConfigError as exc:
            self.config, self._compiled = None, None
            self._problem = f"provider {config.name!r} is misconfigured: {exc}"
        wanted = (self.config.timeout_s if self.config and self.config.timeout_s else None)
        self.timeout_s = min(float(wanted or timeout_seconds), MAX_TIMEOUT_S)
        # the transport, not a Client: one connection pool per handler, no retries, no
        # redirects, no proxy from the environment, and no cookie jar (Apex keeps no cookies
        # between callouts, so a provider's Set-Cookie is never replayed)
        self._transport: httpx.BaseTransport = transport or httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            trust_env=False, retries=0,
        )
        self._owns_transport = transport is None
        self._timeouts = httpx.Timeout(self.timeout_s).as_dict()
        public = set(self.config.public_credentials) if self.config else set()
        self._secrets = [v for k, v in config.credentials.items() if k not in public and v]
        if self.config and self.config.auth.kind == "basic":
            a, creds = self.config.auth, config.credentials
            pair = f"{creds.get(a.username, '')}:{creds.get(a.password, '')}"
            self._secrets.append(base64.b64encode(pair.encode()).decode())
        self._secret_headers = (
            tuple(self.config.secret_headers) + self.config.auth.header_names()
            if self.config else ()
        )
        self._redactor = Redactor(self._secrets, secret_headers=self._secret_headers)
        install_log_filter()

    def close(self) -> None:
        if self._owns_transport:  # a transport handed in (a test seam) is shared: not ours
            self._transport.close()

    # -- the platform call -------------------------------------------------------------------

    def send_one_time_password(
        self, user_id: str, phone_number: str, one_time_password: str, default_text: str,
        network_id: str, experience_id: str,
    ) -> DeliveryReport:
        started = time.perf_counter()
        channel = self.provider.channel
        warnings = (channel.security_warning,) if channel.security_warning else ()

        def refuse(result: DeliveryResult, note: str) -> DeliveryReport:
            return DeliveryReport(result, note=note, rule=note, warnings=warnings,
                                  elapsed_ms=(time.perf_counter() - started) * 1000)

        if self._problem or self._compiled is None or self.config is None:
            raise ConfigError("http", self._problem or "no configuration")
        try:
            phone = cached_phone(phone_number)
        except PhoneError as exc:
            return refuse(DeliveryResult.INVALID_PHONE_NUMBER, f"no callout: {exc}")
        policy = self._policy(user_id, phone)
        if policy is not None:
            return refuse(*policy)
        variables = call_variables(
            user_id=user_id, phone_number=phone_number, one_time_password=one_time_password,
            default_text=default_text, network_id=network_id, experience_id=experience_id,
            sender=self.config.sender, credentials=self.provider.credentials,
            directory=self._directory,
        )
        variables["channel"] = channel.value
        # a template that can't render is the handler throwing (the engine maps it to EXCEPTION)
        request = self._compiled.build(variables, self.provider.credentials)
        record = self._callout(request, one_time_password, started)
        return DeliveryReport(
            record.result, callouts=(record,), note=record.note or record.rule, rule=record.rule,
            elapsed_ms=(time.perf_counter() - started) * 1000, warnings=warnings,
        )

    def _policy(self, user_id: str, phone: Phone) -> tuple[DeliveryResult, str] | None:
        p = self.provider
        if p.verified_only:
            user = self._directory.user_by_id(user_id) if self._directory and user_id else None
            if user is None or not (user.flags.user_verified or user.flags.admin_verified):
                return (DeliveryResult.INVALID_PHONE_NUMBER,
                        "verified-only policy: the number isn't verified (no callout)")
        if p.country_allow_list:
            allowed = {c.strip().upper().lstrip("+") for c in p.country_allow_list}
            region = (phone.region or "").upper()
            if region not in allowed and str(phone.country_code) not in allowed:
                return (DeliveryResult.COUNTRY_BLOCK,
                        f"country allow-list: {phone.region or '+' + str(phone.country_code)} "
                        "isn't on it (no callout)")
        return None

    # -- the callout -------------------------------------------------------------------------

    def _callout(self, req: BuiltRequest, otp: str, started: float) -> CalloutRecord:
        assert self.config is not None
        started_at = datetime.now(UTC)
        deadline = started + self.timeout_s
        req_headers: tuple[tuple[str, str], ...] = req.headers
        status: int | None = None
        resp_headers: tuple[tuple[str, str], ...] = ()
        body = bytearray()
        error: str | None = None
        detail = location = ""
        with secrets_in_flight([*self._secrets, otp]):
            try:
                request = httpx.Request(
                    req.method, req.url, headers=[*req.headers, ("User-Agent", USER_AGENT)],
                    content=req.content or None, extensions={"timeout": self._timeouts},
                )
                req_headers = tuple(request.headers.items())
                response = self._transport.handle_request(request)
                try:
                    status = response.status_code
                    resp_headers = tuple(response.headers.items())
                    location = response.headers.get("location", "?")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                        raise _TooLarge
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > MAX_RESPONSE_BYTES:
                            raise _TooLarge
                        if time.perf_counter() > deadline:
                            raise _Deadline
                finally:
                    response.close()
            except _TooLarge:
                error = "too_large"
            except (_Deadline, httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                error = _error_kind(exc)
                detail = (f"no complete answer within the {self.timeout_s:g} s deadline"
                          if isinstance(exc, _Deadline) else f"{type(exc).__name__}")
        elapsed_ms = (time.perf_counter() - started) * 1000
        result, rule = map_result(self.config.rules, Answer(
            status=status, body=bytes(body), error=error, headers=resp_headers,
        ))
        note = None
        if error == "too_large":
            note = APEX_NOTE
        elif error is not None:
            note = f"transport error ({error}): {detail}"
        elif status is not None and 300 <= status < 400:
            note = f"redirect to {location} not followed"
        return self._record(req, req_headers, status, resp_headers, bytes(body), error,
                            started_at, elapsed_ms, result, rule, note, otp)

    def _record(
        self, req: BuiltRequest, req_headers: tuple[tuple[str, str], ...], status: int | None,
        resp_headers: tuple[tuple[str, str], ...], body: bytes, error: str | None,
        started_at: datetime, elapsed_ms: float, result: DeliveryResult, rule: str,
        note: str | None, otp: str,
    ) -> CalloutRecord:
        req_text, req_cut = _cap(req.content.decode("utf-8", errors="replace"))
        resp_text, resp_cut = _cap(body.decode("utf-8", errors="replace"))
        raw = RawExchange(
            url=req.url,
            request=HttpMessage(req_headers, req_text, req_cut),
            response=(HttpMessage(resp_headers, resp_text, resp_cut or error == "too_large")
                      if status is not None else None),
        )
        red = redact_exchange(raw, self._redactor.plus(otp))
        return CalloutRecord(
            flow_id=current_flow() or "", provider=self.name, started_at=started_at,
            method=req.method, url=red.url, request=red.request, status=status,
            response=red.response, elapsed_ms=elapsed_ms, result=result, rule=rule,
            error=error, note=note,
            extra={"preset": self.config.preset if self.config else "",
                   "timeout_s": self.timeout_s, "channel": self.provider.channel.value},
            raw=raw,
        )
