"""Messaging-platform presets: Infobip, MessageBird, WhatsApp Cloud, and a generic JSON webhook.

Infobip, like Vonage, refuses some messages with HTTP 200 (a REJECTED status group), so its rules
read the per-message status before the status code.
"""

from __future__ import annotations

from otp_bench.delivery.presets import Preset
from otp_bench.delivery.presets.sms import common_tail, r
from otp_bench.domain.vocabulary import Channel

INFOBIP = Preset(
    name="infobip", label="Infobip SMS (/sms/2/text/advanced)",
    base_url="https://api.infobip.com",
    http={
        "path": "/sms/2/text/advanced", "method": "POST",
        "auth": {"kind": "infobip_app", "token": "api_key"}, "body_format": "json",
        "body": ('{"messages": [{"destinations": [{"to": {{ phone_number | digits | tojson }}}], '
                 '"from": {{ sender | tojson }}, "text": {{ default_text | tojson }}}]}'),
        "rules": [
            r("SUCCESS", "Infobip: status group PENDING/DELIVERED", status="200",
              json_path="messages[0].status.groupId", equals=["0", "1", "3"]),
            r("INVALID_PHONE_NUMBER", "Infobip REJECTED_DESTINATION (HTTP 200)", status="200",
              json_path="messages[0].status.name",
              equals=["REJECTED_DESTINATION", "REJECTED_PREFIX_MISSING", "MISSING_TO"]),
            # bench assumption: a network/country the account may not send to
            r("COUNTRY_BLOCK", "Infobip REJECTED_NETWORK (HTTP 200)", status="200",
              json_path="messages[0].status.name", equals=["REJECTED_NETWORK"]),
            r("PROVIDER_ERROR", "Infobip: HTTP 200 but REJECTED (e.g. not enough credits)",
              status="200", json_path="messages[0].status.groupId", equals=["2", "4", "5"]),
            *common_tail("Infobip"),
        ],
    },
    credential_keys=("api_key",),
    example_credentials={"api_key": "infobip-0123456789abcdef0123456789abcdef-0123"},
    sender_hint="InfoSMS",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "no_funds": "PROVIDER_ERROR", "auth": "PROVIDER_ERROR",
              "rate_limited": "PROVIDER_ERROR"},
    doc="POST /sms/2/text/advanced, Authorization: App {key}, JSON; REJECTED can be HTTP 200",
)

MESSAGEBIRD = Preset(
    name="messagebird", label="MessageBird SMS (rest.messagebird.com)",
    base_url="https://rest.messagebird.com",
    http={
        "path": "/messages", "method": "POST",
        "auth": {"kind": "messagebird_accesskey", "token": "access_key"}, "body_format": "json",
        # recipients are JSON integers, no +
        "body": ('{"originator": {{ sender | tojson }}, '
                 '"recipients": [{{ phone_number | digits | int }}], '
                 '"body": {{ default_text | tojson }}}'),
        "rules": [
            r("SUCCESS", "MessageBird: 201 message created (message id)", status="201",
              json_path="id"),
            r("INVALID_PHONE_NUMBER", "MessageBird 9 on recipients: no correct recipients",
              status="422", json_path="errors[*].code", equals=["9"],
              pattern="recipients"),
            r("PROVIDER_ERROR", "MessageBird 25: not enough balance",
              json_path="errors[*].code", equals=["25"]),
            *common_tail("MessageBird"),
        ],
    },
    credential_keys=("access_key",),
    example_credentials={"access_key": "test_gshuPaZoeEG6ovbc8M79w0QyM"},
    sender_hint="OTPBench",
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "no_funds": "PROVIDER_ERROR",
              "auth": "PROVIDER_ERROR", "rate_limited": "PROVIDER_ERROR"},
    doc="POST /messages, Authorization: AccessKey {key}, JSON with integer recipients",
)

