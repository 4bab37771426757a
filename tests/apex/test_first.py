"""The runtime end to end on a handler of the shape users write: a callout, a JSON error body,
``switch on``, a result enum, per-call static state."""

from __future__ import annotations

from pathlib import Path

import pytest

from otp_bench.apex import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    ApexProgram,
    ApexSource,
    CalloutFailure,
    NamedCredential,
    SendArgs,
    check,
    find_handler_classes,
    load_program,
    run_send,
)
from otp_bench.domain.vocabulary import DeliveryResult

HANDLER = """\
global with sharing class TwilioOtpHandler implements Auth.CustomOneTimePasswordDeliveryHandler {
    private static Integer sent = 0;

    global Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId,
            String phoneNumber, String oneTimePassword, String defaultText, Id networkId,
            String experienceId) {
        sent++;
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:Twilio/2010-04-01/Accounts/AC1/Messages.json');
        req.setMethod('POST');
        req.setHeader('Content-Type', 'application/x-www-form-urlencoded');
        req.setBody('To=' + EncodingUtil.urlEncode(phoneNumber, 'UTF-8')
            + '&Body=' + EncodingUtil.urlEncode('Your code: ' + oneTimePassword, 'UTF-8'));
        System.debug('call #' + sent);
        try {
            HttpResponse res = new Http().send(req);
            if (res.getStatusCode() == 201) {
                return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;
            }
            Map<String, Object> err = (Map<String, Object>) JSON.deserializeUntyped(res.getBody());
            switch on (Integer) err.get('code') {
                when 21211, 21614 {
                    return Auth.CustomOneTimePasswordDeliveryResult.INVALID_PHONE_NUMBER;
                }
                when 21408 { return Auth.CustomOneTimePasswordDeliveryResult.COUNTRY_BLOCK; }
                when else { return Auth.CustomOneTimePasswordDeliveryResult.PROVIDER_ERROR; }
            }
        } catch (CalloutException e) {
            System.debug(LoggingLevel.ERROR, 'callout failed: ' + e.getMessage());
            return Auth.CustomOneTimePasswordDeliveryResult.EXCEPTION;
        }
    }
}
"""
ARGS = SendArgs("005000000000001AAA", "+15551234567", "482913", "Your code is 482913",
                "0DB000000000001AAA", "exp1")


def env_answering(status: int, body: str, seen: list[ApexHttpRequest] | None = None,
                  ) -> ApexEnvironment:
    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        if seen is not None:
            seen.append(request)
        return ApexHttpResponse(status, body=body.encode())

    return ApexEnvironment(send=send, named_credentials={
        "twilio": NamedCredential("https://api.twilio.com", "AC1", "secret")})


@pytest.fixture(scope="module")
def program() -> ApexProgram:
    return load_program(ApexSource.from_text(HANDLER, "TwilioOtpHandler.cls"))


def test_the_handler_class_is_found(program: ApexProgram) -> None:
    assert find_handler_classes(program) == ["TwilioOtpHandler"]


def test_success_sends_the_request_the_handler_built(program: ApexProgram) -> None:
    seen: list[ApexHttpRequest] = []
    result = run_send(program, "TwilioOtpHandler", ARGS, env_answering(201, "{}", seen))
    assert result.result is DeliveryResult.SUCCESS
    assert result.ended == "returned SUCCESS at line 18"
    [req] = seen
    assert req.endpoint == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    assert req.header("Authorization") == "Basic QUMxOnNlY3JldA=="  # base64("AC1:secret")
    assert req.body == b"To=%2B15551234567&Body=Your+code%3A+482913"
    assert [(d.line, d.level, d.text) for d in result.debug] == [(14, "DEBUG", "call #1")]
    assert result.warnings == []


@pytest.mark.parametrize(("code", "expected"), [
    (21211, DeliveryResult.INVALID_PHONE_NUMBER), (21614, DeliveryResult.INVALID_PHONE_NUMBER),
    (21408, DeliveryResult.COUNTRY_BLOCK), (30001, DeliveryResult.PROVIDER_ERROR)])
