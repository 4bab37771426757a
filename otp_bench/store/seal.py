"""Sealing OTPs in phone messages with the workspace key, so no plaintext code sits in the file."""

from __future__ import annotations

import re

from cryptography.fernet import Fernet, InvalidToken

from otp_bench.domain.secrets import SecretStore

SEAL_KEY = "workspace-seal-key"
PLACEHOLDER = "\u2063{otp}\u2063"  # invisible separators keep it from clashing with message text


class Sealer:
    """Seals with the workspace's sealing key, itself a workspace secret.

    Made once per workspace: when processes race to make it, one key wins (``setdefault``).
    Without the secrets (a locked workspace) nothing is sealed: codes stay masked.
    """

    def __init__(self, secrets: SecretStore) -> None:
        self._fernet: Fernet | None = None
        setdefault = getattr(secrets, "setdefault", None)
        try:
            if setdefault is not None:
                key = setdefault(SEAL_KEY, lambda: Fernet.generate_key().decode())
            else:
                key = secrets.get(SEAL_KEY)
                if key is None:
                    key = Fernet.generate_key().decode()
                    secrets.set(SEAL_KEY, key)
        except RuntimeError:  # SecretsLocked: no key on this machine
            return
        self._fernet = Fernet(key.encode())

    def seal(self, text: str) -> bytes | None:
        return self._fernet.encrypt(text.encode()) if self._fernet else None

    def unseal(self, token: bytes | None) -> str | None:
        if token is None or self._fernet is None:
            return None
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            return None  # key lost (e.g. keyring reset): the message shows the code masked


def find_otp(body: str, digits: int = 6) -> str | None:
    """The code in a message: the first run of exactly ``digits`` digits."""
    m = re.search(rf"(?<!\d)\d{{{digits}}}(?!\d)", body)
    return m.group(0) if m else None


def mask_body(body: str, otp: str | None) -> str:
    return body.replace(otp, PLACEHOLDER) if otp else body


def unmask_body(masked: str, otp: str | None, mask: str = "••••••") -> str:
    return masked.replace(PLACEHOLDER, otp if otp is not None else mask)
