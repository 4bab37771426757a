"""The one "send test": one real call of the handler a provider config describes.

It takes the config as it stands in the editor, saved or not (``Engine.send_test``). The request
preview is ``delivery/preview.py``.
"""

from __future__ import annotations

import secrets as _secrets
from typing import Any

from otp_bench.delivery.base import DeliveryHandler, DeliveryReport, Directory, Inbox
from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.domain.model import DEFAULT_TEXT, ProviderConfig, ProviderKind


def send_test(
    config: ProviderConfig, phone: str, *, otp: str | None = None, default_text: str | None = None,
    user_id: str = "", network_id: str = "", directory: Directory | None = None,
    inbox: Inbox | None = None, timeout_seconds: float = 10.0, transport: Any = None,
) -> DeliveryReport:
    """One real call of the handler ``config`` describes (any kind, saved or not) to ``phone``,
    with a fresh code; the report carries the callout records. The one send-test: the engine's
    ``send_test`` and the provider editor both come here."""
    from otp_bench.delivery.registry import build_handler

    code = otp or "".join(_secrets.choice("0123456789") for _ in range(6))
    text = (default_text or DEFAULT_TEXT).replace("{otp}", code).replace("{site}", "otp-bench")
    if config.kind is ProviderKind.HTTP and inbox is None:  # a callout needs no phone inbox
        handler: DeliveryHandler = HttpHandler(config, directory=directory,
                                               timeout_seconds=timeout_seconds,
                                               transport=transport)
    else:
        assert inbox is not None, "scripted and Apex handlers deliver to a phone inbox"
        handler = build_handler(config, inbox=inbox, directory=directory or _NoDirectory(),
                                timeout_seconds=timeout_seconds, transport=transport)
    try:
        return handler.send_one_time_password(user_id, phone, code, text, network_id, "")
    finally:
        close = getattr(handler, "close", None)
        if close:
            close()


class _NoDirectory:
    def user_by_id(self, user_id: str) -> None:
        return None

    def site_by_id(self, site_id: str) -> None:
        return None
