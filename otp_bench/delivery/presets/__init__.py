"""Presets: complete declarative configs for real SMS / messaging vendors.

A preset fills the whole ``http`` dict (path, auth, body, result mapping) from the vendor's
documented dialect (research/provider-dialects.md); the operator adds credentials, a sender and,
for real use, the base URL. ``preset_http`` is what the GUI's preset picker and scenario files use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otp_bench.domain.vocabulary import Channel


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    base_url: str  # the vendor's production base URL
    http: dict[str, Any]  # the declarative config without base_url and sender
    credential_keys: tuple[str, ...]
    example_credentials: dict[str, str]  # well-formed throwaway values, for the mock and demos
    sender_hint: str = ""
    channel: Channel = Channel.SMS
    failures: dict[str, str] = field(default_factory=dict)  # mock error name → result it maps to
    doc: str = ""


def _registry() -> dict[str, Preset]:
    from otp_bench.delivery.presets import messaging, sms

    return {p.name: p for p in (*sms.PRESETS, *messaging.PRESETS)}


PRESETS: dict[str, Preset] = _registry()


class UnknownPreset(KeyError):
    pass


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownPreset(
            f"no preset {name!r}; presets: {', '.join(sorted(PRESETS))}"
        ) from None


def preset_http(
    name: str, *, sender: str = "", base_url: str | None = None, timeout_s: float | None = None,
) -> dict[str, Any]:
    """The full ``ProviderConfig.http`` dict for a preset (a fresh copy)."""
    import copy

    p = get_preset(name)
    http = copy.deepcopy(p.http)
    http.update({
        "base_url": (base_url or p.base_url).rstrip("/"), "sender": sender or p.sender_hint,
        "preset": p.name, "credential_keys": list(p.credential_keys),
    })
    if timeout_s is not None:
        http["timeout_s"] = timeout_s
    return http
