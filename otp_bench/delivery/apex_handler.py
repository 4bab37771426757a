"""The "Apex class" provider: the user's own ``Auth.CustomOneTimePasswordDeliveryHandler``, run.

``ApexHandler`` implements the delivery seam with the Apex runtime (``otp_bench.apex``): it loads
the class from its source (a ``.cls``, a folder, an sfdx project), builds the org around it
(``ApexEnvironment``: named credentials, remote sites, custom metadata and settings, SOQL on the
workspace's users and sites) and runs ``sendOneTimePassword`` as one transaction. Callouts go
through the bench's ``CalloutClient`` (same transport, deadline, 6 MB cap, records, redaction).

The source is watched, not trusted: each send stats the files (cheap) and re-reads them only when
a modification time or size changed; the runtime parses once per content hash. A save from the
user's editor is therefore picked up on the next send, without a restart.

What the operator sees: the report's note says where the handler ended (``returned SUCCESS at line
52``, ``threw System.NullPointerException: … at line 39 → EXCEPTION``), ``System.debug`` lines
come back as log lines with their line numbers, and the runtime's warnings as report warnings,
all with the OTP and every secret redacted. Source that doesn't parse or uses what the bench
doesn't interpret is refused before any callout (``EXCEPTION``, the diagnostics in the log).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path
from typing import Any

from otp_bench.apex import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    ApexLoadError,
    ApexProgram,
    ApexRunResult,
    ApexSource,
    CalloutFailure,
    NamedCredential,
    SendArgs,
    SourceError,
    apex_available,
    find_handler_classes,
    load_program,
    run_send,
)
from otp_bench.delivery.base import DeliveryReport, Directory, HandlerLogLine, Inbox
from otp_bench.delivery.callout_client import Callout, CalloutClient
from otp_bench.delivery.credential_formula import FormulaError, evaluate, merge
from otp_bench.delivery.redaction import Redactor
from otp_bench.delivery.request import BuiltRequest
from otp_bench.domain.apex_provider import MOCK, ApexConfig, origin
from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.http_config import ConfigError
from otp_bench.domain.model import ProviderConfig
from otp_bench.domain.vocabulary import DeliveryResult

NOT_COMPILED = "interpreted by otp-bench, not compiled by Salesforce"
# What Apex's CalloutException says for each transport failure. Bench assumption: the wording of
# the non-timeout messages is the common one seen in debug logs, not documented by Salesforce.
_CALLOUT_MESSAGES = {
    "timeout": "Read timed out",
    "connect": "Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 503 Service Unavailable\"",
    "protocol": "Unexpected end of file from server",
    "network": "Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 503 Service Unavailable\"",
    "too_large": "Exceeded max size limit of 6000000",
}


class SourceWatch:
    """The program of one source path, reloaded when a file's mtime or size changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._program: ApexProgram | None = None
        self._source: ApexSource | None = None
        self._error: Exception | None = None

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        root = Path(self.path)
        paths = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.suffix.lower() in (".cls", ".xml", ".json"))
        stamp = []
        for p in paths:
            try:
                st = os.stat(p)
            except OSError:
                continue
            stamp.append((str(p), st.st_mtime_ns, st.st_size))
        return tuple(stamp)

    def load(self) -> tuple[ApexProgram, ApexSource]:
        """The current program; raises ApexLoadError / SourceError as the runtime does."""
        with self._lock:
            stamp = self._files()
            if stamp != self._stamp:
                self._stamp = stamp
                self._program, self._source, self._error = None, None, None
                try:
                    self._source = ApexSource.from_paths(self.path)
                    self._program = load_program(self._source)  # cached by content hash
                except (ApexLoadError, SourceError) as exc:
                    self._error = exc
            if self._error is not None:
                raise self._error
            assert self._program is not None and self._source is not None
            return self._program, self._source


_WATCHES: dict[str, SourceWatch] = {}
_WATCHES_LOCK = threading.Lock()


def watch_for(path: str) -> SourceWatch:
    """One watch per source path, shared by every handler (and the editor) that uses it."""
    key = str(Path(path).resolve())
    with _WATCHES_LOCK:
        w = _WATCHES.get(key)
        if w is None:
            w = _WATCHES[key] = SourceWatch(key)
        return w


