"""The scenario JSON Schema: shipped, printed by ``otp-bench run --schema``, in step with the
loader, and every shipped and recorded scenario validates against it (checked with the
``jsonschema`` library, as an editor would)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import jsonschema
import pytest
import yaml

from otp_bench import assets
from otp_bench.cli import main
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.scenario import loader, schema, shipped
from otp_bench.scenario.recorder import Recorder
from otp_bench.scenario.sample import load_sample
from otp_bench.store.store import Store
from otp_bench.workspace_files import loader as ws_loader
from otp_bench.workspace_files import providers
from otp_bench.workspace_files.apex_spec import APEX_KEYS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    doc = json.loads(shipped.schema_text())
    jsonschema.Draft7Validator.check_schema(doc)
    return jsonschema.Draft7Validator(doc)


def _problems(v: jsonschema.Draft7Validator, data: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(data)]


def test_the_shipped_schema_is_the_generated_one() -> None:
    assert shipped.schema_text() == schema.text(), (
        "regenerate: python -m otp_bench.scenario.schema > resources/schema/scenario.schema.json")


def test_run_schema_prints_it() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["run", "--schema"]) == 0
    assert json.loads(out.getvalue())["title"] == "otp-bench scenario"


def test_every_loader_key_is_in_the_schema() -> None:
    s = schema.build()["properties"]
    step = next(b for b in s["steps"]["items"]["anyOf"] if "flow" in b["properties"])
    http, scripted = schema.HTTP_PROVIDER["properties"], schema.SCRIPTED_PROVIDER["properties"]
    pairs = [
        (ws_loader.TOP_KEYS, s), (ws_loader.SETTINGS_KEYS, s["settings"]["properties"]),
        (ws_loader.OTP_KEYS, s["settings"]["properties"]["otp"]["properties"]),
        (ws_loader.SITE_KEYS, s["sites"]["items"]["properties"]),
        (ws_loader.USER_KEYS, s["users"]["items"]["properties"]),
        (loader.NEW_USER_KEYS, step["properties"]["new_user"]["properties"]),
        (loader.STEP_KEYS, step["properties"]),
        (loader.EXPECT_KEYS, step["properties"]["expect"]["properties"]),
        (providers.HTTP_KEYS, http), (providers.SCRIPTED_KEYS, scripted),
        (APEX_KEYS, schema.APEX_PROVIDER["properties"]),
    ]
    for keys, props in pairs:
        missing = set(keys) - set(props)
        assert not missing, f"describe in otp_bench/scenario/schema.py: {missing}"


@pytest.mark.parametrize("name", shipped.names())
def test_shipped_scenarios_validate(validator: jsonschema.Draft7Validator, name: str) -> None:
    data = yaml.safe_load(shipped.path(name).read_text("utf-8"))
    assert _problems(validator, data) == []


def test_sample_workspace_and_fixtures_validate(validator: jsonschema.Draft7Validator) -> None:
    files = [assets.path("sample", "workspace.yaml"),
             *sorted((ROOT / "tests" / "scenario" / "fixtures").glob("*.yaml"))]
    for f in files:
        assert _problems(validator, yaml.safe_load(f.read_text("utf-8"))) == [], f


def test_a_recorded_session_validates(validator: jsonschema.Draft7Validator,
                                      tmp_path: Path) -> None:
    eng = Engine(Store(f"sqlite:///{tmp_path / 'rec.db'}", throwaway=True), FrozenClock())
    try:
        load_sample(eng)
        rec = Recorder(eng, name="recorded")
        o = eng.start("passwordless_login", "Acme Customers", "ana@example.com")
        eng.verify(o.flow_id, "000000")
        eng.advance_clock(3600)
        eng.start("verification", "Initech Support", "ana@example.com")
        rec.stop()
        data = yaml.safe_load(rec.to_yaml())
    finally:
        eng.close()
    assert data["steps"]
    assert _problems(validator, data) == []


def test_the_schema_catches_what_an_editor_should_flag(
        validator: jsonschema.Draft7Validator) -> None:
    bad = {"steps": [{"flow": "passwordless_logn", "site": "A"}],
           "providers": [{"name": "p", "result": "SUCESS"}], "extra": 1}
    assert len(_problems(validator, bad)) >= 3
    ok = {"providers": [{"name": "p", "preset": "twilio",
                         "faults": [{"error": "timeout", "every": 3}]}]}
    assert _problems(validator, ok) == []


def test_the_documented_example_validates_and_runs(validator: jsonschema.Draft7Validator,
                                                   tmp_path: Path) -> None:
    from otp_bench.scenario.cli import run_files

    doc = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
    example = doc.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    assert _problems(validator, yaml.safe_load(example)) == []
    f = tmp_path / "example.yaml"
    f.write_text(example, "utf-8")
    out = io.StringIO()
    assert run_files([str(f)], out=out) == 0, out.getvalue()


def test_the_docs_name_every_code() -> None:
    from otp_bench.domain.vocabulary import DeliveryResult, License, Reason, UseCase

    doc = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
    for value in (*Reason, *DeliveryResult, *UseCase, *License):
        assert f"`{value}`" in doc, value


def test_the_docs_name_every_key() -> None:
    doc = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
    keys = (ws_loader.TOP_KEYS | ws_loader.SETTINGS_KEYS | ws_loader.SITE_KEYS | ws_loader.USER_KEYS
            | loader.STEP_KEYS | loader.EXPECT_KEYS | providers.HTTP_KEYS | APEX_KEYS
            | set(schema.CONNECTED_APP["properties"]))
    missing = sorted(k for k in keys - {"otp"} if f"`{k}`" not in doc)
    assert not missing, f"describe in docs/scenarios.md: {missing}"
