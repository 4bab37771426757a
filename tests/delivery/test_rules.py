"""Result mapping: ordered rules, recorded in words; total over arbitrary answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otp_bench.delivery.presets import PRESETS, preset_http
from otp_bench.domain.rules import ERROR_KINDS, Answer, Rule, RuleError, map_result
from otp_bench.domain.vocabulary import DeliveryResult

TWILIO_RULES = tuple(Rule.from_dict(r) for r in preset_http("twilio")["rules"])


def _json(status: int, doc: object) -> Answer:
    return Answer(status=status, body=json.dumps(doc).encode())


@pytest.mark.parametrize(("status", "code", "result"), [
    (201, None, DeliveryResult.SUCCESS),
    (400, 21211, DeliveryResult.INVALID_PHONE_NUMBER),
    (400, 21408, DeliveryResult.COUNTRY_BLOCK),
    (429, 20429, DeliveryResult.PROVIDER_ERROR),
    (401, 20003, DeliveryResult.PROVIDER_ERROR),
    (503, None, DeliveryResult.PROVIDER_ERROR),
])
def test_twilio_error_vocabulary(status: int, code: int | None, result: DeliveryResult) -> None:
    doc = ({"sid": "SM1", "status": "queued"} if status == 201
           else {"code": code, "status": status})  # the documented success shape has a sid
    got, rule = map_result(TWILIO_RULES, _json(status, doc))
    assert got is result and rule


def test_first_matching_rule_wins_and_is_named() -> None:
    rules = (Rule(DeliveryResult.COUNTRY_BLOCK, status="4xx", label="first"),
             Rule(DeliveryResult.INVALID_PHONE_NUMBER, status="400", label="second"))
    assert map_result(rules, Answer(status=400)) == (DeliveryResult.COUNTRY_BLOCK, "first")


def test_json_path_with_wildcard_and_pattern() -> None:
    rule = Rule(DeliveryResult.INVALID_PHONE_NUMBER, json_path="errors[*].code", equals=("9",),
                pattern="recipients")
    body = {"errors": [{"code": 2}, {"code": 9, "parameter": "recipients"}]}
    assert map_result((rule,), _json(422, body))[0] is DeliveryResult.INVALID_PHONE_NUMBER
    assert map_result((rule,), _json(422, {"errors": [{"code": 9}]}))[0] is (
        DeliveryResult.PROVIDER_ERROR)


def test_defaults_transport_error_2xx_and_the_rest() -> None:
    assert map_result((), Answer(error="timeout"))[0] is DeliveryResult.EXCEPTION
    assert map_result((), Answer(status=204))[0] is DeliveryResult.SUCCESS
    assert map_result((), Answer(status=302))[0] is DeliveryResult.PROVIDER_ERROR
    too_big = map_result((Rule(DeliveryResult.SUCCESS, error="any"),), Answer(error="too_large"))
    assert too_big[0] is DeliveryResult.EXCEPTION and "Apex" in too_big[1]


@pytest.mark.parametrize(("d", "field"), [
    ({"result": "NOPE"}, "result"), ({"result": "SUCCESS", "status": "6xx"}, "status"),
    ({"result": "SUCCESS", "pattern": "("}, "pattern"),
    ({"result": "SUCCESS", "json_path": "a..b"}, "json_path"),
    ({"result": "SUCCESS", "equals": "1"}, "equals"),
    ({"result": "SUCCESS", "error": "cosmic"}, "error"),
    ({"result": "SUCCESS", "colour": "red"}, "colour"),
])
def test_bad_rules_name_their_field(d: dict[str, object], field: str) -> None:
    with pytest.raises(RuleError) as err:
        Rule.from_dict(d)
    assert err.value.field == field


PRESET_RULES = {p: tuple(Rule.from_dict(r) for r in preset_http(p)["rules"]) for p in PRESETS}
ALL_RULES = tuple(rule for rules in PRESET_RULES.values() for rule in rules)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(status=st.integers(min_value=100, max_value=599), body=st.binary(max_size=2048),
       headers=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=20)), max_size=5))
def test_mapping_is_total_over_arbitrary_bytes(status: int, body: bytes,
                                               headers: list[tuple[str, str]]) -> None:
    result, rule = map_result(ALL_RULES, Answer(status=status, body=body,
                                                headers=tuple(headers)))
    assert result in DeliveryResult and rule


@settings(max_examples=300, deadline=None)
@given(status=st.integers(min_value=100, max_value=599), doc=json_values,
       error=st.none() | st.sampled_from(ERROR_KINDS))
def test_mapping_is_total_over_arbitrary_json(status: int, doc: object, error: str | None) -> None:
    for rules in PRESET_RULES.values():  # parsed once: the mapping is what's under test
        ans = Answer(status=None if error else status, error=error,
                     body=json.dumps(doc).encode())
        result, rule = map_result(rules, ans)
        assert result in DeliveryResult and rule
