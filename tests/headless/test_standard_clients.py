"""Clients nobody here wrote: Salesforce's Postman collection (no PKCE), a single-page app
(PKCE + state, CORS), Authlib for the code exchange, refresh and revoke, and a JOSE library
validating the id_token against the published JWKS. Each runs a headless flow end to end
through the engine, the site's handler and the phone inbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import warnings
from typing import Any

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwt
from joserfc.jwk import KeySet

from otp_bench.domain.flags import Flags
from tests.headless.clients import postman_headers
from tests.headless.conftest import Bench

with warnings.catch_warnings():
    # Authlib 1.9 announces its httpx integration moves to "httpx2"; the client works the same
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

CLIENT = "3MVG9TravelSpa"


def _site(bench: Bench, prefix: str = "customers") -> str:
    return f"{bench.server.base_url}/{prefix}"


# -- Salesforce's "Headless Identity API Demo" Postman collection, without PKCE --------------

def _postman(http: httpx.Client, method: str, url: str, *, headers: dict[str, str] | None = None,
             raw_json: dict[str, Any] | None = None, urlencoded: dict[str, str] | None = None
             ) -> httpx.Response:
    h = {**postman_headers(), **(headers or {})}
    content = None
    if raw_json is not None:  # Postman's "raw" JSON body, pretty-printed as in the collection
        content = json.dumps(raw_json, indent=4).encode()
        h["Content-Type"] = "application/json"
    elif urlencoded is not None:
        content = httpx.QueryParams(urlencoded).__str__().encode()
        h["Content-Type"] = "application/x-www-form-urlencoded"
    # Postman follows redirects by default, a 302 with a GET (its default setting)
    return http.request(method, url, content=content, headers=h, follow_redirects=True)


def test_postman_collection_registration_login_userinfo_logout(bench: Bench) -> None:
    site = _site(bench)
    echo = f"{site}/services/oauth2/echo"
    checks: list[bool] = []

    # Registration - Initialize
    init = _postman(bench.http, "POST", f"{site}/services/auth/headless/init/registration",
                    raw_json={"userdata": {"firstName": "Bo", "lastName": "Lee",
                                           "email": "bo@example.com",
                                           "username": "bo@example.com"},
                              "customdata": {"mobilePhone": "+1 212 555 0100"},
                              "password": "Passw0rd!", "recaptcha": "token",
                              "verificationmethod": "sms"})
    checks += [init.status_code == 200, "identifier" in init.json()]
    # Registration - Authorize (Basic identifier:otp, standard base64 as the docs show)
    basic = base64.b64encode(
        f"{init.json()['identifier']}:{bench.code_for('+12125550100')}".encode()).decode()
    auth = _postman(bench.http, "POST", f"{site}/services/oauth2/authorize",
                    headers={"Auth-Request-Type": "user-registration",
                             "Auth-Verification-Type": "sms", "Authorization": f"Basic {basic}"},
                    urlencoded={"response_type": "code_credentials", "client_id": CLIENT,
                                "redirect_uri": echo})
    checks += [auth.status_code == 200, "code" in auth.json(),
               auth.history[0].status_code == 302]
    # Registration - Token Exchange
    tok = _postman(bench.http, "POST", f"{site}/services/oauth2/token",
                   urlencoded={"code": auth.json()["code"], "grant_type": "authorization_code",
                               "client_id": CLIENT, "redirect_uri": echo})
    checks += [tok.status_code == 200, "access_token" in tok.json()]
    # Get User Info (a POST in the collection)
    me = _postman(bench.http, "POST", f"{site}/services/oauth2/userinfo",
                  headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
    checks += [me.status_code == 200, me.json().get("preferred_username") == "bo@example.com"]
    # Logout: revoke the token; the token no longer works
    out = _postman(bench.http, "POST", f"{site}/services/oauth2/revoke",
                   urlencoded={"token": tok.json()["access_token"]})
    again = _postman(bench.http, "POST", f"{site}/services/oauth2/userinfo",
                     headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
    checks += [out.status_code == 200, again.status_code == 401]
    assert all(checks), checks
    assert len(checks) == 11  # the collection's 11 assertions
    assert bench.engine.find_user("bo@example.com").flags == Flags(False, True)


def test_postman_passwordless_login_without_pkce(bench: Bench) -> None:
    site = _site(bench)
    echo = f"{site}/services/oauth2/echo"
    init = _postman(bench.http, "POST", f"{site}/services/auth/headless/init/passwordless/login",
                    raw_json={"username": "ana@example.com", "recaptcha": "token",
                              "verificationmethod": "sms"})
    assert init.status_code == 200
    basic = base64.b64encode(f"{init.json()['identifier']}:{bench.code_for()}".encode()).decode()
    auth = _postman(bench.http, "POST", f"{site}/services/oauth2/authorize",
                    headers={"Auth-Request-Type": "passwordless-login",
                             "Auth-Verification-Type": "sms", "Authorization": f"Basic {basic}"},
                    urlencoded={"response_type": "code_credentials", "client_id": CLIENT,
                                "redirect_uri": echo})
    assert auth.status_code == 200, auth.text
    tok = _postman(bench.http, "POST", f"{site}/services/oauth2/token",
                   urlencoded={"code": auth.json()["code"], "grant_type": "authorization_code",
                               "client_id": CLIENT, "redirect_uri": echo})
    assert tok.status_code == 200, tok.text
    assert tok.json()["scope"] == "api"  # no connected app: the scope asked for, else api
    assert "refresh_token" not in tok.json() and "id_token" not in tok.json()


# -- a single-page app: fetch() with PKCE and state, from another origin -------------------------

@pytest.mark.parametrize("flow", ["passwordless-login", "user-registration"])
def test_single_page_app_with_pkce_state_and_cors(bench: Bench, flow: str) -> None:
    bench.engine.new_connected_app("Travel SPA", CLIENT, require_pkce=True,
                                   callback_urls=("echo",), scopes=("api", "openid"))
    site = _site(bench)
    origin = {"Origin": "http://localhost:5173"}
    preflight = bench.http.options(f"{site}/services/oauth2/authorize", headers={
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers":
            "auth-request-type,auth-verification-type,authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"

    form_type = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    json_type = {**origin, "Content-Type": "application/json"}
    if flow == "passwordless-login":
        init = bench.http.post(f"{site}/services/auth/headless/init/passwordless/login",
                               headers=json_type, content=json.dumps(
                                   {"username": "ana@example.com", "verificationmethod": "sms"}))
        otp = bench.code_for()
    else:
        init = bench.http.post(f"{site}/services/auth/headless/init/registration",
                               headers=json_type, content=json.dumps({
                                   "userdata": {"firstName": "Cy", "lastName": "Ng",
                                                "email": "cy@example.com",
                                                "username": "cy@example.com"},
                                   "customdata": {"mobilePhone": "+1 212 555 0199"},
                                   "verificationmethod": "sms"}))
        otp = bench.code_for("+12125550199")
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(16)
    basic = base64.b64encode(f"{init.json()['identifier']}:{otp}".encode()).decode()
    auth = bench.http.post(
        f"{site}/services/oauth2/authorize", follow_redirects=True,
        headers={**origin, **form_type, "Auth-Request-Type": flow,
                 "Auth-Verification-Type": "sms", "Authorization": f"Basic {basic}"},
        content=str(httpx.QueryParams({
            "response_type": "code_credentials", "client_id": CLIENT,
            "redirect_uri": f"{site}/services/oauth2/echo", "state": state,
            "code_challenge": create_s256_code_challenge(verifier)})))
    assert auth.headers["access-control-allow-origin"] == "http://localhost:5173"
    params = auth.json()
    assert params["state"] == state  # the SPA checks it before using the code
    tok = bench.http.post(f"{site}/services/oauth2/token", headers={**origin, **form_type},
                          content=str(httpx.QueryParams({
                              "code": params["code"], "grant_type": "authorization_code",
                              "client_id": CLIENT, "code_verifier": verifier,
                              "redirect_uri": f"{site}/services/oauth2/echo"})))
    assert tok.status_code == 200, tok.text
    assert tok.json()["scope"] == "api openid" and "id_token" in tok.json()
    who = "ana@example.com" if flow == "passwordless-login" else "cy@example.com"
    user = bench.engine.find_user(who)
    assert tok.json()["id"].endswith("/" + user.id)
    assert user.flags.admin_verified  # verified through the site's custom handler


# -- Authlib: code exchange, refresh, revoke; JOSE: the id_token against the JWKS -----------

def _code(bench: Bench, *, scope: str, verifier: str, registration: bool = False) -> str:
    if registration:
        init = bench.init_registration("customers", "dee@example.com", "+1 212 555 0142")
        otp, kind = bench.code_for("+12125550142"), "user-registration"
    else:
        init = bench.init_login("customers", "ana@example.com")
        otp, kind = bench.code_for(), "passwordless-login"
    basic = base64.b64encode(f"{init.json()['identifier']}:{otp}".encode()).decode()
    auth = bench.http.post(
        "/customers/services/oauth2/authorize",
        headers={"Auth-Request-Type": kind, "Auth-Verification-Type": "sms",
                 "Authorization": f"Basic {basic}"},
        data={"response_type": "code_credentials", "client_id": CLIENT, "scope": scope,
              "redirect_uri": bench.echo("customers"), "nonce": "n-0S6",
              "code_challenge": create_s256_code_challenge(verifier)})
    assert auth.status_code == 302, auth.text
    return str(httpx.URL(auth.headers["location"]).params["code"])


@pytest.mark.parametrize(("auth_method", "registration"), [
    ("none", False), ("client_secret_basic", True), ("client_secret_post", False)])
def test_authlib_code_exchange_refresh_and_revoke(bench: Bench, auth_method: str,
                                                  registration: bool) -> None:
    app = bench.engine.new_connected_app("Travel SPA", CLIENT, callback_urls=("echo",),
                                         scopes=("api", "openid", "refresh_token"))
    site = _site(bench)
    secret = None if auth_method == "none" else app.consumer_secret
    with OAuth2Client(CLIENT, secret, token_endpoint_auth_method=auth_method,
                      code_challenge_method="S256", timeout=10) as oauth:
        verifier = secrets.token_urlsafe(96)
        code = _code(bench, scope="api openid refresh_token", verifier=verifier,
                     registration=registration)
        token = oauth.fetch_token(f"{site}/services/oauth2/token", code=code,
                                  redirect_uri=bench.echo("customers"), code_verifier=verifier)
        assert token["token_type"] == "Bearer" and token["refresh_token"]
        # signature: base64(HMAC-SHA256(consumer secret, id + issued_at)) as Salesforce documents
        mac = hmac.new(app.consumer_secret.encode(),
                       (token["id"] + token["issued_at"]).encode(), hashlib.sha256).digest()
        assert token["signature"] == base64.b64encode(mac).decode()

        refreshed = oauth.refresh_token(f"{site}/services/oauth2/token",
                                        refresh_token=token["refresh_token"])
        assert refreshed["access_token"] != token["access_token"]
        me = oauth.get(f"{site}/services/oauth2/userinfo")  # Authlib sends the new token
        who = "dee@example.com" if registration else "ana@example.com"
        assert me.json()["user_id"] == bench.engine.find_user(who).id

        revoked = oauth.revoke_token(f"{site}/services/oauth2/revoke",
                                     token=token["refresh_token"])
        assert revoked.status_code == 200
        # revoking the refresh token ends the access tokens minted from it
        assert oauth.get(f"{site}/services/oauth2/userinfo").status_code == 401
        again = bench.http.post(f"{site}/services/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
            "client_id": CLIENT})
        assert again.json()["error"] == "invalid_grant"


def test_id_token_validates_against_the_published_jwks(bench: Bench) -> None:
    bench.engine.new_connected_app("Travel SPA", CLIENT, callback_urls=("echo",))
    site = _site(bench)
    verifier = secrets.token_urlsafe(64)
    code = _code(bench, scope="api openid", verifier=verifier)
    tok = bench.http.post("/customers/services/oauth2/token", data={
        "code": code, "grant_type": "authorization_code", "client_id": CLIENT,
        "redirect_uri": bench.echo("customers"), "code_verifier": verifier}).json()
    jwks = bench.http.get("/customers/id/keys").json()
    assert bench.http.get("/id/keys").json() == jwks  # also at the root, as on Salesforce

    decoded = jwt.decode(tok["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    now = int(bench.engine.clock.now().timestamp())  # tokens run on the bench clock
    jwt.JWTClaimsRegistry(
        now=now, iss={"essential": True, "value": site},
        aud={"essential": True, "value": CLIENT}, exp={"essential": True},
        sub={"essential": True, "value": tok["id"]}, nonce={"essential": True, "value": "n-0S6"},
    ).validate(decoded.claims)
    assert decoded.claims["preferred_username"] == "ana@example.com"
    # an independent check with cryptography alone: RS256 over header.payload
    head, payload, sig = tok["id_token"].split(".")
    key = next(k for k in jwks["keys"] if k["kid"] == decoded.header["kid"])
    pub = rsa.RSAPublicNumbers(_b64int(key["e"]), _b64int(key["n"])).public_key()
    pub.verify(_b64(sig), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    # discovery points at the same keys
    conf = bench.http.get("/customers/.well-known/openid-configuration").json()
    assert conf["jwks_uri"] == f"{site}/id/keys" and conf["issuer"] == site


def test_id_tokens_verify_after_a_server_restart(bench: Bench) -> None:
    from otp_bench.headless.server import HeadlessServer

    before = bench.http.get("/id/keys").json()
    with HeadlessServer(bench.engine) as other:
        after = httpx.get(f"{other.base_url}/id/keys").json()
    assert after == before  # the signing key is the workspace's, not the server's


def test_tokens_expire_with_the_session_timeout_on_the_bench_clock(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.authorize("customers", identifier, bench.code_for()).json()["code"]
    tok = bench.token("customers", code).json()
    me = {"Authorization": f"Bearer {tok['access_token']}"}
    assert bench.http.get("/customers/services/oauth2/userinfo", headers=me).status_code == 200
    assert bench.http.get(tok["id"], headers=me).json()["username"] == "ana@example.com"
    bench.engine.advance_clock(2 * 3600)  # the default session timeout: 2 hours
    gone = bench.http.post("/customers/services/oauth2/userinfo", headers=me)
    assert gone.status_code == 401
    assert "expired" in gone.json()["error_description"]
    assert gone.headers["www-authenticate"].startswith("Bearer")


def test_an_unused_authorization_code_expires(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.authorize("customers", identifier, bench.code_for()).json()["code"]
    bench.engine.advance_clock(16 * 60)
    late = bench.token("customers", code)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert "expired" in late.json()["error_description"]


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64int(text: str) -> int:
    return int.from_bytes(_b64(text), "big")
