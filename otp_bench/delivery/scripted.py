"""A scripted custom handler: no callout, returns the result it was given.

``SUCCESS`` delivers the message to the phone, the way a working provider would.
"""

from __future__ import annotations

from otp_bench.delivery.base import DeliveryReport, Inbox
from otp_bench.delivery.default_provider import land_on_phone
from otp_bench.domain.vocabulary import Channel, DeliveryResult


class ScriptedHandler:
    def __init__(
        self, name: str, result: DeliveryResult, inbox: Inbox, channel: Channel = Channel.SMS
    ) -> None:
        self.name = name
        self._result = result
        self._inbox = inbox
        self._channel = channel

    def send_one_time_password(
        self,
        user_id: str,
        phone_number: str,
        one_time_password: str,
        default_text: str,
        network_id: str,
        experience_id: str,
    ) -> DeliveryReport:
        if self._result is not DeliveryResult.SUCCESS:
            return DeliveryReport(self._result, note=f"scripted handler returns {self._result}")
        return land_on_phone(
            self._inbox, phone_number, default_text, one_time_password, sender=self.name,
            via=self.name, channel=self._channel, note="scripted handler: no callout",
        )
