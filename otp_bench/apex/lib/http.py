"""HttpRequest, HttpResponse and Http.send: the callout, through the host's transport (or the
test's HttpCalloutMock), with Apex's limits: 100 callouts, 1..120 000 ms per callout, 120 s in
total, 6 MB bodies."""

from __future__ import annotations

import time
from typing import Any

from otp_bench.apex import endpoints
from otp_bench.apex import limits as lim
from otp_bench.apex.env import ApexHttpRequest, ApexHttpResponse, CalloutFailure
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import apex_type, ctor, method
from otp_bench.apex.ops import type_name
from otp_bench.apex.syntax import STRING
from otp_bench.apex.values import ApexList, ApexObject, Blob

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
            409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class HttpRequest:
    APEX_TYPE = "System.HttpRequest"

    def __init__(self) -> None:
        self.req = ApexHttpRequest(method="", timeout_ms=lim.DEFAULT_TIMEOUT_MS)
        self.line = 0

    def apex_string(self) -> str:
        return f"System.HttpRequest[Endpoint={self.req.endpoint}, Method={self.req.method}]"


class HttpResponse:
    APEX_TYPE = "System.HttpResponse"

    def __init__(self, resp: ApexHttpResponse | None = None) -> None:
        self.resp = resp or ApexHttpResponse(status_code=0)

    def apex_string(self) -> str:
        return (f"System.HttpResponse[Status={self.resp.status}, "
                f"StatusCode={self.resp.status_code}]")


class Http:
    APEX_TYPE = "System.Http"

    def apex_string(self) -> str:
        return "System.Http"


apex_type("HttpRequest", HttpRequest)
apex_type("HttpResponse", HttpResponse)
apex_type("Http", Http)
ctor("HttpRequest", 0)(lambda rt: HttpRequest())
ctor("HttpResponse", 0)(lambda rt: HttpResponse())
ctor("Http", 0)(lambda rt: Http())


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unsupported(f"{what} with a {type_name(value)}")
    return value


# ---------------------------------------------------------------------------- HttpRequest

@method(HttpRequest, "setEndpoint", 1)
def set_endpoint(rt: Any, r: HttpRequest, url: Any) -> None:
    r.req.endpoint = _text(url, "setEndpoint")


@method(HttpRequest, "getEndpoint", 0)
def get_endpoint(rt: Any, r: HttpRequest) -> str:
    return r.req.endpoint


@method(HttpRequest, "setMethod", 1)
def set_method(rt: Any, r: HttpRequest, verb: Any) -> None:
    r.req.method = _text(verb, "setMethod")


@method(HttpRequest, "getMethod", 0)
def get_method(rt: Any, r: HttpRequest) -> str:
    return r.req.method


@method(HttpRequest, "setHeader", 2)
def set_header(rt: Any, r: HttpRequest, name: Any, value: Any) -> None:
    if name is None:
        raise npe()
    r.req.set_header(_text(name, "setHeader"), "" if value is None else _text(value, "setHeader"))


@method(HttpRequest, "getHeader", 1)
def get_header(rt: Any, r: HttpRequest, name: Any) -> Any:
    return r.req.header(_text(name, "getHeader"))


@method(HttpRequest, "setBody", 1)
def set_body(rt: Any, r: HttpRequest, body: Any) -> None:
    r.req.body = _text(body, "setBody").encode("utf-8")


@method(HttpRequest, "getBody", 0)
def get_body(rt: Any, r: HttpRequest) -> str:
    return r.req.body.decode("utf-8", "replace")


@method(HttpRequest, "setBodyAsBlob", 1)
def set_body_blob(rt: Any, r: HttpRequest, body: Any) -> None:
    r.req.body = body.data if isinstance(body, Blob) else b""


@method(HttpRequest, "getBodyAsBlob", 0)
def get_body_blob(rt: Any, r: HttpRequest) -> Blob:
    return Blob(r.req.body)


@method(HttpRequest, "setTimeout", 1)
def set_timeout(rt: Any, r: HttpRequest, ms: Any) -> None:
    if ms is None:
        raise npe()
    if type(ms) is not int:
        raise Unsupported(f"setTimeout with a {type_name(ms)}")
    if not 1 <= ms <= lim.MAX_TIMEOUT_MS:
        rt.warn(f"setTimeout({ms}) at line {rt.line} is outside 1..120000 ms")
        # Salesforce's behaviour here is undocumented; the bench throws at setTimeout.
        raise throw("CalloutException", f"Timeout value {ms} is outside the allowed range "
                    "of 1 to 120000 milliseconds")
    r.req.timeout_ms = ms


@method(HttpRequest, "setCompressed", 1)
def set_compressed(rt: Any, r: HttpRequest, flag: Any) -> None:
    r.req.compressed = bool(flag)


@method(HttpRequest, "getCompressed", 0)
def get_compressed(rt: Any, r: HttpRequest) -> bool:
    return r.req.compressed


@method(HttpRequest, "toString", 0)
def request_to_string(rt: Any, r: HttpRequest) -> str:
    return r.apex_string()


