"""The Salesforce default provider, simulated: no callout; the message lands on the phone."""

from __future__ import annotations

import time

from otp_bench.delivery.base import DEFAULT_PROVIDER_NAME, DeliveryReport, Inbox
from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import Channel, DeliveryResult

SALESFORCE_SENDER = "Salesforce"


def land_on_phone(
    inbox: Inbox, phone_number: str, text: str, otp: str, *, sender: str, via: str, note: str,
    channel: Channel = Channel.SMS,
) -> DeliveryReport:
    """Deliver ``text`` straight to the phone: what every no-callout handler does on SUCCESS."""
    started = time.perf_counter()
    try:
        phone = parse_phone(phone_number)
    except PhoneError as exc:
        return DeliveryReport(DeliveryResult.INVALID_PHONE_NUMBER, note=str(exc))
    inbox.land(phone.e164, text, sender=sender, via=via, channel=channel, otp=otp)
    return DeliveryReport(
        DeliveryResult.SUCCESS, note=note,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


class SalesforceDefaultProvider:
    """Delivers ``defaultText`` straight to the inbox of the number, as the platform would."""

    name = DEFAULT_PROVIDER_NAME
    # no callout and nothing to wait for: the engine calls it inside the init step's
    # transaction, and the message lands on the phone in that same commit
    runs_in_step = True

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    def send_one_time_password(
        self,
        user_id: str,
        phone_number: str,
        one_time_password: str,
        default_text: str,
        network_id: str,
        experience_id: str,
    ) -> DeliveryReport:
        return land_on_phone(
            self._inbox, phone_number, default_text, one_time_password,
            sender=SALESFORCE_SENDER, via=self.name,
            note="delivered by the simulated Salesforce default provider (no callout)",
        )
