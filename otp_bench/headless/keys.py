"""The headless server's identity in a workspace: org id, id_token signing key, fallback secret.

Kept in the workspace's secret store under one entry (``headless-identity``), so id_tokens keep
verifying against the published JWKS across server restarts, and the ``id`` URLs of tokens
keep naming the same org. ``load_identity`` is the only function that knows where it lives:
when secrets move (into the workspace, sealed under the workspace key), only it changes.

- ``signing_key``: RSA 2048, published at ``/id/keys`` (JWKS), signs id_tokens with RS256.
- ``org_id``: the bench has no org record; one 18-character ``00D`` id per workspace.
- ``fallback_secret``: the "consumer secret" that signs a token response's ``signature`` when
  the workspace has no connected app (bench assumption: any client is accepted then, and every
  client shares this secret; the operator can read it in the headless pane).
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from otp_bench.domain.ids import new_id
from otp_bench.domain.secrets import SecretStore

IDENTITY_KEY = "headless-identity"
ORG_PREFIX = "00D"
_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    org_id: str
    signing_key: RSAKey
    fallback_secret: str

    @property
    def kid(self) -> str:
        return self.signing_key.thumbprint()

    def jwks(self) -> dict[str, Any]:
        """The public key set, as ``/id/keys`` serves it."""
        public = RSAKey.import_key(self.signing_key.as_dict(private=False),
                                   parameters={"kid": self.kid, "use": "sig", "alg": "RS256"})
        return dict(KeySet([public]).as_dict(private=False))


def load_identity(store: SecretStore) -> Identity:
    """The workspace's headless identity, created and saved on first use."""
    with _lock:
        raw = store.get(IDENTITY_KEY)
        if raw is not None:
            try:
                data = json.loads(raw)
                return Identity(data["org_id"], RSAKey.import_key(data["pem"].encode()),
                                data["fallback_secret"])
            except (ValueError, KeyError, TypeError):
                pass  # unreadable (hand-edited, truncated): make a new one, as on first use
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
        identity = Identity(new_id(ORG_PREFIX), key, secrets.token_hex(32))
        store.set(IDENTITY_KEY, json.dumps({
            "org_id": identity.org_id,
            "pem": key.as_pem(private=True).decode("ascii"),
            "fallback_secret": identity.fallback_secret,
        }))
        return identity
