"""SMS API presets: Telesign (the Salesforce docs example), Twilio, Vonage SMS, Sinch, Plivo.

Rules are ordered: the vendor's specific error codes first, then its status classes. SUCCESS
always needs the vendor's documented success shape (a message id or an accepted status in the
JSON body), never the status alone: a 2xx with invalid JSON, binary or another shape is
``EXCEPTION`` ("unrecognised 2xx answer": an Apex handler parsing the documented JSON would
throw there). Codes are
from research/provider-dialects.md; Telesign's codes beyond the docs example are bench
assumptions (marked).
"""

from __future__ import annotations

from typing import Any

from otp_bench.delivery.presets import Preset


def r(result: str, label: str, **when: Any) -> dict[str, Any]:
    return {"result": result, "label": label, **when}


def common_tail(vendor: str) -> list[dict[str, Any]]:
    """Auth failures, throttling and server errors are the provider's problem, not the user's."""
    return [
        r("PROVIDER_ERROR", f"{vendor}: authentication failed (401/403)", status="401-403"),
        r("PROVIDER_ERROR", f"{vendor}: rate limited (429)", status="429"),
        r("PROVIDER_ERROR", f"{vendor}: server error (5xx)", status="5xx"),
        # a 2xx none of the rules above recognised: an Apex handler parsing it would throw
        r("EXCEPTION", f"{vendor}: unrecognised 2xx answer", status="2xx"),
    ]


TELESIGN = Preset(
    name="telesign", label="Telesign Messaging (Salesforce docs example)",
    base_url="https://rest-ww.telesign.com",
    http={
        "path": "/v1/messaging", "method": "POST",
        "auth": {"kind": "basic", "username": "customer_id", "password": "api_key"},
        "body_format": "form",
        # the docs example: intro text + OTP + Salesforce's default text, message_type OTP
        "form": [["is_primary", "true"], ["phone_number", "{{ phone_number | digits }}"],
                 ["message", "Custom OTP {{ one_time_password }}; {{ default_text }}"],
                 ["message_type", "OTP"]],
        "rules": [
            r("SUCCESS", "Telesign: status.code 290 (message in progress)", status="2xx",
              json_path="status.code", equals=["290"]),
            # bench assumption: 11000 "Invalid value for parameter phone_number"
            r("INVALID_PHONE_NUMBER", "Telesign 11000: invalid phone_number", status="4xx",
              json_path="status.code", equals=["11000"]),
            *common_tail("Telesign"),
        ],
    },
    credential_keys=("customer_id", "api_key"),
    example_credentials={"customer_id": "FFFFFFFF-EEEE-DDDD-1234-AB1234567890",
                         "api_key": "EXAMPLEkeyTELESIGN0000000000000000000000000000=="},
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "auth": "PROVIDER_ERROR",
              "rate_limited": "PROVIDER_ERROR", "server_error": "PROVIDER_ERROR"},
    doc="POST /v1/messaging, Basic customer_id:api_key, form body (the Salesforce help example)",
)

TWILIO = Preset(
    name="twilio", label="Twilio Programmable Messaging", base_url="https://api.twilio.com",
    http={
        "path": "/2010-04-01/Accounts/{{ credentials.account_sid | urlencode }}/Messages.json",
        "method": "POST",
        "auth": {"kind": "basic", "username": "account_sid", "password": "auth_token"},
        "body_format": "form",
        "form": [["To", "{{ phone_number | e164 }}"], ["From", "{{ sender }}"],
                 ["Body", "{{ default_text }}"]],
        "public_credentials": ["account_sid"],
        "rules": [
            # success is the documented shape, not the status alone: a 201 without a message
            # sid (invalid JSON, binary, HTML) is what an Apex parser would throw on
            r("SUCCESS", "Twilio: 201 Created with a message sid (queued)", status="201",
              json_path="sid"),
            r("INVALID_PHONE_NUMBER", "Twilio 21211/21614: invalid or non-mobile To number",
              status="4xx", json_path="code", equals=["21211", "21614", "21217"]),
            r("COUNTRY_BLOCK", "Twilio 21408: no geo permission for the To region",
              status="4xx", json_path="code", equals=["21408", "21612"]),
            r("PROVIDER_ERROR", "Twilio 20429: too many requests", json_path="code",
              equals=["20429"]),
            *common_tail("Twilio"),
        ],
    },
    credential_keys=("account_sid", "auth_token"),
    example_credentials={"account_sid": "AC" + "0123456789abcdef" * 2,
                         "auth_token": "twilio-test-token-0123456789abcdef"},
    sender_hint="+15005550006",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "auth": "PROVIDER_ERROR", "rate_limited": "PROVIDER_ERROR",
              "server_error": "PROVIDER_ERROR"},
    doc="POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic SID:token, form To/From/Body",
)

