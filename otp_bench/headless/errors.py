"""The headless API's error answers: one JSON shape, and the HTTP status of every refusal.

Bench assumption: Salesforce doesn't document the error bodies of its headless identity APIs
(its own Mobile SDK doesn't parse them). The bench answers every error with an OAuth-style body
``{"error": ..., "error_description": ...}`` and, when an engine refusal is behind it, the stable
reason code in ``"reason"``. Statuses: 400 bad request, 401 code not accepted, 403 feature
disabled on the site (or custom OTP not enabled for the org), 404 unknown site or path,
429 rate limited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from otp_bench.domain.vocabulary import Reason

log = logging.getLogger(__name__)

# error categories (OAuth 2.0 names where one fits, RFC 6749 §5.2)
INVALID_REQUEST = "invalid_request"
INVALID_GRANT = "invalid_grant"
INVALID_CLIENT = "invalid_client"
UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
# bench names (OAuth has none that fits): the Mobile SDK calls a refused OTP "InvalidCredentials"
INVALID_CREDENTIALS = "invalid_credentials"
UNAUTHORIZED_CLIENT = "unauthorized_client"
NOT_FOUND = "not_found"
RATE_LIMITED = "rate_limited"

# What an engine refusal becomes on the wire: (status, error category).
_BY_REASON: dict[Reason, tuple[int, str]] = {
    Reason.FEATURE_DISABLED: (403, UNAUTHORIZED_CLIENT),
    Reason.CUSTOM_OTP_NOT_ENABLED: (403, UNAUTHORIZED_CLIENT),
    Reason.RATE_LIMITED: (429, RATE_LIMITED),
    Reason.INVALID_PHONE_NUMBER: (400, INVALID_REQUEST),
    Reason.INVALID_CODE: (401, INVALID_CREDENTIALS),
    Reason.EXPIRED: (401, INVALID_CREDENTIALS),
    Reason.ATTEMPTS_EXCEEDED: (401, INVALID_CREDENTIALS),
    Reason.ALREADY_USED: (401, INVALID_CREDENTIALS),
    Reason.UNKNOWN_IDENTIFIER: (401, INVALID_CREDENTIALS),
    # only answered as such when the server reveals reasons (operator mode, see app.py)
    Reason.UNKNOWN_USER: (400, INVALID_REQUEST),
    Reason.NOT_SITE_MEMBER: (400, INVALID_REQUEST),
    Reason.INTERNAL_USER: (400, INVALID_REQUEST),
    Reason.FLAG_REQUIREMENT_UNMET: (400, INVALID_REQUEST),
    Reason.USERNAME_TAKEN: (400, INVALID_REQUEST),
    Reason.DELIVERY_FAILED: (502, "delivery_failed"),
}


@dataclass
class ApiError(Exception):
    """Raised inside an endpoint; the app turns it into the JSON error answer."""

    status: int
    error: str
    description: str
    reason: Reason | None = None
    bearer: bool = False  # a Bearer-protected endpoint: 401 says so (RFC 6750 §3)
    close: bool = False  # end the connection: the rest of the request body is never read

    @classmethod
    def from_reason(cls, reason: Reason, detail: str = "") -> ApiError:
        status, error = _BY_REASON.get(reason, (400, INVALID_REQUEST))
        return cls(status, error, detail or reason.sentence, reason)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.error, "error_description": self.description}
        if self.reason is not None:
            out["reason"] = self.reason.value
        return out

    def response(self) -> JSONResponse:
        headers = {"Cache-Control": "no-store"}
        if self.close:
            headers["Connection"] = "close"
        if self.status == 401:
            headers["WWW-Authenticate"] = (
                f'Bearer error="{self.error}"' if self.bearer else 'Basic realm="headless"'
            )
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def bad_request(description: str, error: str = INVALID_REQUEST) -> ApiError:
    return ApiError(400, error, description)


async def api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = "not_found" if exc.status_code == 404 else "invalid_request"
    return ApiError(exc.status_code, error, str(exc.detail)).response()


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a JSON 500 and one log line.

    Starlette's own handler for ``Exception`` answers, then re-raises, so uvicorn prints a
    traceback; this one stops it here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request = Request(scope)
            log.error("headless %s %s failed: %s: %s", request.method, request.url.path,
                      type(exc).__name__, exc)
            if not started:  # else the client already has a status line: just end
                response = ApiError(500, "server_error", f"{type(exc).__name__}: {exc}")
                await response.response()(scope, receive, send)

