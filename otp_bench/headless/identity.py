"""Identity endpoints of the headless API: userinfo, the Identity URL, JWKS, OpenID discovery.

- ``GET|POST /services/oauth2/userinfo`` and ``GET|POST /id/<org>/<user>``: ``Authorization:
  Bearer <access token>`` (or an ``access_token`` form field); an expired, revoked or unknown
  token → 401 ``invalid_token`` with ``WWW-Authenticate: Bearer`` (RFC 6750; bench assumption on
  the body).
- ``GET /id/keys``: the JWKS that verifies id_tokens (Salesforce publishes its keys at the same
  path), at the root and under every site.
- ``GET /.well-known/openid-configuration``: discovery for standard OAuth/OIDC client libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from otp_bench.domain.model import User
from otp_bench.headless import profile
from otp_bench.headless import requests as rq
from otp_bench.headless.errors import ApiError
from otp_bench.headless.oauth import NO_STORE
from otp_bench.headless.tokens import AccessToken

if TYPE_CHECKING:
    from otp_bench.headless.app import HeadlessApi


def _invalid_token(description: str) -> ApiError:
    return ApiError(401, "invalid_token", description, bearer=True)


class IdentityEndpoints:
    def __init__(self, api: HeadlessApi) -> None:
        self.api = api

    async def _bearer(self, request: Request) -> tuple[AccessToken, User]:
        form = (await rq.form_body(request)) if request.method == "POST" else {}
        token = rq.bearer_token(request, form) or request.query_params.get("access_token", "")
        if not token:
            raise _invalid_token("the access token is missing: send Authorization: Bearer "
                                 "<access_token>")
        record, why = self.api.tokens.access(token)
        if record is None:
            raise _invalid_token(why)
        user = await run_in_threadpool(self.api.engine.store.user_by_id, record.session.user_id)
        if user is None:
            raise _invalid_token("the token's user no longer exists")
        return record, user

    async def userinfo(self, request: Request) -> Response:
        _site, segment = await self.api.site(request)
        _record, user = await self._bearer(request)
        community = self.api.community_url(request, segment)
        return JSONResponse(profile.userinfo(user, community, self.api.identity.org_id),
                            headers=NO_STORE)

    async def identity(self, request: Request) -> Response:
        segment = await self.api.site_segment(request)
        org_id = str(request.path_params["org"])
        user_id = str(request.path_params["user"])
        _record, user = await self._bearer(request)
        if org_id[:15] != self.api.identity.org_id[:15]:
            raise ApiError(404, "not_found", f"no org {org_id} in this workspace")
        if user_id[:15] != user.id[:15]:
            raise ApiError(403, "insufficient_scope",
                           "the access token belongs to another user than the one in the URL")
        community = self.api.community_url(request, segment)
        return JSONResponse(profile.identity(user, community, self.api.identity.org_id),
                            headers=NO_STORE)

    async def jwks(self, request: Request) -> Response:
        await self.api.site_segment(request)
        return JSONResponse(self.api.identity.jwks())

    async def discovery(self, request: Request) -> Response:
        _site, segment = await self.api.site(request)
        c = self.api.community_url(request, segment)
        return JSONResponse({
            "issuer": c,
            "authorization_endpoint": f"{c}/services/oauth2/authorize",
            "token_endpoint": f"{c}/services/oauth2/token",
            "revocation_endpoint": f"{c}/services/oauth2/revoke",
            "userinfo_endpoint": f"{c}/services/oauth2/userinfo",
            "jwks_uri": f"{c}/id/keys",
            "response_types_supported": ["code_credentials"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["api", "openid", "refresh_token", "offline_access", "profile",
                                 "email", "phone"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post",
                                                      "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "name", "email",
                                 "preferred_username", "given_name", "family_name",
                                 "phone_number", "at_hash", "nonce"],
        })
