"""How Apex exceptions and the bench's own refusals travel through the interpreter."""

from __future__ import annotations

from otp_bench.apex.classes import builtin_exception
from otp_bench.apex.values import ApexObject, ExcState


class ApexThrow(Exception):
    """An Apex exception in flight. ``obj`` is the Apex exception object."""

    def __init__(self, obj: ApexObject) -> None:
        self.obj = obj
        super().__init__(obj.cls.qualified)

    @property
    def uncatchable(self) -> bool:
        # Neither a governor limit nor a failed assertion can be caught in Apex.
        return self.obj.cls.key in ("limitexception", "assertexception") and \
            self.obj.cls.decl is None


class Unsupported(Exception):
    """The handler reached something the bench doesn't interpret: a refusal, never a guess."""

    at: str | None = None  # File.cls:line, filled in by the statement it happened in


class InternalFault(Exception):
    """A bug in otp-bench's interpreter, reported as such (never as a Python traceback)."""

    def __init__(self, where: str, cause: BaseException) -> None:
        self.where = where
        self.cause = cause
        super().__init__(f"otp-bench internal error in {where} ({type(cause).__name__})")


def new_exception(type_name: str, message: str | None, line: int = 0) -> ApexObject:
    obj = ApexObject(builtin_exception(type_name))
    obj.exc = ExcState(message)
    obj.exc.line = line
    return obj


def throw(type_name: str, message: str | None) -> ApexThrow:
    """A system exception ready to raise: ``raise throw("NullPointerException", ...)``."""
    return ApexThrow(new_exception(type_name, message))


def npe() -> ApexThrow:
    return throw("NullPointerException", "Attempt to de-reference a null object")
