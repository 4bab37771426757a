"""Recording a session through the engine, then replaying the file with the scenario runner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.engine.outcomes import InitOutcome
from otp_bench.scenario.cli import run_files
from otp_bench.scenario.recorder import Recorder
from otp_bench.scenario.sample import load_sample
from otp_bench.store.store import Store


@pytest.fixture
def bench(tmp_path: Path) -> Engine:
    eng = Engine(Store(f"sqlite:///{tmp_path / 'session.db'}", throwaway=True), FrozenClock())
    load_sample(eng)
    yield eng  # type: ignore[misc]
    eng.close()


def _code(engine: Engine, init: InitOutcome) -> str:
    assert init.phone
    return next(m.otp for m in reversed(engine.store.inbox(init.phone)) if m.otp)


def _replay(path: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    report = tmp_path / "replay.json"
    out = io.StringIO()
    code = run_files([str(path)], report=str(report), out=out)
    assert code == 0, out.getvalue() + path.read_text("utf-8")
    return json.loads(report.read_text("utf-8"))


def test_a_recorded_session_replays_and_passes(bench: Engine, tmp_path: Path) -> None:
    rec = Recorder(bench, name="walkthrough")
    # wrong code, then the right one
    o = bench.start("passwordless_login", "Acme Customers", "ana@example.com")
    bench.verify(o.flow_id, "000000" if _code(bench, o) != "000000" else "111111")
    bench.verify(o.flow_id, _code(bench, o))
    # refused at init, and a handler that fails delivery
    bench.start("passwordless_login", "Acme Customers", "cleo@example.com")
    bench.start("verification", "Initech Support", "ana@example.com")
    # a registration, on the default provider
    o = bench.start("self_registration", "Globex Partners",
                    new_user=NewUser("zed@example.com", "+1 415 555 2699", first_name="Zed"))
    bench.verify(o.flow_id, _code(bench, o))
    # the clock moves while a code waits: it expires
    o = bench.start("verification", "Acme Customers", "ben@example.com")
    bench.advance_clock(16 * 60)
    bench.verify(o.flow_id, _code(bench, o))
    # a clock move between flows, a resend on a new number, a flow left unverified
    bench.advance_clock(3600)
    o = bench.start("verification_method_registration", "Acme Customers", "cleo@example.com",
                    mobile="+1 415 555 2688")
    bench.resend(o.flow_id)
    bench.verify(o.flow_id, _code(bench, o))
    bench.start("headless_passwordless_login", "Acme Customers", "ana@example.com")
    bench.start("headless_passwordless_login", "Acme Customers", "ivan@acme.example.com")
    rec.stop()
    bench.start("passwordless_login", "Globex Partners", "ana@example.com")  # not recorded

    path = rec.save(tmp_path / "recorded.yaml")
    doc = yaml.safe_load(path.read_text("utf-8"))
    steps = doc["steps"]
    assert doc["name"] == "walkthrough"
    assert [s.get("flow", "advance_clock") for s in steps] == [
        "passwordless_login", "passwordless_login", "verification", "self_registration",
        "verification", "advance_clock", "verification_method_registration",
        "headless_passwordless_login", "headless_passwordless_login",
    ]
    assert steps[0]["code"] == ["wrong", "from_phone"]
    assert steps[0]["expect"] == {"init": "ok", "delivery": "SUCCESS", "verify": "SUCCESS",
                                  "flags": {"user_verified": True, "admin_verified": True}}
    assert steps[1]["expect"]["init"] == "flag_requirement_unmet"
    assert steps[2]["expect"]["init"] == "delivery_failed"
    assert steps[2]["expect"]["delivery"] == "PROVIDER_ERROR"
    assert steps[3]["new_user"]["first_name"] == "Zed"
    assert steps[3]["expect"]["flags"] == {"user_verified": True, "admin_verified": False}
    assert steps[4]["wait"] == "16m" and steps[4]["expect"]["verify"] == "expired"
    assert steps[5] == {"advance_clock": "1h"}
    assert steps[6]["mobile"] == "+14155552688" and steps[6]["resend"] == 1
    assert steps[7]["code"] == "none" and steps[7]["expect"]["verify"] is None
    assert steps[8]["expect"]["init"] == "internal_user"

    replay = _replay(path, tmp_path)
    assert replay["passed"] == 1
    assert len(replay["scenarios"][0]["steps"]) == 8


def test_setup_before_the_first_flow_is_part_of_the_workspace(bench: Engine,
                                                              tmp_path: Path) -> None:
    rec = Recorder(bench)
    site = bench.find_site("Globex Partners")
    bench.new_user("new@example.com", mobile="+1 415 555 2601", sites=frozenset({site.id}),
                   flags=Flags(user_verified=True))
    o = bench.start("passwordless_login", "Globex Partners", "new@example.com")
    bench.verify(o.flow_id, _code(bench, o))
    bench.delete_user(bench.find_user("ivan@acme.example.com").id)  # after the first flow
    text = rec.to_yaml()
    doc = yaml.safe_load(text)
    assert "new@example.com" in [u["username"] for u in doc["users"]]
    assert "ivan@acme.example.com" in [u["username"] for u in doc["users"]]
    assert "# Note: user 'ivan@acme.example.com' deleted during recording (not replayed)" in text
    path = tmp_path / "r.yaml"
    path.write_text(text, "utf-8")
    assert _replay(path, tmp_path)["passed"] == 1


def test_overlapping_flows_are_flagged(bench: Engine) -> None:
    rec = Recorder(bench)
    a = bench.start("passwordless_login", "Acme Customers", "ana@example.com")
    b = bench.start("passwordless_login", "Acme Customers", "ben@example.com")
    bench.verify(a.flow_id, _code(bench, a))
    bench.verify(b.flow_id, _code(bench, b))
    assert rec.overlapping()
    assert "# Flows overlapped while recording" in rec.to_yaml()


def test_an_empty_recording_is_still_a_valid_scenario(bench: Engine, tmp_path: Path) -> None:
    path = Recorder(bench).save(tmp_path / "empty.yaml")
    assert yaml.safe_load(path.read_text("utf-8"))["steps"] == []
    assert _replay(path, tmp_path)["passed"] == 1


def test_http_provider_on_the_loopback_mock_replays_without_its_secrets(tmp_path: Path) -> None:
    from otp_bench.domain.model import Settings
    from otp_bench.workspace_files.providers import ScenarioProviders

    engine = Engine(Store(f"sqlite:///{tmp_path / 'http.db'}", throwaway=True), FrozenClock())
    secret = "real-auth-token-CANARY-5150"
    with ScenarioProviders(engine) as providers:
        engine.save_settings(Settings(custom_otp_enabled=True))
        providers.add({"name": "tw", "preset": "twilio", "endpoint": "mock",
                       "credentials": {"account_sid": "AC" + "f" * 32, "auth_token": secret}})
        site = engine.new_site("Customers", handler="tw", url_prefix="c")
        engine.new_user("ana@example.com", mobile="+1 415 555 2671", sites=frozenset({site.id}),
                        flags=Flags(user_verified=True))
        rec = Recorder(engine)
        o = engine.start("passwordless_login", "Customers", "ana@example.com")
        assert o.delivery is not None and o.delivery.value == "SUCCESS" and o.callouts
        engine.verify(o.flow_id, _code(engine, o))
        text = rec.to_yaml()
    engine.close()
    assert secret not in text and "f" * 32 not in text
    provider = yaml.safe_load(text)["providers"][0]
    assert provider["endpoint"] == "mock"  # the session's mock is gone: the runner starts one
    path = tmp_path / "http.yaml"
    path.write_text(text, "utf-8")
    step = _replay(path, tmp_path)["scenarios"][0]["steps"][0]
    assert step["delivery"] == "SUCCESS" and len(step["callouts"]) == 1


def test_a_refused_resend_is_replayed(bench: Engine, tmp_path: Path) -> None:
    rec = Recorder(bench)
    o = bench.start("passwordless_login", "Acme Customers", "ana@example.com")
    for _ in range(5):  # the 5th code is the last one of the hour; the next resend is refused
        bench.resend(o.flow_id)
    steps = yaml.safe_load(rec.to_yaml())["steps"]
    assert steps[0]["resend"] == 5 and steps[0]["expect"]["init"] == "rate_limited"
    path = tmp_path / "resend.yaml"
    path.write_text(rec.to_yaml(), "utf-8")
    assert _replay(path, tmp_path)["scenarios"][0]["steps"][0]["init"] == "rate_limited"