# ---------------------------------------------------------------------------- HttpResponse

@method(HttpResponse, "getStatusCode", 0)
def get_status_code(rt: Any, r: HttpResponse) -> int:
    return r.resp.status_code


@method(HttpResponse, "setStatusCode", 1)
def set_status_code(rt: Any, r: HttpResponse, code: Any) -> None:
    r.resp.status_code = code if type(code) is int else 0


@method(HttpResponse, "getStatus", 0)
def get_status(rt: Any, r: HttpResponse) -> Any:
    return r.resp.status or None


@method(HttpResponse, "setStatus", 1)
def set_status(rt: Any, r: HttpResponse, status: Any) -> None:
    r.resp.status = _text(status, "setStatus")


@method(HttpResponse, "getBody", 0)
def response_body(rt: Any, r: HttpResponse) -> str:
    return r.resp.body.decode("utf-8", "replace")


@method(HttpResponse, "setBody", 1)
def set_response_body(rt: Any, r: HttpResponse, body: Any) -> None:
    r.resp.body = _text(body, "setBody").encode("utf-8")


@method(HttpResponse, "getBodyAsBlob", 0)
def response_blob(rt: Any, r: HttpResponse) -> Blob:
    return Blob(r.resp.body)


@method(HttpResponse, "setBodyAsBlob", 1)
def set_response_blob(rt: Any, r: HttpResponse, body: Any) -> None:
    r.resp.body = body.data if isinstance(body, Blob) else b""


@method(HttpResponse, "getHeader", 1)
def response_header(rt: Any, r: HttpResponse, name: Any) -> Any:
    return r.resp.header(_text(name, "getHeader"))


@method(HttpResponse, "setHeader", 2)
def set_response_header(rt: Any, r: HttpResponse, name: Any, value: Any) -> None:
    r.resp.headers.append((_text(name, "setHeader"), _text(value, "setHeader")))


@method(HttpResponse, "getHeaderKeys", 0)
def header_keys(rt: Any, r: HttpResponse) -> ApexList:
    return ApexList(STRING, [k for k, _v in r.resp.headers])


@method(HttpResponse, "toString", 0)
def response_to_string(rt: Any, r: HttpResponse) -> str:
    return r.apex_string()


# ---------------------------------------------------------------------------- Http.send

@method(Http, "send", 1)
def send(rt: Any, http: Http, request: Any) -> HttpResponse:
    if request is None:
        raise npe()
    if not isinstance(request, HttpRequest):
        raise Unsupported(f"Http.send of a {type_name(request)}")
    rt.limits.callout()
    if rt.try_depth == 0:
        rt.warn(f"no try/catch around Http.send at line {rt.line}: a transport error ends the "
                "handler with EXCEPTION")
    req = request.req
    if not req.method:
        raise throw("CalloutException", "Method must be set")  # wording: bench assumption
    if len(req.body) > lim.MAX_BODY:
        raise throw("CalloutException", f"Exceeded max size limit of {lim.MAX_BODY} with "
                    f"request size {len(req.body)}")
    if rt.env.is_test:
        return _mocked(rt, request)
    resolved, written = endpoints.resolve(req, rt.env)
    remaining_ms = lim.MAX_CALLOUT_TOTAL_MS - rt.limits.callout_ms
    if remaining_ms <= 0:
        raise throw("CalloutException", "Maximum callout time of 120000 ms exceeded "
                    "in this transaction")
    timeout_s = min(req.timeout_ms, remaining_ms) / 1000
    started = time.perf_counter()
    record: dict[str, Any] = {"line": rt.line, "endpoint": written, "request": resolved}
    rt.extra.setdefault("callouts", []).append(record)
    try:
        resp = rt.env.send(resolved, timeout_s)
    except CalloutFailure as exc:
        record["error"] = str(exc)
        raise throw("CalloutException", str(exc)) from None
    finally:
        elapsed = time.perf_counter() - started
        rt.limits.excluded += elapsed
        rt.limits.callout_ms += elapsed * 1000
        record["elapsed_ms"] = elapsed * 1000
    record["response"] = resp
    if len(resp.body) > lim.MAX_BODY:
        raise throw("CalloutException", f"Exceeded max size limit of {lim.MAX_BODY} with "
                    f"response size {len(resp.body)}")
    if not resp.status:
        resp.status = _REASONS.get(resp.status_code, "")
    return HttpResponse(resp)


def _mocked(rt: Any, request: HttpRequest) -> HttpResponse:
    mock: ApexObject | None = rt.mock
    if mock is None:
        raise throw("TypeException", "Methods defined as TestMethod do not support Web service "
                    "callouts")
    rt.extra.setdefault("callouts", []).append(
        {"line": rt.line, "endpoint": request.req.endpoint, "request": request.req})
    answer = rt.call_method(mock, "respond", [request], None)
    if answer is None:
        return HttpResponse(ApexHttpResponse(status_code=0))
    if not isinstance(answer, HttpResponse):
        raise throw("TypeException", "respond() must return an HttpResponse")
    return answer
