"""The request parsers on arbitrary input: an ApiError naming the problem, never anything else.

Bounded in time: each example has a deadline and the number of examples is capped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from otp_bench.headless import pkce
from otp_bench.headless import requests as rq
from otp_bench.headless.errors import ApiError

BOUNDED = settings(max_examples=300, deadline=200)  # ms per example

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=30,
)


@BOUNDED
@given(st.binary(max_size=4096))
def test_parse_json_takes_any_bytes(raw: bytes) -> None:
    try:
        out = rq.parse_json(raw)
    except ApiError as exc:
        assert exc.status == 400 and exc.description
    else:
        assert isinstance(out, dict)


@BOUNDED
@given(json_values)
def test_parse_json_accepts_every_shallow_object(value: object) -> None:
    raw = json.dumps({"v": value}).encode()
    assert rq.parse_json(raw) == {"v": value}


@BOUNDED
@given(st.integers(min_value=1, max_value=20_000), st.sampled_from(["[", "{\"a\":"]))
def test_deep_nesting_is_refused_quickly(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    raw = (opener * depth + "0" + closer * depth).encode()
    try:
        rq.parse_json(raw)
    except ApiError as exc:
        assert depth > rq.MAX_JSON_DEPTH or opener == "["
        assert "nests" in exc.description or "JSON object" in exc.description
    else:
        assert depth <= rq.MAX_JSON_DEPTH


@BOUNDED
@given(st.binary(max_size=4096))
def test_parse_form_takes_any_bytes(raw: bytes) -> None:
    try:
        out = rq.parse_form(raw)
    except ApiError as exc:
        assert exc.status == 400
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in out.items())


@BOUNDED
@given(st.text(max_size=300))
def test_b64_any_raises_only_binascii_errors(text: str) -> None:
    with contextlib.suppress(binascii.Error, ValueError):  # anything else fails the test
        rq.b64_any(text)


@BOUNDED
@given(st.binary(max_size=200))
def test_b64_any_reads_both_alphabets(raw: bytes) -> None:
    assert rq.b64_any(base64.b64encode(raw).decode() or "=") == raw or raw == b""
    if raw:
        assert rq.b64_any(base64.urlsafe_b64encode(raw).rstrip(b"=").decode()) == raw


@BOUNDED
@given(st.text(max_size=400))
def test_verifier_check_is_total(verifier: str) -> None:
    problem = pkce.verifier_problem(verifier)
    matches = pkce.verifier_matches(verifier, pkce.challenge_for("a" * 43))
    assert problem is None or not matches
    if problem is None:
        assert pkce.verifier_matches(verifier, pkce.challenge_for(verifier))


@BOUNDED
@given(st.text(alphabet=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"),
    min_size=43, max_size=256))
def test_every_well_formed_verifier_up_to_256_is_accepted(verifier: str) -> None:
    assert pkce.verifier_problem(verifier) is None
    assert pkce.challenge_problem(pkce.challenge_for(verifier)) is None
