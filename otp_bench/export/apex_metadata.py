"""The credential metadata of an Apex export, in Salesforce's current Named Credential format.

Three files, shaped as the Metadata API documents them (API 56.0 and later):

- ``externalCredentials/<EC>.externalCredential-meta.xml``: ``authenticationProtocol`` Custom, one
  named principal, and the provider's auth scheme as an ``AuthHeader`` parameter whose value is a
  formula over the principal's authentication parameters (``{!'Basic ' & BASE64ENCODE(BLOB(…))}``);
- ``namedCredentials/<NC>.namedCredential-meta.xml``: ``namedCredentialType`` SecuredEndpoint, the
  URL and the External Credential as ``namedCredentialParameters`` (the legacy ``endpoint`` field
  is valid only for Legacy credentials);
- ``permissionsets/<NC>Callout.permissionset-meta.xml``: the ``externalCredentialPrincipalAccesses``
  grant, without which a callout fails with insufficient privileges.

Secrets never appear: the authentication parameters are entered in Setup after deploying. The
URL is the vendor's production URL, never the bench's mock (``production_base_url``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from jinja2 import Environment

from otp_bench.delivery.presets import PRESETS
from otp_bench.domain.http_config import HttpConfig

PRINCIPAL = "NamedPrincipal"
NO_PRODUCTION_URL = "https://REPLACE-WITH-YOUR-ENDPOINT.example.com"


def _loopback(url: str) -> bool:
    """Loopback, or a reserved name no vendor can have (the in-process mock is ``*.invalid``)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "invalid") or host.endswith((".localhost", ".invalid")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_base_url(cfg: HttpConfig) -> tuple[str, str]:
    """The base URL to deploy, and a note when it isn't the config's own (the bench's mock)."""
    if not _loopback(cfg.base_url):
        return cfg.base_url, ""
    preset = PRESETS.get(cfg.preset)
    if preset is not None and not _loopback(preset.base_url):
        return preset.base_url, (
            f"the provider points at the bench's loopback mock ({cfg.base_url}); the export "
            f"uses {preset.label}'s production URL {preset.base_url}")
    return NO_PRODUCTION_URL, (
        f"the provider points at a loopback URL ({cfg.base_url}) and has no vendor production "
        f"URL: set your endpoint in the Named Credential (exported as {NO_PRODUCTION_URL})")


@dataclass(frozen=True)
class Metadata:
    provider_name: str
    class_name: str
    named_credential: str
    external_credential: str
    url: str  # with {key} where a credential identifier goes
    parameters: tuple[str, ...]  # credential keys: the principal's authentication parameters
    auth_headers: tuple[tuple[str, str], ...]
    merge_in_header: bool
    merge_in_body: bool
    public: tuple[str, ...] = ()

    @property
    def permission_set(self) -> str:
        return self.named_credential[:33] + "Callout"

    @property
    def deployed_url(self) -> str:
        """The URL as written in the metadata: identifiers become REPLACE_WITH_<KEY>."""
        return re.sub(r"\{([^}]+)\}", lambda m: "REPLACE_WITH_" + m.group(1).upper(), self.url)


def files(env: Environment, md: Metadata) -> dict[str, str]:
    nc, ec = md.named_credential, md.external_credential
    ctx = {
        "md": md, "label": escape(f"{md.provider_name} (OTP delivery)"),
        "provider_name": escape(md.provider_name), "url": escape(md.deployed_url),
        "principal": PRINCIPAL, "auth_headers": [(escape(n), escape(v))
                                                 for n, v in md.auth_headers],
        "parameters": md.parameters,
    }
    return {
        f"externalCredentials/{ec}.externalCredential-meta.xml":
            env.get_template("external_credential.xml.j2").render(**ctx),
        f"namedCredentials/{nc}.namedCredential-meta.xml":
            env.get_template("named_credential.xml.j2").render(**ctx),
        f"permissionsets/{md.permission_set}.permissionset-meta.xml":
            env.get_template("permission_set.xml.j2").render(**ctx),
    }


def readme(md: Metadata, *, test_name: str, placeholders: Mapping[str, Mapping[str, str]],
           notes: list[str], form_merges: tuple[str, ...]) -> str:
    cls, nc, ec = md.class_name, md.named_credential, md.external_credential
    lines = [
        f"# Apex export of provider \"{md.provider_name}\"",
        "",
        f"- `classes/{cls}.cls` implements `Auth.CustomOneTimePasswordDeliveryHandler`.",
        f"- `classes/{test_name}.cls` tests it with HttpCalloutMock, one answer per mapped result.",
        f"- `namedCredentials/{nc}.namedCredential-meta.xml`: the endpoint `{md.deployed_url}`.",
        f"- `externalCredentials/{ec}.externalCredential-meta.xml`: how Salesforce authenticates "
        "(Custom protocol" + (", " + ", ".join(f"header {n}" for n, _ in md.auth_headers)
                              if md.auth_headers else "") + ").",
        f"- `permissionsets/{md.permission_set}.permissionset-meta.xml`: access to its principal.",
        "",
    ]
    if notes:
        lines += ["## Read first", "", *(f"- {n}" for n in notes), ""]
    lines += [
        "## Deploy",
        "",
        "1. Put these folders under `force-app/main/default/` of a Salesforce DX project and run",
        f"   `sf project deploy start --metadata ApexClass:{cls} ApexClass:{test_name} "
        f"ExternalCredential:{ec} NamedCredential:{nc} PermissionSet:{md.permission_set}`.",
        f"2. In Setup > Named Credentials > External Credentials > {ec} > Principals > "
        f"{PRINCIPAL}, add the authentication parameters (never exported):",
    ]
    lines += [f"   - `{k}`" + (" (an identifier, not a secret)" if k in md.public else "")
              for k in md.parameters] or ["   - none: this provider needs no credentials"]
    step = 3
    if "{" in md.url:
        keys = re.findall(r"\{([^}]+)\}", md.url)
        lines.append(f"{step}. In the Named Credential {nc}, replace "
                     + ", ".join(f"`REPLACE_WITH_{k.upper()}` with your {k}" for k in keys)
                     + " (an identifier Salesforce can't merge into a URL).")
        step += 1
    lines.append(f"{step}. Assign the permission set {md.permission_set} to the user the handler "
                 "runs as (bench assumption: Salesforce doesn't document which user that is for a "
                 "custom OTP handler; check a debug log of the first delivery).")
    step += 1
    for p in placeholders.values():
        lines.append(f"{step}. Set `{p['const']}` in the class: {p['note']}.")
        step += 1
    if form_merges:
        lines += ["", "Merge fields in a form body (" + ", ".join(f"`{k}`" for k in form_merges)
                  + ") are inserted by Salesforce verbatim: it allows only HTMLENCODE in a body, "
                  "which doesn't URL-encode, and Apex never sees the value to encode it. Use "
                  "values made of letters, digits and `-._~` (the vendor's own keys are)."]
    lines += [
        "",
        "Then pick the class as the custom OTP handler in the Experience Cloud site settings "
        "(after Salesforce Support has enabled custom OTP delivery for the org).",
        "",
    ]
    return "\n".join(lines)
