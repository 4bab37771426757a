"""Rendering headless API exchanges (request and response) as a client developer reads them.

A 302 is shown as the redirect it is (its Location and the parameters it carries), not as a
failure. Tokens in a response body are shortened (their first characters and length), so a
screenshot of the pane doesn't hand out a working token; the authorization code is shown whole
(it is single-use and spent by the token call shown below it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from otp_bench.gui import theme


def render_exchanges(exchanges: Sequence[Any]) -> str:
    t = theme.tokens()
    style = (
        "<style>"
        f"pre {{ background: {t.get('code_bg', '#eee')}; padding: 8px; font-size: 12px; }}"
        f".muted {{ color: {t.get('muted', '#666')}; }}"
        f".ok {{ color: {t.get('success', 'green')}; font-weight: 700; }}"
        f".bad {{ color: {t.get('danger', 'red')}; font-weight: 700; }}"
        f"h4 {{ margin-bottom: 2px; color: {t.get('accent', 'blue')}; }}"
        "</style>"
    )
    if not exchanges:
        return style + ("<p class='muted'>Each call the client makes appears here: the request "
                        "as sent and the response as received.</p>")
    parts = [style]
    for n, ex in enumerate(exchanges, 1):
        url = urlsplit(ex.url)
        redirect = 300 <= ex.status < 400
        kind = "ok" if ex.ok or redirect else "bad"
        status = (f"<span class='{kind}'>HTTP {ex.status}"
                  f"{' redirect' if redirect else ''}</span>"
                  if ex.status else f"<span class='bad'>no answer: {escape(ex.error)}</span>")
        parts.append(f"<a name='ex{n}'></a><h4>{n}. {escape(ex.method)} {escape(url.path)}</h4>"
                     f"<p class='muted'>{status} · {ex.elapsed_ms:.0f} ms · "
                     f"{escape(url.netloc)}</p>")
        req_head = "\n".join(f"{k}: {v}" for k, v in ex.request_headers.items()
                             if k.lower() not in ("accept-encoding", "connection", "user-agent"))
        target = url.path + (f"?{url.query}" if url.query else "")
        parts.append("<pre>" + escape(f"{ex.method} {target}\n{req_head}\n\n"
                                      f"{_pretty(ex.request_body)}") + "</pre>")
        if ex.status:
            resp_head = "\n".join(f"{k}: {v}" for k, v in ex.response_headers.items()
                                  if k.lower() in ("content-type", "cache-control", "location"))
            parts.append("<pre>" + escape(f"HTTP/1.1 {ex.status}\n{resp_head}\n\n"
                                          f"{_pretty(_shortened(ex.response_body))}")
                         + "</pre>")
            if redirect and ex.response_headers.get("location"):
                parts.append("<p class='muted'>The client is sent to the callback URL with "
                             + ", ".join(f"<b>{escape(k)}</b>" for k in _params(ex)) + ".</p>")
    return "".join(parts)


TOKENS = ("access_token", "refresh_token", "id_token", "signature")


def _shortened(body: str) -> str:
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return body
    if not isinstance(data, dict):
        return body
    for key in TOKENS:
        value = data.get(key)
        if isinstance(value, str) and len(value) > 24:
            data[key] = f"{value[:12]}… ({len(value)} characters)"
    return json.dumps(data, ensure_ascii=False)


def _params(ex: Any) -> list[str]:
    return list(parse_qs(urlsplit(ex.response_headers["location"]).query))


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return body.replace("&", "\n&") if "=" in body and " " not in body else body
