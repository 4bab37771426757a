"""Workspace records as frozen dataclasses: org settings, OTP policy, sites, users, providers.

The store hands these to the engine and the GUI; nothing outside ``store`` sees an ORM row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.flags import Flags
from otp_bench.domain.http_config import ConfigError, HttpConfig
from otp_bench.domain.ids import ProviderId, SiteId, UserId
from otp_bench.domain.vocabulary import Channel, DeliveryResult, License, UseCase

ALL_USE_CASES: frozenset[UseCase] = frozenset(UseCase)

DEFAULT_TEXT = (
    "{otp} is your verification code for {site}. Don't share it with anyone."
)  # bench assumption: Salesforce's exact defaultText wording is undocumented


@dataclass(frozen=True)
class OtpPolicy:
    """OTP lifecycle settings; the defaults are the platform's (SPEC §1)."""

    digits: int = 6
    ttl_seconds: int = 15 * 60
    registration_ttl_seconds: int = 24 * 60 * 60
    max_failed_attempts: int = 3
    max_codes_per_hour: int = 5
    # bench assumption: failed verifications per account across codes lock it for a while,
    # defaults from Salesforce's default password policy (engine.account_lock; 0 turns it off)
    account_max_failures: int = 10
    account_lockout_seconds: int = 15 * 60

    def ttl_for(self, use_case: UseCase) -> int:
        if use_case is UseCase.VERIFICATION_METHOD_REGISTRATION:
            return self.registration_ttl_seconds
        return self.ttl_seconds


@dataclass(frozen=True)
class Settings:
    """Org-level settings of a workspace."""

    custom_otp_enabled: bool = False
    otp: OtpPolicy = field(default_factory=OtpPolicy)
    default_text: str = DEFAULT_TEXT
    callout_timeout_seconds: float = 10.0
    redact: bool = True
    # headless access tokens live this long on the bench clock (Salesforce's session timeout
    # setting; its default is 2 hours)
    session_timeout_seconds: int = 2 * 60 * 60

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


@dataclass(frozen=True)
class Site:
    id: SiteId
    name: str
    url_prefix: str = ""
    # the custom OTP handler, by id (a rename changes nothing here); None = Salesforce default
    provider_id: ProviderId | None = None
    headless_passwordless_login: bool = False
    headless_registration: bool = False
    enabled_use_cases: frozenset[UseCase] = ALL_USE_CASES
    brand_color: str = "#0176d3"
    logo_text: str = ""
    default_region: str | None = None
    experience_id: str = ""

    @property
    def uses_custom(self) -> bool:
        return self.provider_id is not None


@dataclass(frozen=True)
class User:
    id: UserId
    username: str
    license: License = License.CUSTOMER_COMMUNITY
    mobile: str | None = None  # E.164
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    flags: Flags = field(default_factory=Flags)
    sites: frozenset[SiteId] = frozenset()
    active: bool = True
    locale: str = "en_US"  # LanguageLocaleKey, as SOQL on User returns it to an Apex handler

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username


@dataclass(frozen=True)
class NewUser:
    """The fields a registration flow collects before the user exists."""

    username: str
    mobile: str
    license: License = License.CUSTOMER_COMMUNITY
    first_name: str = ""
    last_name: str = ""
    email: str = ""


class ProviderKind(StrEnum):
    SCRIPTED = "scripted"  # no callout; returns a chosen result
    HTTP = "http"  # declarative HTTP handler (otp_bench.delivery.http_handler)
    APEX = "apex"  # the user's own Apex class, interpreted (otp_bench.delivery.apex_handler)


@dataclass(frozen=True)
class ProviderConfig:
    """A custom OTP delivery handler the bench can run: immutable, validated when made.

    One record for every kind; the kind's own settings sit in a typed sub-config (``http`` for
    HTTP handlers, ``apex`` for an Apex class provider; a new kind adds its own frozen
    sub-config field and a branch in ``__post_init__`` and ``delivery.registry``).
    ``credentials`` holds the secrets, kept by the store in the secret store, never in the
    database or an export. Sites point here by ``id``.

    ``http`` may be given as a mapping (a file, an editor form): it is parsed here, once, and a
    problem raises ``ConfigError`` naming the field; everything downstream gets ``HttpConfig``.
    """

    id: ProviderId
    name: str
    kind: ProviderKind = ProviderKind.SCRIPTED
    result: DeliveryResult = DeliveryResult.SUCCESS
    http: HttpConfig | None = None
    credentials: dict[str, str] = field(default_factory=dict)
    channel: Channel = Channel.SMS
    verified_only: bool = False
    country_allow_list: tuple[str, ...] = ()
    apex: ApexConfig | None = None

    def __post_init__(self) -> None:
        http: object = self.http
        if isinstance(http, Mapping):  # parsed at the edge: raises ConfigError naming the field
            object.__setattr__(self, "http", HttpConfig.from_dict(dict(http)) if http else None)
        # an HTTP provider without settings can exist (a stored row that no longer parses stays
        # readable); the engine refuses to save one, and its handler says so when called

    def with_(self, **changes: Any) -> ProviderConfig:
        return replace(self, **changes)

    def require_http(self) -> HttpConfig:
        """The HTTP settings; ``ConfigError`` when this provider has none (not an HTTP one)."""
        if self.http is None:
            raise ConfigError("http", f"provider {self.name!r} has no HTTP request settings")
        return self.http

    def __repr__(self) -> str:  # credentials never reach a repr, a log line or a traceback
        return f"ProviderConfig(name={self.name!r}, kind={self.kind.value!r})"


@dataclass(frozen=True)
class InboxMessage:
    """A message that landed on a phone; ``otp`` is the code found in it, if any."""

    id: int
    to: str  # E.164
    sender: str
    body: str
    received_at: datetime
    channel: Channel = Channel.SMS
    via: str = ""  # "Salesforce default provider" or the provider config name
    otp: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One Identity Verification History row."""

    id: int
    at: datetime
    user_id: UserId | None
    username: str
    site_id: SiteId
    use_case: UseCase
    method: str
    status: str
    identifier: str
