"""What a run needs from its host: the callout hook, credentials, records, data access, clock.

The delivery layer builds an ``ApexEnvironment`` per provider; the interpreter never imports the
delivery layer. ``send`` gets a resolved request (named credential applied, endpoint allowed) and
answers an ``ApexHttpResponse`` or raises ``CalloutFailure`` (a transport error the handler sees as
``System.CalloutException``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_USER_ID = "005000000000001AAA"
DEFAULT_ORG_ID = "00D000000000001AAA"


@dataclass(frozen=True)
class SendArgs:
    """The six parameters of ``sendOneTimePassword``."""

    userId: str
    phoneNumber: str
    oneTimePassword: str
    defaultText: str
    networkId: str
    experienceId: str


@dataclass
class ApexHttpRequest:
    """A request as the handler built it (``endpoint`` resolved to a real URL by the runtime)."""

    method: str = "GET"
    endpoint: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    timeout_ms: int = 10_000
    compressed: bool = False

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


@dataclass
class ApexHttpResponse:
    status_code: int = 200
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class CalloutFailure(Exception):
    """A transport failure: the handler sees ``System.CalloutException`` with this message."""


@dataclass(frozen=True)
class NamedCredential:
    url: str
    username: str = ""
    password: str = ""
    token: str = ""  # OAuth / Bearer token
    generate_authorization_header: bool = True
    allow_merge_fields: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> NamedCredential:
        return cls(url=str(data.get("url", "")), username=str(data.get("username") or ""),
                   password=str(data.get("password") or ""), token=str(data.get("token") or ""),
                   generate_authorization_header=bool(data.get("generate_authorization_header",
                                                               True)),
                   allow_merge_fields=bool(data.get("allow_merge_fields", False)))


SendHook = Callable[[ApexHttpRequest, float], ApexHttpResponse]


def _no_network(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
    raise CalloutFailure("no callout transport configured")


@dataclass
class ApexEnvironment:
    """The org around the handler. Every mapping is keyed as the user wrote it; lookups ignore case
    where Salesforce does (credential and record names)."""

    send: SendHook = _no_network
    named_credentials: dict[str, NamedCredential] = field(default_factory=dict)
    # Remote Site Settings: "https://api.twilio.com" -> the base URL it really goes to (the same
    # URL, or the mock provider's); a callout to a host listed nowhere is refused.
    remote_sites: dict[str, str] = field(default_factory=dict)
    custom_metadata: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    custom_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # SOQL: a user's / network's fields by id (None: no such record).
    user_by_id: Callable[[str], dict[str, Any] | None] = lambda _id: None
    network_by_id: Callable[[str], dict[str, Any] | None] = lambda _id: None
    running_user_id: str = DEFAULT_USER_ID
    running_user: dict[str, Any] = field(default_factory=lambda: {
        "Username": "automated.process@otp-bench.invalid", "LanguageLocaleKey": "en_US",
        "LocaleSidKey": "en_US", "Name": "Automated Process", "Email": "",
    })
    org_id: str = DEFAULT_ORG_ID
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    is_test: bool = False
    cpu_limit_ms: int = 10_000
    statement_limit: int = 5_000_000
