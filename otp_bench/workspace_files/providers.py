"""Turning a scenario's ``providers:`` entries into provider configs (and the mock they need).

``{name, result}`` is a scripted handler. Otherwise the entry describes a declarative HTTP
handler (SPEC §3): ``preset`` (or a full ``http`` config), ``endpoint`` (``mock``, the default,
starts the built-in mock provider on 127.0.0.1 once per run, shared by every provider of the run;
or a base URL, to which the preset adds its path), ``credentials``, ``sender``, ``timeout`` (at
most 120s), ``faults`` (mock only), ``channel``, ``verified_only``, ``country_allow_list``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from otp_bench.delivery.presets import PRESETS, get_preset, preset_http
from otp_bench.domain.http_config import MAX_TIMEOUT_S
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.domain.pumping import GuardError, PumpingGuardConfig
from otp_bench.domain.vocabulary import Channel, DeliveryResult
from otp_bench.engine.engine import Engine
from otp_bench.mockprovider.faults import Fault, FaultError
from otp_bench.workspace_files.durations import parse_duration

if TYPE_CHECKING:  # the mock's server (uvicorn, Starlette) loads only for a run that starts it
    from otp_bench.mockprovider.loopback import LoopbackMock

SCRIPTED_KEYS = {"name", "result", "channel"}
HTTP_KEYS = {"name", "preset", "http", "endpoint", "credentials", "sender", "timeout", "faults",
             "channel", "verified_only", "country_allow_list", "pumping_guard"}


def _endpoint(spec: Mapping[str, Any]) -> Any:
    """``mock`` unless a base URL is given (as endpoint, or inside a full http config)."""
    http = spec.get("http")
    if "endpoint" in spec:
        return spec["endpoint"]
    if isinstance(http, Mapping) and http.get("base_url"):
        return None  # the config's own base URL
    return "mock"


def validate_provider_spec(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with one provider entry, as (field, message); empty when it is fine."""
    problems: list[tuple[str, str]] = []
    if not isinstance(spec.get("name"), str) or not spec.get("name"):
        problems.append(("name", "every provider needs a name"))
    if "apex" in spec:  # the user's own Apex class
        return problems + _apex_problems(spec)
    if "channel" in spec and spec["channel"] not in Channel.__members__.values():
        problems.append(("channel", f"must be one of {', '.join(Channel)}"))
    if "result" in spec:
        if spec["result"] not in DeliveryResult.__members__:
            problems.append(("result", f"must be one of {', '.join(DeliveryResult)}"))
        problems += [(k, "not used by a scripted provider ({name, result})")
                     for k in sorted(set(spec) - SCRIPTED_KEYS)]
        return problems
    problems += [(k, f"unknown provider field; use {', '.join(sorted(HTTP_KEYS))} or result")
                 for k in sorted(set(spec) - HTTP_KEYS)]
    preset = spec.get("preset")
    if preset is None and "http" not in spec:
        problems.append(("preset", f"give a preset ({', '.join(PRESETS)}), an http config, "
                                   "or a result for a scripted handler"))
    elif preset is not None and preset not in PRESETS:
        problems.append(("preset", f"no preset {preset!r}; presets: {', '.join(PRESETS)}"))
    endpoint = _endpoint(spec)
    is_mock = endpoint == "mock"
    if endpoint is not None and not is_mock:
        parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(("endpoint", "must be mock or a base URL such as https://api.twilio.com"))
    creds = spec.get("credentials", {})
    if not isinstance(creds, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | int) for k, v in creds.items()):
        problems.append(("credentials", "must map names to text values"))
    elif preset in PRESETS and not is_mock:
        missing = [k for k in get_preset(preset).credential_keys if not creds.get(k)]
        if missing:
            problems.append(("credentials", f"the {preset} preset needs {', '.join(missing)}"))
    if "sender" in spec and not isinstance(spec["sender"], str | int):
        problems.append(("sender", "must be a number or sender ID"))
    if "timeout" in spec:
        try:
            secs = parse_duration(spec["timeout"])
            if not 0 < secs <= MAX_TIMEOUT_S:
                problems.append(("timeout", f"must be more than 0s and at most {MAX_TIMEOUT_S:g}s"))
        except ValueError as exc:
            problems.append(("timeout", str(exc)))
    faults = spec.get("faults", [])
    if faults and not is_mock:
        problems.append(("faults", "faults only apply to endpoint: mock"))
    elif not isinstance(faults, list):
        problems.append(("faults", "must be a list, e.g. [{status: 500, times: 1}]"))
    else:
        for i, f in enumerate(faults):
            try:
                Fault.from_dict(f, parse_seconds=parse_duration)
            except FaultError as exc:
                problems.append((f"faults[{i}].{exc.field}", exc.message))
    if "verified_only" in spec and not isinstance(spec["verified_only"], bool):
        problems.append(("verified_only", "must be true or false"))
    allow = spec.get("country_allow_list", [])
    if not isinstance(allow, list) or not all(isinstance(c, str | int) for c in allow):
        problems.append(("country_allow_list", "must be a list of regions (US, GB) or codes"))
    if "pumping_guard" in spec:
        try:
            PumpingGuardConfig.from_value(spec["pumping_guard"])
        except GuardError as exc:
            problems.append((exc.field, exc.message))
    if "http" in spec and preset is None:
        # the request templates' checker loads Jinja (~40 ms of CPU): only a file that has one
        from otp_bench.delivery.request import http_problems

        http = spec["http"]
        if isinstance(http, Mapping) and is_mock and "base_url" not in http:
            http = {**http, "base_url": "http://127.0.0.1"}
        problems += [(f"http.{f}", m) for f, m in http_problems(dict(http) if isinstance(
            http, Mapping) else http)]
    return problems


