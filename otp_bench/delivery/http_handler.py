"""The declarative custom handler: one real HTTP callout per ``sendOneTimePassword``.

Mirrors what an Apex handler can do: one request (no retries: a resent SMS costs twice and
reaches the user twice), redirects not followed, a timeout of 10 s by default and 120 s at most
that is one overall deadline enforced by a timer in ``exchange.perform`` (httpx's timeouts are
per read, so a server dripping its headers could otherwise outlive it), and a 6 MB response
ceiling, all through the shared ``CalloutClient``. Policy options refuse before any callout:
``verified_only`` and ``country_allow_list``. Every callout becomes a ``CalloutRecord``, redacted,
with the unredacted exchange in ``raw`` for the store to seal.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from otp_bench.delivery.base import DeliveryReport, Directory, Inbox
from otp_bench.delivery.callout_client import (  # noqa: F401  (re-exported: the old home)
    APEX_NOTE,
    MAX_RESPONSE_BYTES,
    STORED_BODY_CHARS,
    USER_AGENT,
    CalloutClient,
)
from otp_bench.delivery.pumping_guard import PumpingGuard
from otp_bench.delivery.request import BuiltRequest, CompiledConfig, call_variables
from otp_bench.delivery.template import cached_phone
from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.http_config import MAX_TIMEOUT_S, ConfigError, HttpConfig
from otp_bench.domain.model import ProviderConfig
from otp_bench.domain.phone import Phone, PhoneError
from otp_bench.domain.rules import Answer, map_result
from otp_bench.domain.vocabulary import DeliveryResult


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
        public = set(self.config.public_credentials) if self.config else set()
        secrets = [v for k, v in config.credentials.items() if k not in public and v]
        if self.config and self.config.auth.kind == "basic":
            a, creds = self.config.auth, config.credentials
            pair = f"{creds.get(a.username, '')}:{creds.get(a.password, '')}"
            secrets.append(base64.b64encode(pair.encode()).decode())
        secret_headers = (
            tuple(self.config.secret_headers) + self.config.auth.header_names()
            if self.config else ()
        )
        self.client = CalloutClient(config.name, transport=transport, secrets=secrets,
                                    secret_headers=secret_headers)

        guard = self.config.pumping_guard if self.config else None
        self._guard = PumpingGuard(guard) if guard is not None and guard.enabled else None

    def close(self) -> None:
        self.client.close()

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
        if self._guard is not None:  # last: only a send that would go out is counted
            return self._guard.check(phone)
        return None

    # -- the callout -------------------------------------------------------------------------

    def _callout(self, req: BuiltRequest, otp: str, started: float) -> CalloutRecord:
        assert self.config is not None
        # the overall deadline counts from the platform call, as Apex's timeout does
        ex = self.client.send(req, timeout_s=self.timeout_s, otp=otp,
                              deadline_s=self.timeout_s - (time.perf_counter() - started))
        result, rule = map_result(self.config.rules, Answer(
            status=ex.status, body=ex.body, error=ex.error, headers=ex.headers,
        ))
        return self.client.record(
            ex, otp=otp, result=result, rule=rule,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            extra={"preset": self.config.preset, "timeout_s": self.timeout_s,
                   "channel": self.provider.channel.value},
        )
