"""Turning a scenario's ``providers:`` entries into provider configs (and any mock they need).

``{name, result}`` is a scripted handler. Other entries (``preset``, ``endpoint``, ...) describe a
declarative HTTP handler; ``endpoint: mock`` starts the built-in mock provider on loopback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.domain.vocabulary import Channel, DeliveryResult
from otp_bench.engine.engine import Engine


def validate_provider_spec(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with one provider entry, as (field, message); empty when it is fine."""
    problems: list[tuple[str, str]] = []
    if not isinstance(spec.get("name"), str) or not spec.get("name"):
        problems.append(("name", "every provider needs a name"))
    if "result" in spec:
        if spec["result"] not in DeliveryResult.__members__:
            problems.append(("result", f"must be one of {', '.join(DeliveryResult)}"))
        return problems
    problems.append(("preset", "HTTP providers aren't available in this build yet"))
    return problems


class ScenarioProviders:
    """Creates the providers of one scenario run; ``close()`` stops what it started."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, spec: Mapping[str, Any]) -> ProviderConfig:
        name = str(spec["name"])
        channel = Channel(spec.get("channel", "sms"))
        existing = self.engine.store.provider_by_name(name)
        if "result" in spec:
            fields: dict[str, Any] = {
                "kind": ProviderKind.SCRIPTED, "result": DeliveryResult(spec["result"]),
                "channel": channel,
            }
            if existing is not None:
                from dataclasses import replace

                return self.engine.save_provider(replace(existing, **fields))
            return self.engine.new_provider(name, **fields)
        raise ValueError(f"provider {name!r}: HTTP providers aren't available in this build yet")

    def close(self) -> None:
        pass

    def __enter__(self) -> ScenarioProviders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
