"""A Qt-free client of the headless API: real HTTP calls, each returned as an ``Exchange``.

The GUI's headless pane drives it from worker threads and shows every exchange raw. Given an
engine, the client starts its own loopback ``HeadlessServer`` (and stops it on ``close``); given
a URL, it talks to a running bench (``otp-bench headless``); given an httpx transport, it uses
that (tests). The OTP in the ``Authorization`` header is masked in what it returns unless the
call asks to reveal it; the client generates the PKCE pair itself (unless told not to) and
remembers the verifier for the code authorize returns, so ``token`` needs only the code.

Authorize answers a 302 like Salesforce; the client doesn't follow it blindly: ``follow`` GETs
the redirect (the site's ``/services/oauth2/echo`` by default) as a separate exchange, so the
pane shows both the redirect and the echo as a client sees them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from otp_bench.delivery.exchange import default_tls
from otp_bench.domain.connected_app import ECHO, ECHO_PATH
from otp_bench.domain.events import OTP_MASK
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.engine import Engine
from otp_bench.headless import pkce
from otp_bench.headless.server import HeadlessServer

DEFAULT_CLIENT_ID = "otp-bench-headless-client"
DEFAULT_REDIRECT_URI = ECHO  # the addressed site's /services/oauth2/echo
REQUEST_TYPE = {
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: "passwordless-login",
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: "user-registration",
}
# A headless init waits for the handler's callout: up to 120 s in Apex, plus some margin.
_TIMEOUT = httpx.Timeout(135.0, connect=5.0)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as the pane shows them."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int  # 0 when no answer came (connection refused, timeout)
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    elapsed_ms: float = 0.0
    error: str = ""  # why no answer came

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def redirected(self) -> bool:
        return 300 <= self.status < 400 and bool(self.location)

    @property
    def location(self) -> str:
        return self.response_headers.get("location", "")

    @property
    def location_params(self) -> dict[str, str]:
        """The query parameters of the redirect (code, sfdc_community_url, state...)."""
        return dict(parse_qsl(urlsplit(self.location).query)) if self.location else {}

    @property
    def json(self) -> Any:
        """The response body parsed, or None when it isn't JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def json_field(self, name: str) -> str | None:
        """A string field of the JSON response body, or None."""
        data = self.json
        value = data.get(name) if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    def field(self, name: str) -> str | None:  # the GUI's headless pane spells it so
        return self.json_field(name)


