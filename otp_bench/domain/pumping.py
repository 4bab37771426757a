"""The SMS-pumping guard's settings: what a provider refuses before any callout (FR-2, FR-4).

SMS pumping (toll fraud) sends codes to premium-rate or otherwise revenue-sharing numbers, or
sprays a number range. The guard allows only number types that take an SMS (by libphonenumber's
number type: mobile by default; NANPA numbers are FIXED_LINE_OR_MOBILE, so that is allowed too)
and caps sends per number and per prefix (the number without its last 4 digits) in a sliding
window. Bench assumptions (vendor examples, not standards): 5 sends per number and 20 per prefix
per hour. A provider option, stored with its HTTP settings; on in the sample workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMBER_TYPES = (
    "MOBILE", "FIXED_LINE_OR_MOBILE", "FIXED_LINE", "TOLL_FREE", "PREMIUM_RATE", "SHARED_COST",
    "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL", "UNKNOWN",
)
DEFAULT_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE")
KEYS = ("enabled", "allowed_types", "per_number", "per_prefix", "window_s")


class GuardError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PumpingGuardConfig:
    enabled: bool = True
    allowed_types: tuple[str, ...] = DEFAULT_TYPES
    per_number: int = 5  # sends to one number per window; 0: no limit
    per_prefix: int = 20  # sends to one prefix (all but the last 4 digits) per window; 0: none
    window_s: int = 3600

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "allowed_types": list(self.allowed_types),
                "per_number": self.per_number, "per_prefix": self.per_prefix,
                "window_s": self.window_s}

    @classmethod
    def from_value(cls, value: Any) -> PumpingGuardConfig:
        """From ``true``/``false`` (defaults on/off) or a mapping of ``KEYS``."""
        if isinstance(value, bool):
            return cls(enabled=value)
        if not isinstance(value, dict):
            raise GuardError("pumping_guard", "must be true, false or a mapping")
        unknown = sorted(set(value) - set(KEYS))
        if unknown:
            raise GuardError(f"pumping_guard.{unknown[0]}",
                             f"unknown field; use {', '.join(KEYS)}")
        types = value.get("allowed_types", list(DEFAULT_TYPES))
        if (not isinstance(types, list | tuple) or not types
                or any(t not in NUMBER_TYPES for t in types)):
            raise GuardError("pumping_guard.allowed_types",
                             f"must be a list of {', '.join(NUMBER_TYPES)}")
        ints = {}
        for key, default in (("per_number", 5), ("per_prefix", 20), ("window_s", 3600)):
            v = value.get(key, default)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > 10**6:
                raise GuardError(f"pumping_guard.{key}", "must be a whole number, 0 or more")
            ints[key] = v
        if ints["window_s"] < 1:
            raise GuardError("pumping_guard.window_s", "must be at least 1 second")
        enabled = value.get("enabled", True)
        if not isinstance(enabled, bool):
            raise GuardError("pumping_guard.enabled", "must be true or false")
        return cls(enabled, tuple(types), ints["per_number"], ints["per_prefix"],
                   ints["window_s"])
