"""Arbitrary requests to every headless endpoint: a 2xx/3xx or an OAuth error, never a 500.

Driven in-process (Starlette's TestClient) so many examples fit in a bounded time.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # Starlette announces its test client moves to "httpx2"
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from otp_bench.headless.app import build_app
from tests.headless.conftest import Bench

PATHS = [
    "/customers/services/auth/headless/init/passwordless/login",
    "/customers/services/auth/headless/init/registration",
    "/customers/services/oauth2/authorize", "/customers/services/oauth2/token",
    "/customers/services/oauth2/revoke", "/customers/services/oauth2/userinfo",
    "/customers/services/oauth2/echo", "/customers/id/keys", "/id/00Dx/005x",
    "/customers/.well-known/openid-configuration", "/nowhere/services/oauth2/token",
]
FIELDS = ["response_type", "client_id", "redirect_uri", "code_challenge",
          "code_challenge_method", "state", "scope", "grant_type", "code", "code_verifier",
          "refresh_token", "token", "client_secret", "username", "verificationmethod"]
VALUES = st.one_of(
    st.sampled_from(["code_credentials", "authorization_code", "refresh_token", "sms", "S256",
                     "plain", "", "a" * 43, "x" * 300]),
    st.text(max_size=40),
)
HEADER_VALUES = st.one_of(
    st.sampled_from(["passwordless-login", "user-registration", "sms", "email", "",
                     "Basic " + base64.b64encode(b"id:123456").decode(), "Basic !!!", "Bearer x",
                     "Basic " + base64.b64encode(b"\xff\xfe:").decode()]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
)


@pytest.fixture
def client(bench: Bench) -> Iterator[TestClient]:
    """One app and client for all the examples (its portal thread started once, not per
    request); the examples share the workspace anyway, so they also meet each other's state."""
    with TestClient(build_app(bench.engine), raise_server_exceptions=False) as client:
        yield client


@settings(max_examples=100, deadline=1000,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS), method=st.sampled_from(["GET", "POST"]),
    form=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8),
    headers=st.dictionaries(st.sampled_from(["Auth-Request-Type", "Auth-Verification-Type",
                                             "Authorization"]), HEADER_VALUES, max_size=3),
    raw=st.one_of(st.none(), st.binary(max_size=300)),
)
def test_no_request_makes_a_500(client: TestClient, path: str, method: str,
                                form: dict[str, str], headers: dict[str, str],
                                raw: bytes | None) -> None:
    if method == "GET":
        resp = client.get(path, params=form, headers=headers, follow_redirects=False)
    elif raw is not None:
        resp = client.post(path, content=raw, headers=headers, follow_redirects=False)
    else:
        resp = client.post(path, data=form, headers=headers, follow_redirects=False)
    assert resp.status_code < 500, (resp.status_code, resp.text)
    if resp.status_code >= 400:
        body = resp.json()
        assert body["error"] and body["error_description"]