def test_vendor_error_codes_map_to_results(
        program: ApexProgram, code: int, expected: DeliveryResult) -> None:
    result = run_send(program, "TwilioOtpHandler", ARGS,
                      env_answering(400, f'{{"code": {code}, "message": "x"}}'))
    assert result.result is expected


def test_static_state_is_reset_for_every_call(program: ApexProgram) -> None:
    env = env_answering(201, "{}")
    first = run_send(program, "TwilioOtpHandler", ARGS, env)
    second = run_send(program, "TwilioOtpHandler", ARGS, env)
    assert first.debug[0].text == second.debug[0].text == "call #1"


def test_a_transport_error_is_a_callout_exception_the_handler_can_catch(
        program: ApexProgram) -> None:
    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        raise CalloutFailure("Read timed out")

    env = ApexEnvironment(send=send, named_credentials={
        "Twilio": NamedCredential("https://api.twilio.com", "AC1", "secret")})
    result = run_send(program, "TwilioOtpHandler", ARGS, env)
    assert result.result is DeliveryResult.EXCEPTION
    assert result.ended == "returned EXCEPTION at line 30"
    assert result.debug[-1].text == "callout failed: Read timed out"
    assert result.debug[-1].level == "ERROR"


def test_a_malformed_answer_throws_and_the_run_ends_with_exception(program: ApexProgram) -> None:
    result = run_send(program, "TwilioOtpHandler", ARGS, env_answering(500, "<html>"))
    assert result.result is DeliveryResult.EXCEPTION
    assert result.exception is not None
    assert result.exception.type == "System.JSONException"
    assert result.ended.startswith("threw System.JSONException: ")
    assert result.ended.endswith(" at line 20")


def test_check_lists_every_unsupported_construct(tmp_path: Path) -> None:
    f = tmp_path / "Bad.cls"
    f.write_text("public class Bad {\n  void a() {\n    insert new Account();\n"
                 "    String s = JSON.frobnicate('x');\n    Integer i = ;\n  }\n}\n")
    diags = [str(d) for d in check([f])]
    assert any(d.startswith("Bad.cls:4:") and "JSON.frobnicate" in d for d in diags), diags
    assert any(d.startswith("Bad.cls:3:") for d in diags), diags
    assert any(d.startswith("Bad.cls:5:") and "syntax error" in d for d in diags), diags


def test_check_knows_the_methods_of_the_users_own_classes(tmp_path: Path) -> None:
    f = tmp_path / "Own.cls"
    f.write_text("public class Own {\n  class Payload { String to() { return ''; } }\n"
                 "  void f() {\n    Payload p = new Payload();\n    p.to();\n    p.too();\n"
                 "    p.to(1);\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Own.cls:6:7: Method does not exist or incorrect signature: Own.Payload.too(0 arguments)",
        "Own.cls:7:7: Method does not exist or incorrect signature: Own.Payload.to(1 arguments)"]


def test_check_knows_the_type_a_cast_names(tmp_path: Path) -> None:
    f = tmp_path / "Cast.cls"
    f.write_text("public class Cast {\n  void f(Object o) {\n    ((String) o).frobnicate();\n"
                 "    ((String) o).trim();\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Cast.cls:3:18: unsupported: method String.frobnicate with 0 arguments"]


def test_check_knows_the_fields_of_the_users_own_classes(tmp_path: Path) -> None:
    f = tmp_path / "Fields.cls"
    f.write_text("public class Fields {\n  class Payload { String to; }\n"
                 "  void f() {\n    Payload p = new Payload();\n    p.to = 'x';\n"
                 "    String s = p.too;\n  }\n}\n")
    assert [str(d) for d in check([f])] == ["Fields.cls:6:16: Variable does not exist: too"]


def test_check_follows_a_chain_of_system_calls(tmp_path: Path) -> None:
    f = tmp_path / "Chain.cls"
    f.write_text("public class Chain {\n  void f(HttpResponse res, Map<String, String> m) {\n"
                 "    res.getBody().trim().frobnicate();\n"
                 "    m.get('a').toUpperCase().lenght();\n"
                 "    new Http().send(new HttpRequest()).getBody().length();\n"
                 "    JSON.serialize(m).split(',')[0].trim();\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Chain.cls:3:26: unsupported: method String.frobnicate with 0 arguments",
        "Chain.cls:4:30: unsupported: method String.lenght with 0 arguments"]