class HeadlessClient:
    def __init__(
        self, base_url: str | None = None, transport: httpx.BaseTransport | None = None,
        engine: Engine | None = None, *, client_id: str = DEFAULT_CLIENT_ID,
        redirect_uri: str = DEFAULT_REDIRECT_URI,
    ) -> None:
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._server: HeadlessServer | None = None
        if transport is None and base_url is None:
            if engine is None:
                raise ValueError("HeadlessClient needs a base_url, a transport or an engine")
            self._server = HeadlessServer(engine)
            base_url = self._server.start()
        self.base_url = (base_url or "http://127.0.0.1").rstrip("/")
        # the process's one verifying TLS context: a Client of its own would load the CA bundle
        # again (30-100 ms of CPU on each open of the app's headless pane)
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=_TIMEOUT,
                                  verify=default_tls())
        self._verifiers: dict[str, str] = {}  # authorization code → PKCE verifier
        self._redirects: dict[str, str] = {}  # authorization code → the redirect_uri sent
        self._lock = threading.Lock()
        self.identifier: str | None = None  # the last identifier an init returned
        self.code: str | None = None  # the last authorization code
        self.access_token: str | None = None

    def close(self) -> None:
        self._http.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> HeadlessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the four calls --------------------------------------------------------------------

    def init_passwordless_login(
        self, site_prefix: str, username: str, *, verification_method: str = "sms"
    ) -> Exchange:
        ex = self._send("POST", _path(site_prefix, "/services/auth/headless/init/passwordless/"
                                      "login"),
                        json_body={"username": username,
                                   "verificationmethod": verification_method})
        self.identifier = ex.json_field("identifier") if ex.ok else self.identifier
        return ex

    def init_registration(
        self, site_prefix: str, first_name: str, last_name: str, email: str, username: str,
        mobile: str, *, password: str | None = None, verification_method: str = "sms",
    ) -> Exchange:
        body: dict[str, Any] = {
            "userdata": {"firstName": first_name, "lastName": last_name, "email": email,
                         "username": username},
            "customdata": {"mobilePhone": mobile},
            "verificationmethod": verification_method,
        }
        if password is not None:
            body["password"] = password
        ex = self._send("POST", _path(site_prefix, "/services/auth/headless/init/registration"),
                        json_body=body)
        self.identifier = ex.json_field("identifier") if ex.ok else self.identifier
        return ex

    def redirect_uri_for(self, site_prefix: str) -> str:
        """The redirect URI sent: ``echo`` resolves to the site's echo endpoint."""
        if self.redirect_uri != ECHO:
            return self.redirect_uri
        return self.base_url + _path(site_prefix, ECHO_PATH)

    def authorize(
        self, site_prefix: str, identifier: str, otp: str,
        request_type: str | UseCase = "passwordless-login", *, verification_type: str = "sms",
        reveal: bool = False, use_pkce: bool = True, state: str | None = None,
        scope: str | None = None,
    ) -> Exchange:
        """POST authorize; the answer is Salesforce's 302 (``follow`` GETs its target)."""
        kind = REQUEST_TYPE[request_type] if isinstance(request_type, UseCase) else request_type
        credentials = base64.b64encode(f"{identifier}:{otp}".encode()).decode("ascii")
        headers = {
            "Auth-Request-Type": kind,
            "Auth-Verification-Type": verification_type,
            "Authorization": f"Basic {credentials}",
        }
        redirect_uri = self.redirect_uri_for(site_prefix)
        form = {"response_type": "code_credentials", "client_id": self.client_id,
                "redirect_uri": redirect_uri}
        verifier = pkce.new_verifier() if use_pkce else ""
        if verifier:
            form["code_challenge"] = pkce.challenge_for(verifier)
        if state:
            form["state"] = state
        if scope:
            form["scope"] = scope
        masked = None if reveal else f"Basic base64({identifier}:{OTP_MASK})"
        ex = self._send("POST", _path(site_prefix, "/services/oauth2/authorize"), form=form,
                        headers=headers, masked_authorization=masked)
        code = ex.location_params.get("code") or (ex.json_field("code") if ex.ok else None)
        if code:
            with self._lock:
                self._verifiers[code] = verifier
                self._redirects[code] = redirect_uri
            self.code = code
        return ex

    def follow(self, redirect: Exchange) -> Exchange | None:
        """GETs an http(s) redirect target (the echo); None for an app scheme (myapp://...)."""
        if not redirect.redirected or urlsplit(redirect.location).scheme not in ("http",
                                                                                 "https"):
            return None
        return self._send("GET", redirect.location)

    def token(self, site_prefix: str, code: str, *, code_verifier: str | None = None) -> Exchange:
        """Exchanges ``code``; the PKCE verifier is the one authorize used unless given."""
        with self._lock:
            verifier = code_verifier or self._verifiers.pop(code, "")
            redirect_uri = self._redirects.pop(code, None) or self.redirect_uri_for(site_prefix)
        form = {
            "code": code, "grant_type": "authorization_code", "client_id": self.client_id,
            "redirect_uri": redirect_uri,
        }
        if verifier:
            form["code_verifier"] = verifier
        ex = self._send("POST", _path(site_prefix, "/services/oauth2/token"), form=form)
        self.access_token = ex.json_field("access_token") if ex.ok else self.access_token
        return ex

    def userinfo(self, site_prefix: str, access_token: str | None = None) -> Exchange:
        token = access_token or self.access_token or ""
        return self._send("GET", _path(site_prefix, "/services/oauth2/userinfo"),
                          headers={"Authorization": f"Bearer {token}"})

    # -- plumbing --------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, *, json_body: Any = None,
        form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
        masked_authorization: str | None = None,
    ) -> Exchange:
        request = self._http.build_request(method, path, json=json_body, data=form,
                                           headers=headers)
        sent = dict(request.headers)
        if masked_authorization is not None:
            sent["authorization"] = masked_authorization
        body = request.content.decode("utf-8", "replace")
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:  # no answer: the pane shows why, the app goes on
            return Exchange(method, str(request.url), sent, body, 0,
                            elapsed_ms=(time.perf_counter() - started) * 1000,
                            error=f"{type(exc).__name__}: {exc or 'no answer'}")
        elapsed = (time.perf_counter() - started) * 1000
        return Exchange(method, str(request.url), sent, body, response.status_code,
                        dict(response.headers), response.text, elapsed)


def _path(site_prefix: str, endpoint: str) -> str:
    prefix = site_prefix.strip("/")
    return f"/{prefix}{endpoint}" if prefix else endpoint
