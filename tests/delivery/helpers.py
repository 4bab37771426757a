"""Shared helpers for the delivery tests: provider configs from presets, a tiny directory."""

from __future__ import annotations

from typing import Any

from otp_bench.delivery.presets import get_preset, preset_http
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import ProviderConfig, ProviderKind, Site, User

PHONE = "+1 4155552671"
OTP = "482915"
TEXT = f"{OTP} is your verification code for Customers. Don't share it with anyone."


def preset_config(name: str, base_url: str = "", **changes: Any) -> ProviderConfig:
    p = get_preset(name)
    http = preset_http(name, base_url=base_url or p.base_url, sender=p.sender_hint or "OTPBench")
    http.update(changes.pop("http", {}))
    return ProviderConfig(
        id="0Pr000000000001AAA", name=f"{name}-test", kind=ProviderKind.HTTP, http=http,
        credentials=dict(changes.pop("credentials", p.example_credentials)),
        channel=changes.pop("channel", p.channel), **changes,
    )


class Directory:
    def __init__(self, verified: bool = True) -> None:
        self.user = User(id="005000000000001AAA", username="ana@example.com", first_name="Ana",
                         mobile="+14155552671", flags=Flags(admin_verified=verified))
        self.site = Site(id="0DB000000000001AAA", name="Customers")

    def user_by_id(self, user_id: str) -> User | None:
        return self.user if user_id == self.user.id else None

    def site_by_id(self, site_id: str) -> Site | None:
        return self.site if site_id == self.site.id else None


def send(handler: Any, phone: str = PHONE) -> Any:
    return handler.send_one_time_password(
        "005000000000001AAA", phone, OTP, TEXT, "0DB000000000001AAA", "exp-1")
