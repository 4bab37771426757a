"""The one redaction function every sink uses: callout records, logs, previews, exports.

A ``Redactor`` knows the secrets of one exchange (credential values, the OTP, provider-declared
secret headers) and masks, in order: denylisted headers (case-insensitive), denylisted query
parameters and JSON/form fields, then every known secret value wherever it still appears, in its
plain, URL-encoded and JSON-escaped forms. ``redact_exchange`` applies it to a whole exchange.

Third-party loggers (httpx logs URLs at INFO, httpcore request/response details at DEBUG) get
``SecretLogFilter``, which masks the secrets of every exchange currently in flight;
``redact_log_text`` is the same masking for any text bound for a log (``otp_bench.logs`` applies it
to every line of the log file and of standard error).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from otp_bench.domain.callout import HttpMessage, RawExchange

MASK = "••••••"
MIN_SECRET_LEN = 3  # shorter "secrets" would mask half the text

DENY_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
    "apikey", "x-auth-token", "x-access-token", "x-csrf-token", "x-xsrf-token", "x-session-token",
    "www-authenticate", "proxy-authenticate", "x-twilio-signature", "x-hub-signature",
    "x-hub-signature-256", "x-plivo-signature-v3", "x-amz-security-token",
})
DENY_PARAMS = frozenset({
    "api_key", "apikey", "api-key", "key", "token", "access_token", "auth_token", "secret",
    "api_secret", "client_secret", "password", "passwd", "pwd", "signature", "sig",
})
_URL = re.compile(r"https?://[^\s'\"<>]+")
# httpcore logs headers as a list of (b'name', b'value') tuples
_HEADER_TUPLE = re.compile(r"\((b?)(['\"])([A-Za-z0-9_-]+)\2, (b?)(['\"])(.*?)\5\)")
_BEARERISH = re.compile(r"(?i)\b(Basic|Bearer|App|AccessKey)\s+[A-Za-z0-9._~+/=-]{6,}")
# a code named as one in free text: "otp=482915", "OTP: 482915", '"code": "482915"'
_LABELLED_CODE = re.compile(
    r"(?i)\b(otp|one[-_ ]?time[-_ ]?(?:password|code)|passcode|verification[-_ ]?code|code)"
    r"([\"']?\s*[:=]\s*[\"']?)(\d{4,10})\b"
)


class Redactor:
    def __init__(
        self, secrets: Iterable[str] = (), *, secret_headers: Iterable[str] = (),
        otp: str | None = None,
    ) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        if otp:
            values.add(otp)
        self._variants = _variants(values)
        self._deny_headers = DENY_HEADERS | {h.lower() for h in secret_headers}

    def plus(self, *values: str) -> Redactor:
        """This redactor with more secrets (e.g. one call's OTP); cheap on the hot path."""
        more = Redactor.__new__(Redactor)
        more._deny_headers = self._deny_headers
        more._variants = _variants(set(self._variants) | {v for v in values if v})
        return more

    def text(self, s: str) -> str:
        for v in self._variants:
            if v in s:
                s = s.replace(v, MASK)
        return s

    def headers(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (k, MASK if k.lower() in self._deny_headers else self.text(v)) for k, v in pairs
        )

    def url(self, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        netloc = parts.netloc
        if "@" in netloc:  # user:password@host
            netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in DENY_PARAMS for k, _ in pairs):
                query = urlencode(
                    [(k, MASK if k.lower() in DENY_PARAMS else v) for k, v in pairs]
                )
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def body(self, text: str, content_type: str = "") -> str:
        ct = content_type.lower()
        stripped = text.lstrip()
        if "json" in ct or stripped[:1] in ("{", "["):
            try:
                doc = json.loads(text)
            except (ValueError, RecursionError):
                doc = None
            if doc is not None and _has_deny_field(doc):
                text = json.dumps(_mask_fields(doc), ensure_ascii=False)
        elif "x-www-form-urlencoded" in ct:
            pairs = parse_qsl(text, keep_blank_values=True)
            if any(k.lower() in DENY_PARAMS for k, _ in pairs):
                text = urlencode([(k, MASK if k.lower() in DENY_PARAMS else v) for k, v in pairs])
        return self.text(text)

    def url_like(self, text: str) -> str:
        """Free text (a log line): mask query secrets in any URL in it, then known secrets."""
        return self.text(_URL.sub(lambda m: self.url(m.group(0)), text))

    def message(self, msg: HttpMessage) -> HttpMessage:
        ct = next((v for k, v in msg.headers if k.lower() == "content-type"), "")
        return HttpMessage(self.headers(msg.headers), self.body(msg.body, ct), msg.body_truncated)


def _variants(values: set[str]) -> list[str]:
    variants: set[str] = set()
    for v in values:
        variants.update({v, quote_plus(v), quote(v, safe=""), json.dumps(v)[1:-1]})
    # longest first, so a secret containing another is masked whole
    return sorted((v for v in variants if v), key=len, reverse=True)


def _has_deny_field(doc: Any, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if isinstance(doc, dict):
        return any(
            (isinstance(k, str) and k.lower() in DENY_PARAMS) or _has_deny_field(v, depth + 1)
            for k, v in doc.items()
        )
    if isinstance(doc, list):
        return any(_has_deny_field(v, depth + 1) for v in doc)
    return False


def _mask_fields(doc: Any, depth: int = 0) -> Any:
    if depth > 50:
        return doc
    if isinstance(doc, dict):
        return {
            k: MASK if isinstance(k, str) and k.lower() in DENY_PARAMS
            else _mask_fields(v, depth + 1)
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [_mask_fields(v, depth + 1) for v in doc]
    return doc


def redact_exchange(raw: RawExchange, redactor: Redactor) -> RawExchange:
    """The exchange as every sink may show it."""
    return RawExchange(
        url=redactor.url(raw.url),
        request=redactor.message(raw.request),
        response=redactor.message(raw.response) if raw.response is not None else None,
    )


# -- third-party log records -----------------------------------------------------------------

_in_flight: Counter[str] = Counter()
_lock = threading.Lock()
_LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2",
            "httpcore.proxy", "httpcore.socks", "hpack", "uvicorn.access", "uvicorn.error")


@contextmanager
def secrets_in_flight(values: Iterable[str]) -> Iterator[None]:
    """While a callout runs, its secrets are masked in third-party log records."""
    vals = [v for v in values if v and len(v) >= MIN_SECRET_LEN]
    with _lock:
        _in_flight.update(vals)
    try:
        yield
    finally:
        with _lock:
            _in_flight.subtract(vals)
            for v in vals:
                if _in_flight[v] <= 0:
                    del _in_flight[v]


def _mask_header_tuple(m: re.Match[str]) -> str:
    if m.group(3).lower() in DENY_HEADERS:
        return f"({m.group(1)}{m.group(2)}{m.group(3)}{m.group(2)}, {m.group(4)}'{MASK}')"
    return m.group(0)


class SecretLogFilter(logging.Filter):
    """Masks, in a third-party record: in-flight secrets, secret query parameters in URLs,
    ``Basic``/``Bearer``-style credentials, and denylisted headers in httpcore's header dumps
    (it logs response headers, ``Set-Cookie`` included, at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: drop its arguments rather than risk them
            text = str(record.msg)
        masked = redact_log_text(text)
        if masked != text or record.args:
            record.msg, record.args = masked, None
        return True


def redact_log_text(text: str) -> str:
    """Free text bound for a log, masked: the secrets of every exchange in flight, secret query
    parameters in URLs, ``Basic``/``Bearer``-style credentials, denylisted headers in httpcore's
    header dumps, and codes labelled as one-time passwords."""
    with _lock:
        live = list(_in_flight)
    masked = _BEARERISH.sub(lambda m: f"{m.group(1)} {MASK}", Redactor(live).url_like(text))
    masked = _HEADER_TUPLE.sub(_mask_header_tuple, masked)
    return _LABELLED_CODE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", masked)


_filter = SecretLogFilter()
_installed = False


def install_log_filter() -> None:
    """Attach the filter to the loggers of httpx, httpcore and uvicorn (idempotent)."""
    global _installed
    if _installed:
        return
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(_filter)
    _installed = True
