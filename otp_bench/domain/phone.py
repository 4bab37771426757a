"""Phone numbers: parse and validate with phonenumbers, store E.164, hand over Salesforce's format.

Salesforce stores a mobile as country code, space, national significant number (``+1 4155552671``);
the handler receives that string. The bench stores E.164 and renders the Salesforce form on demand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

_MAX_INPUT = 250  # phonenumbers' own input limit; longer input is refused before parsing
_SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class PhoneError(ValueError):
    """A number that can't be used; the message says why in plain words."""


@dataclass(frozen=True)
class Phone:
    e164: str
    country_code: int
    national_number: str
    region: str | None

    @property
    def salesforce(self) -> str:
        """Salesforce's stored format: ``+<country code> <national number>``."""
        return f"+{self.country_code} {self.national_number}"

    @property
    def international(self) -> str:
        return phonenumbers.format_number(
            phonenumbers.parse(self.e164), PhoneNumberFormat.INTERNATIONAL
        )

    @property
    def national(self) -> str:
        return phonenumbers.format_number(phonenumbers.parse(self.e164), PhoneNumberFormat.NATIONAL)

    @property
    def digits(self) -> str:
        """E.164 without the plus, as Vonage and others want it."""
        return self.e164[1:]


def parse_phone(raw: str, default_region: str | None = None, *, sms_only: bool = False) -> Phone:
    """Parse and validate ``raw``; raise PhoneError naming what is wrong.

    A number with a leading ``+`` ignores ``default_region``; without a ``+`` a region is needed.
    ``sms_only`` also refuses types that can't take SMS (fixed line, premium rate, VoIP, ...).
    """
    text = (raw or "").strip()
    if not text:
        raise PhoneError("no phone number given")
    if len(text) > _MAX_INPUT:
        raise PhoneError(f"phone number is {len(text)} characters long; at most {_MAX_INPUT}")
    found = _parse(text, default_region, sms_only)
    if isinstance(found, str):
        raise PhoneError(found)
    return found


# phonenumbers takes ~100 µs a number, and every flow step parses the same few: remembered
# (a frozen Phone, or the error's message), for a bounded number of inputs
@functools.lru_cache(maxsize=4096)
def _parse(text: str, default_region: str | None, sms_only: bool) -> Phone | str:
    try:
        return _parse_uncached(text, default_region, sms_only)
    except PhoneError as exc:
        return str(exc)


def _parse_uncached(text: str, default_region: str | None, sms_only: bool) -> Phone:
    try:
        num = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        raise PhoneError(f"{text!r} isn't a phone number: {_parse_reason(exc)}") from None
    if not phonenumbers.is_valid_number(num):
        raise PhoneError(f"{text!r} isn't a valid phone number for any numbering plan")
    if sms_only and phonenumbers.number_type(num) not in _SMS_TYPES:
        raise PhoneError(f"{text!r} is valid but can't receive SMS (not a mobile number)")
    return Phone(
        e164=phonenumbers.format_number(num, PhoneNumberFormat.E164),
        country_code=int(num.country_code or 0),
        national_number=str(phonenumbers.national_significant_number(num)),
        region=phonenumbers.region_code_for_number(num),
    )


def try_parse(raw: str | None, default_region: str | None = None) -> Phone | None:
    """``parse_phone`` that answers None instead of raising."""
    if raw is None:
        return None
    try:
        return parse_phone(raw, default_region)
    except PhoneError:
        return None


def _parse_reason(exc: NumberParseException) -> str:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: (
            "no country code (start with + and the country code)"
        ),
        NumberParseException.NOT_A_NUMBER: "it doesn't look like a number",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, str(exc))