VONAGE = Preset(
    name="vonage", label="Vonage SMS API", base_url="https://rest.nexmo.com",
    http={
        "path": "/sms/json", "method": "POST", "auth": {"kind": "none"},
        "body_format": "form",
        # credentials travel as body parameters; the number without a leading + (Vonage rule)
        "form": [["api_key", "{{ credentials.api_key }}"],
                 ["api_secret", "{{ credentials.api_secret }}"],
                 ["from", "{{ sender }}"], ["to", "{{ phone_number | digits }}"],
                 ["text", "{{ default_text }}"]],
        "rules": [
            # Vonage answers HTTP 200 to refusals: the verdict is messages[].status
            r("SUCCESS", "Vonage: messages[0].status 0 (accepted)", status="200",
              json_path="messages[0].status", equals=["0"]),
            r("INVALID_PHONE_NUMBER", "Vonage status 3 on 'to': invalid number", status="200",
              json_path="messages[0].status", equals=["3"], pattern=r"(?i)\bto\b"),
            r("INVALID_PHONE_NUMBER", "Vonage status 6/7: unroutable prefix or barred number",
              status="200", json_path="messages[0].status", equals=["6", "7"]),
            r("COUNTRY_BLOCK", "Vonage status 29: non-whitelisted destination", status="200",
              json_path="messages[0].status", equals=["29"]),
            r("PROVIDER_ERROR", "Vonage: HTTP 200 but refused (status ≠ 0)", status="200",
              json_path="messages[0].status"),
            *common_tail("Vonage"),
        ],
    },
    credential_keys=("api_key", "api_secret"),
    example_credentials={"api_key": "a1b2c3d4", "api_secret": "VonageSecret0123"},
    sender_hint="OTPBench",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "auth": "PROVIDER_ERROR", "rate_limited": "PROVIDER_ERROR",
              "no_funds": "PROVIDER_ERROR"},
    doc="POST /sms/json, api_key/api_secret parameters, form; HTTP 200 even when refused",
)

SINCH = Preset(
    name="sinch", label="Sinch SMS (batches)", base_url="https://us.sms.api.sinch.com",
    http={
        "path": "/xms/v1/{{ credentials.service_plan_id | urlencode }}/batches", "method": "POST",
        "auth": {"kind": "bearer", "token": "api_token"}, "body_format": "json",
        "body": ('{"from": {{ sender | tojson }}, "to": [{{ phone_number | e164 | tojson }}], '
                 '"body": {{ default_text | tojson }}}'),
        "public_credentials": ["service_plan_id"],
        "rules": [
            r("SUCCESS", "Sinch: 201 batch created (batch id)", status="201", json_path="id"),
            r("INVALID_PHONE_NUMBER", "Sinch syntax_invalid_parameter_format: invalid recipient",
              status="400", json_path="code", equals=["syntax_invalid_parameter_format"]),
            r("COUNTRY_BLOCK", "Sinch illegal_number_type: destination not allowed",
              status="403", json_path="code", equals=["illegal_number_type"]),
            *common_tail("Sinch"),
        ],
    },
    credential_keys=("service_plan_id", "api_token"),
    example_credentials={"service_plan_id": "0123456789abcdef0123456789abcdef",
                         "api_token": "sinch-token-0123456789abcdef"},
    sender_hint="+12085550100",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "auth": "PROVIDER_ERROR", "rate_limited": "PROVIDER_ERROR",
              "server_error": "PROVIDER_ERROR"},
    doc="POST /xms/v1/{service_plan_id}/batches, Bearer token, JSON {from, to[], body}",
)

PLIVO = Preset(
    name="plivo", label="Plivo Message API", base_url="https://api.plivo.com",
    http={
        "path": "/v1/Account/{{ credentials.auth_id | urlencode }}/Message/", "method": "POST",
        "auth": {"kind": "basic", "username": "auth_id", "password": "auth_token"},
        "body_format": "json",
        "body": ('{"src": {{ sender | tojson }}, "dst": {{ phone_number | e164 | tojson }}, '
                 '"text": {{ default_text | tojson }}}'),
        "public_credentials": ["auth_id"],
        "rules": [
            r("SUCCESS", "Plivo: 202 message(s) queued (message_uuid)", status="202",
              json_path="message_uuid"),
            r("INVALID_PHONE_NUMBER", "Plivo: dst is not a valid phone number", status="400",
              pattern="is not a valid phone number"),
            r("COUNTRY_BLOCK", "Plivo: destination country barred", status="4xx",
              pattern="(?i)country.*barred"),
            *common_tail("Plivo"),
        ],
    },
    credential_keys=("auth_id", "auth_token"),
    example_credentials={"auth_id": "MAXXXXXXXXXXXXXXXXXX", "auth_token": "plivo-token-0123456789"},
    sender_hint="+14155550100",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "auth": "PROVIDER_ERROR", "rate_limited": "PROVIDER_ERROR",
              "server_error": "PROVIDER_ERROR"},
    doc="POST /v1/Account/{auth_id}/Message/, Basic auth_id:auth_token, JSON {src, dst, text}",
)

PRESETS = (TELESIGN, TWILIO, VONAGE, SINCH, PLIVO)