def test_check_refuses_assignments_salesforce_would_not_compile(tmp_path: Path) -> None:
    f = tmp_path / "Assign.cls"
    f.write_text("public class Assign {\n  void f(Map<String, Object> m, HttpResponse res) {\n"
                 "    Integer code = m.get('code');\n    Integer ok = (Integer) m.get('code');\n"
                 "    Integer status = res.getBody();\n    Long l = 5;\n    Double d = 1.5;\n"
                 "    Integer bad = 1.5;\n    Object o = m.get('x');\n    String s;\n"
                 "    s = res.getStatusCode();\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Assign.cls:3:5: Illegal assignment from Object to Integer (a cast is needed; "
        "Salesforce would not compile this)",
        "Assign.cls:5:5: Illegal assignment from String to Integer (Salesforce would not "
        "compile this)",
        "Assign.cls:8:5: Illegal assignment from Decimal to Integer (Salesforce would not "
        "compile this)",
        "Assign.cls:11:5: Illegal assignment from Integer to String (Salesforce would not "
        "compile this)"]


def test_check_knows_the_methods_of_custom_metadata_and_settings(tmp_path: Path) -> None:
    f = tmp_path / "Records.cls"
    f.write_text("public class Records {\n  void f() {\n"
                 "    Sms_Settings__mdt a = Sms_Settings__mdt.getInstance('Default');\n"
                 "    Sms_Settings__mdt b = Sms_Settings__mdt.getInstanc('Default');\n"
                 "    Otp__c c = Otp__c.getOrgDefaults();\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Records.cls:4:45: unsupported: Sms_Settings__mdt.getInstanc with 1 arguments"]


def test_check_refuses_fields_of_system_types(tmp_path: Path) -> None:
    f = tmp_path / "Sys.cls"
    f.write_text("public class Sys {\n  void f(String s, HttpResponse r) {\n"
                 "    Integer n = s.length;\n    Object b = r.body;\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Sys.cls:3:17: unsupported: field length of String (system types have methods, not "
        "fields)",
        "Sys.cls:4:16: unsupported: field body of HttpResponse (system types have methods, not "
        "fields)"]


def test_check_knows_the_user_and_network_records(tmp_path: Path) -> None:
    f = tmp_path / "Rec.cls"
    f.write_text("public class Rec {\n  void f(User u, Network n) {\n"
                 "    String a = u.LanguageLocaleKey + n.Name + u.get('Email');\n"
                 "    String b = u.Favourite_Colour__c;\n    u.frobnicate();\n  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Rec.cls:4:16: unsupported: field User.Favourite_Colour__c (not in the bench's records)",
        "Rec.cls:5:7: unsupported: method User.frobnicate with 0 arguments"]


def test_a_fault_of_the_check_is_a_diagnostic_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from otp_bench.apex import checker

    def broken(program: object) -> list[object]:
        raise KeyError("bug")

    monkeypatch.setattr(checker, "check_program", broken)
    source = ApexSource.from_text(HANDLER + "\n// changed, so not cached\n", "Twilio.cls")
    assert [str(d) for d in check(source)] == [
        "Twilio.cls:1:1: otp-bench internal error in the whole-file check (KeyError); "
        "nothing was run"]


def test_check_refuses_arithmetic_on_text(tmp_path: Path) -> None:
    f = tmp_path / "Arith.cls"
    f.write_text("public class Arith {\n  void f(String s, Integer i) {\n"
                 "    Object a = s / 2;\n    Object b = i * 2 - 1;\n    Object c = 'x' + i;\n"
                 "  }\n}\n")
    assert [str(d) for d in check([f])] == [
        "Arith.cls:3:16: Arithmetic expressions must use numeric arguments (String /; "
        "Salesforce would not compile this)"]
