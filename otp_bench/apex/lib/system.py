"""System (debug, asserts), Assert, Limits, UserInfo, Test, Type and the system enums."""

from __future__ import annotations

import re
from typing import Any

from otp_bench.apex import limits as lim
from otp_bench.apex.errors import Unsupported, throw
from otp_bench.apex.lib import enum, method, static
from otp_bench.apex.ops import equals, to_string
from otp_bench.apex.values import ApexObject, EnumValue, TypeValue

enum("Auth.CustomOneTimePasswordDeliveryResult", (
    "COUNTRY_BLOCK", "EXCEPTION", "INVALID_PHONE_NUMBER", "MESSAGE_LIMIT_EXCEEDED",
    "PROVIDER_ERROR", "SUCCESS"))
enum("System.LoggingLevel", ("NONE", "ERROR", "WARN", "INFO", "DEBUG", "FINE", "FINER", "FINEST"))


# ---------------------------------------------------------------------------- System.debug


@static("System", "debug", 1)
def debug(rt: Any, message: Any) -> None:
    _debug(rt, "DEBUG", message)


@static("System", "debug", 2)
def debug_level(rt: Any, level: Any, message: Any) -> None:
    name = level.name if isinstance(level, EnumValue) else "DEBUG"
    _debug(rt, name, message)


def _debug(rt: Any, level: str, message: Any) -> None:
    text = to_string(message)
    otp = rt.extra.get("otp")
    if otp and re.search(rf"(?<![0-9A-Za-z]){re.escape(otp)}(?![0-9A-Za-z])", text):
        rt.warn(f"the handler writes the OTP into the debug log (System.debug at line {rt.line})")
    rt.debug(level, text)


# ---------------------------------------------------------------------------- assertions


def _strict_equals(a: Any, b: Any) -> bool:
    if type(a) is str and type(b) is str:
        return a == b  # assertEquals compares Strings case-sensitively
    return equals(a, b)


def _fail(message: str, custom: Any = None) -> None:
    text = "Assertion Failed"
    if custom is not None:
        text += f": {to_string(custom)}"
    if message:
        text += f": {message}"
    raise throw("AssertException", text)


@static("System", "assert", 1, 2)
def assert_(rt: Any, condition: Any, msg: Any = None) -> None:
    if condition is not True:
        _fail("", msg)


@static("System", "assertEquals", 2, 3)
def assert_equals(rt: Any, expected: Any, actual: Any, msg: Any = None) -> None:
    if not _strict_equals(expected, actual):
        _fail(f"Expected: {to_string(expected)}, Actual: {to_string(actual)}", msg)


@static("System", "assertNotEquals", 2, 3)
def assert_not_equals(rt: Any, expected: Any, actual: Any, msg: Any = None) -> None:
    if _strict_equals(expected, actual):
        _fail(f"Same value: {to_string(actual)}", msg)


@static("Assert", "areEqual", 2, 3)
def are_equal(rt: Any, expected: Any, actual: Any, msg: Any = None) -> None:
    assert_equals(rt, expected, actual, msg)


@static("Assert", "areNotEqual", 2, 3)
def are_not_equal(rt: Any, expected: Any, actual: Any, msg: Any = None) -> None:
    assert_not_equals(rt, expected, actual, msg)


@static("Assert", "isTrue", 1, 2)
def is_true(rt: Any, condition: Any, msg: Any = None) -> None:
    if condition is not True:
        _fail("Expected: true, Actual: " + to_string(condition), msg)


@static("Assert", "isFalse", 1, 2)
def is_false(rt: Any, condition: Any, msg: Any = None) -> None:
    if condition is not False:
        _fail("Expected: false, Actual: " + to_string(condition), msg)


@static("Assert", "isNull", 1, 2)
def is_null(rt: Any, value: Any, msg: Any = None) -> None:
    if value is not None:
        _fail("Expected: null, Actual: " + to_string(value), msg)


@static("Assert", "isNotNull", 1, 2)
def is_not_null(rt: Any, value: Any, msg: Any = None) -> None:
    if value is None:
        _fail("Expected: not null, Actual: null", msg)


@static("Assert", "fail", 0, 1)
def fail(rt: Any, msg: Any = None) -> None:
    _fail("", msg)


