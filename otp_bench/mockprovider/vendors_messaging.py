"""Mock dialects of the messaging platforms: Infobip, MessageBird, WhatsApp Cloud, JSON webhook."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from otp_bench.domain.vocabulary import Channel
from otp_bench.mockprovider.dialect import (
    Accepted,
    Dialect,
    Incoming,
    Refused,
    e164_or_none,
    matches,
    new_id,
)

# -- Infobip ----------------------------------------------------------------------------------


def _ib_exc(status: int, message_id: str, text: str) -> Any:
    return lambda to: (status, {"requestError": {"serviceException": {
        "messageId": message_id, "text": text}}})


def _ib_rejected(status_id: int, name: str, description: str) -> Any:
    # Infobip refuses some messages with HTTP 200 and a REJECTED status (group 5)
    return lambda to: (200, {"bulkId": new_id(), "messages": [{
        "to": to, "messageId": new_id(), "status": {
            "groupId": 5, "groupName": "REJECTED", "id": status_id, "name": name,
            "description": description}}]})


class Infobip(Dialect):
    def __init__(self) -> None:
        super().__init__("infobip", "Infobip SMS", "/sms/2/text/advanced", errors={
            "invalid_number": _ib_rejected(52, "REJECTED_DESTINATION",
                                           "Invalid destination address"),
            "country_block": _ib_rejected(6, "REJECTED_NETWORK", "Network is forbidden"),
            "no_funds": _ib_rejected(12, "REJECTED_NOT_ENOUGH_CREDITS", "Not enough credits"),
            "auth": _ib_exc(401, "UNAUTHORIZED", "Invalid login details"),
            "rate_limited": _ib_exc(429, "TOO_MANY_REQUESTS", "Too many requests"),
            "server_error": _ib_exc(500, "GENERAL_ERROR", "Something went wrong."),
        })

    def _first(self, inc: Incoming) -> tuple[dict[str, Any], str] | None:
        doc = inc.json()
        try:
            msg = doc["messages"][0]
            return msg, str(msg["destinations"][0]["to"])
        except (TypeError, KeyError, IndexError):
            return None

    def recipient(self, inc: Incoming) -> str | None:
        first = self._first(inc)
        return e164_or_none("+" + first[1].lstrip("+")) if first else None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        if not matches(account, "api_key", inc.scheme_token("App")):
            return self.error("auth")
        first = self._first(inc)
        if first is None or not isinstance(first[0].get("text"), str):
            return Refused(*_ib_exc(400, "BAD_REQUEST", "Bad request")(""))
        msg, to = first
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number", to)
        body = {"bulkId": new_id(), "messages": [{"to": to, "messageId": new_id(), "status": {
            "groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED",
            "description": "Message sent to next instance"}}]}
        return Accepted(200, body, e164, msg["text"], str(msg.get("from", "Infobip")))


# -- MessageBird ------------------------------------------------------------------------------

def _mb(status: int, code: int, description: str, parameter: str | None) -> Any:
    return lambda to: (status, {"errors": [
        {"code": code, "description": description, "parameter": parameter}]})


class MessageBird(Dialect):
    def __init__(self) -> None:
        super().__init__("messagebird", "MessageBird SMS", "/messages", errors={
            "invalid_number": _mb(422, 9, "no (correct) recipients found", "recipients"),
            "no_funds": _mb(402, 25, "Not enough balance", None),
            "auth": _mb(401, 2, "Request not allowed (incorrect access_key)", "access_key"),
            "rate_limited": _mb(429, 21, "Too many requests", None),
            "server_error": _mb(500, 99, "Internal error", None),
        })

    def recipient(self, inc: Incoming) -> str | None:
        doc = inc.json()
        rec = doc.get("recipients") if isinstance(doc, dict) else None
        if isinstance(rec, list) and rec and isinstance(rec[0], int) and not isinstance(
                rec[0], bool):
            return e164_or_none(f"+{rec[0]}")
        if isinstance(rec, list) and rec and isinstance(rec[0], str) and rec[0].isdigit():
            return e164_or_none("+" + rec[0])
        return None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        if not matches(account, "access_key", inc.scheme_token("AccessKey")):
            return self.error("auth")  # a Bearer header gets the same 401
        doc = inc.json()
        if not isinstance(doc, dict) or not doc.get("originator") or not isinstance(
                doc.get("body"), str):
            return Refused(*_mb(422, 9, "originator and body are required", "originator")(""))
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        mid = new_id()
        body = {
            "id": mid, "href": f"https://rest.messagebird.com/messages/{mid}", "direction": "mt",
            "type": "sms", "originator": doc["originator"], "body": doc["body"],
            "reference": doc.get("reference"), "validity": None, "gateway": 10,
            "typeDetails": {}, "datacoding": "plain", "mclass": 1, "scheduledDatetime": None,
            "createdDatetime": now, "recipients": {
                "totalCount": 1, "totalSentCount": 1, "totalDeliveredCount": 0,
                "totalDeliveryFailedCount": 0, "items": [
                    {"recipient": int(e164[1:]), "status": "sent", "statusDatetime": now}]},
        }
        return Accepted(201, body, e164, doc["body"], str(doc["originator"]))


# -- WhatsApp Cloud ---------------------------------------------------------------------------

def _wa(status: int, code: int, title: str, details: str, etype: str = "OAuthException") -> Any:
    return lambda to: (status, {"error": {
        "message": f"(#{code}) {title}", "type": etype, "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": new_id(n=22)}})


class WhatsApp(Dialect):
    def __init__(self) -> None:
        super().__init__(
            "whatsapp", "Meta WhatsApp Cloud API", "/{version}/{phone_number_id}/messages",
            channel=Channel.WHATSAPP, errors={
                "invalid_number": _wa(400, 131026, "Message undeliverable",
                                      "Message failed to send: the recipient can't receive it."),
                "auth": _wa(401, 190, "Access token has expired",
                            "Error validating access token: Session has expired."),
                "rate_limited": _wa(429, 130429, "Rate limit hit",
                                    "Message failed to send because there were too many "
                                    "messages sent from this phone number in a short period "
                                    "of time"),
                "no_funds": _wa(400, 131042, "Business eligibility payment issue",
                                "Message failed to send because of a payment issue."),
                "server_error": _wa(500, 131000, "Something went wrong",
                                    "Message failed to send because of an unknown error."),
            })

    def recipient(self, inc: Incoming) -> str | None:
        doc = inc.json()
        to = doc.get("to") if isinstance(doc, dict) else None
        return e164_or_none("+" + to.lstrip("+")) if isinstance(to, str) else None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        if not matches(account, "access_token", inc.scheme_token("Bearer")) or not matches(
                account, "phone_number_id", inc.path_params.get("phone_number_id")):
            return self.error("auth")
        doc = inc.json()
        text = _wa_text(doc)
        if not isinstance(doc, dict) or doc.get("messaging_product") != "whatsapp" or text is None:
            return Refused(*_wa(400, 100, "Invalid parameter",
                                "messaging_product, to and a template or text are required",
                                "OAuthException")(""))
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number")
        body = {"messaging_product": "whatsapp",
                "contacts": [{"input": doc["to"], "wa_id": e164[1:]}],
                "messages": [{"id": "wamid." + new_id(n=40), "message_status": "accepted"}]}
        return Accepted(200, body, e164, text, "WhatsApp", Channel.WHATSAPP)


def _wa_text(doc: Any) -> str | None:
    """The message a phone shows: the authentication template's fixed text, or a text body."""
    try:
        if doc["type"] == "text":
            return str(doc["text"]["body"])
        for comp in doc["template"]["components"]:
            if comp["type"] == "body":
                return f"{comp['parameters'][0]['text']} is your verification code."
    except (TypeError, KeyError, IndexError):
        return None
    return None


# -- generic JSON webhook ---------------------------------------------------------------------

def _wh(status: int, word: str) -> Any:
    return lambda to: (status, {"status": word})


class Webhook(Dialect):
    def __init__(self) -> None:
        super().__init__("webhook", "Generic JSON webhook", "/otp", errors={
            "invalid_number": _wh(400, "invalid_number"),
            "country_block": _wh(403, "country_blocked"),
            "message_limit": _wh(429, "limit_exceeded"),
            "auth": _wh(401, "unauthorized"),
            "server_error": _wh(500, "error"),
        })

    def recipient(self, inc: Incoming) -> str | None:
        doc = inc.json()
        phone = doc.get("phone") if isinstance(doc, dict) else None
        return e164_or_none(phone) if isinstance(phone, str) else None

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        if not matches(account, "api_key", inc.headers.get("x-api-key")):
            return self.error("auth")
        doc = inc.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("text") or doc.get("otp"), str):
            return Refused(400, {"status": "bad_request", "detail": "phone and text are needed"})
        e164 = self.recipient(inc)
        if e164 is None:
            return self.error("invalid_number")
        text = doc.get("text") or f"Your code is {doc['otp']}"
        return Accepted(200, {"status": "sent", "id": new_id()}, e164, str(text), "webhook")
