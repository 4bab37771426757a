"""A scenario's ``apex:`` provider entry (SPEC §3 "Apex providers") as an Apex provider config.

```yaml
- name: twilio-apex
  apex: handlers/TwilioOtpHandler.cls   # a .cls, a folder, an sfdx project; relative to the file
  class: TwilioOtpHandler               # optional when exactly one class implements the interface
  remote_sites: {"https://api.twilio.com": mock}
  named_credentials: {Telesign_SMS: {url: ..., username: ..., password: ...}}
  custom_metadata: {Sms_Settings__mdt: {Default: {Sender__c: "+15005550006"}}}
  custom_settings: {Otp_Switches__c: {Kill_Switch__c: false}}
  credentials: {account_sid: AC..., auth_token: ...}   # what the mock expects (optional)
  faults: [{status: 500, times: 1}]                    # the mock's, as for HTTP providers
```
``mock`` (a remote site's target or a named credential's URL) is the built-in mock provider under
this provider's own key, so faults and the mock's account apply per provider. Named Credential
usernames and passwords become the provider's secrets (``<Name>.username``/``<Name>.password``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from otp_bench.domain.apex_provider import MOCK, ApexConfig, ApexConfigError
from otp_bench.domain.model import ProviderKind
from otp_bench.domain.vocabulary import Channel
from otp_bench.workspace_files.writer import PLACEHOLDER

APEX_KEYS = {"name", "apex", "class", "remote_sites", "named_credentials", "custom_metadata",
             "custom_settings", "credentials", "faults", "channel"}


def _config_dict(spec: Mapping[str, Any]) -> dict[str, Any]:
    ncs = spec.get("named_credentials") or {}
    return {
        "source": spec.get("apex"), "class_name": spec.get("class") or "",
        "remote_sites": spec.get("remote_sites") or {},
        "named_credentials": ncs,
        "custom_metadata": spec.get("custom_metadata") or {},
        "custom_settings": spec.get("custom_settings") or {},
    }


def validate_apex_spec(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = [(k, f"unknown field for an Apex provider; use {', '.join(sorted(APEX_KEYS))}")
                for k in sorted(set(spec) - APEX_KEYS)]
    if "class" in spec and not isinstance(spec["class"], str):
        problems.append(("class", "must be a class name"))
    try:
        ApexConfig.from_dict(_config_dict(spec))
    except ApexConfigError as exc:
        fld = {"source": "apex", "class_name": "class"}.get(exc.field, exc.field)
        problems.append((fld, exc.message))
    ncs = spec.get("named_credentials") or {}
    if isinstance(ncs, Mapping):
        for name, nc in ncs.items():
            for key in ("username", "password"):
                if isinstance(nc, Mapping) and key in nc and not isinstance(nc[key], str | int):
                    problems.append((f"named_credentials.{name}.{key}", "must be text"))
    creds = spec.get("credentials", {})
    if not isinstance(creds, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | int) for k, v in creds.items()):
        problems.append(("credentials", "must map names to text values (what the mock expects)"))
    if "channel" in spec and spec["channel"] not in Channel.__members__.values():
        problems.append(("channel", f"must be one of {', '.join(Channel)}"))
    return problems


def resolve_source(spec: Mapping[str, Any], scenario_file: str | Path) -> dict[str, Any]:
    """The entry with ``apex:`` made absolute against the scenario file's folder."""
    source = spec.get("apex")
    if not isinstance(source, str) or Path(source).is_absolute():
        return dict(spec)
    return {**spec, "apex": str(Path(scenario_file).resolve().parent / source)}


def apex_fields(spec: Mapping[str, Any], mock_url: Callable[[], str]) -> dict[str, Any]:
    """ProviderConfig fields; ``mock_url()`` starts the mock and gives this provider's base URL."""
    d = _config_dict(spec)
    credentials: dict[str, str] = {}
    ncs: dict[str, Any] = {}
    for name, nc in (d["named_credentials"] or {}).items():
        nc = dict(nc)
        for key in ("username", "password"):
            # a workspace file's "<secret: re-enter>" placeholder is no value
            if nc.get(key) not in (None, "", PLACEHOLDER):
                credentials[f"{name}.{key}"] = str(nc.pop(key))
            nc.pop(key, None)
        if nc.get("url") == MOCK:
            nc["url"] = mock_url()
        ncs[name] = nc
    d["named_credentials"] = ncs
    d["remote_sites"] = {k: (mock_url() if v == MOCK else v)
                         for k, v in (d["remote_sites"] or {}).items()}
    return {
        "kind": ProviderKind.APEX, "apex": ApexConfig.from_dict(d), "credentials": credentials,
        "channel": Channel(spec.get("channel", "sms")),
    }


def uses_mock(spec: Mapping[str, Any]) -> bool:
    ncs = spec.get("named_credentials") or {}
    sites = spec.get("remote_sites") or {}
    return (any(isinstance(nc, Mapping) and nc.get("url") == MOCK for nc in ncs.values())
            or any(v == MOCK for v in sites.values()))