@static("Assert", "isInstanceOfType", 2, 3)
def is_instance_of_type(rt: Any, value: Any, t: Any, msg: Any = None) -> None:
    from otp_bench.apex.conversions import instance_of

    if not isinstance(t, TypeValue) or not instance_of(value, t.type, rt.resolver(None)):
        _fail(f"Expected: {t.type if isinstance(t, TypeValue) else t}", msg)


# ---------------------------------------------------------------------------- Limits


def _limit(name: str, fn: Any) -> None:
    static("Limits", name, 0)(lambda rt: fn(rt))


_limit("getCallouts", lambda rt: rt.limits.callouts)
_limit("getLimitCallouts", lambda rt: lim.MAX_CALLOUTS)
_limit("getCpuTime", lambda rt: int(rt.limits.cpu_ms()))
_limit("getLimitCpuTime", lambda rt: rt.limits.cpu_limit_ms)
_limit("getHeapSize", lambda rt: rt.limits.heap)
_limit("getLimitHeapSize", lambda rt: lim.MAX_HEAP)
_limit("getQueries", lambda rt: rt.limits.soql)
_limit("getLimitQueries", lambda rt: lim.MAX_SOQL)


# ---------------------------------------------------------------------------- UserInfo


def _user(field: str) -> Any:
    return lambda rt: rt.env.running_user.get(field)


static("UserInfo", "getUserId", 0)(lambda rt: rt.env.running_user_id)
static("UserInfo", "getOrganizationId", 0)(lambda rt: rt.env.org_id)
static("UserInfo", "getUserName", 0)(_user("Username"))
static("UserInfo", "getName", 0)(_user("Name"))
static("UserInfo", "getUserEmail", 0)(_user("Email"))
static("UserInfo", "getLanguage", 0)(_user("LanguageLocaleKey"))
static("UserInfo", "getLocale", 0)(_user("LocaleSidKey"))
static("UserInfo", "getFirstName", 0)(_user("FirstName"))
static("UserInfo", "getLastName", 0)(_user("LastName"))
static("UserInfo", "getUserType", 0)(lambda rt: rt.env.running_user.get("UserType", "Standard"))


# ---------------------------------------------------------------------------- Test


@static("Test", "setMock", 2)
def set_mock(rt: Any, kind: Any, mock: Any) -> None:
    if not rt.env.is_test:
        raise throw("TypeException", "Test.setMock can only be called from a test method")
    if not isinstance(kind, TypeValue) or kind.type.key != "httpcalloutmock":
        raise Unsupported(f"Test.setMock for {to_string(kind)} (the bench mocks HttpCalloutMock)")
    if not isinstance(mock, ApexObject) or not mock.cls.implements("httpcalloutmock"):
        raise throw("TypeException", "Mock object doesn't implement HttpCalloutMock")
    rt.mock = mock


@static("Test", "startTest", 0)
def start_test(rt: Any) -> None:
    """The code between startTest and stopTest gets a fresh set of governor limits."""
    if rt.extra.get("test_started"):
        raise throw("FinalException", "Testing already started")
    rt.extra["test_started"] = True
    rt.limits.callouts = 0
    rt.limits.soql = 0
    rt.limits.callout_ms = 0.0


@static("Test", "stopTest", 0)
def stop_test(rt: Any) -> None:
    rt.extra["test_started"] = False


static("Test", "isRunningTest", 0)(lambda rt: bool(rt.env.is_test))


# ---------------------------------------------------------------------------- Type


@method(TypeValue, "getName", 0)
def type_get_name(rt: Any, t: TypeValue) -> str:
    return str(t.type)


@method(TypeValue, "toString", 0)
def type_to_string(rt: Any, t: TypeValue) -> str:
    return str(t.type)


@method(TypeValue, "equals", 1)
def type_equals(rt: Any, t: TypeValue, other: Any) -> bool:
    return equals(t, other)


@static("Type", "forName", 1)
def type_for_name(rt: Any, name: Any) -> Any:
    from otp_bench.apex.syntax import TypeRef

    if not isinstance(name, str):
        return None
    parts = tuple(name.split("."))
    if rt.program.resolve(parts, None) is None:
        return None
    return TypeValue(TypeRef(parts))
