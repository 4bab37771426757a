"""What every way of running the mock shares: per-provider faults and credentials by route key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from otp_bench.mockprovider.app import MockState, route_key
from otp_bench.mockprovider.faults import Fault


class MockControl:
    state: MockState
    base_url: str

    def url_for(self, key: str) -> str:
        """Base URL whose requests use ``key``'s faults and credentials."""
        return f"{self.base_url}/~{route_key(key)}"

    def set_faults(self, key: str, faults: Iterable[Fault | Mapping[str, Any]]) -> None:
        """``key``: a provider key (see ``url_for``) or a dialect name such as ``twilio``."""
        self.state.set_faults(key, faults)

    def set_account(self, key: str, credentials: Mapping[str, str] | None) -> None:
        """Credentials the mock expects for ``key``; without any it accepts well-formed ones."""
        self.state.set_account(key, credentials)
