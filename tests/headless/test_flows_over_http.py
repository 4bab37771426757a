"""Headless passwordless login and registration end to end, over real loopback HTTP."""

from __future__ import annotations

from dataclasses import replace

from otp_bench.domain.flags import Flags
from tests.headless.conftest import E164, Bench


def test_headless_passwordless_login_issues_a_token(bench: Bench) -> None:
    init = bench.init_login("customers", "ana@example.com")
    assert init.status_code == 200
    assert init.json()["status"] == "success"
    identifier = init.json()["identifier"]

    auth = bench.authorize("customers", identifier, bench.code_for())
    assert auth.status_code == 200, auth.text
    body = auth.json()
    assert body["sfdc_community_url"] == f"{bench.server.base_url}/customers"
    assert body["sfdc_community_id"] == bench.custom.id

    tok = bench.token("customers", body["code"])
    assert tok.status_code == 200, tok.text
    token = tok.json()
    assert token["token_type"] == "Bearer"
    assert token["id"].endswith("/" + bench.ana.id)
    assert token["instance_url"] == bench.server.base_url
    assert set(token) >= {"access_token", "sfdc_community_url", "sfdc_community_id", "issued_at",
                          "scope"}
    assert tok.headers["cache-control"] == "no-store"

    me = bench.http.get("/customers/services/oauth2/userinfo",
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["preferred_username"] == "ana@example.com"
    # passwordless-login row, custom provider: user_verified unchanged, admin_verified true
    assert bench.engine.find_user("ana@example.com").flags == Flags(False, True)


def test_login_through_the_default_provider_sets_user_verified(bench: Bench) -> None:
    user = bench.engine.find_user("ana@example.com")
    bench.engine.save_user(replace(user, flags=Flags(True, False)))
    identifier = bench.init_login("members", "ana@example.com").json()["identifier"]
    code = bench.authorize("members", identifier, bench.code_for()).json()["code"]
    assert bench.token("members", code).status_code == 200
    # default provider: user_verified true, admin_verified unchanged
    assert bench.engine.find_user("ana@example.com").flags == Flags(True, False)


def test_headless_registration_creates_the_user(bench: Bench) -> None:
    init = bench.init_registration("customers", "bo@example.com", "+44 7911 123456")
    assert init.status_code == 200, init.text
    assert init.json()["email"] == "bo@example.com"
    code = bench.code_for("+447911123456")

    auth = bench.authorize("customers", init.json()["identifier"], code, "user-registration")
    assert auth.status_code == 200, auth.text
    tok = bench.token("customers", auth.json()["code"])
    assert tok.status_code == 200

    bo = bench.engine.find_user("bo@example.com")
    assert tok.json()["id"].endswith("/" + bo.id)
    assert (bo.first_name, bo.last_name, bo.mobile) == ("Bo", "Lee", "+447911123456")
    assert bench.custom.id in bo.sites
    # self-registration row, custom provider: user unchanged (false), admin true
    assert bo.flags == Flags(False, True)


def test_registration_on_the_default_provider_sets_user_verified(bench: Bench) -> None:
    init = bench.init_registration("members", "cy@example.com", "+1 212 555 0100")
    auth = bench.authorize("members", init.json()["identifier"], bench.code_for("+12125550100"),
                           "user-registration")
    assert bench.token("members", auth.json()["code"]).status_code == 200
    assert bench.engine.find_user("cy@example.com").flags == Flags(True, False)


def test_site_name_slug_and_root_site_route_too(bench: Bench) -> None:
    assert bench.init_login("closed-shop", "ana@example.com").status_code == 403  # slug → Closed
    root = bench.engine.new_site("Root", handler="sms-ok", headless_passwordless_login=True)
    ana = bench.engine.find_user("ana@example.com")
    bench.engine.save_user(replace(ana, sites=ana.sites | {root.id}))
    # Root is the only site without a prefix: it answers at "/".
    resp = bench.http.post("/services/auth/headless/init/passwordless/login",
                           json={"username": "ana@example.com", "verificationmethod": "sms"})
    assert resp.status_code == 200
    assert bench.engine.store.inbox(E164)[-1].via == "sms-ok"
    assert [f["init"] for f in bench.engine.store.flows() if f["site_id"] == root.id] == ["ok"]


def test_unknown_site_is_404_in_the_error_shape(bench: Bench) -> None:
    resp = bench.init_login("nowhere", "ana@example.com")
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"
    assert "/nowhere" in resp.json()["error_description"]
    assert bench.http.get("/customers/services/nothing").json()["error"] == "not_found"
