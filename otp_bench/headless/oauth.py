"""The OAuth half of the headless API: authorize (OTP → code), token, refresh, revoke, echo.

- ``POST /services/oauth2/authorize`` (form; ``Auth-Request-Type``, ``Auth-Verification-Type``,
  ``Authorization: Basic base64(identifier:otp)``) answers **302** to the redirect URI with
  ``code``, ``sfdc_community_url``, ``sfdc_community_id`` and the client's ``state``, as
  Salesforce does. The 302 also carries those parameters as a JSON body (bench extra, for curl).
- ``GET /services/oauth2/echo`` returns its query parameters as JSON: the callback URL the docs
  recommend, so a client that follows the redirect (OkHttp, fetch, httpx) reads JSON.
- ``POST /services/oauth2/token``: ``authorization_code`` (and the Mobile SDK's
  ``hybrid_auth_code``) and ``refresh_token`` grants.
- ``POST|GET /services/oauth2/revoke``: ``token`` = an access or refresh token.

PKCE is checked when authorize received a ``code_challenge`` or the connected app requires it.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from otp_bench.domain.model import Site, User
from otp_bench.headless import pkce
from otp_bench.headless import requests as rq
from otp_bench.headless.clients import Client, resolve_client
from otp_bench.headless.errors import (
    INVALID_GRANT,
    UNSUPPORTED_GRANT_TYPE,
    UNSUPPORTED_RESPONSE_TYPE,
    bad_request,
)
from otp_bench.headless.grants import AuthRequest
from otp_bench.headless.profile import user_claims
from otp_bench.headless.tokens import Session, id_token, signature, wants_refresh

if TYPE_CHECKING:
    from otp_bench.headless.app import HeadlessApi

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CODE_GRANTS = ("authorization_code", "hybrid_auth_code")


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query (existing parameters and the rest kept as
    written: ``urlunsplit`` would turn ``myapp:///cb`` into ``myapp:/cb``)."""
    base, hash_, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        joiner = ""
    return f"{base}{joiner}{urlencode(params)}{hash_}{fragment}"


