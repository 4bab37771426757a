"""The one request preview (``delivery/preview.py``): what the editor shows is what a send would
put on the wire, with credentials as placeholders, never the secret; a broken template is one
message naming the field; the render budget stops a runaway template."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otp_bench.delivery.presets import PRESETS, preset_http
from otp_bench.delivery.preview import SAMPLE_OTP, preview_draft, preview_request
from otp_bench.delivery.sendtest import send_test
from tests.delivery.helpers import Directory, preset_config


def test_twilio_preview_is_the_request_a_send_makes_with_placeholders_for_credentials() -> None:
    cfg = preset_config("twilio")
    p = preview_request(cfg)
    assert p.ok and p.method == "POST"
    sid, token = cfg.credentials["account_sid"], cfg.credentials["auth_token"]
    assert "‹account_sid›" in p.url and sid not in p.text and token not in p.text
    assert dict(p.headers)["Authorization"] == "Basic base64(‹account_sid›:‹auth_token›)"
    form = parse_qs(p.body)
    assert form["To"] == ["+14155552671"] and SAMPLE_OTP in form["Body"][0]

    sent: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json={"sid": "SM1", "status": "queued"})

    send_test(cfg, "+1 415 555 2671", otp=SAMPLE_OTP, default_text=form["Body"][0],
              transport=httpx.MockTransport(vendor))
    [real] = sent
    assert real.method == p.method and str(real.url) == p.url.replace("‹account_sid›", sid)
    assert parse_qs(real.content.decode()) == form, "the body the preview shows is the one sent"
    user, password = base64.b64decode(real.headers["Authorization"].split()[1]).decode().split(":")
    assert (user, password) == (sid, token)


def test_every_preset_previews_without_showing_a_credential() -> None:
    for name in PRESETS:
        cfg = preset_config(name)
        p = preview_request(cfg)
        assert p.ok, (name, p.error)
        for key, value in cfg.credentials.items():
            if len(value) >= 3:
                assert value not in p.text, (name, key)


def test_a_secret_typed_into_a_template_is_masked() -> None:
    cfg = preset_config("webhook")
    token = "sk_live_abcdef123456"
    body = '{"key": "TOKEN", "to": {{ phone_number | tojson }}}'.replace("TOKEN", token)
    cfg = preset_config("webhook", credentials={**cfg.credentials, "api_key": token},
                        http={"body": body})
    p = preview_request(cfg)
    assert p.ok and token not in p.text and "••••••" in p.body


def test_a_broken_template_is_one_message_naming_the_field() -> None:
    p = preview_request(preset_config("webhook", http={"body": "{{ oops"}))
    assert not p.ok and p.error is not None and "body" in p.error
    assert p.text == p.error and p.method == "" and p.body == ""
    q = preview_request(preset_config("webhook", http={"body": "{{ nothing.here.at_all }}"}))
    assert not q.ok and q.error is not None and "body" in q.error


def test_a_provider_that_is_not_http_says_so() -> None:
    from otp_bench.domain.ids import new_provider_id
    from otp_bench.domain.model import ProviderConfig

    p = preview_request(ProviderConfig(new_provider_id(), "scripted"))
    assert not p.ok and p.error


def test_the_budget_stops_a_runaway_template_quickly() -> None:
    # each range passes the sandbox's size check; together they would run for hours
    runaway = ("{% for i in range(99999) %}{% for j in range(99999) %}{% if j < 0 %}x{% endif %}"
               "{% endfor %}{% endfor %}")
    start = time.perf_counter()
    p = preview_request(preset_config("webhook", http={"body": runaway}))
    assert time.perf_counter() - start < 5, "bounded by the render budget"
    assert not p.ok and p.error is not None and "limit" in p.error and "body" in p.error


def test_the_preview_names_the_user_and_site_from_the_workspace() -> None:
    body = '{"who": {{ user.first_name | tojson }}, "site": {{ site.name | tojson }}}'
    cfg = preset_config("webhook", http={"body": body})
    assert json.loads(preview_request(cfg).body) == {"who": "Ana", "site": "Acme Customers"}
    d = Directory()
    p = preview_request(cfg, directory=d, sample={"user_id": d.user.id, "network_id": d.site.id})
    assert json.loads(p.body) == {"who": "Ana", "site": "Customers"}


@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_typed_body_gives_a_preview_or_a_message_never_an_exception(text: str) -> None:
    http = {**preset_http("webhook", base_url="http://127.0.0.1:9/hook"), "body": text}
    p = preview_draft(http, ["api_key"])
    assert p.ok or (p.error and p.text == p.error)


def test_a_draft_form_previews_with_placeholders_and_a_field_problem_is_its_message() -> None:
    http = preset_http("twilio", base_url="https://api.twilio.com", sender="+15005550006")
    p = preview_draft(http, ["account_sid", "auth_token"])
    assert p.ok and dict(p.headers)["Authorization"] == "Basic base64(‹account_sid›:‹auth_token›)"
    bad = preview_draft({**http, "base_url": "ftp://nowhere"}, [])
    assert not bad.ok and bad.error is not None and "base_url" in bad.error
