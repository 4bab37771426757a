"""Hostile input at the Apex provider's edges: whatever a scenario file or the editor's YAML holds,
``ApexConfig.from_dict`` answers a config or one ``ApexConfigError`` naming the field; whatever an
External Credential formula says, the evaluator answers a value or one ``FormulaError``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otp_bench.delivery.credential_formula import FormulaError, evaluate, merge
from otp_bench.domain.apex_provider import ApexConfig, ApexConfigError

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                     st.text(max_size=30), st.sampled_from(["mock", "https://api.twilio.com",
                                                            "Kill_Switch__c", "Type__mdt"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20)
_keys = st.sampled_from(["source", "class_name", "remote_sites", "named_credentials",
                         "custom_metadata", "custom_settings", "other"])


@settings(max_examples=120, deadline=None)
@given(st.one_of(_values, st.dictionaries(_keys, _values, max_size=6)))
def test_any_config_is_a_config_or_one_named_error(raw: Any) -> None:
    try:
        config = ApexConfig.from_dict(raw)
    except ApexConfigError as exc:
        assert exc.field and exc.message
        return
    assert ApexConfig.from_dict(config.to_dict()) == config  # what the store keeps reads back


_formula_parts = st.lists(st.sampled_from([
    "'Basic '", " & ", "BASE64ENCODE(", "BLOB(", "HEX(", "HASH('SHA256', ", "HMAC('SHA256', ",
    ")", ",", "$Credential.EC.user", "$Credential.EC.nope", "':'", "'", "{!", "}", "NOW()",
    "1 + 2", "\\'", "$Credential.", " "]), max_size=14)


@settings(max_examples=200, deadline=None)
@given(_formula_parts, st.booleans())
def test_any_formula_is_a_value_or_one_formula_error(parts: list[str], wrap: bool) -> None:
    text = ("{!" + "".join(parts) + "}") if wrap else "".join(parts)
    params = {("ec", "user"): "AC1"}
    try:
        assert isinstance(evaluate(text, params), str)
        assert isinstance(merge(text, params), str)
    except FormulaError as exc:
        assert str(exc)


_spec_keys = st.sampled_from(["apex", "class", "remote_sites", "named_credentials",
                              "custom_metadata", "custom_settings", "credentials", "faults",
                              "channel", "bogus"])


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(_spec_keys, _values, max_size=6))
def test_any_apex_provider_entry_is_valid_or_named_problems(raw: dict[str, Any]) -> None:
    from otp_bench.workspace_files.providers import validate_provider_spec

    spec = {"name": "p", "apex": "Handler.cls", **raw}
    problems = validate_provider_spec(spec)
    assert all(isinstance(f, str) and m for f, m in problems)


def test_a_formula_function_with_the_wrong_argument_count_is_a_formula_error() -> None:
    # found by the hypothesis test above: HMAC with two arguments was a Python TypeError
    with pytest.raises(FormulaError, match=r"HMAC\(\) takes 3 argument\(s\), not 2"):
        evaluate("{!HMAC('SHA256', 'Basic ')}", {})
