"""Connected apps: scenario key, workspace file round trip, and what authorize/token enforce."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from otp_bench.engine.engine import Engine
from otp_bench.engine.workspace import ValidationError
from otp_bench.headless import pkce
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import ScenarioError
from otp_bench.store.store import Store
from otp_bench.workspace_files.apply import apply_workspace
from otp_bench.workspace_files.importer import import_workspace
from otp_bench.workspace_files.providers import ScenarioProviders
from otp_bench.workspace_files.writer import workspace_yaml
from tests.headless.conftest import Bench

SCENARIO = """\
name: apps
settings: {custom_otp_enabled: true, session_timeout: 30m}
connected_apps:
  - name: Travel SPA
    client_id: 3MVG9travel
    callback_urls: [echo, "https://travel.example.com/callback"]
    require_pkce: true
    scopes: [api, openid, refresh_token]
  - {name: Kiosk, client_id: 3MVG9kiosk}
steps: []
"""


def test_scenario_key_creates_apps_and_export_import_round_trips(
    engine: Engine, tmp_path: Path
) -> None:
    scenario = load_scenario(_write(tmp_path, SCENARIO))
    apply_workspace(engine, scenario, ScenarioProviders(engine))
    apps = {a.name: a for a in engine.connected_apps()}
    assert apps["Travel SPA"].callback_urls == ("echo", "https://travel.example.com/callback")
    assert apps["Travel SPA"].require_pkce is True
    assert apps["Kiosk"].scopes == ("api", "openid", "refresh_token")  # the default
    assert apps["Kiosk"].callback_urls == ("echo",)
    assert len(apps["Kiosk"].consumer_secret) == 64  # made by the bench, kept as a secret
    assert engine.settings.session_timeout_seconds == 1800

    text = workspace_yaml(engine.store)
    assert "connected_apps:" in text and "session_timeout: 30m" in text
    assert apps["Kiosk"].consumer_secret not in text  # secrets never reach an export
    exported = _write(tmp_path, text, "ws.yaml")
    other = Engine(Store(f"sqlite:///{tmp_path / 'other.db'}", throwaway=True))
    try:
        import_workspace(other, exported)
        assert workspace_yaml(other.store) == text
        # applying the same file again updates rather than duplicates
        apply_workspace(other, scenario, ScenarioProviders(other))
        assert len(other.connected_apps()) == 2
    finally:
        other.close()


@pytest.mark.parametrize(
    ("entry", "where", "fragment"),
    [
        ("{name: A, client_id: x, callback_urls: [not a url]}",
         "connected_apps[0].callback_urls[0]", "isn't a URL"),
        ("{name: A, client_id: x, scopes: [api, superuser]}", "connected_apps[0].scopes",
         "'superuser' isn't an OAuth scope"),
        ("{name: A, client_id: x, require_pkce: yes please}", "connected_apps[0].require_pkce",
         "true or false"),
        ("{name: A, client_id: x, secret: s}", "connected_apps[0].secret", "unknown field"),
        ("{name: A}", "connected_apps[0].client_id", "client id"),
    ],
)
def test_invalid_connected_apps_name_file_line_and_field(
    tmp_path: Path, entry: str, where: str, fragment: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, f"name: x\nconnected_apps:\n  - {entry}\n"))
    assert f"apps.yaml:3: {where}" in str(err.value)
    assert fragment in str(err.value)


def test_engine_refuses_an_invalid_app(engine: Engine) -> None:
    with pytest.raises(ValidationError, match="client_id"):
        engine.new_connected_app("A", "")


def _authorize(bench: Bench, identifier: str, code: str, **form: str) -> object:
    basic = base64.b64encode(f"{identifier}:{code}".encode()).decode()
    data = {"response_type": "code_credentials", "client_id": "3MVG9travel",
            "redirect_uri": bench.echo("customers"), **form}
    return bench.http.post(
        "/customers/services/oauth2/authorize", data={k: v for k, v in data.items() if v},
        headers={"Auth-Request-Type": "passwordless-login", "Auth-Verification-Type": "sms",
                 "Authorization": f"Basic {basic}"})


@pytest.mark.parametrize(
    ("form", "error", "fragment"),
    [
        ({"client_id": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        ({"redirect_uri": "https://evil.example.com/cb"}, "redirect_uri_mismatch",
         "redirect_uri must match configuration"),
        ({"code_challenge": ""}, "invalid_request", "requires PKCE"),
        ({"scope": "api web"}, "invalid_scope", "web isn't among"),
    ],
)
def test_with_a_connected_app_authorize_enforces_it_without_spending_the_code(
    bench: Bench, form: dict[str, str], error: str, fragment: str
) -> None:
    bench.engine.new_connected_app("Travel SPA", "3MVG9travel", require_pkce=True,
                                   callback_urls=("echo",))
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.code_for()
    challenge = pkce.challenge_for("v" * 50)
    bad = _authorize(bench, identifier, code, **{"code_challenge": challenge, **form})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert bad.json()["error"] == error  # type: ignore[attr-defined]
    assert fragment in bad.json()["error_description"]  # type: ignore[attr-defined]
    ok = _authorize(bench, identifier, code, code_challenge=challenge)  # still good
    assert ok.status_code == 302  # type: ignore[attr-defined]


def test_without_connected_apps_any_client_and_redirect_are_accepted(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    resp = _authorize(bench, identifier, bench.code_for(), client_id="anything",
                      redirect_uri="myapp://whatever")
    assert resp.status_code == 302  # type: ignore[attr-defined]
    assert resp.headers["location"].startswith("myapp://whatever?code=")  # type: ignore[attr-defined]


def _write(tmp_path: Path, text: str, name: str = "apps.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f
