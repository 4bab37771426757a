"""Templates render within a step/time budget and an output cap (P9 / TPL-3).

Reproduced first: a nested ``range(100000)`` loop in a body template hung ``otp-bench run``
(still running at 40 s); ``'a' * 10**8`` built a 100 MB string."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otp_bench.delivery.template import (
    MAX_RENDER_SECONDS,
    MAX_RENDERED_CHARS,
    MAX_STEPS,
    Template,
    TemplateProblem,
)

HOSTILE = {
    "nested loop": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                    "{% endfor %}", "limit"),
    "loop over a long string": ("{% set s = 'ab' * 30000 %}{% for a in s %}{% for b in s %}"
                                "{% endfor %}{% endfor %}", str(MAX_STEPS)),
    "repetition": ("{{ 'a' * 10**8 }}", str(MAX_RENDERED_CHARS)),
    "power": ("{{ 2 ** 100000000 }}", "limit"),
    "big output": ("{% for i in range(100000) %}xxxxxxxxxx{% endfor %}", str(MAX_RENDERED_CHARS)),
    "recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested deeper"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_template_is_stopped_with_the_template_and_limit_named(name: str) -> None:
    source, limit = HOSTILE[name]
    started = time.perf_counter()
    with pytest.raises(TemplateProblem) as err:
        Template(source, "body").render({})
    assert time.perf_counter() - started < MAX_RENDER_SECONDS + 1.0
    assert str(err.value).startswith("body: ") and limit in str(err.value)


def test_an_ordinary_template_renders_and_tracing_is_restored() -> None:
    import sys

    before = sys.gettrace()
    out = Template('{"To": {{ phone_number|e164|tojson }}, "Body": {{ default_text|tojson }}}',
                   "body").render({"phone_number": "+1 4155552671", "default_text": "hi"})
    assert out == '{"To": "+14155552671", "Body": "hi"}'
    assert sys.gettrace() is before


def test_the_handler_maps_a_runaway_body_to_exception_without_a_callout() -> None:
    from otp_bench.delivery.http_handler import HttpHandler
    from otp_bench.delivery.template import TemplateProblem as Problem
    from tests.delivery.helpers import preset_config, send

    cfg = preset_config("twilio", "http://127.0.0.1:9", http={
        "body_format": "text", "form": [],
        "body": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    })
    handler = HttpHandler(cfg)
    started = time.perf_counter()
    with pytest.raises(Problem, match="limit"):  # the handler throwing: the engine's EXCEPTION
        send(handler)
    assert time.perf_counter() - started < MAX_RENDER_SECONDS + 1.0
    handler.close()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="{}%#()|*+-.,'\" abcijnorfstedlmpuxyz0123456789_\n", max_size=80))
def test_arbitrary_template_text_renders_or_fails_cleanly(source: str) -> None:
    started = time.perf_counter()
    try:
        Template(source, "body").render({"otp": "123456"})
    except TemplateProblem as exc:
        assert str(exc).startswith("body: ")
    assert time.perf_counter() - started < MAX_RENDER_SECONDS + 1.0