class OAuthEndpoints:
    def __init__(self, api: HeadlessApi) -> None:
        self.api = api

    async def _client(self, client_id: str) -> Client:
        apps = await run_in_threadpool(self.api.engine.store.connected_apps)
        return resolve_client(apps, client_id, self.api.identity.fallback_secret)

    # -- authorize -------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        api = self.api
        site, segment = await api.site(request)
        form = await rq.form_body(request)
        response_type = rq.text(form, "response_type", where="form")
        if response_type != "code_credentials":
            raise bad_request(
                f"response_type {response_type!r} isn't supported here; headless flows use "
                "code_credentials", UNSUPPORTED_RESPONSE_TYPE,
            )
        client_id = rq.text(form, "client_id", where="form")
        redirect_uri = rq.text(form, "redirect_uri", where="form")
        request_type = rq.header(request, "Auth-Request-Type").lower()
        if request_type not in api.REQUEST_TYPES:
            raise bad_request(f"Auth-Request-Type {request_type!r} isn't supported: use "
                              "passwordless-login or user-registration")
        rq.sms_method(rq.header(request, "Auth-Verification-Type"), "Auth-Verification-Type")
        identifier, code = rq.basic_credentials(request)
        # The client is checked before the code: a misconfigured app mustn't spend an attempt.
        community = api.community_url(request, segment)
        client = await self._client(client_id)
        client.check_redirect(redirect_uri, community)
        scope = client.granted_scope(form.get("scope", ""))
        challenge = self._challenge(form, client)
        outcome_code = await api.verify_otp(site, identifier, code, request_type)
        api.grants.remember_request(outcome_code, AuthRequest(
            site_id=site.id, client_id=client_id, redirect_uri=redirect_uri,
            code_challenge=challenge, scope=scope, issued_at=api.engine.clock.now(),
            nonce=form.get("nonce", ""),
        ))
        params = {"code": outcome_code, "sfdc_community_url": community,
                  "sfdc_community_id": site.id}
        if form.get("state"):
            params["state"] = form["state"]
        return JSONResponse(params, status_code=302,
                            headers={"Location": with_query(redirect_uri, params), **NO_STORE})

    @staticmethod
    def _challenge(form: dict[str, str], client: Client) -> str:
        challenge = form.get("code_challenge", "").strip()
        if not challenge:
            if client.require_pkce:
                raise bad_request("code_challenge is required: the connected app "
                                  f"{client.client_id!r} requires PKCE")
            return ""
        method = form.get("code_challenge_method", "") or "S256"
        if method != "S256":
            raise bad_request(f"code_challenge_method {method!r} isn't supported; use S256")
        problem = pkce.challenge_problem(challenge)
        if problem:
            raise bad_request(problem)
        return challenge

    async def echo(self, request: Request) -> Response:
        await self.api.site(request)
        return JSONResponse(dict(request.query_params), headers=NO_STORE)

    # -- token -----------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        site, segment = await self.api.site(request)
        form = await rq.form_body(request)
        grant_type = rq.text(form, "grant_type", where="form")
        client_id, secret = self._client_credentials(request, form)
        if grant_type in CODE_GRANTS:
            return await self._code_grant(request, site, segment, form, client_id, secret)
        if grant_type == "refresh_token":
            return await self._refresh_grant(request, site, segment, form, client_id, secret)
        raise bad_request(f"grant_type {grant_type!r} isn't supported; use authorization_code "
                          "or refresh_token", UNSUPPORTED_GRANT_TYPE)

    @staticmethod
    def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
        """client_id and client_secret from the form or HTTP Basic (RFC 6749 §2.3.1)."""
        pair = rq.basic_pair(request, "client_id:client_secret")
        if pair is not None:
            return unquote_plus(pair[0]), unquote_plus(pair[1])
        return form.get("client_id", "").strip(), form.get("client_secret")

    async def _code_grant(self, request: Request, site: Site, segment: str,
                          form: dict[str, str], client_id: str, secret: str | None) -> Response:
        api = self.api
        code = rq.text(form, "code", where="form")
        # Single use: the code is spent by this call whatever happens next.
        req = api.grants.take_request(code)
        grant = await run_in_threadpool(api.engine.redeem_auth_code, code)
        if req is None or grant is None:
            raise bad_request("the authorization code is unknown, expired or already used",
                              INVALID_GRANT)
        if req.site_id != site.id:
            raise bad_request("the authorization code was issued by another site", INVALID_GRANT)
        if client_id != req.client_id:
            raise bad_request("client_id doesn't match the authorize request", INVALID_GRANT)
        if form.get("redirect_uri", "") != req.redirect_uri:
            raise bad_request("redirect_uri doesn't match the authorize request", INVALID_GRANT)
        client = await self._client(client_id)
        client.check_secret(secret)
        verifier = form.get("code_verifier", "")
        if req.code_challenge:
            if not verifier:
                raise bad_request("code_verifier is required: authorize received a "
                                  "code_challenge (PKCE)", INVALID_GRANT)
            problem = pkce.verifier_problem(verifier)
            if problem:
                raise bad_request(problem)
            if not pkce.verifier_matches(verifier, req.code_challenge):
                raise bad_request("code_verifier doesn't match the code_challenge (PKCE S256)",
                                  INVALID_GRANT)
        session = Session(grant.user_id, site.id, client_id, req.scope)
        return await self._respond(request, site, segment, client, session,
                                   nonce=req.nonce, new_refresh=wants_refresh(req.scope))

    async def _refresh_grant(self, request: Request, site: Site, segment: str,
                             form: dict[str, str], client_id: str, secret: str | None
                             ) -> Response:
        refresh = rq.text(form, "refresh_token", where="form")
        session = self.api.tokens.refresh_session(refresh)
        if session is None or session.site_id != site.id:
            raise bad_request("expired access/refresh token: the refresh token is unknown or "
                              "revoked", INVALID_GRANT)
        if client_id and client_id != session.client_id:
            raise bad_request("client_id doesn't match the client the refresh token was "
                              "issued to", INVALID_GRANT)
        client = await self._client(session.client_id)
        client.check_secret(secret)
        return await self._respond(request, site, segment, client, session,
                                   from_refresh=refresh)

    async def _respond(self, request: Request, site: Site, segment: str, client: Client,
                       session: Session, *, nonce: str = "", new_refresh: bool = False,
                       from_refresh: str | None = None) -> Response:
        api = self.api
        user = await run_in_threadpool(api.engine.store.user_by_id, session.user_id)
        if user is None:
            raise bad_request("the token's user no longer exists", INVALID_GRANT)
        token, record, refresh = api.tokens.issue(
            api.identity.org_id, session, with_refresh=new_refresh, from_refresh=from_refresh)
        community = api.community_url(request, segment)
        identity_url = api.identity_url(community, user.id)
        issued = str(int(record.issued_at.astimezone(UTC).timestamp() * 1000))
        body: dict[str, Any] = {"access_token": token}
        if refresh:
            body["refresh_token"] = refresh
        body |= {
            "signature": signature(identity_url, issued, client.consumer_secret),
            "scope": session.scope,
        }
        if "openid" in session.scope.split():
            body["id_token"] = self._id_token(community, client, user, identity_url, token,
                                              record.issued_at, nonce)
        body |= {
            "instance_url": api.base_url(request), "id": identity_url, "token_type": "Bearer",
            "issued_at": issued, "sfdc_community_url": community, "sfdc_community_id": site.id,
        }
        return JSONResponse(body, headers=NO_STORE)

    def _id_token(self, community: str, client: Client, user: User, identity_url: str,
                  token: str, issued_at: Any, nonce: str) -> str:
        return id_token(
            self.api.identity, issuer=community, audience=client.client_id,
            subject=identity_url, issued_at=issued_at, access_token=token, nonce=nonce,
            claims=user_claims(user),
        )

    # -- revoke ----------------------------------------------------------------------------

    async def revoke(self, request: Request) -> Response:
        await self.api.site(request)
        form = (await rq.form_body(request)) if request.method == "POST" else {}
        token = (form.get("token") or request.query_params.get("token", "")).strip()
        if not token:
            raise bad_request("token is required (an access or refresh token)")
        if not self.api.tokens.revoke(token):
            # bench assumption: Salesforce answers an invalid token with a 400, not RFC 7009's 200
            raise bad_request("the token is unknown or already revoked", "unsupported_token_type")
        return Response(status_code=200, headers=NO_STORE)

