"""A provider config is typed and validated when made: HTTP settings parsed once, errors named."""

from __future__ import annotations

import pytest

from otp_bench.delivery.presets import preset_http
from otp_bench.domain.errors import InvalidArgument, NotFound, WrongState
from otp_bench.domain.http_config import ConfigError, HttpConfig
from otp_bench.domain.ids import ProviderId
from otp_bench.domain.model import ProviderConfig, ProviderKind

PID = ProviderId("01p000000000001AAA")


def test_http_settings_from_a_file_are_parsed_into_the_typed_model() -> None:
    p = ProviderConfig(PID, "tw", ProviderKind.HTTP, http=preset_http("twilio"))  # type: ignore[arg-type]
    assert isinstance(p.http, HttpConfig) and p.http.base_url.startswith("https://")
    assert p.require_http() is p.http


def test_a_bad_http_setting_is_refused_naming_the_field() -> None:
    with pytest.raises(ConfigError) as err:
        ProviderConfig(PID, "tw", ProviderKind.HTTP, http={**preset_http("twilio"),  # type: ignore[arg-type]
                                                          "method": "BREW"})
    assert err.value.field == "method"


def test_a_provider_without_http_settings_says_so_when_they_are_needed() -> None:
    scripted = ProviderConfig(PID, "ok")
    assert scripted.http is None
    with pytest.raises(ConfigError, match="no HTTP request settings"):
        scripted.require_http()


def test_the_three_refusals_are_distinct() -> None:
    assert not issubclass(NotFound, (WrongState, InvalidArgument))
    assert not issubclass(WrongState, (NotFound, InvalidArgument))
    assert InvalidArgument("otp.digits", "too many").field == "otp.digits"
