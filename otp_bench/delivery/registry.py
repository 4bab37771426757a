"""Builds the handler a provider config describes; the one place that knows every kind."""

from __future__ import annotations

from typing import Any

from otp_bench.delivery.base import DeliveryHandler, Directory, Inbox
from otp_bench.delivery.scripted import ScriptedHandler
from otp_bench.domain.model import ProviderConfig, ProviderKind


class HandlerBuildError(ValueError):
    """A provider config that can't become a handler; the message names the field."""


def build_handler(
    config: ProviderConfig,
    *,
    inbox: Inbox,
    directory: Directory,
    timeout_seconds: float = 10.0,
    transport: Any = None,
    mock_url: str | None = None,
) -> DeliveryHandler:
    if config.kind is ProviderKind.SCRIPTED:
        return ScriptedHandler(config.name, config.result, inbox, config.channel)
    if config.kind is ProviderKind.HTTP:
        # imported here: httpx and Jinja2 load only once an HTTP provider is first used
        from otp_bench.delivery.http_handler import HttpHandler

        handler: DeliveryHandler = HttpHandler(
            config, inbox=inbox, directory=directory, timeout_seconds=timeout_seconds,
            transport=transport,
        )
        return handler
    if config.kind is ProviderKind.APEX:
        # imported here: the Apex runtime (and its grammar) loads only for an Apex provider
        from otp_bench.delivery.apex_handler import ApexHandler

        apex: DeliveryHandler = ApexHandler(
            config, inbox=inbox, directory=directory, timeout_seconds=timeout_seconds,
            transport=transport, mock_url=mock_url,
        )
        return apex
    raise HandlerBuildError(f"provider {config.name!r}: unknown kind {config.kind!r}")
