"""External Credential merge fields and header formulas, as Salesforce evaluates them at callout.

The current Named Credential format keeps secrets as authentication parameters of an External
Credential: Apex refers to them as ``{!$Credential.<EC>.<param>}`` in headers and bodies, and the
External Credential's own headers are formulas such as
``{!'Basic ' & BASE64ENCODE(BLOB($Credential.Tw.account_sid & ':' & $Credential.Tw.auth_token))}``.
This module evaluates that subset: string literals, ``&``, ``$Credential.EC.param`` and the
documented functions BLOB, BASE64ENCODE, BASE64DECODE, HEX, HASH and HMAC (Named Credentials
Developer Guide, "Named Credential Formula Functions"). Anything else raises ``FormulaError``
naming it, never a wrong value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping

_TOKEN = re.compile(r"\s*(?:('(?:[^'\\]|\\.)*')|(\$Credential\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+)"
                    r"|([A-Za-z][A-Za-z0-9]*)\s*\(|(&)|(,)|(\)))")
_MERGE = re.compile(r"\{!\$Credential\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\}")
_HASHES = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512", "MD5": "md5",
           "SHA-256": "sha256", "SHA-512": "sha512", "HMACSHA256": "sha256", "HMACSHA1": "sha1",
           "HMACSHA512": "sha512"}


class FormulaError(ValueError):
    """A formula or merge field the bench can't evaluate; the message names it."""


Value = str | bytes


def _text(v: Value) -> str:
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v


def _blob(v: Value) -> bytes:
    return v if isinstance(v, bytes) else v.encode()


_FUNCS: dict[str, Callable[..., Value]] = {
    "BLOB": lambda v: _blob(v),
    "BASE64ENCODE": lambda v: base64.b64encode(_blob(v)).decode(),
    "BASE64DECODE": lambda v: base64.b64decode(_text(v)),
    "HEX": lambda v: _blob(v).hex(),
    "HASH": lambda alg, v: hashlib.new(_alg(alg), _blob(v)).digest(),
    "HMAC": lambda alg, v, key: hmac.new(_blob(key), _blob(v), _alg(alg)).digest(),
}
# how many arguments each function takes: a wrong count is the formula's error, not ours
_ARITY = {"BLOB": 1, "BASE64ENCODE": 1, "BASE64DECODE": 1, "HEX": 1, "HASH": 2, "HMAC": 3}


def _alg(name: Value) -> str:
    alg = _HASHES.get(_text(name).upper())
    if alg is None:
        raise FormulaError(f"unknown hash algorithm {_text(name)!r}")
    return alg


def evaluate(formula: str, params: Mapping[tuple[str, str], str]) -> str:
    """``{!…}`` → its value; ``params`` maps (external credential, parameter) → value."""
    text = formula.strip()
    if not (text.startswith("{!") and text.endswith("}")):
        return text  # a plain header value
    parser = _Parser(text[2:-1], params)
    value = parser.expr()
    if parser.pos != len(parser.src.rstrip()):
        raise FormulaError(f"can't read the formula from {parser.src[parser.pos:]!r}")
    return _text(value)


def merge(text: str, params: Mapping[tuple[str, str], str]) -> str:
    """Substitutes ``{!$Credential.EC.param}`` merge fields (headers and bodies)."""
    def one(m: re.Match[str]) -> str:
        key = (m.group(1).lower(), m.group(2).lower())
        if key not in params:
            raise FormulaError(f"{m.group(0)}: no such External Credential parameter")
        return params[key]
    return _MERGE.sub(one, text)


class _Parser:
    def __init__(self, src: str, params: Mapping[tuple[str, str], str]) -> None:
        self.src = src
        self.pos = 0
        self.params = params

    def _next(self) -> re.Match[str] | None:
        m = _TOKEN.match(self.src, self.pos)
        if m is None and self.src[self.pos:].strip():
            raise FormulaError(f"unsupported formula part {self.src[self.pos:]!r}")
        return m

    def expr(self) -> Value:
        value = self.term()
        while (m := self._next()) is not None and m.group(4):
            self.pos = m.end()
            value = _text(value) + _text(self.term())
        return value

    def term(self) -> Value:
        m = self._next()
        if m is None:
            raise FormulaError("the formula ends too early")
        self.pos = m.end()
        if m.group(1):
            return m.group(1)[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        if m.group(2):
            _, ec, param = m.group(2).split(".")
            key = (ec.lower(), param.lower())
            if key not in self.params:
                raise FormulaError(f"$Credential.{ec}.{param}: no such parameter")
            return self.params[key]
        if m.group(3):
            name = m.group(3).upper()
            if name not in _FUNCS:
                raise FormulaError(f"formula function {m.group(3)} isn't one Named Credentials "
                                   "allow")
            args = [self.expr()]
            while (n := self._next()) is not None and n.group(5):
                self.pos = n.end()
                args.append(self.expr())
            close = self._next()
            if close is None or not close.group(6):
                raise FormulaError(f"{m.group(3)}( isn't closed")
            self.pos = close.end()
            if len(args) != _ARITY[name]:
                raise FormulaError(f"{m.group(3)}() takes {_ARITY[name]} argument(s), "
                                   f"not {len(args)}")
            return _FUNCS[name](*args)
        raise FormulaError(f"unexpected {m.group(0).strip()!r} in the formula")
