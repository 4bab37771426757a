"""What the provider editor asks the engine: presets, field problems, the request preview (saved
config or a draft form), and a look at an Apex handler class."""

from __future__ import annotations

from pathlib import Path

import pytest

from otp_bench.delivery.presets import PRESETS
from otp_bench.domain.model import ProviderKind
from otp_bench.engine.engine import Engine
from otp_bench.engine.provider_tools import ApexClassView, PresetChoice, Preview

CORPUS = Path(__file__).parents[1] / "apex" / "corpus"


def test_the_preset_picker_lists_every_preset_and_a_fill_is_complete(engine: Engine) -> None:
    choices = engine.provider_presets()
    assert [c.name for c in choices] == list(PRESETS)
    assert all(isinstance(c, PresetChoice) and c.label for c in choices)
    http, creds = engine.preset_fill("twilio", base_url="http://127.0.0.1:9/~twilio")
    assert http["base_url"] == "http://127.0.0.1:9/~twilio" and http["preset"] == "twilio"
    assert set(creds) == {"account_sid", "auth_token"}
    assert engine.http_problems(http) == []
    saved = engine.new_provider("t", kind=ProviderKind.HTTP, http=http, credentials=creds)
    assert saved.http is not None and saved.http.base_url == "http://127.0.0.1:9/~twilio"


def test_field_problems_name_the_field(engine: Engine) -> None:
    http, _creds = engine.preset_fill("webhook")
    [(field, message)] = engine.http_problems({**http, "body": "{{ oops"})
    assert field == "body" and message
    assert engine.http_problems({**http, "base_url": "nope"})[0][0] == "base_url"


def test_preview_of_a_saved_provider_and_of_a_draft(engine: Engine) -> None:
    http, creds = engine.preset_fill("twilio")
    saved = engine.new_provider("t", kind=ProviderKind.HTTP, http=http, credentials=creds)
    p = engine.preview_request(saved)
    assert isinstance(p, Preview) and p.ok and "‹auth_token›" in p.text
    assert creds["auth_token"] not in p.text
    draft = engine.preview_draft({**http, "body_format": "json", "body": "{{ oops"},
                                 ["account_sid", "auth_token"])
    assert not draft.ok and draft.error is not None and "body" in draft.error


def test_apex_class_view_names_the_file_and_the_handler(engine: Engine) -> None:
    if not engine.apex_available():
        pytest.skip("the apex extra isn't installed")
    source = CORPUS / "TelesignOtpHandler.cls"
    view = engine.apex_class_view(str(source))
    assert isinstance(view, ApexClassView) and view.error is None
    assert view.classes == ("TelesignOtpHandler",) and view.diagnostics == ()
    assert Path(view.file).name == source.name and "class TelesignOtpHandler" in view.text


def test_apex_class_view_of_a_missing_source_says_where(engine: Engine, tmp_path: Path) -> None:
    view = engine.apex_class_view(str(tmp_path / "Nope.cls"))
    assert view.error is not None and "Nope.cls" in view.error and view.text == ""
