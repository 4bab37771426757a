"""What every vendor dialect of the mock shares: the parsed request, the answers, the checks.

A dialect reads a request the way its vendor does (credentials, required fields, number format),
answers with the vendor's own success or error body, and names its errors (``invalid_number``,
``country_block``, ``auth``, ``rate_limited``, ``server_error``, ``no_funds``, ``message_limit``)
so a fault can ask for "the vendor's error for a bad number" by name or by status code.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.domain.vocabulary import Channel

ERROR_NAMES = ("invalid_number", "country_block", "auth", "rate_limited", "server_error",
               "no_funds", "message_limit")


@dataclass
class Incoming:
    method: str
    path_params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    _form: dict[str, str] | None = None
    _json: Any = None
    _json_done: bool = False

    def form(self) -> dict[str, str]:
        if self._form is None:
            try:
                self._form = dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                self._form = {}
        return self._form

    def json(self) -> Any:
        if not self._json_done:
            self._json_done = True
            try:
                self._json = json.loads(self.body)
            except ValueError:
                self._json = None
        return self._json

    def basic(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        try:
            user, _, pw = base64.b64decode(value[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user, pw

    def scheme_token(self, scheme: str) -> str | None:
        value = self.headers.get("authorization", "")
        prefix = scheme.lower() + " "
        return value[len(prefix):].strip() if value.lower().startswith(prefix) else None


@dataclass(frozen=True)
class Accepted:
    status: int
    body: Any
    to: str  # E.164
    text: str
    sender: str
    channel: Channel = Channel.SMS


@dataclass(frozen=True)
class Refused:
    status: int
    body: Any
    error: str = ""  # the catalog name, when it is one


@functools.lru_cache(maxsize=4096)  # bounded: memory stays flat however many numbers
def e164_or_none(raw: str) -> str | None:
    # full libphonenumber validation costs ~100 µs, the largest part of a request under load;
    # a load test (and a person testing) sends to a handful of numbers again and again
    try:
        return parse_phone(raw).e164
    except PhoneError:
        return None


def matches(account: Mapping[str, str] | None, key: str, given: str | None) -> bool:
    """Credential check: with a configured account the value must match, else be present."""
    if not given:
        return False
    if account is None or key not in account:
        return True
    return secrets.compare_digest(given.encode(), account[key].encode())


_ids = random.Random()  # message ids need to be unique, not secret: no system call per request
# a worker forked from the forkserver (``--workers N``) would otherwise hand out its siblings' ids
os.register_at_fork(after_in_child=_ids.seed)


def new_id(prefix: str = "", n: int = 32) -> str:
    return prefix + format(_ids.getrandbits(n * 4), f"0{n}x")


ErrorFactory = Callable[[str], tuple[int, Any]]  # recipient text → (status, body)


@dataclass
class Dialect:
    """A vendor dialect: subclasses implement ``handle`` and fill ``errors``."""

    name: str
    label: str
    path: str  # Starlette route pattern
    channel: Channel = Channel.SMS
    errors: dict[str, ErrorFactory] = field(default_factory=dict)

    def handle(self, inc: Incoming, account: Mapping[str, str] | None) -> Accepted | Refused:
        raise NotImplementedError

    def recipient(self, inc: Incoming) -> str | None:
        """The recipient as E.164, for faults scoped to one number; None when unreadable."""
        return None

    def error(self, name: str, to: str = "") -> Refused:
        factory = self.errors.get(name) or self.errors["server_error"]
        status, body = factory(to)
        return Refused(status, body, name if name in self.errors else "server_error")

    def error_for_status(self, status: int, to: str = "") -> Refused:
        for name, factory in self.errors.items():
            st, body = factory(to)
            if st == status:
                return Refused(status, body, name)
        _, body = self.errors["server_error"](to)
        return Refused(status, body, "server_error")

    def malformed(self) -> tuple[int, bytes]:
        """A success status with a body that is cut off and not even valid UTF-8."""
        return 200, b'{"id": "\xff\xfe' + b"\x00" * 8 + b'", "status": tru'
