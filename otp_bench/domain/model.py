"""Workspace records as frozen dataclasses: org settings, OTP policy, sites, users, providers.

The store hands these to the engine and the GUI; nothing outside ``store`` sees an ORM row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.flags import Flags
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
    id: str
    name: str
    url_prefix: str = ""
    handler: str | None = None  # provider config name; None = Salesforce default provider
    headless_passwordless_login: bool = False
    headless_registration: bool = False
    enabled_use_cases: frozenset[UseCase] = ALL_USE_CASES
    brand_color: str = "#0176d3"
    logo_text: str = ""
    default_region: str | None = None
    experience_id: str = ""

    @property
    def uses_custom(self) -> bool:
        return self.handler is not None


@dataclass(frozen=True)
class User:
    id: str
    username: str
    license: License = License.CUSTOMER_COMMUNITY
    mobile: str | None = None  # E.164
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    flags: Flags = field(default_factory=Flags)
    sites: frozenset[str] = frozenset()  # site ids
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
    HTTP = "http"  # declarative HTTP handler (otp_bench.delivery.http)
    APEX = "apex"  # the user's own Apex class, interpreted (otp_bench.delivery.apex_handler)


@dataclass(frozen=True)
class ProviderConfig:
    """A custom OTP delivery handler the bench can run.

    ``http`` holds the declarative handler's settings without secrets, ``apex`` an Apex class
    provider's; ``credentials`` holds the secrets, kept by the store in the secret store, never
    in the database or an export.
    """

    id: str
    name: str
    kind: ProviderKind = ProviderKind.SCRIPTED
    result: DeliveryResult = DeliveryResult.SUCCESS
    http: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    channel: Channel = Channel.SMS
    verified_only: bool = False
    country_allow_list: tuple[str, ...] = ()
    apex: ApexConfig | None = None

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
    user_id: str | None
    username: str
    site_id: str
    use_case: UseCase
    method: str
    status: str
    identifier: str