class ApexHandler:
    def __init__(
        self, config: ProviderConfig, *, inbox: Inbox | None = None,
        directory: Directory | None = None, timeout_seconds: float = 10.0,
        transport: Any = None, mock_url: str | None = None,
    ) -> None:
        if config.apex is None:
            raise ConfigError("apex", f"provider {config.name!r} has no Apex source")
        if not apex_available():
            raise ConfigError("apex", "running Apex needs the Apex grammar: pip install "
                                      "'otp-bench[apex]'")
        self.name = config.name
        self.provider = config
        self.apex: ApexConfig = config.apex
        self._directory = directory
        self._mock_url = mock_url
        self.watch = watch_for(self.apex.source)
        secrets = [v for v in config.credentials.values() if v]
        for nc in self.apex.named_credentials:  # what Salesforce would put in Authorization
            user = config.credentials.get(f"{nc.name}.username", "")
            pwd = config.credentials.get(f"{nc.name}.password", "")
            if user or pwd:
                secrets.append(base64.b64encode(f"{user}:{pwd}".encode()).decode())
        self.client = CalloutClient(config.name, transport=transport, secrets=secrets)
        self._redactor: Redactor = self.client.redactor
        self.last: ApexRunResult | None = None  # for the editor: where the last run ended

    def close(self) -> None:
        self.client.close()

    # -- the org around the class --------------------------------------------------------------

    def _target(self, url: str) -> str:
        if url != MOCK:
            return url
        if not self._mock_url:
            raise ConfigError("apex", "a remote site or named credential points at the mock "
                                      "provider, which isn't running: start it first")
        return self._mock_url

    def _routed(self, url: str) -> str:
        """A named credential's URL, sent where the remote sites say its host really goes."""
        url = self._target(url)
        home = origin(url)
        for site, target in self.apex.remote_sites:
            if site == home:
                return self._target(target).rstrip("/") + url[len(home):]
        return url

    def _environment(self, source: ApexSource, sent: list[Callout], otp: str) -> ApexEnvironment:
        creds = self.provider.credentials
        ncs: dict[str, NamedCredential] = {}
        for name, spec in source.named_credentials.items():  # an sfdx project's metadata
            meta = NamedCredential.from_mapping(spec)
            ncs[name] = NamedCredential(
                url=self._routed(meta.url), username=creds.get(f"{name}.username", meta.username),
                password=creds.get(f"{name}.password", ""), token=meta.token,
                generate_authorization_header=meta.generate_authorization_header,
                allow_merge_fields=meta.allow_merge_fields)
        ec_urls: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
        for nc in self.apex.named_credentials:
            url = self._routed(nc.url)
            if nc.external_credential:
                # current format: the runtime routes, the External Credential is applied here
                ec_urls.append((url.rstrip("/"), nc.external_credential, nc.auth_headers))
                ncs[nc.name] = NamedCredential(url=url, generate_authorization_header=False,
                                               allow_merge_fields=False)
            else:
                ncs[nc.name] = NamedCredential(
                    url=url, username=creds.get(f"{nc.name}.username", ""),
                    password=creds.get(f"{nc.name}.password", ""),
                    generate_authorization_header=nc.generate_authorization_header,
                    allow_merge_fields=nc.allow_merge_fields)
        ec_params: dict[tuple[str, str], str] = {}
        for key, value in creds.items():  # "<EC>.<param>" secrets
            ec, _, param = key.partition(".")
            if param:
                ec_params[(ec.lower(), param.lower())] = value
        metadata = {**source.custom_metadata, **{k: {r: dict(f) for r, f in recs.items()}
                                                  for k, recs in self.apex.custom_metadata.items()}}
        directory = self._directory

        def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
            headers = list(request.headers)
            body = request.body
            for base, ec, auth in ec_urls:
                if request.endpoint.startswith(base):
                    try:
                        headers = [(k, merge(v, ec_params)) for k, v in headers]
                        body = merge(body.decode("utf-8", "replace"), ec_params).encode() \
                            if b"{!$Credential." in body else body
                        for name, formula in auth:
                            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
                            headers.append((name, evaluate(formula, ec_params)))
                    except FormulaError as exc:
                        raise CalloutFailure(f"External Credential {ec}: {exc}") from None
                    break
            built = BuiltRequest(request.method, request.endpoint, tuple(headers), body)
            callout = self.client.send(built, timeout_s=timeout_s, otp=otp)
            sent.append(callout)
            if callout.error is not None:
                raise CalloutFailure(_CALLOUT_MESSAGES.get(callout.error, "Callout failed"))
            ex = callout.exchange
            return ApexHttpResponse(status_code=ex.status or 0, status=_reason(ex.status),
                                    headers=list(ex.headers), body=ex.body)

        def user(user_id: str) -> dict[str, Any] | None:
            u = directory.user_by_id(user_id) if directory else None
            if u is None:
                return None
            return {"Id": u.id, "Username": u.username, "FirstName": u.first_name,
                    "LastName": u.last_name, "Name": u.display_name, "Email": u.email,
                    "MobilePhone": u.mobile, "LanguageLocaleKey": u.locale,
                    "LocaleSidKey": u.locale, "IsActive": u.active, "UserType": (
                        "CspLitePortal" if u.license.is_external else "Standard")}

        def network(site_id: str) -> dict[str, Any] | None:
            s = directory.site_by_id(site_id) if directory else None
            if s is None:
                return None
            return {"Id": s.id, "Name": s.name, "UrlPathPrefix": s.url_prefix, "Status": "Live"}

        return ApexEnvironment(
            send=send, named_credentials=ncs,
            remote_sites={site: self._target(target) for site, target in self.apex.remote_sites},
            custom_metadata=metadata,
            custom_settings={k: dict(v) for k, v in self.apex.custom_settings.items()},
            user_by_id=user, network_by_id=network,
        )

    # -- the platform call ---------------------------------------------------------------------

    def class_name(self, program: ApexProgram) -> str:
        if self.apex.class_name:
            return self.apex.class_name
        found = find_handler_classes(program)
        if len(found) != 1:
            raise ConfigError("class", (
                "no class implements Auth.CustomOneTimePasswordDeliveryHandler" if not found
                else f"{len(found)} classes implement the interface ({', '.join(found)}): "
                     "name one in the provider config"))
        return found[0]

    def send_one_time_password(
        self, user_id: str, phone_number: str, one_time_password: str, default_text: str,
        network_id: str, experience_id: str,
    ) -> DeliveryReport:
        started = time.perf_counter()
        redact = self._redactor.plus(one_time_password)
        try:
            program, source = self.watch.load()
        except ApexLoadError as exc:
            lines = tuple(HandlerLogLine(d.line, "BENCH", redact.text(str(d)), d.file)
                          for d in exc.diagnostics)
            first = str(exc.diagnostics[0]) if exc.diagnostics else str(exc)
            return DeliveryReport(
                DeliveryResult.EXCEPTION, note=f"not run (refused before any callout): {first}",
                log=lines, elapsed_ms=(time.perf_counter() - started) * 1000)
        except SourceError as exc:
            raise ConfigError("apex", str(exc)) from None
        cls = self.class_name(program)
        sent: list[Callout] = []
        env = self._environment(source, sent, one_time_password)
        # an empty Id is Apex's null (a send test from the editor has no user or site)
        args = SendArgs(user_id or None, phone_number, one_time_password,  # type: ignore[arg-type]
                        default_text, network_id or None, experience_id)  # type: ignore[arg-type]
        run = run_send(program, cls, args, env)
        self.last = run
        result = run.result or DeliveryResult.EXCEPTION
        if run.result is None:  # refused mid-run or an interpreter fault: never a guess
            note = run.refusal or run.ended
        elif run.exception is not None:
            note = f"{run.ended} → {result.value}"
        else:
            note = run.ended
        note = redact.text(note)
        file = f"{cls}.cls"
        log = [HandlerLogLine(d.line, d.level, redact.text(d.text), file) for d in run.debug]
        warnings = [redact.text(w) for w in run.warnings]
        log += [HandlerLogLine(0, "BENCH", w, file) for w in warnings]
        channel = self.provider.channel
        if channel.security_warning:
            warnings.insert(0, channel.security_warning)
        records = tuple(self._record(c, one_time_password, result, note) for c in sent)
        return DeliveryReport(
            # the rule is where the handler ended: the live log's delivery row says it
            result, callouts=records, note=note, rule=f"{note} ({cls}, {NOT_COMPILED})",
            elapsed_ms=(time.perf_counter() - started) * 1000, warnings=tuple(warnings),
            log=tuple(log),
        )

    def _record(self, c: Callout, otp: str, result: DeliveryResult, note: str) -> CalloutRecord:
        return self.client.record(c, otp=otp, result=result, rule=f"Apex handler: {note}",
                                  extra={"kind": "apex", "channel": self.provider.channel.value})


def _reason(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status or 0).phrase
    except ValueError:
        return ""
