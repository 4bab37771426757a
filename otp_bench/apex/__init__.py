"""The Apex runtime: run the user's own ``Auth.CustomOneTimePasswordDeliveryHandler`` offline.

Public API (stable; everything else in this package is internal)::

    source = ApexSource.from_paths("force-app")        # a .cls, a folder, or an sfdx project
    diags = check(["force-app"])                       # [Diagnostic] — "File.cls:12:5: message"
    program = load_program(source)                     # parsed once per content hash;
                                                       # raises ApexLoadError(diagnostics)
    find_handler_classes(program)                      # ["TwilioOtpHandler"]
    env = ApexEnvironment(send=hook, named_credentials={...}, remote_sites={...},
                          custom_metadata={...}, custom_settings={...},
                          user_by_id=..., network_by_id=..., running_user_id=..., clock=...)
    result = run_send(program, "TwilioOtpHandler",
                      SendArgs(userId, phoneNumber, oneTimePassword, defaultText,
                               networkId, experienceId), env)
    result.result      # DeliveryResult | None (None: refused / internal error, see .refusal)
    result.ended       # "returned SUCCESS at line 52"
                       # | "threw System.CalloutException: … at line 39"
    result.exception   # ApexExceptionInfo(type, message, line, stack) | None
    result.debug       # [DebugLine(line, level, text)]  — not redacted: the host redacts
    result.callouts    # [CalloutTrace(line, endpoint, request, response, error, elapsed_ms)]
    result.warnings    # ["the handler writes the OTP into the debug log …", …]
    run_tests(program, env) -> [ApexTestResult]       # @isTest classes, HttpCalloutMock

``env.send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse`` is the host's
transport: it receives the request with the endpoint already resolved (Named Credential URL and
Authorization header, merge fields, Remote Site mapping) and either answers or raises
``CalloutFailure(message)``, which the handler sees as ``System.CalloutException``. Everything
the handler does is interpreted by the bench, not compiled by Salesforce: see docs/apex-runtime.md.
The Apex grammar comes with the ``apex`` extra (tree-sitter-language-pack) and is imported on
first parse only.
"""

from __future__ import annotations

from pathlib import Path

from otp_bench.apex.diagnostics import ApexLoadError, Diagnostic, SourceError
from otp_bench.apex.env import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    CalloutFailure,
    NamedCredential,
    SendArgs,
)
from otp_bench.apex.program import ApexProgram, find_handler_classes, load_program
from otp_bench.apex.run import (
    ApexExceptionInfo,
    ApexRunResult,
    CalloutTrace,
    DebugLine,
    run_send,
)
from otp_bench.apex.source import ApexSource
from otp_bench.apex.testrunner import ApexTestResult, run_tests

__all__ = [
    "ApexEnvironment", "ApexExceptionInfo", "ApexHttpRequest", "ApexHttpResponse",
    "ApexLoadError", "ApexProgram", "ApexRunResult", "ApexSource", "ApexTestResult",
    "CalloutFailure", "CalloutTrace", "DebugLine", "Diagnostic", "NamedCredential", "SendArgs",
    "SourceError", "apex_available", "check", "find_handler_classes", "load_program", "run_send",
    "run_tests",
]


def check(paths: list[str | Path] | ApexSource) -> list[Diagnostic]:
    """Every parse error and unsupported construct of the files, before anything runs.

    Raises ``SourceError`` when a path isn't Apex source at all.
    """
    source = paths if isinstance(paths, ApexSource) else ApexSource.from_paths(*paths)
    try:
        load_program(source)
    except ApexLoadError as exc:
        return list(exc.diagnostics)
    return []


def apex_available() -> bool:
    """Whether the Apex grammar (the ``apex`` extra) is installed."""
    import importlib.util

    return importlib.util.find_spec("tree_sitter_language_pack") is not None