WHATSAPP = Preset(
    name="whatsapp", label="Meta WhatsApp Cloud API (authentication template)",
    base_url="https://graph.facebook.com",
    http={
        "path": "/v21.0/{{ credentials.phone_number_id | urlencode }}/messages", "method": "POST",
        "auth": {"kind": "bearer", "token": "access_token"}, "body_format": "json",
        # an approved authentication template: the code goes in the body and the copy-code button
        "body": ('{"messaging_product": "whatsapp", "recipient_type": "individual", '
                 '"to": {{ phone_number | digits | tojson }}, "type": "template", '
                 '"template": {"name": "verification_code", "language": {"code": "en_US"}, '
                 '"components": [{"type": "body", "parameters": [{"type": "text", '
                 '"text": {{ one_time_password | tojson }}}]}, {"type": "button", '
                 '"sub_type": "url", "index": "0", "parameters": [{"type": "text", '
                 '"text": {{ one_time_password | tojson }}}]}]}}'),
        "public_credentials": ["phone_number_id"],
        "rules": [
            r("SUCCESS", "WhatsApp: 200 with messages[0].id", status="200",
              json_path="messages[0].id"),
            r("INVALID_PHONE_NUMBER", "WhatsApp 131026/131030: recipient can't receive",
              json_path="error.code", equals=["131026", "131030"]),
            r("PROVIDER_ERROR", "WhatsApp 130429/131056/4/80007: rate limit",
              json_path="error.code", equals=["130429", "131056", "4", "80007"]),
            r("PROVIDER_ERROR", "WhatsApp 131042: payment issue", json_path="error.code",
              equals=["131042"]),
            *common_tail("WhatsApp"),
        ],
    },
    credential_keys=("phone_number_id", "access_token"),
    example_credentials={"phone_number_id": "106540352242922",
                         "access_token": "EAAJB0000000000000000000000000000000000000ZDZD"},
    channel=Channel.WHATSAPP,
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "auth": "PROVIDER_ERROR",
              "rate_limited": "PROVIDER_ERROR", "no_funds": "PROVIDER_ERROR"},
    doc="POST /v21.0/{phone-number-id}/messages, Bearer token, authentication template",
)

WEBHOOK = Preset(
    name="webhook", label="Generic JSON webhook", base_url="http://127.0.0.1:8080",
    http={
        "path": "/otp", "method": "POST",
        "auth": {"kind": "api_key_header", "token": "api_key", "name": "X-API-Key"},
        "body_format": "json",
        "body": ('{"user_id": {{ user_id | tojson }}, "phone": {{ phone_number | e164 | tojson }}, '
                 '"otp": {{ one_time_password | tojson }}, "text": {{ default_text | tojson }}, '
                 '"site_id": {{ network_id | tojson }}, '
                 '"experience_id": {{ experience_id | tojson }}}'),
        "rules": [
            r("SUCCESS", "webhook: 2xx status sent", status="2xx", json_path="status",
              equals=["sent", "queued", "accepted"]),
            r("INVALID_PHONE_NUMBER", "webhook: invalid_number", json_path="status",
              equals=["invalid_number"]),
            r("COUNTRY_BLOCK", "webhook: country_blocked", json_path="status",
              equals=["country_blocked"]),
            r("MESSAGE_LIMIT_EXCEEDED", "webhook: limit_exceeded", json_path="status",
              equals=["limit_exceeded"]),
            *common_tail("webhook"),
        ],
    },
    credential_keys=("api_key",),
    example_credentials={"api_key": "webhook-key-0123456789abcdef"},
    failures={"invalid_number": "INVALID_PHONE_NUMBER", "country_block": "COUNTRY_BLOCK",
              "message_limit": "MESSAGE_LIMIT_EXCEEDED", "auth": "PROVIDER_ERROR",
              "server_error": "PROVIDER_ERROR"},
    doc="POST /otp, X-API-Key header, JSON {user_id, phone, otp, text, site_id, experience_id}",
)

PRESETS = (INFOBIP, MESSAGEBIRD, WHATSAPP, WEBHOOK)
