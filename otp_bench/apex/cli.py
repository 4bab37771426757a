"""``otp-bench apex check PATH...`` and ``otp-bench apex test PATH... [--junit FILE]``.

check: every parse error and unsupported construct as ``File.cls:line:col: message``; exit 0 when
there is none, 2 otherwise. test: runs the ``@isTest`` classes; exit 0 all passed, 1 one failed,
2 invalid input (not Apex, doesn't load, no test methods).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from otp_bench.apex.testrunner import ApexTestResult


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    apex = sub.add_parser("apex", help="check or test Apex classes (the bench's Apex runtime)")
    verbs = apex.add_subparsers(dest="apex_command", metavar="VERB", required=True)
    check = verbs.add_parser("check", help="list every parse error and unsupported construct")
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help=".cls file, folder of classes, or sfdx project")
    check.set_defaults(func=_check)
    test = verbs.add_parser("test", help="run the @isTest classes (HttpCalloutMock, asserts)")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument("--junit", metavar="FILE",
                      help="write JUnit XML here (- for standard output)")
    test.set_defaults(func=_test)


def _load(paths: list[str]) -> object:
    from otp_bench.apex import ApexLoadError, ApexSource, SourceError, load_program

    try:
        source = ApexSource.from_paths(*paths)
        return load_program(source)
    except SourceError as exc:
        print(f"otp-bench apex: {exc}", file=sys.stderr)
    except ApexLoadError as exc:
        for d in exc.diagnostics:
            print(d, file=sys.stderr)
        print(f"otp-bench apex: {len(exc.diagnostics)} problem(s); nothing was run",
              file=sys.stderr)
    except RuntimeError as exc:  # the grammar isn't installed
        print(f"otp-bench apex: {exc}", file=sys.stderr)
    return None


def _check(args: argparse.Namespace) -> int:
    from otp_bench.apex import ApexSource, SourceError, check

    try:
        diags = check(ApexSource.from_paths(*args.paths))
    except SourceError as exc:
        print(f"otp-bench apex: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"otp-bench apex: {exc}", file=sys.stderr)
        return 2
    for d in diags:
        print(d)
    if diags:
        print(f"{len(diags)} problem(s)", file=sys.stderr)
        return 2
    print("no problems: every class parses and uses only what the bench interprets "
          "(interpreted by otp-bench, not compiled by Salesforce)")
    return 0


def _test(args: argparse.Namespace) -> int:
    from otp_bench.apex import ApexEnvironment, ApexProgram, run_tests
    from otp_bench.outputs import OutputError, is_stdio, resolve_output

    if args.junit:
        try:  # a typo'd folder fails before the tests run, not after
            resolve_output(args.junit)
        except OutputError as exc:
            print(f"otp-bench apex: {exc}", file=sys.stderr)
            return 2
    out = sys.stderr if is_stdio(args.junit) else sys.stdout  # stdout carries the XML then
    program = _load(args.paths)
    if not isinstance(program, ApexProgram):
        return 2
    env = ApexEnvironment(custom_metadata=dict(program.source.custom_metadata))
    results = run_tests(program, env)
    if not results:
        print("otp-bench apex: no @isTest methods found", file=sys.stderr)
        return 2
    for r in results:
        print(r, file=out)
        if not r.passed and r.stack:
            for line in r.stack.splitlines():
                print(f"    {line}", file=out)
    failed = sum(1 for r in results if not r.passed)
    print(f"{len(results) - failed} passed, {failed} failed", file=out)
    if args.junit:
        try:
            _write_junit(args.junit, results)
        except OutputError as exc:
            print(f"otp-bench apex: {exc}", file=sys.stderr)
            return 2
    return 1 if failed else 0


def _write_junit(path: str, results: Sequence[ApexTestResult]) -> None:
    """By ``otp_bench.outputs``: a file replaced whole, a device or FIFO written in place, ``-``."""
    from otp_bench.outputs import write_output

    suites: dict[str, list[ApexTestResult]] = {}
    for r in results:
        suites.setdefault(r.class_name, []).append(r)
    root = ET.Element("testsuites", name="otp-bench apex test")
    for name, cases in suites.items():
        failures = sum(1 for c in cases if not c.passed)
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)),
                              failures=str(failures))
        for c in cases:
            case = ET.SubElement(suite, "testcase", classname=name, name=c.method,
                                 time=f"{c.elapsed_ms / 1000:.3f}", file=c.file)
            if not c.passed:
                fail = ET.SubElement(case, "failure", message=c.message)
                fail.text = f"{c.file}:{c.line}\n{c.stack}"
    ET.indent(root)
    write_output(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
