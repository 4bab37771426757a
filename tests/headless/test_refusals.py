"""What the headless API answers when something is wrong, and what the operator sees."""

from __future__ import annotations

import pytest

from otp_bench.domain.flags import Flags
from otp_bench.headless.server import HeadlessServer
from tests.headless.conftest import E164, Bench


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**len(code):0{len(code)}d}"


def test_wrong_codes_are_401_and_count_toward_the_lockout(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.code_for()
    reasons = []
    for _ in range(3):
        resp = bench.authorize("customers", identifier, _wrong(code))
        assert resp.status_code == 401
        assert resp.json()["error"] == "invalid_credentials"
        reasons.append(resp.json()["reason"])
    assert reasons == ["invalid_code", "invalid_code", "attempts_exceeded"]
    # the right code no longer works once the attempts are used up
    late = bench.authorize("customers", identifier, code)
    assert (late.status_code, late.json()["reason"]) == (401, "attempts_exceeded")
    history = [h.status for h in bench.engine.store.history(bench.ana.id)]
    assert history.count("Failed: invalid code") == 2
    assert "Failed: too many attempts" in history


def test_an_expired_code_is_refused(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    bench.engine.advance_clock(16 * 60)
    resp = bench.authorize("customers", identifier, bench.code_for())
    assert (resp.status_code, resp.json()["reason"]) == (401, "expired")


def test_feature_disabled_site_is_403(bench: Bench) -> None:
    for username in ("ana@example.com", "nobody@example.com"):
        resp = bench.init_login("closed", username)
        assert resp.status_code == 403, username
        assert resp.json() == {
            "error": "unauthorized_client",
            "error_description": "This use case isn't enabled on the site.",
            "reason": "feature_disabled",
        }
    reg = bench.init_registration("closed", "bo@example.com", "+1 212 555 0100")
    assert (reg.status_code, reg.json()["reason"]) == (403, "feature_disabled")
    assert bench.engine.store.inbox(E164) == []  # no code was sent


def test_pkce_mismatch_is_invalid_grant_and_spends_the_code(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.authorize("customers", identifier, bench.code_for(), verifier="a" * 43).json()
    bad = bench.token("customers", code["code"], verifier="b" * 43)
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_grant"
    assert "code_verifier" in bad.json()["error_description"]
    again = bench.token("customers", code["code"], verifier="a" * 43)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_an_authorization_code_is_exchanged_once(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.authorize("customers", identifier, bench.code_for()).json()["code"]
    assert bench.token("customers", code).status_code == 200
    reuse = bench.token("customers", code)
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert "already used" in reuse.json()["error_description"]


def test_the_otp_itself_verifies_once(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.code_for()
    assert bench.authorize("customers", identifier, code).status_code == 200
    again = bench.authorize("customers", identifier, code)
    assert (again.status_code, again.json()["reason"]) == (401, "already_used")


def test_auth_request_type_must_match_the_flow(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    code = bench.code_for()
    resp = bench.authorize("customers", identifier, code, request_type="user-registration")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    assert "passwordless-login" in resp.json()["error_description"]
    # the mismatch costs no attempt: the right call still succeeds
    assert bench.authorize("customers", identifier, code).status_code == 200


def test_an_identifier_only_works_on_its_own_site(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    resp = bench.authorize("members", identifier, bench.code_for())
    assert (resp.status_code, resp.json()["reason"]) == (401, "unknown_identifier")


@pytest.mark.parametrize(
    ("headers", "data", "fragment"),
    [
        ({"Auth-Request-Type": "login"}, {}, "Auth-Request-Type"),
        ({"Auth-Verification-Type": "email"}, {}, "sms"),
        ({"Authorization": "Bearer x"}, {}, "Basic"),
        ({"Authorization": "Basic !!!"}, {}, "base64"),
        ({}, {"code_challenge": "short"}, "code_challenge is malformed"),
        ({"Auth-Verification-Type": ""}, {}, "Auth-Verification-Type header is missing"),
        ({"Auth-Request-Type": ""}, {}, "Auth-Request-Type header is missing"),
        ({"Authorization": ""}, {}, "Authorization header is missing"),
        ({}, {"response_type": "code"}, "code_credentials"),
    ],
)
def test_malformed_authorize_requests_name_the_problem(
    bench: Bench, headers: dict[str, str], data: dict[str, str], fragment: str
) -> None:
    full_headers = {"Auth-Request-Type": "passwordless-login", "Auth-Verification-Type": "sms",
                    "Authorization": "Basic aWQ6MTIzNDU2", **headers}
    form = {"response_type": "code_credentials", "client_id": "app", "redirect_uri": "app://cb",
            "code_challenge": "x" * 43, **data}
    resp = bench.http.post("/customers/services/oauth2/authorize", headers=full_headers,
                           data=form)
    assert resp.status_code == 400
    assert fragment in resp.json()["error_description"]


def test_malformed_init_bodies_name_the_field(bench: Bench) -> None:
    url = "/customers/services/auth/headless/init/passwordless/login"
    assert "username" in bench.http.post(url, json={"verificationmethod": "sms"}).text
    assert "JSON" in bench.http.post(url, content=b"{nope").text
    email = bench.http.post(url, json={"username": "ana@example.com",
                                       "verificationmethod": "email"})
    assert email.status_code == 400
    reg = bench.init_registration("customers", "bo@example.com", "12")
    assert (reg.status_code, reg.json()["reason"]) == (400, "invalid_phone_number")
    assert "mobilePhone" in reg.json()["error_description"]


def test_rate_limit_is_429_on_the_sixth_code(bench: Bench) -> None:
    for _ in range(5):
        assert bench.init_login("customers", "ana@example.com").status_code == 200
    sixth = bench.init_login("customers", "ana@example.com")
    assert (sixth.status_code, sixth.json()["reason"]) == (429, "rate_limited")


def test_unknown_users_get_the_same_answers_as_known_ones(bench: Bench) -> None:
    """OTP-11: no account enumeration; the operator still sees the precise reason."""
    known = bench.init_login("customers", "ana@example.com")
    unknown = bench.init_login("customers", "ghost@example.com")
    assert unknown.status_code == known.status_code == 200
    assert set(unknown.json()) == set(known.json())
    assert unknown.json()["status"] == "success"
    assert len(unknown.json()["identifier"]) == len(known.json()["identifier"])
    # a decoy identifier behaves like a real one with a wrong code, lockout included
    decoy = unknown.json()["identifier"]
    answers = [bench.authorize("customers", decoy, "000000").json()["reason"] for _ in range(4)]
    assert answers == ["invalid_code", "invalid_code", "attempts_exceeded", "attempts_exceeded"]
    mismatch = bench.authorize("customers", decoy, "000000", request_type="user-registration")
    assert mismatch.status_code == 400
    # and runs into the same hourly limit
    for _ in range(4):
        assert bench.init_login("customers", "ghost@example.com").status_code == 200
    assert bench.init_login("customers", "ghost@example.com").status_code == 429
    refused = [r for r in bench.engine.store.events() if r.kind == "init_refused"]
    assert refused and refused[0].result == "unknown_user"
    assert refused[0].user == "ghost@example.com"


def test_refusals_that_would_reveal_the_account_look_like_success(bench: Bench) -> None:
    # ana has admin_verified only: the default provider requires user_verified
    unmet = bench.init_login("members", "ana@example.com")
    assert unmet.status_code == 200
    assert bench.engine.store.inbox(E164) == []
    taken = bench.init_registration("customers", "ana@example.com", "+1 212 555 0100")
    assert taken.status_code == 200
    assert taken.json()["email"] == "ana@example.com"
    reasons = [r.result for r in bench.engine.store.events() if r.kind == "init_refused"]
    assert reasons == ["flag_requirement_unmet", "username_taken"]


def test_operator_mode_reveals_the_reason(bench: Bench) -> None:
    with HeadlessServer(bench.engine, reveal_reasons=True) as server:
        import httpx

        resp = httpx.post(
            f"{server.base_url}/members/services/auth/headless/init/passwordless/login",
            json={"username": "ana@example.com", "verificationmethod": "sms"},
        )
    assert resp.status_code == 400
    assert resp.json()["reason"] == "flag_requirement_unmet"
    assert "user_verified required" in resp.json()["error_description"]


def test_flags_unchanged_after_a_refused_flow(bench: Bench) -> None:
    identifier = bench.init_login("customers", "ana@example.com").json()["identifier"]
    bench.authorize("customers", identifier, _wrong(bench.code_for()))
    assert bench.engine.find_user("ana@example.com").flags == Flags(False, True)


def test_a_decoy_answers_no_faster_than_a_real_init(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OTP-11 timing: a provider's latency would otherwise tell known users from unknown ones."""
    import time

    real_start = bench.engine.start

    def slow_provider(*args: object, **kw: object) -> object:
        time.sleep(0.2)  # simulated provider latency, not a wait for the test's sake
        return real_start(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(bench.engine, "start", slow_provider)
    assert bench.init_login("customers", "ana@example.com").status_code == 200
    started = time.perf_counter()
    assert bench.init_login("customers", "ghost@example.com").status_code == 200
    assert time.perf_counter() - started >= 0.15
