"""EncodingUtil, Blob and Crypto (HMAC and digests) for signed and Basic-auth callouts.

``EncodingUtil.urlEncode`` is Java's URLEncoder: a space becomes ``+``, ``*`` stays, ``~`` is
encoded — so a phone number's ``+`` is sent as ``%2B``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import method, static
from otp_bench.apex.ops import type_name, wrap32, wrap64
from otp_bench.apex.values import Blob

_MACS = {"hmacmd5": "md5", "hmacsha1": "sha1", "hmacsha256": "sha256", "hmacsha512": "sha512"}
_DIGESTS = {"md5": "md5", "sha1": "sha1", "sha-256": "sha256", "sha-512": "sha512",
            "sha3-256": "sha3_256", "sha3-384": "sha3_384", "sha3-512": "sha3_512"}


def _blob(value: Any) -> bytes:
    if value is None:
        raise npe()
    if not isinstance(value, Blob):
        raise Unsupported(f"a {type_name(value)} where a Blob is expected")
    return value.data


def _str(value: Any) -> str:
    if value is None:
        raise npe()
    if not isinstance(value, str):
        raise Unsupported(f"a {type_name(value)} where a String is expected")
    return value


def _encoding(enc: Any) -> None:
    if _str(enc).upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise Unsupported(f"encoding {enc} (the bench encodes UTF-8)")


# ---------------------------------------------------------------------------- EncodingUtil

static("EncodingUtil", "base64Encode", 1)(
    lambda rt, b: base64.b64encode(_blob(b)).decode("ascii"))
static("EncodingUtil", "convertToHex", 1)(lambda rt, b: _blob(b).hex())


@static("EncodingUtil", "base64Decode", 1)
def base64_decode(rt: Any, text: Any) -> Blob:
    raw = "".join(_str(text).split())
    try:
        return Blob(base64.b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        raise throw("StringException", f"Unable to convert the String to a Blob: {text}") from None


@static("EncodingUtil", "convertFromHex", 1)
def convert_from_hex(rt: Any, text: Any) -> Blob:
    try:
        return Blob(bytes.fromhex(_str(text)))
    except ValueError:
        raise throw("InvalidParameterValueException", f"Invalid hex string: {text}") from None


@static("EncodingUtil", "urlEncode", 2)
def url_encode(rt: Any, text: Any, enc: Any) -> str:
    _encoding(enc)
    return quote_plus(_str(text), safe="*").replace("~", "%7E")


@static("EncodingUtil", "urlDecode", 2)
def url_decode(rt: Any, text: Any, enc: Any) -> str:
    _encoding(enc)
    return unquote_plus(_str(text))


# ---------------------------------------------------------------------------- Blob

static("Blob", "valueOf", 1)(lambda rt, s: Blob(_str(s).encode("utf-8")))
method(Blob, "size", 0)(lambda rt, b: len(b.data))


@method(Blob, "toString", 0)
def blob_to_string(rt: Any, b: Blob) -> str:
    try:
        return b.data.decode("utf-8")
    except UnicodeDecodeError:
        raise throw("StringException", "BLOB is not a valid UTF-8 string") from None


# ---------------------------------------------------------------------------- Crypto

@static("Crypto", "generateMac", 3)
def generate_mac(rt: Any, algorithm: Any, data: Any, key: Any) -> Blob:
    algo = _MACS.get(_str(algorithm).lower())
    if algo is None:
        raise throw("InvalidParameterValueException", f"Invalid algorithm: {algorithm}")
    return Blob(hmac.new(_blob(key), _blob(data), algo).digest())


@static("Crypto", "generateDigest", 2)
def generate_digest(rt: Any, algorithm: Any, data: Any) -> Blob:
    algo = _DIGESTS.get(_str(algorithm).lower())
    if algo is None:
        raise throw("InvalidParameterValueException", f"Invalid algorithm: {algorithm}")
    return Blob(hashlib.new(algo, _blob(data)).digest())


static("Crypto", "getRandomInteger", 0)(lambda rt: wrap32(secrets.randbits(32)))
static("Crypto", "getRandomLong", 0)(lambda rt: wrap64(secrets.randbits(64)))


@static("Crypto", "generateAesKey", 1)
def generate_aes_key(rt: Any, bits: Any) -> Blob:
    if bits not in (128, 192, 256):
        raise throw("InvalidParameterValueException", f"Invalid key size: {bits}")
    return Blob(secrets.token_bytes(bits // 8))
