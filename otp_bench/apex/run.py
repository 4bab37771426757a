"""Running a handler: ``sendOneTimePassword`` as one Apex transaction, and what came of it.

The run happens on its own thread with a deep stack, so Apex recursion ends in
``System.LimitException: Maximum stack depth reached: 1001`` rather than a Python error. Whatever
happens, the caller gets an ``ApexRunResult``: a result, an Apex exception, or a refusal
(``unsupported: … at File.cls:line:col``) or an internal error — never a Python traceback.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from otp_bench.apex.env import ApexEnvironment, ApexHttpRequest, ApexHttpResponse, SendArgs
from otp_bench.apex.errors import ApexThrow, InternalFault, Unsupported, new_exception
from otp_bench.apex.interp import Interpreter
from otp_bench.apex.program import HANDLER_INTERFACE, ApexProgram
from otp_bench.apex.values import ApexObject, EnumValue
from otp_bench.domain.vocabulary import DeliveryResult

T = TypeVar("T")
_STACK_BYTES = 256 * 1024 * 1024
_RECURSION = 60_000
_WORKERS = 32  # flows run at once (the GUI runs many); idle threads cost nothing
_thread_lock = threading.Lock()
# Raised once, at import: Apex's own depth limit (1000 frames) must be what ends a recursion.
if sys.getrecursionlimit() < _RECURSION:
    sys.setrecursionlimit(_RECURSION)


@dataclass(frozen=True)
class ApexExceptionInfo:
    type: str  # System.NullPointerException, MyHandler.ProviderException
    message: str | None
    line: int
    stack: str = ""

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message is not None else self.type


@dataclass(frozen=True)
class DebugLine:
    line: int
    level: str
    text: str


@dataclass(frozen=True)
class CalloutTrace:
    """One ``Http.send``: the request as sent (endpoint resolved) and what came back."""

    line: int
    endpoint: str  # as the handler wrote it: callout:Twilio/..., https://...
    request: ApexHttpRequest
    response: ApexHttpResponse | None = None
    error: str | None = None
    elapsed_ms: float = 0.0


@dataclass
class ApexRunResult:
    result: DeliveryResult | None  # None: refused or internal error (see ``refusal``)
    ended: str  # "returned SUCCESS at line 52", "threw System.CalloutException: … at line 39"
    line: int = 0
    exception: ApexExceptionInfo | None = None
    refusal: str | None = None
    debug: list[DebugLine] = field(default_factory=list)
    callouts: list[CalloutTrace] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cpu_ms: float = 0.0
    soql_queries: int = 0


_executor: ThreadPoolExecutor | None = None


def on_deep_stack(fn: Callable[[], T], deadline_s: float = 600.0) -> T:
    """Run ``fn`` on a pooled thread with a deep stack; its result or its exception.

    The pool's threads are started with a 256 MB (virtual) stack, so the interpreter's own
    depth limit (1000 Apex frames) is what ends a runaway recursion.
    """
    global _executor
    with _thread_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="apex-run")
        old = threading.stack_size(_STACK_BYTES)  # applies to a thread submit() may start
        try:
            future = _executor.submit(fn)
        finally:
            threading.stack_size(old)
    try:
        return future.result(timeout=deadline_s)
    except FutureTimeout:
        raise RunDeadline(f"the run did not finish within {deadline_s:.0f} s") from None


class RunDeadline(Exception):
    """A run outlived every limit that should have ended it (a bench fault, reported)."""


def guarded(interp: Interpreter, body: Callable[[], Any]) -> tuple[str, Any]:
    """("return", value) | ("throw", ApexObject) | ("refuse", text) | ("internal", text)."""
    deadline = interp.env.cpu_limit_ms / 1000 + 130  # CPU + every callout's time, and margin
    try:
        return "return", on_deep_stack(body, deadline)
    except ApexThrow as thrown:
        return "throw", thrown.obj
    except RecursionError:
        return "throw", new_exception("LimitException", "Maximum stack depth reached: 1001",
                                      interp.line)
    except MemoryError:
        return "throw", new_exception("LimitException", "Apex heap size too large", interp.line)
    except Unsupported as exc:
        return "refuse", f"unsupported: {exc} at {exc.at or interp.where(interp.line)}"
    except (InternalFault, RunDeadline) as exc:
        return "internal", str(exc)
    except Exception as exc:  # an interpreter bug outside any statement: named, no traceback
        return "internal", f"otp-bench internal error in {interp.where(interp.line)} " \
            f"({type(exc).__name__})"


def exception_info(obj: ApexObject) -> ApexExceptionInfo:
    exc = obj.exc
    return ApexExceptionInfo(obj.cls.qualified, exc.message if exc else None,
                             exc.line if exc else 0, exc.stack if exc else "")


def run_send(program: ApexProgram, class_name: str, args: SendArgs,
             env: ApexEnvironment) -> ApexRunResult:
    """One ``sendOneTimePassword`` call on a fresh instance, as its own transaction."""
    cls = program.resolve(tuple(class_name.split(".")), None)
    if cls is None or not cls.implements(HANDLER_INTERFACE):
        text = f"no class {class_name} implementing Auth.CustomOneTimePasswordDeliveryHandler"
        return ApexRunResult(None, f"refused: {text}", refusal=text)
    interp = Interpreter(program, env)
    interp.extra["otp"] = args.oneTimePassword
    methods = [m for m in cls.find_methods("sendonetimepassword") if len(m.params) == 6]

    def body() -> Any:
        if not methods or methods[0].static:
            raise Unsupported(f"{cls.qualified} has no instance method sendOneTimePassword "
                              "with six parameters")
        handler = interp.construct(cls, [], cls.decl.line if cls.decl else 0)
        return interp.invoke(methods[0], handler, [
            args.userId or None, args.phoneNumber, args.oneTimePassword, args.defaultText,
            args.networkId or None, args.experienceId])  # an absent Id arrives as null

    outcome, value = guarded(interp, body)
    out = _result(outcome, value, interp)
    out.debug = [DebugLine(*d) for d in interp.debug_lines]
    out.callouts = [CalloutTrace(c["line"], c["endpoint"], c["request"], c.get("response"),
                                 c.get("error"), c.get("elapsed_ms", 0.0))
                    for c in interp.extra.get("callouts", [])]
    out.warnings = list(interp.warnings) + request_warnings(args, out.callouts)
    if out.result is not None and outcome == "return" and value is None:
        out.warnings.append("the handler returned null: the bench treats that as EXCEPTION "
                            "(bench assumption)")
    out.cpu_ms = interp.limits.cpu_ms()
    out.soql_queries = interp.limits.soql
    return out


def _result(outcome: str, value: Any, interp: Interpreter) -> ApexRunResult:
    line = interp.last_return_line
    if outcome == "return":
        if isinstance(value, EnumValue) and value.owner.lower().endswith(
                "customonetimepassworddeliveryresult"):
            return ApexRunResult(DeliveryResult(value.name), f"returned {value.name} at line "
                                 f"{line}", line)
        if value is None:
            return ApexRunResult(DeliveryResult.EXCEPTION, f"returned null at line {line}", line)
        return ApexRunResult(None, "refused: sendOneTimePassword returned a value that is not "
                             "an Auth.CustomOneTimePasswordDeliveryResult", line,
                             refusal="the handler returned a value of the wrong type")
    if outcome == "throw":
        info = exception_info(value)
        return ApexRunResult(DeliveryResult.EXCEPTION, f"threw {info} at line {info.line}",
                             info.line, exception=info)
    return ApexRunResult(None, f"refused: {value}" if outcome == "refuse" else str(value),
                         interp.line, refusal=str(value))


_FORM = re.compile(r"^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$")


def request_warnings(args: SendArgs, callouts: list[CalloutTrace]) -> list[str]:
    out: list[str] = []
    if not callouts:
        return out
    otp = args.oneTimePassword
    if otp and not any(_mentions(c, otp) for c in callouts):
        out.append("the OTP never appears in the outgoing request: the user can't receive it")
    for c in callouts:
        body = c.request.body.decode("utf-8", "replace")
        ctype = (c.request.header("Content-Type") or "").lower()
        if "x-www-form-urlencoded" not in ctype and not (not ctype and _FORM.match(body)):
            continue
        for raw in (args.phoneNumber, args.defaultText, otp):
            if raw and any(ch in raw for ch in "+ &=%") and raw in body:
                shown = "+" if "+" in raw else "a space or &"
                out.append(f"form body not URL-encoded (line {c.line}): a raw {shown} in "
                           f"'{raw[:20]}…' arrives changed (an unencoded + arrives as a space); "
                           "use EncodingUtil.urlEncode(value, 'UTF-8')")
                break
    return out


def _mentions(c: CalloutTrace, text: str) -> bool:
    req = c.request
    if text in req.endpoint or text in c.endpoint:
        return True
    if any(text in v for _k, v in req.headers):
        return True
    body = req.body.decode("utf-8", "replace")
    if text in body:
        return True
    from urllib.parse import unquote_plus

    return text in unquote_plus(body)


def run_static(program: ApexProgram, class_name: str, method: str, args: list[Any],
               env: ApexEnvironment | None = None) -> tuple[str, Any, Interpreter]:
    """Call a static method as its own transaction: (outcome, value, interpreter).

    outcome is "return" (value: the Apex value), "throw" (value: the exception object),
    "refuse" or "internal" (value: the message). For tests and tools.
    """
    interp = Interpreter(program, env or ApexEnvironment())
    cls = program.resolve(tuple(class_name.split(".")), None)
    if cls is None:
        return "refuse", f"no class {class_name}", interp
    methods = [m for m in cls.find_methods(method.lower())
               if m.static and len(m.params) == len(args)]
    if not methods:
        return "refuse", f"no static method {class_name}.{method}", interp
    outcome, value = guarded(interp, lambda: interp.invoke(methods[0], None, list(args)))
    return outcome, value, interp
