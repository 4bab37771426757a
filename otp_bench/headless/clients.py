"""Which OAuth client is calling: its connected app, redirect URI, scopes and PKCE rule.

With connected apps in the workspace, the client id must be one of theirs and the redirect URI
one of its callback URLs (``echo`` = the addressed site's ``/services/oauth2/echo``); the error
codes are Salesforce's (``invalid_client_id``, ``redirect_uri_mismatch``, ``invalid_scope``).
Without any connected app the bench accepts any client id and redirect URI and grants the scopes
asked for, ``api`` when none are (bench assumption, docs/headless.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from otp_bench.domain.connected_app import ECHO, ECHO_PATH, ConnectedApp
from otp_bench.headless.errors import ApiError, bad_request

DEFAULT_SCOPE = "api"


@dataclass(frozen=True)
class Client:
    client_id: str
    app: ConnectedApp | None  # None: the workspace has no connected app, anyone is accepted
    consumer_secret: str  # signs ``signature``: the app's, else the workspace fallback

    @property
    def require_pkce(self) -> bool:
        return self.app is not None and self.app.require_pkce

    def check_redirect(self, redirect_uri: str, community_url: str) -> None:
        if self.app is None:
            return
        allowed = [community_url + ECHO_PATH if u == ECHO else u for u in self.app.callback_urls]
        if redirect_uri not in allowed:
            raise bad_request(
                f"redirect_uri must match configuration: {redirect_uri!r} isn't a callback URL "
                f"of the connected app {self.app.name!r} ({', '.join(allowed)})",
                "redirect_uri_mismatch",
            )

    def granted_scope(self, requested: str) -> str:
        asked = requested.split()
        if self.app is None:
            return " ".join(asked) or DEFAULT_SCOPE
        if not asked:
            return " ".join(self.app.scopes)
        refused = [s for s in asked if s not in self.app.scopes]
        if refused:
            raise bad_request(
                f"the requested scope is not allowed: {' '.join(refused)} isn't among the "
                f"connected app's scopes ({' '.join(self.app.scopes)})", "invalid_scope",
            )
        return " ".join(asked)

    def check_secret(self, secret: str | None) -> None:
        """A client secret, when sent, must be the app's (public clients send none)."""
        if secret is not None and self.app is not None and secret != self.consumer_secret:
            raise ApiError(400, "invalid_client", "invalid client credentials")


def resolve_client(apps: list[ConnectedApp], client_id: str, fallback_secret: str) -> Client:
    if not apps:
        return Client(client_id, None, fallback_secret)
    app = next((a for a in apps if a.client_id == client_id), None)
    if app is None:
        raise bad_request(
            f"client identifier invalid: no connected app has the client id {client_id!r}",
            "invalid_client_id",
        )
    return Client(client_id, app, app.consumer_secret or fallback_secret)
