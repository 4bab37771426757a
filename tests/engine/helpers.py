"""Engine test helpers: a workspace with a default-provider site and a custom-handler site,
users made to order, and a spy on the handler the engine calls. ``ws`` is the fixture."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otp_bench.delivery.base import DeliveryHandler, DeliveryReport
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import InboxMessage, ProviderConfig, Site, User
from otp_bench.domain.vocabulary import DeliveryResult, License
from otp_bench.engine.engine import Engine

DEFAULT_SITE = "Default Site"  # no handler: the Salesforce default provider
CUSTOM_SITE = "Custom Site"  # handler "sms-ok": a scripted handler returning SUCCESS
CUSTOM_HANDLER = "sms-ok"

BOTH_VERIFIED = Flags(True, True)
_numbers = itertools.count(1)


def fresh_mobile() -> str:
    """A valid, unused US mobile in the Salesforce stored form."""
    return f"+1 415200{next(_numbers):04d}"


@dataclass
class HandlerCall:
    user_id: str
    phone_number: str
    one_time_password: str
    default_text: str
    network_id: str
    experience_id: str


@dataclass
class SpyHandler:
    """Wraps the handler the engine picked and records every sendOneTimePassword call."""

    inner: DeliveryHandler
    calls: list[HandlerCall]

    @property
    def name(self) -> str:
        return self.inner.name

    def send_one_time_password(self, *args: str) -> DeliveryReport:
        self.calls.append(HandlerCall(*args))
        return self.inner.send_one_time_password(*args)


@dataclass
class Workspace:
    engine: Engine
    default_site: Site
    custom_site: Site
    calls: list[HandlerCall] = field(default_factory=list)

    def site(self, custom: bool) -> Site:
        return self.custom_site if custom else self.default_site

    def user(
        self, flags: Flags = BOTH_VERIFIED, *, license: License = License.CUSTOMER_COMMUNITY,
        sites: tuple[Site, ...] | None = None, mobile: Any = ..., **kw: Any,
    ) -> User:
        """A user with a fresh mobile (``mobile=None`` for none), member of both sites."""
        n = next(_numbers)
        member_of = (self.default_site, self.custom_site) if sites is None else sites
        return self.engine.new_user(
            f"user{n}@example.com", license=license, flags=flags,
            mobile=fresh_mobile() if mobile is ... else mobile,
            sites=frozenset(s.id for s in member_of), **kw,
        )

    def inbox(self, user_or_number: User | str) -> list[InboxMessage]:
        number = user_or_number if isinstance(user_or_number, str) else user_or_number.mobile
        return self.engine.store.inbox(number)

    def code(self, user_or_number: User | str) -> str:
        """The code in the newest message on the phone."""
        messages = self.inbox(user_or_number)
        assert messages, "no message reached the phone"
        code = messages[-1].otp
        assert code is not None
        return code

    def provider(self, name: str, result: DeliveryResult) -> ProviderConfig:
        return self.engine.new_provider(name, result=result)

    def replace_handler(self, make: Callable[[DeliveryHandler], DeliveryHandler]) -> None:
        """From now on the engine calls ``make(real handler)`` instead of the real handler."""
        original = self.engine.handler_for
        self.engine.handler_for = lambda site: make(original(site))  # type: ignore[method-assign]


def make_workspace(engine: Engine) -> Workspace:
    engine.new_provider(CUSTOM_HANDLER, result=DeliveryResult.SUCCESS)
    default = engine.new_site(
        DEFAULT_SITE, headless_passwordless_login=True, headless_registration=True
    )
    custom = engine.new_site(
        CUSTOM_SITE, handler=CUSTOM_HANDLER, headless_passwordless_login=True,
        headless_registration=True,
    )
    return spied(Workspace(engine, default, custom))


def spied(w: Workspace) -> Workspace:
    """``w`` with a spy on every handler call (``w.calls``)."""
    w.replace_handler(lambda inner: SpyHandler(inner, w.calls))
    return w
