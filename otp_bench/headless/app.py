"""The headless identity API as a Starlette app over the engine (SPEC §2 item 7).

Endpoints, each under a site's path segment (``/{site}/services/...``, see routing.py):

- ``POST /services/auth/headless/init/passwordless/login``  JSON → ``{identifier, status}``
- ``POST /services/auth/headless/init/registration``        JSON → ``{identifier, email}``
- ``POST /services/oauth2/authorize``  form + ``Auth-Request-Type``, ``Auth-Verification-Type``,
  ``Authorization: Basic base64(identifier:otp)``
  → ``{code, sfdc_community_url, sfdc_community_id}``
- ``POST /services/oauth2/token``      form (code, PKCE code_verifier) → access token JSON
- ``GET  /services/oauth2/userinfo``   ``Authorization: Bearer`` → the user (bench extra)
- ``GET  /_bench/inbox/{number}``      the phone inbox, codes included; only when the server is
  started with ``expose_inbox`` (the CLI's ``--expose-inbox``), for clients without the GUI.

Bench assumptions (Salesforce leaves them undocumented): the error bodies (errors.py); reCAPTCHA
isn't checked; ``password`` in a registration is accepted and ignored (the flow is passwordless);
only ``sms`` verification is served; authorize answers 200 with JSON (as the Mobile SDK reads it),
not a 302. No account enumeration (OTP-11): an init the end user mustn't learn was refused —
unknown username, not a member, unmet flag requirement, taken username, failed delivery — answers
exactly like a success, with a decoy identifier (grants.py) and after a similar delay (the median
of recent real inits); the operator sees the precise reason in the engine events.
``reveal_reasons=True`` (operator mode) answers those refusals as errors.

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
from datetime import UTC
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from otp_bench.domain.events import InitRefused
from otp_bench.domain.ids import new_id
from otp_bench.domain.model import NewUser, Site
from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine.engine import Engine
from otp_bench.engine.states import FLOW_SPECS
from otp_bench.headless import pkce
from otp_bench.headless import requests as rq
from otp_bench.headless.errors import (
    INVALID_GRANT,
    UNSUPPORTED_GRANT_TYPE,
    UNSUPPORTED_RESPONSE_TYPE,
    ApiError,
    api_error,
    bad_request,
    crash,
    http_error,
)
from otp_bench.headless.grants import AuthRequest, Grants
from otp_bench.headless.routing import resolve_site

log = logging.getLogger(__name__)

ORG_PREFIX = "00D"
REQUEST_TYPES = {
    "passwordless-login": UseCase.HEADLESS_PASSWORDLESS_LOGIN,
    "user-registration": UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
}
# Refusals the end user may learn: they say nothing about whether an account exists.
_PUBLIC = {
    Reason.FEATURE_DISABLED, Reason.CUSTOM_OTP_NOT_ENABLED, Reason.RATE_LIMITED,
    Reason.INVALID_PHONE_NUMBER,
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class _Found:
    """Where an identifier from an init leads: a real flow or a decoy."""

    use_case: UseCase
    site_id: str
    decoy: bool


class HeadlessApi:
    def __init__(
        self, engine: Engine, *, reveal_reasons: bool = False, expose_inbox: bool = False
    ) -> None:
        self.engine = engine
        self.reveal_reasons = reveal_reasons
        self.expose_inbox = expose_inbox
        self.grants = Grants(now=engine.clock.now)
        self.org_id = new_id(ORG_PREFIX)  # the bench has no org record; one per server
        self._init_latencies: deque[float] = deque(maxlen=50)  # seconds, recent real inits

    # -- the app ---------------------------------------------------------------------------

    def app(self) -> Starlette:
        endpoints: list[tuple[str, Any, str]] = [
            ("/services/auth/headless/init/passwordless/login", self.init_login, "POST"),
            ("/services/auth/headless/init/registration", self.init_registration, "POST"),
            ("/services/oauth2/authorize", self.authorize, "POST"),
            ("/services/oauth2/token", self.token, "POST"),
            ("/services/oauth2/userinfo", self.userinfo, "GET"),
        ]
        routes = [Route("/_bench/inbox/{number}", self.inbox, methods=["GET"])]
        for path, fn, method in endpoints:
            routes.append(Route("/{site}" + path, fn, methods=[method]))
            routes.append(Route(path, fn, methods=[method]))  # a site without a prefix
        return Starlette(
            routes=routes,
            exception_handlers={
                ApiError: api_error, HTTPException: http_error, Exception: crash,
            },
        )

    async def _site(self, request: Request) -> tuple[Site, str]:
        segment = str(request.path_params.get("site", ""))
        site = resolve_site(await run_in_threadpool(self.engine.store.sites), segment)
        if site is None:
            where = f"/{segment}" if segment else "the root path"
            raise ApiError(404, "not_found", f"no site answers at {where}")
        return site, segment

    def _community_url(self, request: Request, segment: str) -> str:
        base = str(request.base_url).rstrip("/")
        return f"{base}/{segment}" if segment else base

    # -- init ------------------------------------------------------------------------------

    async def init_login(self, request: Request) -> Response:
        site, _ = await self._site(request)
        body = await rq.json_body(request)
        username = rq.text(body, "username")
        rq.sms_method(rq.text(body, "verificationmethod"), "verificationmethod")
        identifier = await self._timed_init(self._start_login, site, username)
        return JSONResponse({"identifier": identifier, "status": "success"}, headers=_NO_STORE)

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
        site, _ = await self._site(request)
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
        return JSONResponse({"identifier": identifier, "email": email}, headers=_NO_STORE)

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

    # -- authorize -------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        site, segment = await self._site(request)
        form = await rq.form_body(request)
        response_type = rq.text(form, "response_type", where="form")
        if response_type != "code_credentials":
            raise bad_request(
                f"response_type {response_type!r} isn't supported here; headless flows use "
                "code_credentials", UNSUPPORTED_RESPONSE_TYPE,
            )
        client_id = rq.text(form, "client_id", where="form")
        redirect_uri = rq.text(form, "redirect_uri", where="form")
        challenge = rq.text(form, "code_challenge", where="form")
        method = form.get("code_challenge_method", "S256")
        if method != "S256":
            raise bad_request(f"code_challenge_method {method!r} isn't supported; use S256")
        request_type = request.headers.get("auth-request-type", "").strip().lower()
        if request_type not in REQUEST_TYPES:
            raise bad_request(
                "the Auth-Request-Type header must be passwordless-login or user-registration"
            )
        rq.sms_method(request.headers.get("auth-verification-type", "").strip() or "(missing)",
                      "Auth-Verification-Type")
        identifier, code = rq.basic_credentials(request)
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
        self.grants.remember_request(outcome.auth_code, AuthRequest(
            site_id=site.id, client_id=client_id, redirect_uri=redirect_uri,
            code_challenge=challenge, scope=form.get("scope", "") or "api",
            issued_at=self.engine.clock.now(),
        ))
        return JSONResponse({
            "code": outcome.auth_code,
            "sfdc_community_url": self._community_url(request, segment),
            "sfdc_community_id": site.id,
        }, headers=_NO_STORE)

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

    # -- token -----------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        site, segment = await self._site(request)
        form = await rq.form_body(request)
        grant_type = rq.text(form, "grant_type", where="form")
        if grant_type not in ("authorization_code", "hybrid_auth_code"):
            raise bad_request(f"grant_type {grant_type!r} isn't supported; use "
                              "authorization_code", UNSUPPORTED_GRANT_TYPE)
        code = rq.text(form, "code", where="form")
        # Single use: the code is spent by this call whatever happens next.
        req = self.grants.take_request(code)
        grant = await run_in_threadpool(self.engine.redeem_auth_code, code)
        if req is None or grant is None:
            raise bad_request("the authorization code is unknown, expired or already used",
                              INVALID_GRANT)
        if req.site_id != site.id:
            raise bad_request("the authorization code was issued by another site", INVALID_GRANT)
        if form.get("client_id", "") != req.client_id:
            raise bad_request("client_id doesn't match the authorize request", INVALID_GRANT)
        if form.get("redirect_uri", "") != req.redirect_uri:
            raise bad_request("redirect_uri doesn't match the authorize request", INVALID_GRANT)
        verifier = form.get("code_verifier", "")
        if not verifier:
            raise bad_request("code_verifier is required (PKCE)", INVALID_GRANT)
        if not pkce.verifier_matches(verifier, req.code_challenge):
            raise bad_request("code_verifier doesn't match the code_challenge (PKCE S256)",
                              INVALID_GRANT)
        token = self.grants.mint_token(self.org_id, grant.user_id, site.id, req.scope)
        base = str(request.base_url).rstrip("/")
        issued = self.engine.clock.now().astimezone(UTC)
        return JSONResponse({
            "access_token": token,
            "sfdc_community_url": self._community_url(request, segment),
            "sfdc_community_id": site.id,
            "id": f"{base}/id/{self.org_id}/{grant.user_id}",
            "token_type": "Bearer",
            "issued_at": str(int(issued.timestamp() * 1000)),
            "scope": req.scope,
            "instance_url": base,
        }, headers=_NO_STORE)

    # -- bench extras ----------------------------------------------------------------------

    async def userinfo(self, request: Request) -> Response:
        await self._site(request)
        token = self.grants.token(rq.bearer_token(request))
        if token is None:
            raise ApiError(401, "invalid_token", "the access token is missing or unknown")
        user = await run_in_threadpool(self.engine.store.user_by_id, token.user_id)
        if user is None:
            raise ApiError(401, "invalid_token", "the token's user no longer exists")
        base = str(request.base_url).rstrip("/")
        return JSONResponse({
            "sub": f"{base}/id/{self.org_id}/{user.id}",
            "user_id": user.id,
            "organization_id": self.org_id,
            "preferred_username": user.username,
            "name": user.display_name,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "mobile_phone": user.mobile,
            "mobile_phone_verified": user.flags.user_verified or user.flags.admin_verified,
        }, headers=_NO_STORE)

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
        ], headers=_NO_STORE)


def build_app(engine: Engine, **options: bool) -> Starlette:
    """The headless API for ``engine``; options: ``reveal_reasons``, ``expose_inbox``."""
    return HeadlessApi(engine, **options).app()
