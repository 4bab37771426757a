"""Where a callout really goes: ``callout:Name/path`` through a Named Credential (its URL, a
generated Authorization header, ``{!$Credential.…}`` merge fields), or a hard-coded URL allowed by a
Remote Site Setting (else ``System.CalloutException: Unauthorized endpoint…``).

Both the handler runner and the test runner use this; the host's ``send`` hook receives the
resolved request.
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import urlsplit

from otp_bench.apex.env import ApexEnvironment, ApexHttpRequest, NamedCredential
from otp_bench.apex.errors import ApexThrow, throw

_MERGE = re.compile(r"\{!\s*(HTMLENCODE\(\s*)?\$Credential\.(\w+)\s*\)?\s*\}", re.IGNORECASE)


def named_credential(env: ApexEnvironment, name: str) -> NamedCredential | None:
    for key, cred in env.named_credentials.items():
        if key.lower() == name.lower():
            return cred
    return None


def _unreachable(url: str) -> ApexThrow:
    return throw("CalloutException", "Unauthorized endpoint, please check Setup->Security->"
                 f"Remote site settings. endpoint = {url}")


def resolve(request: ApexHttpRequest, env: ApexEnvironment) -> tuple[ApexHttpRequest, str]:
    """The request as the platform sends it, and the endpoint as the handler wrote it."""
    endpoint = request.endpoint
    if not endpoint:
        raise throw("CalloutException", "Endpoint must be set")  # wording: bench assumption
    if endpoint.lower().startswith("callout:"):
        return _via_credential(request, env), endpoint
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a port that isn't a number raises here
    except ValueError:
        raise throw("CalloutException", f"Invalid endpoint: {endpoint}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise throw("CalloutException", f"no protocol: {endpoint}")
    best = ""
    for site in env.remote_sites:
        site_parts = urlsplit(site)
        if (site_parts.scheme.lower(), site_parts.netloc.lower()) == (
                parts.scheme.lower(), parts.netloc.lower()) and len(site) > len(best):
            best = site
    if not best:
        raise _unreachable(endpoint)
    target = env.remote_sites[best].rstrip("/")
    rest = endpoint[len(urlsplit(best).scheme) + 3 + len(urlsplit(best).netloc):]
    resolved = ApexHttpRequest(request.method, target + rest, list(request.headers), request.body,
                               request.timeout_ms, request.compressed)
    return resolved, endpoint


def _via_credential(request: ApexHttpRequest, env: ApexEnvironment) -> ApexHttpRequest:
    rest = request.endpoint[len("callout:"):]
    name, sep, path = rest.partition("/")
    if not sep and "?" in name:
        name, _, query = name.partition("?")
        path = "?" + query
    elif sep:
        path = "/" + path
    cred = named_credential(env, name)
    if cred is None:
        raise throw("CalloutException", "The callout couldn't access the endpoint. You might "
                    "not have the required permissions, or the named credential "
                    f'"{name}" might not exist.')
    url = cred.url.rstrip("/") + path if path and not path.startswith("?") else cred.url + path
    headers = list(request.headers)
    body = request.body
    if cred.allow_merge_fields:
        headers = [(k, _merge(v, cred, body=False)) for k, v in headers]
        if body:
            body = _merge(body.decode("utf-8", "surrogateescape"), cred,
                          body=True).encode("utf-8", "surrogateescape")
    resolved = ApexHttpRequest(request.method, url, headers, body, request.timeout_ms,
                               request.compressed)
    auth = authorization(cred)
    if cred.generate_authorization_header and auth:
        resolved.set_header("Authorization", auth)  # the platform's header wins (bench assumption)
    return resolved


def authorization(cred: NamedCredential) -> str:
    if cred.token:
        return f"Bearer {cred.token}"
    if cred.username or cred.password:
        raw = f"{cred.username}:{cred.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    return ""


def _merge(text: str, cred: NamedCredential, *, body: bool) -> str:
    def value(match: re.Match[str]) -> str:
        field = match.group(2).lower()
        auth = authorization(cred)
        values = {
            "username": cred.username, "password": cred.password, "oauthtoken": cred.token,
            "authorizationmethod": auth.split(" ", 1)[0] if auth else "",
            "authorizationheadervalue": auth.split(" ", 1)[1] if auth else "",
            "oauthconsumerkey": "",
        }
        if field not in values:
            return match.group(0)
        if match.group(1):
            return html.escape(values[field]) if body else match.group(0)
        return values[field]

    return _MERGE.sub(value, text)


def is_resolved_host(url: str) -> str:
    return urlsplit(url).netloc
