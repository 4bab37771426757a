"""Request templates: a sandboxed, strict Jinja2 environment with phone filters and a size cap.

Templates come from provider configs a user typed or imported, so they run in Jinja's immutable
sandbox (no attribute games, no mutation of the values handed in), with ``StrictUndefined`` so a
misspelt variable is an error instead of an empty string, and with a cap on the rendered size so a
runaway loop can't build a gigantic request.

Every render also has a budget (the sandbox alone bounds neither time nor size): at most
``MAX_STEPS`` executed template lines and ``MAX_RENDER_SECONDS`` of wall time, counted by a trace
hook that only looks at the template's own frames; ``*`` and ``**`` are intercepted so one
expression can't build a huge value; the output is collected chunk by chunk and stops at the cap.
Exceeding any of them is a ``TemplateProblem`` naming the template and the limit.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Mapping
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, meta
from jinja2 import Template as JinjaTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment

from otp_bench.domain.phone import Phone, PhoneError, parse_phone

STATIC_NAMES = frozenset({"credentials", "sender"})  # fixed for a handler's lifetime
MAX_RENDERED_CHARS = 64 * 1024  # far above any SMS request; a bigger one is a template bug
MAX_STEPS = 200_000  # template lines executed per render; a real request template needs < 1000
MAX_RENDER_SECONDS = 1.0
MAX_DEPTH = 40  # nested macro calls; a recursion runs into this long before Python's own limit
MAX_POWER = 1024  # largest exponent ``**`` takes; bigger numbers are no request's business


class TemplateProblem(ValueError):
    """A template that doesn't compile or render; the message names the template."""


@functools.lru_cache(maxsize=4096)
def cached_phone(text: str) -> Phone:
    """parse_phone, memoised: filters and policy checks parse the same number several times."""
    return parse_phone(text)


def _phone(value: Any) -> Phone:
    try:
        return cached_phone(str(value))
    except PhoneError as exc:
        raise TemplateProblem(str(exc)) from None


def e164(value: Any) -> str:
    """``+1 4155552671`` → ``+14155552671``."""
    return str(_phone(value).e164)


def national(value: Any) -> str:
    """The national significant number: ``+1 4155552671`` → ``4155552671``."""
    return str(_phone(value).national_number)


def digits(value: Any) -> str:
    """E.164 without the plus, as Vonage, Infobip and MessageBird want it."""
    return str(_phone(value).digits)


def tojson(value: Any) -> str:
    """JSON for a value; an undefined variable is an error naming it, not a TypeError."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return json.dumps(value, ensure_ascii=False)


class _Budget:
    """Counts the lines a render executes in template code and watches the clock."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.steps = 0
        self.depth = 0
        self.deadline = time.perf_counter() + MAX_RENDER_SECONDS

    def calls(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == "<template>":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.depth = 0  # unwinding: the frames' return events come without calls
                raise TemplateProblem(
                    f"{self.what}: macros nested deeper than {MAX_DEPTH} (the limit)")
            return self.lines
        return None  # filters and Python code the template calls run untraced, at full speed

    def lines(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "return":
            self.depth -= 1
        elif event == "line":
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise TemplateProblem(
                    f"{self.what}: stopped after {MAX_STEPS} template steps (the limit); "
                    "a loop runs too long")
            if not self.steps & 1023 and time.perf_counter() > self.deadline:
                raise TemplateProblem(
                    f"{self.what}: stopped after {MAX_RENDER_SECONDS:g} s (the render time "
                    "limit)")
        return self.lines


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with ``*`` and ``**`` bounded (Jinja's documented hook)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (isinstance(seq, str | list | tuple) and isinstance(n, int)
                        and len(seq) * n > MAX_RENDERED_CHARS):
                    raise TemplateProblem(
                        f"a repetition of {len(seq) * n} items is over the output cap "
                        f"({MAX_RENDERED_CHARS} characters)")
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise TemplateProblem(f"an exponent of {right} is over the limit ({MAX_POWER})")
        return super().call_binop(context, operator, left, right)


def _env() -> ImmutableSandboxedEnvironment:
    env = _BoundedSandbox(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
    )
    env.filters["e164"] = e164
    env.filters["national"] = national
    env.filters["digits"] = digits
    env.filters["tojson"] = tojson  # plain JSON: these bodies are not HTML
    return env


_ENV = _env()


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> tuple[JinjaTemplate, bool]:
    """A source's compiled template and whether it is static, made once per process: compiling
    costs milliseconds (parse, code generation, ``compile``), and every handler built from a
    preset compiles the same few sources. A compiled Jinja template is safe to share: rendering
    never changes it. Sources that fail raise each time (exceptions aren't cached)."""
    tpl = _ENV.from_string(source)
    names = meta.find_undeclared_variables(_ENV.parse(source))
    # a template that only reads the provider's own settings renders the same every call
    return tpl, names <= STATIC_NAMES


class Template:
    """One compiled template; ``render`` is cheap enough for the handler's hot path."""

    def __init__(self, source: str, what: str) -> None:
        self.source = source
        self.what = what
        try:
            self._tpl, self.static = _compiled(source)
        except TemplateError as exc:
            raise TemplateProblem(f"{what}: {_describe(exc)}") from None
        self._cached: str | None = None

    def render_fast(self, variables: Mapping[str, Any]) -> str:
        """``render``, remembering the text of a static template (the handler's hot path)."""
        if not self.static:
            return self.render(variables)
        if self._cached is None:
            self._cached = self.render(variables)
        return self._cached

    def render(self, variables: Mapping[str, Any]) -> str:
        budget = _Budget(self.what)
        previous = sys.gettrace()
        parts: list[str] = []
        size = 0
        sys.settrace(budget.calls)
        try:
            for part in self._tpl.generate(variables):
                size += len(part)
                if size > MAX_RENDERED_CHARS:
                    raise TemplateProblem(
                        f"{self.what}: output over {MAX_RENDERED_CHARS} characters (the limit)")
                parts.append(part)
        except TemplateProblem as exc:
            text = str(exc)
            raise TemplateProblem(
                text if text.startswith(f"{self.what}: ") else f"{self.what}: {text}") from None
        except TemplateError as exc:
            raise TemplateProblem(f"{self.what}: {_describe(exc)}") from None
        except (ValueError, TypeError, ArithmeticError, LookupError, MemoryError,
                RecursionError) as exc:
            raise TemplateProblem(f"{self.what}: {type(exc).__name__}: {exc}") from None
        finally:
            sys.settrace(previous)
        return "".join(parts)


def _describe(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    return f"{exc.message or type(exc).__name__}{where}"


def render_json(tpl: Template, variables: Mapping[str, Any]) -> Any:
    """Render a JSON body template and check that it is JSON."""
    text = tpl.render(variables)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateProblem(
            f"{tpl.what}: rendered text isn't JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}); use the tojson filter for values"
        ) from None
