"""Sealing OTPs in phone messages with the workspace key, so no plaintext code sits in the file.

A message that carries a code has *every* code-like digit group sealed, whatever its formatting
("Order 123456 … code 654322", "65-43-23", "654 322"): which group is the code can't be known for
sure from the text, and an order number is as good a guess to an attacker reading the file. The
masked body keeps a numbered placeholder per group; the sealed payload holds the groups and the
code. Rows written before this (one placeholder, the sealed code alone) still read back.

Seals are AES-256-GCM under a key derived (HKDF) from the workspace's sealing key: a seal and an
unseal are one call each into OpenSSL, where Fernet (AES-CBC, HMAC and base64 in Python) cost
every flow about 30 µs twice. Rows sealed with Fernet by earlier versions still open.
"""

from __future__ import annotations

import base64
import re

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from otp_bench.domain import entropy
from otp_bench.domain.secrets import SecretStore

SEAL_KEY = "workspace-seal-key"
PLACEHOLDER = "\u2063{otp}\u2063"  # invisible separators keep it from clashing with message text
# a GCM seal starts with a NUL, which no Fernet token (URL-safe base64 text) can
_GCM = b"\x00G1"
_NONCE = 12


class Sealer:
    """Seals with the workspace's sealing key, itself a workspace secret.

    Made once per workspace: when processes race to make it, one key wins (``setdefault``).
    Without the secrets (a locked workspace) nothing is sealed: codes stay masked.
    """

    def __init__(self, secrets: SecretStore) -> None:
        self._fernet: Fernet | None = None
        self._gcm: AESGCM | None = None
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
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"otp-bench inbox seal v2").derive(base64.urlsafe_b64decode(key))
        self._gcm = AESGCM(derived)

    def seal(self, text: str) -> bytes | None:
        if self._gcm is None:
            return None
        nonce = entropy.token_bytes(_NONCE)
        return _GCM + nonce + self._gcm.encrypt(nonce, text.encode(), _GCM)

    def unseal(self, token: bytes | None) -> str | None:
        if token is None or self._fernet is None or self._gcm is None:
            return None
        try:
            if token.startswith(_GCM):
                body = token[len(_GCM):]
                return self._gcm.decrypt(body[:_NONCE], body[_NONCE:], _GCM).decode()
            return self._fernet.decrypt(token).decode()  # sealed by an earlier version
        except (InvalidToken, InvalidTag, ValueError):
            return None  # key lost (e.g. keyring reset): the message shows the code masked


# a run of 4 to 10 digits, or chunks of 2-4 digits split by one kind of separator ("65-43-23",
# "654 322"); "198 300198" is two numbers, not one
_GROUP = re.compile(r"(?<![\d])(?:\d{4,10}|\d{2,4}([ \-.])\d{2,4}(?:\1\d{2,4}){0,3})(?![\d])")
_CUE = re.compile(r"(?i)\b(code|otp|pin|passcode|password)\b[^\d]{0,15}$")
_GROUP_REF = re.compile("\u2063\\{g(\\d+)\\}\u2063")
_MASK = "••••••"


def code_groups(body: str) -> list[re.Match[str]]:
    return list(_GROUP.finditer(body))


def _digits(group: re.Match[str]) -> str:
    """A code-like group's digits: the group is digits and at most one kind of separator."""
    text, sep = group.group(0), group.group(1)
    return text.replace(sep, "") if sep else text


def pick_code(body: str, otp: str | None, digits: int,
              groups: list[re.Match[str]] | None = None) -> str | None:
    """The code a message carries (its digits): ``otp`` when it is in the text, formatted or
    not; else a group of ``digits`` digits right after a word such as "code", else the first.
    ``groups``: the body's ``code_groups``, when the caller has them."""
    if groups is None:
        groups = code_groups(body)
    if otp and (otp in body or any(_digits(m) == otp for m in groups)):
        return otp
    sized = [m for m in groups if len(_digits(m)) == digits]
    for m in sized:
        if _CUE.search(body[max(0, m.start() - 40):m.start()]):
            return _digits(m)
    return _digits(sized[0]) if sized else None


def mask_fields(body: str, otp: str | None,
                digits: int) -> tuple[str, dict[str, object] | None, str | None]:
    """(masked body, the payload to seal, the code) for an inbox row; no payload when the
    message carries no code."""
    groups = code_groups(body)
    code = pick_code(body, otp, digits, groups)
    if code is None:
        return body, None, None
    # every code-like group (4 to 12 digits) becomes a numbered mark, in one pass over the
    # matches already found (the same ones ``_GROUP.sub`` would find)
    parts: list[str] = []
    kept: list[str] = []
    last = 0
    for m in groups:
        if 4 <= len(_digits(m)) <= 12:
            parts.append(body[last:m.start()])
            parts.append(f"\u2063{{g{len(kept)}}}\u2063")
            kept.append(m.group(0))
            last = m.end()
    parts.append(body[last:])
    masked = "".join(parts)
    if otp and code == otp and otp in masked:  # a code not code-like (e.g. 3 digits)
        masked = masked.replace(otp, PLACEHOLDER)
    return masked, {"otp": code, "groups": kept}, code


def seal_fields(body: str, otp: str | None, digits: int,
                sealer: Sealer) -> tuple[str, bytes | None, str | None]:
    """(masked body, sealed payload, the code) for an inbox row."""
    masked, payload, code = mask_fields(body, otp, digits)
    return masked, seal_payload(payload, sealer), code


def seal_payload(payload: dict[str, object] | None, sealer: Sealer) -> bytes | None:
    """``mask_fields``' payload sealed (None: no payload, or a locked workspace)."""
    return sealer.seal(orjson.dumps(payload).decode()) if payload is not None else None


def open_fields(masked: str, sealed: bytes | None, sealer: Sealer) -> tuple[str, str | None]:
    """(body, code) from an inbox row; masks stay where the key can't open the seal."""
    opened = sealer.unseal(sealed) if sealed else None
    payload: dict[str, object] | None = None
    code: str | None = opened
    if opened is not None and opened.startswith("{"):
        try:
            payload = orjson.loads(opened)
        except ValueError:
            payload = None
        code = None
    return opened_body(masked, payload, code)


def opened_body(masked: str, payload: dict[str, object] | None,
                code: str | None = None) -> tuple[str, str | None]:
    """(body, code) from a masked body and its opened payload (``mask_fields``); ``code``: an
    older row's seal, the code alone."""
    groups: list[str] = []
    if payload is not None:
        try:
            code, groups = str(payload["otp"]), [str(g) for g in payload["groups"]]  # type: ignore[attr-defined]
        except (KeyError, TypeError):
            code, groups = None, []

    def unmark(m: re.Match[str]) -> str:
        i = int(m.group(1))
        return groups[i] if i < len(groups) else _MASK

    return unmask_body(_GROUP_REF.sub(unmark, masked), code), code


def find_otp(body: str, digits: int = 6) -> str | None:
    """The code in a message: the first run of exactly ``digits`` digits."""
    m = re.search(rf"(?<!\d)\d{{{digits}}}(?!\d)", body)
    return m.group(0) if m else None


def mask_body(body: str, otp: str | None) -> str:
    return body.replace(otp, PLACEHOLDER) if otp else body


def unmask_body(masked: str, otp: str | None, mask: str = "••••••") -> str:
    return masked.replace(PLACEHOLDER, otp if otp is not None else mask)
