"""The Qt-free client the GUI's headless pane uses: real HTTP, exchanges shown raw, OTP masked."""

from __future__ import annotations

import base64
import json
import socket

from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.engine import Engine
from otp_bench.headless.client import HeadlessClient
from otp_bench.headless.server import HeadlessServer
from tests.headless.conftest import E164, Bench


def test_client_runs_a_headless_login_against_its_own_server(bench: Bench) -> None:
    with HeadlessClient(engine=bench.engine) as client:
        assert client.base_url.startswith("http://127.0.0.1:")
        init = client.init_passwordless_login("customers", "ana@example.com")
        assert init.ok and init.status == 200
        assert init.method == "POST"
        assert init.url == (
            f"{client.base_url}/customers/services/auth/headless/init/passwordless/login"
        )
        assert json.loads(init.request_body)["username"] == "ana@example.com"
        assert init.elapsed_ms > 0
        assert client.identifier == init.json["identifier"]

        code = bench.code_for()
        auth = client.authorize("customers", client.identifier, code, state="s-1")
        assert auth.status == 302, auth.response_body
        echo_url = f"{client.base_url}/customers/services/oauth2/echo"
        assert auth.location.startswith(echo_url + "?code=")
        assert auth.location_params["state"] == "s-1"
        echo = client.follow(auth)
        assert echo is not None and echo.ok
        assert echo.json == auth.location_params
        assert code not in auth.request_headers["authorization"]
        assert auth.request_headers["authorization"] == (
            f"Basic base64({client.identifier}:••••••)"
        )
        assert auth.request_headers["auth-request-type"] == "passwordless-login"
        assert "code_challenge=" in auth.request_body

        tok = client.token("customers", auth.location_params["code"])
        assert tok.ok, tok.response_body
        assert tok.json["token_type"] == "Bearer"
        me = client.userinfo("customers")
        assert me.json["user_id"] == bench.ana.id
    assert bench.engine.find_user("ana@example.com").flags == Flags(False, True)


def test_client_registration_with_a_usecase_request_type(bench: Bench) -> None:
    with HeadlessClient(base_url=bench.server.base_url) as client:
        init = client.init_registration("customers", "Bo", "Lee", "bo@example.com",
                                        "bo@example.com", "+1 212 555 0100")
        assert init.ok, init.response_body
        assert init.json["email"] == "bo@example.com"
        auth = client.authorize("customers", init.json["identifier"],
                                bench.code_for("+12125550100"),
                                UseCase.HEADLESS_PASSWORDLESS_REGISTRATION)
        assert auth.request_headers["auth-request-type"] == "user-registration"
        assert client.token("customers", auth.location_params["code"]).ok
    assert bench.engine.find_user("bo@example.com").flags == Flags(False, True)


def test_reveal_shows_the_real_authorization_header(bench: Bench) -> None:
    with HeadlessClient(base_url=bench.server.base_url) as client:
        identifier = client.init_passwordless_login("customers", "ana@example.com").json[
            "identifier"]
        code = bench.code_for()
        auth = client.authorize("customers", identifier, code, reveal=True)
    sent = auth.request_headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(sent).decode() == f"{identifier}:{code}"


def test_errors_come_back_as_exchanges(bench: Bench) -> None:
    with HeadlessClient(base_url=bench.server.base_url) as client:
        ex = client.token("customers", "no-such-code", code_verifier="x" * 43)
    assert ex.status == 400 and not ex.ok
    assert ex.json["error"] == "invalid_grant"
    assert ex.response_headers["content-type"] == "application/json"


def test_no_server_gives_an_exchange_with_the_error(engine: Engine) -> None:
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with HeadlessClient(base_url=f"http://127.0.0.1:{port}") as client:
        ex = client.init_passwordless_login("customers", "ana@example.com")
    assert ex.status == 0
    assert "Connect" in ex.error
    assert ex.json is None


def test_server_stops_and_frees_its_port(engine: Engine) -> None:
    server = HeadlessServer(engine)
    url = server.start()
    assert server.running
    port = int(url.rsplit(":", 1)[1])
    server.stop()
    assert not server.running
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # free again


def test_code_reaches_the_phone_inbox_once_per_init(bench: Bench) -> None:
    with HeadlessClient(base_url=bench.server.base_url) as client:
        client.init_passwordless_login("customers", "ana@example.com")
        client.init_passwordless_login("customers", "ana@example.com")
    assert len(bench.engine.store.inbox(E164)) == 2
