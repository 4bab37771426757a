"""Loading and validating scenario files: every problem names file, line and field.

A scenario file is a workspace file (``otp_bench.workspace_files.loader`` validates its settings,
providers, sites, users and connected apps) plus ``steps``, validated here. The shape is
docs/scenarios.md (and the JSON Schema in scenario/schema.py). Validation is complete before
anything runs, so an invalid file never touches a workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from otp_bench.domain.vocabulary import DeliveryResult, License, Reason, UseCase, VerifyMessage
from otp_bench.scenario.model import ClockStep, Expect, FlowStep, Scenario, ScenarioError, Step
from otp_bench.workspace_files.loader import (
    FieldPath,
    FileContext,
    parse_workspace,
    parse_yaml,
    read_yaml,
)
from otp_bench.workspace_files.model import WorkspaceFile
from otp_bench.workspace_files.yamlpos import line_of

__all__ = ["ScenarioError", "load_scenario", "load_scenario_text", "parse_scenario"]

NEW_USER_KEYS = {"username", "mobile", "license", "first_name", "last_name", "email"}
STEP_KEYS = {"flow", "site", "user", "new_user", "code", "wait", "expect", "mobile", "resend"}
EXPECT_KEYS = {"init", "delivery", "verify", "flags"}
FLAG_KEYS = {"user_verified", "admin_verified"}
CODE_WORDS = {"from_phone", "wrong", "none"}
INIT_VALUES = {"ok", *Reason}
VERIFY_VALUES = {*VerifyMessage, *Reason}


def load_scenario(path: str | Path) -> Scenario:
    """The scenario file at ``path`` (``-``: standard input), validated whole."""
    file, data, lines = read_yaml(path)
    return parse_scenario(data, file, lines)


def load_scenario_text(text: str, file: str) -> Scenario:
    """A scenario from YAML text; every problem is a ScenarioError naming ``file``:line."""
    data, lines = parse_yaml(text, file)
    return parse_scenario(data, file, lines)


def parse_scenario(
    data: Any, file: str, lines: dict[FieldPath, int] | None = None
) -> Scenario:
    workspace = parse_workspace(data, file, lines)
    c = FileContext(file, dict(workspace.lines))
    raw_steps = c.seq(data.get("steps"), ("steps",)) if isinstance(data, Mapping) else []
    steps = tuple(_step(c, raw, i) for i, raw in enumerate(raw_steps))
    base = {f.name: getattr(workspace, f.name) for f in fields(WorkspaceFile)}
    return Scenario(**base, steps=steps)


def _step(c: FileContext, raw: Any, i: int) -> Step:
    path: FieldPath = ("steps", i)
    line = line_of(c.lines, path)
    if isinstance(raw, Mapping) and "advance_clock" in raw:
        if len(raw) != 1:
            raise c.fail(path, "an advance_clock step has no other fields")
        return ClockStep(i, line, c.duration(raw["advance_clock"], (*path, "advance_clock")))
    s = c.mapping(raw, path, STEP_KEYS)
    flow = UseCase(c.choice(s.get("flow"), (*path, "flow"), UseCase, "a flow"))
    site = c.typed(s.get("site"), (*path, "site"), str, "a site name")
    user = new_user = None
    if flow.registers_user:
        if "user" in s:
            raise c.fail((*path, "user"), f"{flow.value} registers a new user: use new_user")
        nu = c.mapping(s.get("new_user"), (*path, "new_user"), NEW_USER_KEYS)
        for key in ("username", "mobile"):
            c.typed(nu.get(key), (*path, "new_user", key), str, f"the new user's {key}")
        if "license" in nu:
            c.choice(nu["license"], (*path, "new_user", "license"), License, "a licence")
        new_user = {k: str(v) for k, v in nu.items()}
    else:
        if "new_user" in s:
            raise c.fail((*path, "new_user"), f"{flow.value} needs an existing user: use user")
        user = c.typed(s.get("user"), (*path, "user"), str, "a username")
    mobile = s.get("mobile")
    if mobile is not None:
        if flow is not UseCase.VERIFICATION_METHOD_REGISTRATION:
            raise c.fail((*path, "mobile"), "only verification_method_registration takes mobile")
        mobile = str(mobile)
    codes_raw = s.get("code", "from_phone")
    codes_list = codes_raw if isinstance(codes_raw, list) else [codes_raw]
    if not codes_list:
        raise c.fail((*path, "code"), "give at least one code")
    codes = tuple(_code(c, v, (*path, "code")) for v in codes_list)
    verify = codes != ("none",)
    if "none" in codes and verify:
        raise c.fail((*path, "code"), "none can't be mixed with other codes")
    resend = s.get("resend", 0)
    resend = 1 if resend is True else 0 if resend is False else resend
    c.typed(resend, (*path, "resend"), int, "a number of resends")
    return FlowStep(
        index=i, line=line, flow=flow, site=site, user=user, new_user=new_user, mobile=mobile,
        codes=codes, verify=verify, wait=c.duration(s.get("wait", 0), (*path, "wait")),
        resend=resend, expect=_expect(c, s.get("expect"), (*path, "expect")),
    )


def _code(c: FileContext, value: Any, path: FieldPath) -> str:
    text = str(value)
    if text in CODE_WORDS or (text.isdigit() and 4 <= len(text) <= 10):
        return text
    raise c.fail(path, f"{value!r} isn't a code: use from_phone, wrong, none or digits like 123456")


def _expect(c: FileContext, raw: Any, path: FieldPath) -> Expect:
    if raw is None:
        return Expect()
    e = c.mapping(raw, path, EXPECT_KEYS)
    init = c.choice(e["init"], (*path, "init"), INIT_VALUES, "an init outcome") if "init" in e \
        else None
    delivery = None
    if e.get("delivery") is not None:
        delivery = c.choice(e["delivery"], (*path, "delivery"), DeliveryResult,
                            "a delivery result")
    verify = None
    if e.get("verify") is not None:
        verify = c.choice(e["verify"], (*path, "verify"), VERIFY_VALUES, "a verify outcome")
    flags = None
    if "flags" in e:
        f = c.mapping(e["flags"], (*path, "flags"), FLAG_KEYS)
        flags = {k: c.typed(v, (*path, "flags", k), bool, "true or false") for k, v in f.items()}
    return Expect(init, delivery, "delivery" in e, verify, "verify" in e, flags)


