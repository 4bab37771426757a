"""Request builders that reproduce real clients byte for byte (tests only).

- ``MobileSdk``: Salesforce Mobile SDK for Android, ``NativeLoginManager.kt``
  (forcedotcom/SalesforceMobileSDK-Android, libs/SalesforceSDK/.../auth/NativeLoginManager.kt):
  form bodies joined by hand with ``Uri.encode`` values, the Basic value
  ``encodeToString("$id:$otp", URL_SAFE | NO_WRAP | NO_PADDING)``, the verifier
  base64url(128 random bytes) (171 chars) and the challenge ``getSHA256Hash`` =
  base64url-no-padding(SHA-256(verifier)). OkHttp follows the authorize 302 with a GET (body
  and its headers dropped, other headers kept on the same host).
- ``postman_headers``: what Postman's runtime adds to every request.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from otp_bench.headless import pkce

OKHTTP_UA = "SalesforceMobileSDK/12.2.0 android mobile/14 (Pixel 8) BenchTestApp/1.0 Native uid_0"


def android_uri_encode(value: str) -> str:
    """android.net.Uri.encode: everything but letters, digits and ``_-!.~'()*`` is escaped."""
    return quote(value, safe="_-!.~'()*")


def sdk_form(*pairs: tuple[str, str | None]) -> bytes:
    """``createRequestBody``: null values dropped, ``key=Uri.encode(value)`` joined by ``&``."""
    return "&".join(f"{k}={android_uri_encode(v)}" for k, v in pairs if v is not None).encode()


def sdk_basic(left: str, right: str) -> str:
    raw = base64.urlsafe_b64encode(f"{left}:{right}".encode()).rstrip(b"=").decode()
    return f"Basic {raw}"


def android_json(obj: dict[str, Any]) -> bytes:
    """org.json.JSONObject.toString(): insertion order, no spaces, ``/`` escaped, nulls gone."""
    clean = {k: v for k, v in obj.items() if v is not None}
    return json.dumps(clean, separators=(",", ":"), ensure_ascii=False).replace(
        "/", "\\/").encode()


@dataclass
class MobileSdk:
    """One NativeLoginManager(clientId, redirectUri, loginUrl) talking to the bench."""

    http: httpx.Client
    client_id: str
    redirect_uri: str
    login_url: str  # the site URL, e.g. http://127.0.0.1:port/customers
    sent: list[httpx.Request]

    def _send(self, method: str, url: str, content: bytes | None,
              headers: dict[str, str]) -> httpx.Response:
        base = {"User-Agent": OKHTTP_UA, "Accept-Encoding": "gzip"}
        request = self.http.build_request(method, url, content=content,
                                          headers={**base, **headers})
        self.sent.append(request)
        return self.http.send(request)

    def _okhttp(self, method: str, url: str, content: bytes | None,
                headers: dict[str, str]) -> httpx.Response:
        """OkHttp's RetryAndFollowUpInterceptor: a 302 to http(s) is followed with a GET."""
        response = self._send(method, url, content, headers)
        hops = 0
        while response.status_code in (301, 302, 303) and hops < 20:
            target = urljoin(str(response.request.url), response.headers["location"])
            if not target.startswith(("http://", "https://")):
                return response  # OkHttp can't follow myapp://: the 302 is the answer
            kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            response = self._send("GET", target, None, kept)
            hops += 1
        return response

    def submit_otp_request(self, username: str, recaptcha: str | None = "rc-token"
                           ) -> httpx.Response:
        body = android_json({"recaptcha": recaptcha, "recaptchaevent": None,
                             "username": username.strip(), "verificationmethod": "sms"})
        return self._okhttp(
            "POST", f"{self.login_url}/services/auth/headless/init/passwordless/login", body,
            {"Content-Type": "application/json"})

    def start_registration(self, email: str, first: str, last: str, username: str,
                           password: str, recaptcha: str = "rc-token") -> httpx.Response:
        """``startRegistration``: no Content-Type header of its own, no ``customdata``."""
        body = android_json({
            "recaptcha": recaptcha, "recaptchaevent": None,
            "userdata": {"email": email, "username": username, "firstName": first,
                         "lastName": last},
            "password": password, "verificationmethod": "sms"})
        return self._okhttp(
            "POST", f"{self.login_url}/services/auth/headless/init/registration", body,
            {"Content-Type": "application/json; charset=utf-8"})  # OkHttp's for a JSON string

    def complete_registration(self, otp: str, identifier: str
                              ) -> tuple[httpx.Response, httpx.Response | None]:
        return self.submit_passwordless_authorization(otp, identifier,
                                                      request_type="user-registration")

    def submit_passwordless_authorization(
        self, otp: str, identifier: str, verifier: str | None = None,
        request_type: str = "passwordless-login",
    ) -> tuple[httpx.Response, httpx.Response | None]:
        """Authorize then (on a 2xx) token, as ``submitAuthorizationRequest`` does."""
        code_verifier = verifier or pkce.mobile_sdk_verifier()
        challenge = pkce.challenge_for(code_verifier)
        headers = {
            "Auth-Request-Type": request_type,
            "Auth-Verification-Type": "sms",
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": sdk_basic(identifier, otp.strip()),
        }
        body = sdk_form(("response_type", "code_credentials"), ("client_id", self.client_id),
                        ("redirect_uri", self.redirect_uri), ("code_challenge", challenge))
        auth = self._okhttp("POST", f"{self.login_url}/services/oauth2/authorize", body, headers)
        if not auth.is_success:
            return auth, None  # the SDK: InvalidCredentials
        data = auth.json()
        token_body = sdk_form(("code", str(data["code"])), ("grant_type", "authorization_code"),
                              ("client_id", self.client_id), ("redirect_uri", self.redirect_uri),
                              ("code_verifier", code_verifier))
        token = self._okhttp("POST", f"{data['sfdc_community_url']}/services/oauth2/token",
                             token_body, {"Content-Type": "application/x-www-form-urlencoded"})
        return auth, token


def postman_headers() -> dict[str, str]:
    """The headers Postman's runtime adds to every request it sends."""
    return {
        "User-Agent": "PostmanRuntime/7.43.0", "Accept": "*/*", "Cache-Control": "no-cache",
        "Postman-Token": str(uuid.uuid4()), "Accept-Encoding": "gzip, deflate, br",
        "Connection": "keep-alive",
    }
