"""The headless identity API as a Starlette app over the engine (SPEC §2 item 7).

Endpoints, each under a site's path segment (``/{site}/services/...``, see routing.py) and, for
a single site without a prefix, at the root:

- ``POST /services/auth/headless/init/passwordless/login``  JSON → ``{identifier, status}``
- ``POST /services/auth/headless/init/registration``        JSON → ``{identifier, email}``
- ``POST /services/oauth2/authorize`` → 302 to the redirect URI; ``GET /services/oauth2/echo``;
  ``POST /services/oauth2/token``; ``GET|POST /services/oauth2/revoke`` (oauth.py)
- ``GET|POST /services/oauth2/userinfo``, ``GET|POST /id/<org>/<user>``, ``GET /id/keys``,
  ``GET /.well-known/openid-configuration`` (identity.py)
- ``GET  /_bench/inbox/{number}``      the phone inbox, codes included; only when the server is
  started with ``expose_inbox`` (the CLI's ``--expose-inbox``), for clients without the GUI.

Bench assumptions (Salesforce leaves them undocumented): the error bodies (errors.py); reCAPTCHA
isn't checked; ``password`` in a registration is accepted and ignored (the flow is passwordless);
only ``sms`` verification is served. No account enumeration (OTP-11): an init the end user
mustn't learn was refused — unknown username, not a member, unmet flag requirement, taken
username, failed delivery — answers exactly like a success, with a decoy identifier (grants.py)
and after a similar delay (the median of recent real inits); the operator sees the precise
reason in the engine events. ``reveal_reasons=True`` (operator mode) answers those refusals as
errors. Request bodies are limited while they are read (requests.py); an unexpected failure is
one log line and a JSON 500, never a traceback.

The engine is blocking: every engine or store call runs in Starlette's thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from otp_bench.domain.events import InitRefused
from otp_bench.domain.model import NewUser, Site
from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine.engine import Engine
from otp_bench.engine.states import FLOW_SPECS
from otp_bench.headless import requests as rq
from otp_bench.headless.errors import ApiError, CatchAll, api_error, bad_request, http_error
from otp_bench.headless.grants import Grants
from otp_bench.headless.identity import IdentityEndpoints
from otp_bench.headless.keys import load_identity
from otp_bench.headless.oauth import NO_STORE, OAuthEndpoints
from otp_bench.headless.routing import resolve_site
from otp_bench.headless.tokens import TokenStore

log = logging.getLogger(__name__)

REQUEST_TYPES = {
    "passwordless-login": UseCase.HEADLESS_PASSWORDLESS_LOGIN,
    "user-registration": UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
}
# Refusals the end user may learn: they say nothing about whether an account exists.
_PUBLIC = {
    Reason.FEATURE_DISABLED, Reason.CUSTOM_OTP_NOT_ENABLED, Reason.RATE_LIMITED,
    Reason.INVALID_PHONE_NUMBER,
}


@dataclass(frozen=True)
class _Found:
    """Where an identifier from an init leads: a real flow or a decoy."""

    use_case: UseCase
    site_id: str
    decoy: bool


class HeadlessApi:
    REQUEST_TYPES = REQUEST_TYPES

    def __init__(
        self, engine: Engine, *, reveal_reasons: bool = False, expose_inbox: bool = False
    ) -> None:
        self.engine = engine
        self.reveal_reasons = reveal_reasons
        self.expose_inbox = expose_inbox
        self.grants = Grants(now=engine.clock.now)
        self.identity = load_identity(engine.store)
        self.tokens = TokenStore(now=engine.clock.now, timeout=lambda: timedelta(
            seconds=engine.settings.session_timeout_seconds))
        self._init_latencies: deque[float] = deque(maxlen=50)  # seconds, recent real inits

    # -- the app ---------------------------------------------------------------------------

    def app(self) -> Starlette:
        oauth = OAuthEndpoints(self)
        ident = IdentityEndpoints(self)
        get, post, both = ["GET"], ["POST"], ["GET", "POST"]
        endpoints: list[tuple[str, Any, list[str]]] = [
            ("/services/auth/headless/init/passwordless/login", self.init_login, post),
            ("/services/auth/headless/init/registration", self.init_registration, post),
            ("/services/oauth2/authorize", oauth.authorize, post),
            ("/services/oauth2/echo", oauth.echo, get),
            ("/services/oauth2/token", oauth.token, post),
            ("/services/oauth2/revoke", oauth.revoke, both),
            ("/services/oauth2/userinfo", ident.userinfo, both),
            ("/.well-known/openid-configuration", ident.discovery, get),
            ("/id/keys", ident.jwks, get),
            ("/id/{org}/{user}", ident.identity, both),
        ]
        routes = [Route("/_bench/inbox/{number}", self.inbox, methods=get)]
        for path, fn, methods in endpoints:
            routes.append(Route(path, fn, methods=methods))  # a site without a prefix
            routes.append(Route("/{site}" + path, fn, methods=methods))
        return Starlette(
            routes=routes,
            middleware=[
                Middleware(CatchAll),
                # Bench assumption: every origin is allowed (Salesforce: Setup → CORS allowlist),
                # so a single-page app on any dev port can call the bench from a browser.
                Middleware(CORSMiddleware, allow_origin_regex=".*", allow_methods=both,
                           allow_headers=["*"], max_age=600),
            ],
            exception_handlers={ApiError: api_error, HTTPException: http_error},
        )

    # -- where a request is addressed ------------------------------------------------------

    async def site_segment(self, request: Request) -> str:
        """The site path segment; an unknown one is a 404, the root is always fine."""
        segment = str(request.path_params.get("site", ""))
        if segment:
            await self.site(request)
        return segment

    async def site(self, request: Request) -> tuple[Site, str]:
        segment = str(request.path_params.get("site", ""))
        site = resolve_site(await run_in_threadpool(self.engine.store.sites), segment)
        if site is None:
            where = f"/{segment}" if segment else "the root path"
            raise ApiError(404, "not_found", f"no site answers at {where}")
        return site, segment

    @staticmethod
    def base_url(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def community_url(self, request: Request, segment: str) -> str:
        base = self.base_url(request)
        return f"{base}/{segment}" if segment else base

    def identity_url(self, community: str, user_id: str) -> str:
        return f"{community}/id/{self.identity.org_id}/{user_id}"

    # -- init ------------------------------------------------------------------------------

    async def init_login(self, request: Request) -> Response:
        site, _ = await self.site(request)
        body = await rq.json_body(request)
        username = rq.text(body, "username")
        rq.sms_method(rq.text(body, "verificationmethod"), "verificationmethod")
        identifier = await self._timed_init(self._start_login, site, username)
        return JSONResponse({"identifier": identifier, "status": "success"}, headers=NO_STORE)

    async def _timed_init(self, fn: Callable[..., str], *args: Any) -> str:
        """Runs an init; a decoy answer waits until the typical real init's latency has passed.

        A real init calls the provider (often hundreds of ms); a decoy doesn't. Without the wait,
        the answer's timing would tell an unknown username from a known one (OTP-11).
        """
        started = time.perf_counter()
        identifier = await run_in_threadpool(fn, *args)
        elapsed = time.perf_counter() - started
        if self.grants.decoy(identifier) is None:
            self._init_latencies.append(elapsed)
        elif self._init_latencies:
            await asyncio.sleep(max(0.0, statistics.median(self._init_latencies) - elapsed))
        return identifier

    def _start_login(self, site: Site, username: str) -> str:
        use_case = UseCase.HEADLESS_PASSWORDLESS_LOGIN
        store = self.engine.store
        if store.user_by_username(username) is None:
            # The engine raises NotFound for an unknown user before checking the site's gate,
            # and records nothing: check the gate here and log the refusal for the operator.
            reason = Reason.FEATURE_DISABLED if self._gate_closed(site, use_case) else (
                Reason.UNKNOWN_USER
            )
            self._log_refusal(site, username, use_case, reason)
            if reason is Reason.FEATURE_DISABLED:
                raise ApiError.from_reason(reason)
            return self._decoy_or_raise(site, username, use_case, reason)
        out = self.engine.start(use_case, site.id, username)
        if out.ok and out.identifier:
            return out.identifier
        assert out.reason is not None
        return self._decoy_or_raise(site, username, use_case, out.reason, out.detail)

    async def init_registration(self, request: Request) -> Response:
        site, _ = await self.site(request)
        body = await rq.json_body(request)
        user = rq.obj(body, "userdata")
        custom = body.get("customdata") or {}
        if not isinstance(custom, dict):
            raise bad_request("customdata must be a JSON object")
        rq.sms_method(rq.text(body, "verificationmethod"), "verificationmethod")
        username = rq.text(user, "username", where="userdata")
        email = rq.text(user, "email", where="userdata")
        if "@" not in username or " " in username:
            raise bad_request("userdata.username must look like an email address (Salesforce)")
        mobile = rq.text(custom, "mobilePhone", where="customdata")
        try:
            parse_phone(mobile, site.default_region)
        except PhoneError as exc:
            raise ApiError.from_reason(
                Reason.INVALID_PHONE_NUMBER, f"customdata.mobilePhone: {exc}"
            ) from None
        new_user = NewUser(
            username=username, mobile=mobile, email=email,
            first_name=rq.text(user, "firstName", where="userdata", required=False),
            last_name=rq.text(user, "lastName", where="userdata", required=False),
        )
        identifier = await self._timed_init(self._start_registration, site, new_user)
        return JSONResponse({"identifier": identifier, "email": email}, headers=NO_STORE)

    def _start_registration(self, site: Site, new_user: NewUser) -> str:
        use_case = UseCase.HEADLESS_PASSWORDLESS_REGISTRATION
        out = self.engine.start(use_case, site.id, new_user=new_user)
        if out.ok and out.identifier:
            return out.identifier
        assert out.reason is not None
        return self._decoy_or_raise(site, new_user.username, use_case, out.reason, out.detail)

    def _gate_closed(self, site: Site, use_case: UseCase) -> bool:
        gate = FLOW_SPECS[use_case].headless_gate
        return use_case not in site.enabled_use_cases or bool(gate and not getattr(site, gate))

    def _decoy_or_raise(
        self, site: Site, username: str, use_case: UseCase, reason: Reason, detail: str = ""
    ) -> str:
        if reason in _PUBLIC or self.reveal_reasons:
            raise ApiError.from_reason(reason, detail if self.reveal_reasons else "")
        policy = self.engine.settings.otp
        if self.grants.decoy_rate_limited(username, policy):
            raise ApiError.from_reason(Reason.RATE_LIMITED)
        return self.grants.new_decoy(use_case, site.id, policy)

    def _log_refusal(self, site: Site, username: str, use_case: UseCase, reason: Reason) -> None:
        """The engine raises for an unknown user without an event; the operator still sees it."""
        e = self.engine
        ev = InitRefused(
            at=e.clock.now(), site=site.name, user=username, use_case=use_case, step="init",
            reason=reason, detail=f"headless init for {username!r}: {reason.sentence}",
        )
        with e.store.transaction() as tx:
            e.publish_after(tx, [ev])

    # -- the OTP check behind authorize (oauth.py) ---------------------------------------

    async def verify_otp(self, site: Site, identifier: str, code: str, request_type: str) -> str:
        """The authorization code for a right ``code``; an ApiError for anything else."""
        found = await run_in_threadpool(self._find, identifier)
        if found is None or found.site_id != site.id:
            raise ApiError.from_reason(Reason.UNKNOWN_IDENTIFIER)
        if found.use_case is not REQUEST_TYPES[request_type]:
            wanted = next(k for k, v in REQUEST_TYPES.items() if v is found.use_case)
            raise bad_request(
                f"Auth-Request-Type {request_type} doesn't match the flow this identifier "
                f"started ({wanted})"
            )
        if found.decoy:
            raise ApiError.from_reason(
                self.grants.fail_decoy(identifier, self.engine.settings.otp)
            )
        outcome = await run_in_threadpool(self.engine.verify_identifier, identifier, code)
        if not outcome.success or outcome.auth_code is None:
            raise ApiError.from_reason(outcome.reason or Reason.INVALID_CODE)
        return outcome.auth_code

    def _find(self, identifier: str) -> _Found | None:
        decoy = self.grants.decoy(identifier)
        if decoy is not None:
            return _Found(decoy.use_case, decoy.site_id, True)
        with self.engine.store.transaction() as tx:
            ch = tx.challenge(identifier)
            flow = tx.flow(ch.flow_id) if ch else None
        if flow is None:
            return None
        return _Found(UseCase(flow.use_case), flow.site_id, False)

    # -- bench extras ----------------------------------------------------------------------

    async def inbox(self, request: Request) -> Response:
        if not self.expose_inbox:
            raise ApiError(404, "not_found", "the inbox isn't exposed (start with --expose-inbox)")
        number = str(request.path_params["number"]).strip()
        try:
            e164 = parse_phone(number).e164
        except PhoneError as exc:
            raise bad_request(f"number: {exc}") from None
        messages = await run_in_threadpool(self.engine.store.inbox, e164, limit=20)
        return JSONResponse([
            {"to": m.to, "from": m.sender, "body": m.body, "otp": m.otp, "via": m.via,
             "received_at": m.received_at.isoformat()}
            for m in messages
        ], headers=NO_STORE)


def build_app(engine: Engine, **options: bool) -> Starlette:
    """The headless API for ``engine``; options: ``reveal_reasons``, ``expose_inbox``."""
    return HeadlessApi(engine, **options).app()
