"""Hostile input: mutated handler source never gives a Python traceback or a hang — only
diagnostics, an Apex exception, a refusal, or a result."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otp_bench.apex import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    ApexLoadError,
    ApexSource,
    NamedCredential,
    SendArgs,
    check,
    find_handler_classes,
    load_program,
    run_send,
)
from tests.apex.test_first import HANDLER

TOKENS = ["{", "}", "(", ")", ";", ".", ",", "'", "\"", "null", "new", "return", "throw",
          "Integer", "String", "Map<String, Object>", "List<Object>", "for", "while (true)",
          "if", "else", "switch on", "when", "try", "catch (Exception e)", "finally", "?.", "??",
          "+", "-", "*", "/", "==", "!=", "=", "++", "instanceof", "(Integer)", "2147483647",
          "1.5", "'x'", "JSON.deserializeUntyped(", "res.getBody()", "req", "e.getMessage()",
          "[SELECT Id FROM User WHERE Id = :userId]", "super", "this", "static", "class X {}",
          "\n", " ", "@isTest", "0", "-1", "[0]", ".size()", "\\", "/*", "*/", "//"]
ARGS = SendArgs("005000000000001AAA", "+15551234567", "482913", "Your code is 482913",
                "0DB000000000001AAA", "exp1")


def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
    return ApexHttpResponse(400, body=b'{"code": 21211, "message": [1, {"a": null}]}')


ENV = ApexEnvironment(send=send, cpu_limit_ms=300, statement_limit=50_000,
                      named_credentials={"Twilio": NamedCredential("https://api.twilio.com",
                                                                   "AC1", "x")},
                      user_by_id=lambda i: {"Id": i, "LanguageLocaleKey": "en_US"})


CORPUS = Path(__file__).parent / "corpus"
SEEDS = [HANDLER] + [p.read_text() for p in sorted(CORPUS.rglob("*.cls"))]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + " " + draw(st.sampled_from(TOKENS)) + " " + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)):]
        else:
            end = min(len(text), at + draw(st.integers(1, 12)))
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[end:]
    return text


@settings(max_examples=200, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_handlers_end_in_words_never_a_traceback(source: str) -> None:
    diags = check(ApexSource.from_text(source, "TwilioOtpHandler.cls"))
    for d in diags:
        assert str(d).startswith("TwilioOtpHandler.cls:")
    if diags:
        return
    try:
        program = load_program(ApexSource.from_text(source, "TwilioOtpHandler.cls"))
    except ApexLoadError:  # pragma: no cover - check() said it loads
        raise
    for name in find_handler_classes(program) or ["TwilioOtpHandler"]:
        result = run_send(program, name, ARGS, ENV)
        assert result.ended
        assert "internal error" not in result.ended, result.ended


@settings(max_examples=100, deadline=3000)
@given(st.text(max_size=400))
def test_arbitrary_text_is_diagnosed(text: str) -> None:
    for d in check(ApexSource.from_text(text, "Any.cls")):
        assert str(d).startswith("Any.cls:")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["code", "message", "status", "Code"]) | st.text(max_size=4), inner,
        max_size=4),
    max_leaves=10)
BODIES = JSON_VALUES.map(json.dumps) | st.binary(max_size=60).map(lambda b: b.decode("latin-1"))


@settings(max_examples=150, deadline=3000)
@given(st.integers(100, 599), BODIES)
def test_any_vendor_answer_ends_in_a_result(status: int, body: str) -> None:
    def answer(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        return ApexHttpResponse(status, body=body.encode("utf-8", "surrogatepass"))

    env = dataclasses.replace(ENV, send=answer)
    program = load_program(ApexSource.from_text(HANDLER, "TwilioOtpHandler.cls"))
    result = run_send(program, "TwilioOtpHandler", ARGS, env)
    assert result.result is not None, result.ended
    if result.exception is not None:
        assert result.exception.type.startswith("System."), result.ended
