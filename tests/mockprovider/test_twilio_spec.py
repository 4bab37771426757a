"""The Twilio preset's request and the mock's 201 answer against Twilio's own OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import get_preset
from otp_bench.mockprovider.loopback import LoopbackMock
from tests.delivery.helpers import Directory, preset_config, send
from tests.mockprovider.helpers import ListInbox

SPEC = Path("/work/shared/vendor-specs/twilio-messages-openapi.json")
PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip("the Twilio OpenAPI document isn't available")
    return json.loads(SPEC.read_text())  # type: ignore[no-any-return]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = spec["components"]["schemas"][name]
    return node


def _check(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    schema = _resolve(spec, schema)
    if value is None:
        assert schema.get("nullable"), f"{where} is null but not nullable"
        return
    kind = schema.get("type")
    py = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
          "object": dict, "array": list}.get(kind or "")
    if py is not None:
        assert isinstance(value, py), f"{where}: {value!r} isn't {kind}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{where}: {value!r} !~ {schema['pattern']}"
    for bound, test in (("minLength", lambda n: len(value) >= n),
                        ("maxLength", lambda n: len(value) <= n)):
        if bound in schema:
            assert test(schema[bound]), f"{where}: {bound} {schema[bound]}"


def test_preset_request_and_mock_answer_follow_the_spec(spec: dict[str, Any]) -> None:
    op = spec["paths"][PATH]["post"]
    form_schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    seen: list[httpx.Request] = []
    with LoopbackMock(ListInbox()) as mock, httpx.Client() as real:

        def through_mock(request: httpx.Request) -> httpx.Response:
            request.read()
            seen.append(request)
            r = real.send(request)
            r.read()
            return r

        h = HttpHandler(preset_config("twilio", base_url=mock.base_url), directory=Directory(),
                        transport=httpx.MockTransport(through_mock))
        report = send(h)
        h.close()
    (req,) = seen
    # the request: path parameter, security scheme, required fields, known fields, formats
    sid = urlsplit(str(req.url)).path.split("/")[3]
    _check(spec, op["parameters"][0]["schema"], sid, "AccountSid")
    assert "accountSid_authToken" in spec["components"]["securitySchemes"]
    assert req.headers["authorization"].startswith("Basic ")
    form = dict(parse_qsl(req.content.decode()))
    assert set(form_schema["required"]) <= set(form)
    assert set(form) <= set(form_schema["properties"])
    assert re.fullmatch(r"\+[1-9]\d{1,14}", form["To"])  # format: phone-number (E.164)
    # the answer: 201, every property of the Message schema, each of its declared type
    assert report.callouts[0].status == 201 and list(op["responses"]) == ["201"]
    message = _resolve(spec, op["responses"]["201"]["content"]["application/json"]["schema"])
    body = json.loads(report.callouts[0].raw.response.body)  # type: ignore[union-attr]
    assert set(message.get("required", [])) <= set(body)
    assert set(message["properties"]) == set(body)
    for name, prop in message["properties"].items():
        _check(spec, prop, body[name], name)
    assert body["to"] == form["To"] and get_preset("twilio").name == "twilio"
