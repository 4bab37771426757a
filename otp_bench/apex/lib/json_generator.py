"""System.JSONGenerator (``JSON.createGenerator(pretty)``): the builder older handlers use for
request bodies. Output follows ``JSON.serialize`` (compact) or ``serializePretty``."""

from __future__ import annotations

from typing import Any

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import apex_type, method, static
from otp_bench.apex.lib.json_lib import dumps, encode

_PENDING = object()


class JSONGenerator:
    APEX_TYPE = "System.JSONGenerator"

    def __init__(self, pretty: bool) -> None:
        self.pretty = pretty
        self.root: Any = _PENDING
        self.stack: list[Any] = []  # open containers
        self.field: str | None = None

    def put(self, value: Any) -> None:
        if not self.stack:
            if self.root is not _PENDING:
                raise throw("JSONException", "Can not write a value: the root is complete")
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, list):
            top.append(value)
            return
        if self.field is None:
            raise throw("JSONException", "Can not write a value, expecting a field name")
        top[self.field] = value
        self.field = None


apex_type("JSONGenerator", JSONGenerator)
static("JSON", "createGenerator", 1)(lambda rt, pretty: JSONGenerator(pretty is True))
G = JSONGenerator


def _open(g: JSONGenerator, container: Any) -> None:
    g.put(container)
    g.stack.append(container)


def _close(g: JSONGenerator, kind: type) -> None:
    if not g.stack or not isinstance(g.stack[-1], kind):
        raise throw("JSONException", "Current context not an " +
                    ("object" if kind is dict else "array"))
    g.stack.pop()


method(G, "writeStartObject", 0)(lambda rt, g: _open(g, {}))
method(G, "writeEndObject", 0)(lambda rt, g: _close(g, dict))
method(G, "writeStartArray", 0)(lambda rt, g: _open(g, []))
method(G, "writeEndArray", 0)(lambda rt, g: _close(g, list))


@method(G, "writeFieldName", 1)
def write_field_name(rt: Any, g: JSONGenerator, name: Any) -> None:
    if name is None:
        raise npe()
    if not g.stack or not isinstance(g.stack[-1], dict):
        raise throw("JSONException", "Can not write a field name, expecting a value")
    g.field = str(name)


def _write(rt: Any, g: JSONGenerator, value: Any) -> None:
    g.put(encode(rt, value, False))


for _name in ("writeString", "writeNumber", "writeBoolean", "writeObject", "writeId",
              "writeDateTime", "writeDate", "writeBlob"):
    method(G, _name, 1)(_write)
method(G, "writeNull", 0)(lambda rt, g: g.put(None))


def _field_writer(rt: Any, g: JSONGenerator, name: Any, value: Any) -> None:
    write_field_name(rt, g, name)
    _write(rt, g, value)


for _name in ("writeStringField", "writeNumberField", "writeBooleanField", "writeObjectField",
              "writeIdField", "writeDateTimeField", "writeDateField", "writeBlobField"):
    method(G, _name, 2)(_field_writer)


@method(G, "writeNullField", 1)
def write_null_field(rt: Any, g: JSONGenerator, name: Any) -> None:
    write_field_name(rt, g, name)
    g.put(None)


@method(G, "getAsString", 0)
def get_as_string(rt: Any, g: JSONGenerator) -> str:
    if g.root is _PENDING:
        return ""
    if g.stack:
        raise Unsupported("JSONGenerator.getAsString with an object or array still open")
    return dumps(g.root, pretty=g.pretty)


method(G, "close", 0)(lambda rt, g: None)
method(G, "isClosed", 0)(lambda rt, g: False)
