"""The one redaction function: headers, query parameters, JSON and form fields, credential
values in any encoding, the OTP anywhere; and the filter on third-party loggers."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otp_bench.delivery.redaction import (
    MASK,
    Redactor,
    install_log_filter,
    redact_exchange,
    secrets_in_flight,
)
from otp_bench.domain.callout import HttpMessage, RawExchange

SECRET = "s3cr3t/Va+lue=="
OTP = "482915"


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(["Authorization", "X-API-Key", "Cookie", "X-Auth-Token"]).flatmap(
    lambda n: st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in n]).map("".join)),
    value=st.text(min_size=1, max_size=30))
def test_denylisted_headers_are_masked_whatever_their_casing(name: str, value: str) -> None:
    (pair,) = Redactor().headers([(name, value)])
    assert pair == (name, MASK)


def test_provider_declared_secret_headers() -> None:
    red = Redactor(secret_headers=["X-Vendor-Sig"])
    assert dict(red.headers([("x-vendor-sig", "abc"), ("Accept", "json")])) == {
        "x-vendor-sig": MASK, "Accept": "json"}


def test_query_parameters_and_userinfo_in_urls() -> None:
    url = "https://u:pw@api.example/send?to=%2B1415&api_key=K1&Signature=zz&keep=1"
    out = Redactor().url(url)
    assert "K1" not in out and "zz" not in out and "pw" not in out and "keep=1" in out


def test_json_and_form_fields_and_secret_values_in_every_encoding() -> None:
    red = Redactor([SECRET], otp=OTP)
    body = json.dumps({"auth": {"password": "p4ss", "token": "t0k"}, "echo": SECRET,
                       "text": f"Your code is {OTP}"})
    out = red.body(body, "application/json")
    for leaked in ("p4ss", "t0k", SECRET, OTP):
        assert leaked not in out
    form = f"api_secret=zzz&to=1415&text=code+{OTP}&echo={quote_plus(SECRET)}"
    out = red.body(form, "application/x-www-form-urlencoded")
    assert "zzz" not in out and OTP not in out and quote_plus(SECRET) not in out
    assert SECRET not in red.text(json.dumps({"x": SECRET}))


def test_redact_exchange_covers_request_and_response() -> None:
    raw = RawExchange(
        url=f"https://x.example/send?key={SECRET}",
        request=HttpMessage((("Authorization", "Basic abc"),), f"otp={OTP}"),
        response=HttpMessage((("Set-Cookie", "sid=1"),), f'{{"echo": "{OTP}"}}'),
    )
    red = redact_exchange(raw, Redactor([SECRET], otp=OTP))
    assert SECRET not in red.url and OTP not in red.request.body + red.response.body  # type: ignore[union-attr]
    assert red.request.headers == (("Authorization", MASK),)
    assert red.response.headers == (("Set-Cookie", MASK),)  # type: ignore[union-attr]


def test_third_party_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_filter()
    caplog.set_level(logging.DEBUG)
    core = logging.getLogger("httpcore.http11")
    core.debug("receive_response_headers.complete return_value=%r",
               (b"HTTP/1.1", 200, b"OK", [(b"Set-Cookie", b"canary-cookie")]))
    with secrets_in_flight([SECRET]):
        logging.getLogger("httpx").info("HTTP Request: POST https://x.example/?q=%s %s",
                                        quote_plus(SECRET), "Bearer abcdefgh1234")
    logging.getLogger("httpx").info("GET https://x.example/?api_key=later-key")
    for leaked in ("canary-cookie", SECRET, quote_plus(SECRET), "abcdefgh1234", "later-key"):
        assert leaked not in caplog.text


secret_values = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF),
                        min_size=8, max_size=24)
nested = st.recursive(
    st.text(max_size=10) | st.integers(),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids,
                                                              max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(secret=secret_values, doc=nested, depth=st.integers(min_value=0, max_value=6),
       field=st.sampled_from(["echo", "password", "Token", "message"]))
def test_a_known_secret_is_masked_at_any_depth(secret: str, doc: object, depth: int,
                                               field: str) -> None:
    planted: object = {field: f"before {secret} after", "other": doc}
    for i in range(depth):
        planted = {f"level{i}": [planted]}
    red = Redactor([secret])
    text = json.dumps(planted, ensure_ascii=False)
    assert secret not in red.body(text, "application/json")
    ascii_text = json.dumps(planted)  # \\u-escaped non-ASCII: masked field or value variant
    out = red.body(ascii_text, "application/json")
    assert secret not in out and json.dumps(secret)[1:-1] not in out
