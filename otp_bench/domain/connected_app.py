"""Connected apps (SPEC §3 "Connected apps"): which OAuth clients the headless API accepts.

A connected app names a client id, the callback URLs a client may be redirected to, the scopes
it may be granted and whether PKCE is required. ``echo`` in ``callback_urls`` stands for the
addressed site's own ``/services/oauth2/echo`` (the callback the Salesforce docs recommend).
Without any connected app in the workspace the bench accepts any client id and redirect URI
(bench assumption, docs/headless.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ECHO = "echo"
ECHO_PATH = "/services/oauth2/echo"
CONNECTED_APP_PREFIX = "0H4"  # ConnectedApplication
DEFAULT_SCOPES: tuple[str, ...] = ("api", "openid", "refresh_token")
# Salesforce's OAuth scope names (plus the OpenID Connect ones it accepts)
KNOWN_SCOPES = frozenset({
    "api", "chatter_api", "custom_permissions", "eclair_api", "full", "id", "lightning",
    "offline_access", "openid", "pardot_api", "profile", "email", "address", "phone",
    "refresh_token", "visualforce", "web", "wave_api", "cdp_api", "forgot_password",
    "user_registration_api", "pwdless_login_api", "sfap_api", "interaction_api",
})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class ConnectedApp:
    id: str
    name: str
    client_id: str
    callback_urls: tuple[str, ...] = (ECHO,)
    require_pkce: bool = False
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    consumer_secret: str = ""  # kept in the secret store, never in the database or an export

    def __repr__(self) -> str:  # the consumer secret never reaches a repr or a log line
        return f"ConnectedApp(name={self.name!r}, client_id={self.client_id!r})"


def connected_app_problems(app: ConnectedApp) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with ``app``; empty when it can be saved."""
    out: list[tuple[str, str]] = []
    if not app.name.strip():
        out.append(("name", "a connected app needs a name"))
    if not app.client_id.strip():
        out.append(("client_id", "a connected app needs a client id (consumer key)"))
    elif any(c.isspace() for c in app.client_id):
        out.append(("client_id", "the client id can't contain spaces"))
    if not app.callback_urls:
        out.append(("callback_urls", "add at least one callback URL, or echo"))
    for i, url in enumerate(app.callback_urls):
        if url != ECHO and not _SCHEME.match(url):
            out.append((f"callback_urls[{i}]",
                        f"{url!r} isn't a URL (https://…, myapp://…) or the word echo"))
    for scope in app.scopes:
        if scope not in KNOWN_SCOPES:
            out.append(("scopes", f"{scope!r} isn't an OAuth scope Salesforce knows; use "
                        + ", ".join(sorted(KNOWN_SCOPES))))
            break
    return out
