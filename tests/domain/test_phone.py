"""Phone numbers: Salesforce's stored form in, E.164 out, clear errors, total parsing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otp_bench.domain.phone import PhoneError, parse_phone, try_parse


def test_salesforce_format_to_e164() -> None:
    p = parse_phone("+1 4155552671")
    assert p.e164 == "+14155552671"
    assert p.salesforce == "+1 4155552671"
    assert p.digits == "14155552671"
    assert p.country_code == 1 and p.region == "US"
    assert p.national == "(415) 555-2671"
    assert p.international == "+1 415-555-2671"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+44 20 8366 1177", None, "+442083661177"),
        ("020 8366 1177", "GB", "+442083661177"),
        ("00442083661177", "GB", "+442083661177"),
        ("+44 7400 123456", "US", "+447400123456"),  # a + ignores the region
        ("(415) 555-2671", "US", "+14155552671"),
        ("+49 1512 3456789", None, "+4915123456789"),
    ],
)
def test_forms_that_parse(raw: str, region: str | None, e164: str) -> None:
    assert parse_phone(raw, region).e164 == e164


def test_the_salesforce_form_round_trips() -> None:
    for raw in ("+44 7400 123456", "+33 6 12 34 56 78", "+61 412 345 678"):
        p = parse_phone(raw)
        assert parse_phone(p.salesforce).e164 == p.e164


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("4155552671", "no country code"),
        ("02081234567", "no country code"),
        ("", "no phone number"),
        ("   ", "no phone number"),
        ("hello", "doesn't look like a number"),
        ("+1 555", "isn't a valid phone number"),
        ("+12001230101", "isn't a valid phone number"),  # possible, but not valid
        ("+1 " + "4" * 251, "at most 250"),
    ],
)
def test_refusals_say_why(raw: str, message: str) -> None:
    with pytest.raises(PhoneError, match=message):
        parse_phone(raw)
    assert try_parse(raw) is None


def test_sms_only_refuses_fixed_lines() -> None:
    parse_phone("+44 20 8366 1177")  # a valid London fixed line
    with pytest.raises(PhoneError, match="can't receive SMS"):
        parse_phone("+44 20 8366 1177", sms_only=True)
    assert parse_phone("+44 7400 123456", sms_only=True).e164 == "+447400123456"
    assert parse_phone("+1 4155552671", sms_only=True)  # NANP: fixed line or mobile


def test_try_parse_none() -> None:
    assert try_parse(None) is None


@given(st.text(max_size=300), st.sampled_from([None, "US", "GB", "DE", "ZZ", "xx"]))
def test_parsing_is_total(raw: str, region: str | None) -> None:
    try:
        p = parse_phone(raw, region)
    except PhoneError as exc:
        assert str(exc)
    else:
        assert p.e164.startswith("+") and p.e164[1:].isdigit()
        assert parse_phone(p.e164).e164 == p.e164  # idempotent


@given(st.from_regex(r"\+?[0-9 ()\-.]{0,30}", fullmatch=True))
def test_parsing_number_like_text_is_total(raw: str) -> None:
    with contextlib.suppress(PhoneError):
        parse_phone(raw, "US")