def _apex_problems(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    from otp_bench.workspace_files.apex_spec import validate_apex_spec

    problems = validate_apex_spec(spec)
    faults = spec.get("faults", [])
    if not isinstance(faults, list):
        problems.append(("faults", "must be a list, e.g. [{status: 500, times: 1}]"))
        return problems
    for i, f in enumerate(faults):
        try:
            Fault.from_dict(f, parse_seconds=parse_duration)
        except FaultError as exc:
            problems.append((f"faults[{i}].{exc.field}", exc.message))
    return problems


class ScenarioProviders:
    """Creates the providers of one scenario run; ``close()`` stops the mock it started."""

    def __init__(self, engine: Engine, mock: LoopbackMock | None = None) -> None:
        """``mock``: a loopback mock that is already running (the app's), used instead of
        starting one; ``close()`` leaves it running."""
        self.engine = engine
        self.mock: LoopbackMock | None = mock
        self._own_mock = mock is None

    def _mock(self) -> LoopbackMock:
        if self.mock is None:
            from otp_bench.mockprovider.loopback import LoopbackMock

            self.mock = LoopbackMock(self.engine.store)
            self.mock.start()
        return self.mock

    def add(self, spec: Mapping[str, Any]) -> ProviderConfig:
        name = str(spec["name"])
        existing = self.engine.store.provider_by_name(name)
        if "apex" in spec:
            fields: dict[str, Any] = self._apex_fields(name, spec)
        elif "result" in spec:
            fields = {
                "kind": ProviderKind.SCRIPTED, "result": DeliveryResult(spec["result"]),
                "channel": Channel(spec.get("channel", "sms")),
            }
        else:
            fields = self._http_fields(name, spec)
        if existing is not None:
            return self.engine.save_provider(replace(existing, **fields))
        return self.engine.new_provider(name, **fields)

    def _apex_fields(self, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        from otp_bench.workspace_files.apex_spec import apex_fields

        problems = validate_provider_spec(spec)
        if problems:
            field, message = problems[0]
            raise ValueError(f"provider {name!r}: {field}: {message}")

        def mock_url() -> str:
            mock = self._mock()
            creds = {k: str(v) for k, v in (spec.get("credentials") or {}).items()}
            mock.set_account(name, creds or None)  # none given: the mock checks presence only
            mock.set_faults(name, [Fault.from_dict(f, parse_seconds=parse_duration)
                                   for f in spec.get("faults", [])])
            return mock.url_for(name)

        return apex_fields(spec, mock_url)

    def _http_fields(self, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        problems = validate_provider_spec(spec)
        if problems:
            field, message = problems[0]
            raise ValueError(f"provider {name!r}: {field}: {message}")
        preset = get_preset(spec["preset"]) if spec.get("preset") else None
        endpoint = _endpoint(spec)
        timeout = parse_duration(spec["timeout"]) if "timeout" in spec else None
        creds = {k: str(v) for k, v in (spec.get("credentials") or {}).items()}
        if endpoint == "mock":
            mock = self._mock()
            base = mock.url_for(name)
            if preset is not None:
                creds = {**preset.example_credentials, **creds}
            mock.set_account(name, creds)
            mock.set_faults(name, [Fault.from_dict(f, parse_seconds=parse_duration)
                                   for f in spec.get("faults", [])])
        else:
            base = str(endpoint or "")
        sender = str(spec.get("sender", ""))
        if preset is not None:
            http = preset_http(preset.name, sender=sender, base_url=base, timeout_s=timeout)
        else:
            http = dict(spec["http"])
            if endpoint is not None:
                http["base_url"] = base
            if sender:
                http["sender"] = sender
            if timeout is not None:
                http["timeout_s"] = timeout
        if "pumping_guard" in spec:  # a provider option, kept with the HTTP settings
            http["pumping_guard"] = PumpingGuardConfig.from_value(spec["pumping_guard"]).to_dict()
        channel = spec.get("channel") or (preset.channel.value if preset else "sms")
        return {
            "kind": ProviderKind.HTTP, "http": http, "credentials": creds,
            "channel": Channel(channel), "verified_only": bool(spec.get("verified_only", False)),
            "country_allow_list": tuple(str(c) for c in spec.get("country_allow_list", [])),
        }

    def close(self) -> None:
        if self.mock is not None and self._own_mock:
            self.mock.stop()
        self.mock = None

    def __enter__(self) -> ScenarioProviders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
