"""Salesforce's Mobile SDK native passwordless login, its requests reproduced byte for byte.

End to end: init → the site's custom handler delivers the code → the phone inbox → authorize
(171-character verifier, URL-safe unpadded Basic value) → OkHttp follows the 302 to the echo →
token. Before this bench change the token call answered 400 "code_verifier doesn't match".
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from otp_bench.domain.flags import Flags
from otp_bench.headless import pkce
from otp_bench.headless.requests import b64_any
from tests.headless.clients import MobileSdk, android_uri_encode, sdk_basic
from tests.headless.conftest import Bench


def _sdk(bench: Bench, redirect_uri: str | None = None) -> MobileSdk:
    return MobileSdk(bench.http, "3MVG9SdkApp", redirect_uri or bench.echo("customers"),
                     f"{bench.server.base_url}/customers", [])


def test_mobile_sdk_native_passwordless_login_end_to_end(bench: Bench) -> None:
    bench.engine.new_connected_app("Native app", "3MVG9SdkApp", callback_urls=("echo",),
                                   scopes=("api", "openid", "refresh_token"))
    sdk = _sdk(bench)
    init = sdk.submit_otp_request("ana@example.com")
    assert init.status_code == 200
    identifier = init.json()["identifier"]
    otp = bench.code_for()  # the custom handler's SMS landed on Ana's phone
    verifier = pkce.mobile_sdk_verifier()
    assert len(verifier) == 171
    auth, token = sdk.submit_passwordless_authorization(otp, identifier, verifier)

    # what the SDK sent, byte for byte
    init_req, auth_req, echo_req, token_req = sdk.sent
    assert init_req.content == (
        b'{"recaptcha":"rc-token","username":"ana@example.com","verificationmethod":"sms"}')
    assert auth_req.headers["authorization"] == sdk_basic(identifier, otp)
    assert "=" not in auth_req.headers["authorization"].removeprefix("Basic ")
    assert auth_req.content.decode() == (
        "response_type=code_credentials&client_id=3MVG9SdkApp&redirect_uri="
        f"{android_uri_encode(bench.echo('customers'))}&code_challenge="
        f"{pkce.challenge_for(verifier)}")
    assert echo_req.method == "GET" and echo_req.url.path == "/customers/services/oauth2/echo"
    assert re.fullmatch(r"code=[^&]+&grant_type=authorization_code&client_id=3MVG9SdkApp&"
                        r"redirect_uri=[^&]+&code_verifier=" + re.escape(verifier),
                        token_req.content.decode())

    # what the SDK reads
    assert auth.status_code == 200 and auth.json()["code"]
    assert auth.json()["sfdc_community_url"] == f"{bench.server.base_url}/customers"
    assert token is not None and token.status_code == 200, token.text
    body = token.json()
    for field in ("access_token", "refresh_token", "id_token", "signature", "scope",
                  "instance_url", "id", "token_type", "issued_at", "sfdc_community_url",
                  "sfdc_community_id"):
        assert body[field], field
    assert body["id"].endswith(f"/{bench.ana.id}")
    # verification happened through the engine: the custom-provider row of the flag table
    assert bench.engine.find_user("ana@example.com").flags == Flags(False, True)


def test_mobile_sdk_registration(bench: Bench) -> None:
    """The SDK's start-registration body has no mobile number: with sms the bench names what's
    missing. Its complete-registration requests then run after an init that has one."""
    sdk = _sdk(bench)
    start = sdk.start_registration("bo@example.com", "Bo", "Lee", "bo@example.com", "Passw0rd1")
    assert start.status_code == 400
    assert start.json()["error_description"] == "mobilePhone is required in the customdata"
    init = bench.init_registration("customers", "bo@example.com", "+1 212 555 0100")
    identifier = init.json()["identifier"]
    auth, token = sdk.complete_registration(bench.code_for("+12125550100"), identifier)
    assert sdk.sent[-3].headers["auth-request-type"] == "user-registration"
    assert auth.status_code == 200 and token is not None and token.status_code == 200
    bo = bench.engine.find_user("bo@example.com")
    assert token.json()["id"].endswith("/" + bo.id)
    assert bo.flags == Flags(False, True)  # the self-registration row, custom provider


def test_an_app_scheme_redirect_is_a_302_the_sdk_cannot_follow(bench: Bench) -> None:
    """As in Salesforce: the SDK reads JSON, so its callback must be the site's echo."""
    sdk = _sdk(bench, "testsfdc:///mobilesdk/detect/oauth/done")
    identifier = sdk.submit_otp_request("ana@example.com").json()["identifier"]
    auth, token = sdk.submit_passwordless_authorization(bench.code_for(), identifier)
    assert auth.status_code == 302 and token is None
    assert auth.headers["location"].startswith("testsfdc:///mobilesdk/detect/oauth/done?code=")


@pytest.mark.parametrize("length", [43, 128, 129, 171, 256])
def test_every_verifier_length_a_real_client_sends_is_accepted(bench: Bench,
                                                               length: int) -> None:
    sdk = _sdk(bench)
    identifier = sdk.submit_otp_request("ana@example.com").json()["identifier"]
    verifier = (pkce.mobile_sdk_verifier() * 2)[:length]
    _auth, token = sdk.submit_passwordless_authorization(bench.code_for(), identifier, verifier)
    assert token is not None and token.status_code == 200, token.text if token else ""


def test_malformed_and_mismatched_verifiers_are_told_apart(bench: Bench) -> None:
    for verifier, status, error, fragment in [
        ("x" * 257, 400, "invalid_request", "code_verifier is malformed: 257 characters"),
        ("bad verifier " * 5, 400, "invalid_request", "only A-Z a-z 0-9"),
        ("y" * 171, 400, "invalid_grant", "doesn't match the code_challenge"),
    ]:
        identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
        code = bench.authorize("customers", identifier, bench.code_for(),
                               verifier="v" * 171).json()["code"]
        resp = bench.token("customers", code, verifier=verifier)
        assert (resp.status_code, resp.json()["error"]) == (status, error)
        assert fragment in resp.json()["error_description"]


@pytest.mark.parametrize("text", ["id>>:1?", "ÿÿ?:>>>", "00Dxx!abc:123456"])
def test_basic_values_in_either_base64_alphabet_decode_alike(text: str) -> None:
    raw = text.encode()
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert b64_any(standard) == b64_any(urlsafe) == raw


def test_sdk_json_escapes_like_android(bench: Bench) -> None:
    sdk = _sdk(bench)
    sdk.submit_otp_request("ana@example.com", recaptcha="a/b")
    assert json.loads(sdk.sent[0].content)["recaptcha"] == "a/b"
    assert b"a\\/b" in sdk.sent[0].content
