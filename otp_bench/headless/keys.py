"""The headless server's identity in a workspace: org id, id_token signing key, fallback secret.

Kept in the workspace's own encrypted secrets (sealed under the workspace key) under one entry,
``headless-identity``, so id_tokens keep verifying against the published JWKS across server
restarts and across the team's instances, and the ``id`` URLs of tokens keep naming the same org.
``load_identity`` is the only function that knows where it lives. Two processes creating it at
once agree on one (the store's set-if-absent). On a machine without the workspace key the
identity is made for this run only and said so (``persistent`` is False).

- ``signing_key``: RSA 2048, published at ``/id/keys`` (JWKS), signs id_tokens with RS256.
- ``org_id``: the bench has no org record; one 18-character ``00D`` id per workspace.
- ``fallback_secret``: the "consumer secret" that signs a token response's ``signature`` when
  the workspace has no connected app (bench assumption: any client is accepted then, and every
  client shares this secret; the operator can read it in the headless pane).
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from joserfc.jwk import KeySet, RSAKey

from otp_bench.domain.ids import new_id
from otp_bench.store.secret_store import SecretsLocked

if TYPE_CHECKING:
    from otp_bench.store.store import Store

log = logging.getLogger(__name__)

IDENTITY_KEY = "headless-identity"
ORG_PREFIX = "00D"
_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    org_id: str
    signing_key: RSAKey
    fallback_secret: str
    persistent: bool = True

    @property
    def kid(self) -> str:
        return self.signing_key.thumbprint()

    def jwks(self) -> dict[str, Any]:
        """The public key set, as ``/id/keys`` serves it."""
        public = RSAKey.import_key(self.signing_key.as_dict(private=False),
                                   parameters={"kid": self.kid, "use": "sig", "alg": "RS256"})
        return dict(KeySet([public]).as_dict(private=False))


def _new() -> Identity:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    return Identity(new_id(ORG_PREFIX), key, secrets.token_hex(32))


def _dump(identity: Identity) -> bytes:
    return json.dumps({
        "org_id": identity.org_id,
        "pem": identity.signing_key.as_pem(private=True).decode("ascii"),
        "fallback_secret": identity.fallback_secret,
    }).encode()


@functools.lru_cache(maxsize=8)
def _signing_key(pem: str) -> RSAKey:
    """The workspace's signing key, once per key and process, not again for every server
    (re)start or app built on the same workspace.

    Loaded without cryptography's RSA key check (about 0.07 s of CPU, every ``otp-bench
    headless`` start): this key was made by ``_new`` and comes back only through the workspace
    secrets, which are authenticated encryption (AES-GCM), so it can't arrive altered."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, RSAPrivateKey):  # never stored by _dump; refused as before
        raise ValueError("the headless identity's key isn't an RSA private key")
    return RSAKey.import_key(key)


def _load(raw: bytes) -> Identity:
    data = json.loads(raw)
    return Identity(data["org_id"], _signing_key(data["pem"]), data["fallback_secret"])


def load_identity(store: Store) -> Identity:
    """The workspace's headless identity, created and saved on first use."""
    made: dict[bytes, Identity] = {}

    def make() -> bytes:
        identity = _new()
        raw = _dump(identity)
        made[raw] = identity
        return raw

    with _lock:
        try:
            raw = store.workspace_secret_setdefault(IDENTITY_KEY, make)
        except SecretsLocked as exc:
            log.warning("headless id_tokens are signed with a key for this run only: %s", exc)
            return replace(_new(), persistent=False)
        if raw in made:  # ours was saved: the key just made, not read back and checked again
            return made[raw]
        try:
            return _load(raw)
        except (ValueError, KeyError, TypeError):
            # unreadable (hand-edited, truncated): replace it, as on first use
            identity = _new()
            store.secrets.set(IDENTITY_KEY, _dump(identity).decode())
            return identity
