"""Mock dialects of the SMS APIs: Telesign, Twilio, Vonage SMS, Sinch, Plivo.

Bodies follow research/provider-dialects.md; Twilio's 201 body carries every property of the
Message schema in vendor-specs/twilio-messages-openapi.json.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from otp_bench.mockprovider.dialect import (
    Accepted,
    Dialect,
    Incoming,
    Refused,
    e164_or_none,
    matches,
    new_id,
)

_rfc2822: tuple[int, str] = (0, "")


def _now_rfc2822() -> str:
    # whole seconds: formatted once a second, not once a request (it showed under load)
    global _rfc2822
    now = datetime.now(UTC).replace(microsecond=0)
    second = int(now.timestamp())
    if _rfc2822[0] != second:
        _rfc2822 = (second, format_datetime(now, usegmt=False))
    return _rfc2822[1]


def _digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


# -- Telesign ---------------------------------------------------------------------------------

def _ts(code: int, status: int, text: str) -> Any:
    return lambda to: (status, {"reference_id": new_id().upper(),
                                "status": {"code": code, "description": text}})


class Telesign(Dialect):
    def __init__(self) -> None:
        super().__init__("telesign", "Telesign Messaging", "/v1/messaging", errors={
            "invalid_number": _ts(11000, 400, "Invalid value for parameter phone_number."),
            "auth": _ts(-30000, 401, "Invalid Customer ID."),
            "rate_limited": _ts(10019, 429, "Transaction exceeds the rate limit."),
            "server_error": _ts(-90001, 500, "System Unavailable, please try again later."),
        })

    def recipient(self, inc: Incoming) -> str | None:
        return e164_or_none("+" + _digits(inc.form().get("phone_number", "")))

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        b = inc.basic()
        if not b or not (matches(account, "customer_id", b[0])
                         and matches(account, "api_key", b[1])):
            return self.error("auth")
        f = inc.form()
        for required in ("phone_number", "message", "message_type"):
            if not f.get(required):
                _, body = _ts(-10001, 400, f"Missing required parameter {required}.")("")
                return Refused(400, body)
        to = self.recipient(inc)
        if to is None:
            return self.error("invalid_number")
        body = {"reference_id": new_id().upper(), "external_id": None,
                "status": {"code": 290, "description": "Message in progress",
                           "updated_on": datetime.now(UTC).isoformat()},
                "additional_info": {"message_parts_count": 1}}
        return Accepted(200, body, to, f["message"], "Telesign")


# -- Twilio -----------------------------------------------------------------------------------

def _tw(code: int, status: int, message: str) -> Any:
    return lambda to: (status, {
        "code": code, "message": message.format(to=to),
        "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status,
    })


class Twilio(Dialect):
    def __init__(self) -> None:
        super().__init__(
            "twilio", "Twilio Programmable Messaging",
            "/2010-04-01/Accounts/{AccountSid}/Messages.json", errors={
                "invalid_number": _tw(21211, 400, "The 'To' number {to} is not a valid phone "
                                      "number."),
                "country_block": _tw(21408, 400, "Permission to send an SMS has not been enabled "
                                     "for the region indicated by the 'To' number: {to}."),
                "auth": _tw(20003, 401, "Authentication Error - invalid username"),
                "rate_limited": _tw(20429, 429, "Too Many Requests"),
                "server_error": _tw(20500, 500, "Internal Server Error"),
            })

    def recipient(self, inc: Incoming) -> str | None:
        return e164_or_none(inc.form().get("To", ""))

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        sid = inc.path_params.get("AccountSid", "")
        b = inc.basic()
        if (not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid) or not b or b[0] != sid
                or not matches(account, "account_sid", sid)
                or not matches(account, "auth_token", b[1])):
            return self.error("auth")
        f = inc.form()
        to = f.get("To", "")
        if not to:
            return Refused(*_tw(21604, 400, "A 'To' phone number is required.")(""))
        if not (f.get("From") or f.get("MessagingServiceSid")):
            return Refused(*_tw(21603, 400, "A 'From' phone number is required.")(""))
        if not (f.get("Body") or f.get("MediaUrl") or f.get("ContentSid")):
            return Refused(*_tw(21602, 400, "Message body is required.")(""))
        e164 = e164_or_none(to)
        if not to.startswith("+") or e164 is None or e164 != to:  # Twilio wants strict E.164
            return self.error("invalid_number", to)
        msg_sid = new_id("SM")
        now = _now_rfc2822()
        body = {
            "account_sid": sid, "api_version": "2010-04-01", "body": f.get("Body", ""),
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": f.get("From") or None, "messaging_service_sid":
                f.get("MessagingServiceSid") or None,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": msg_sid, "status": "accepted" if f.get("MessagingServiceSid") else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{sid}/Messages/{msg_sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{sid}/Messages/{msg_sid}.json",
        }
        return Accepted(201, body, e164, f.get("Body", ""), f.get("From") or "Twilio")


# -- Vonage SMS -------------------------------------------------------------------------------

def _vg(status: str, text: str) -> Any:
    # Vonage refuses with HTTP 200: the verdict is in messages[].status
    return lambda to: (200, {"message-count": "1",
                             "messages": [{"status": status, "error-text": text}]})


class Vonage(Dialect):
    def __init__(self) -> None:
        super().__init__("vonage", "Vonage SMS API", "/sms/json", errors={
            "invalid_number": _vg("3", "Invalid to address: use the number without + or 00"),
            "country_block": _vg("29", "Non White-listed Destination"),
            "auth": _vg("4", "Bad Credentials"),
            "rate_limited": _vg("1", "Throttled"),
            "no_funds": _vg("9", "Partner Quota Violation"),
            "server_error": _vg("5", "Internal Error"),
        })

    def _params(self, inc: Incoming) -> dict[str, str]:
        doc = inc.json()
        if isinstance(doc, dict):
            return {k: str(v) for k, v in doc.items()}
        return inc.form()

    def recipient(self, inc: Incoming) -> str | None:
        return e164_or_none("+" + self._params(inc).get("to", "").lstrip("+"))

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        p = self._params(inc)
        if not matches(account, "api_key", p.get("api_key")) or not matches(
                account, "api_secret", p.get("api_secret")):
            return self.error("auth")
        for required in ("from", "to", "text"):
            if not p.get(required):
                return Refused(*_vg("2", f"Missing {required} param")(""))
        to = p["to"]
        e164 = e164_or_none("+" + to) if to.isdigit() and not to.startswith("00") else None
        if e164 is None:  # "Don't use a leading + or 00"
            return self.error("invalid_number", to)
        body = {"message-count": "1", "messages": [{
            "to": to, "message-id": new_id(n=16).upper(), "status": "0",
            "remaining-balance": "15.53590000", "message-price": "0.03330000",
            "network": "23410"}]}
        return Accepted(200, body, e164, p["text"], p["from"])


# -- Sinch ------------------------------------------------------------------------------------

def _sn(status: int, code: str, text: str) -> Any:
    return lambda to: (status, {"code": code, "text": text})


class Sinch(Dialect):
    def __init__(self) -> None:
        super().__init__("sinch", "Sinch SMS", "/xms/v1/{service_plan_id}/batches", errors={
            "invalid_number": _sn(400, "syntax_invalid_parameter_format",
                                  "The recipient number is invalid."),
            "country_block": _sn(403, "illegal_number_type",
                                 "The destination number type or country is not allowed."),
            "auth": _sn(401, "unauthorized", "Unauthorized."),
            "rate_limited": lambda to: (429, {
                "type": "https://developers.sinch.com/docs/sms/api-reference/too-many-requests",
                "title": "Too Many Requests",
                "detail": "The request rate limit has been exceeded."}),
            "server_error": _sn(500, "internal_error", "Internal error."),
        })

    def recipient(self, inc: Incoming) -> str | None:
        doc = inc.json()
        to = doc.get("to") if isinstance(doc, dict) else None
        if isinstance(to, list) and to and isinstance(to[0], str):
            return e164_or_none("+" + to[0].lstrip("+"))
        return None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        token = inc.scheme_token("Bearer")
        plan = inc.path_params.get("service_plan_id", "")
        if not matches(account, "api_token", token) or not matches(
                account, "service_plan_id", plan):
            return self.error("auth")
        doc = inc.json()
        if not isinstance(doc, dict):
            return Refused(*_sn(400, "syntax_invalid_json", "The JSON input is invalid.")(""))
        to = doc.get("to")
        if not isinstance(to, list) or not to or not isinstance(doc.get("body"), str):
            return Refused(*_sn(400, "syntax_constraint_violation",
                                "to must be a non-empty array and body a string.")(""))
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number")
        now = datetime.now(UTC).isoformat()
        body = {"id": new_id(n=26).upper(), "to": [str(t) for t in to],
                "from": str(doc.get("from", "")), "canceled": False, "body": doc["body"],
                "type": "mt_text", "created_at": now, "modified_at": now,
                "delivery_report": "none", "expire_at": now, "flash_message": False}
        return Accepted(201, body, e164, doc["body"], str(doc.get("from", "Sinch")))


# -- Plivo ------------------------------------------------------------------------------------

def _pv(status: int, text: str) -> Any:
    return lambda to: (status, {"api_id": str(uuid.uuid4()), "error": text.format(to=to)})


class Plivo(Dialect):
    def __init__(self) -> None:
        super().__init__("plivo", "Plivo Message API", "/v1/Account/{auth_id}/Message/", errors={
            "invalid_number": _pv(400, "{to} is not a valid phone number"),
            "country_block": _pv(403, "destination country barred for this account"),
            "auth": _pv(401, "authentication failed"),
            "rate_limited": _pv(429, "too many requests, rate limited"),
            "server_error": _pv(500, "internal server error"),
        })

    def recipient(self, inc: Incoming) -> str | None:
        doc = inc.json()
        dst = doc.get("dst") if isinstance(doc, dict) else None
        return e164_or_none("+" + dst.lstrip("+")) if isinstance(dst, str) else None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        auth_id = inc.path_params.get("auth_id", "")
        b = inc.basic()
        if (not b or b[0] != auth_id or not matches(account, "auth_id", auth_id)
                or not matches(account, "auth_token", b[1])):
            return self.error("auth")
        doc = inc.json()
        if not isinstance(doc, dict):
            return Refused(*_pv(400, "invalid JSON body")(""))
        for required in ("src", "dst", "text"):
            if not isinstance(doc.get(required), str) or not doc[required]:
                return Refused(*_pv(400, f"{required} parameter is required")(""))
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number", doc["dst"])
        body = {"api_id": str(uuid.uuid4()), "message": "message(s) queued",
                "message_uuid": [str(uuid.uuid4())]}
        return Accepted(202, body, e164, doc["text"], doc["src"])
