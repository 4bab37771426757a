"""``otp-bench apex check`` and ``otp-bench apex test``: what they print and their exit codes."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from otp_bench.cli import main

HANDLER = """\
public class EchoHandler implements Auth.CustomOneTimePasswordDeliveryHandler {
    public Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId,
            String phoneNumber, String oneTimePassword, String defaultText, Id networkId,
            String experienceId) {
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:Echo/send');
        req.setMethod('POST');
        req.setBody(JSON.serialize(new Map<String, Object>{'to' => phoneNumber,
                                                            'text' => oneTimePassword}));
        HttpResponse res = new Http().send(req);
        return res.getStatusCode() == 200
            ? Auth.CustomOneTimePasswordDeliveryResult.SUCCESS
            : Auth.CustomOneTimePasswordDeliveryResult.PROVIDER_ERROR;
    }
}
"""
TESTS = """\
@isTest
private class EchoHandlerTest {
    private class Mock implements HttpCalloutMock {
        Integer status;
        Mock(Integer status) { this.status = status; }
        public HttpResponse respond(HttpRequest req) {
            System.assertEquals('POST', req.getMethod());
            HttpResponse res = new HttpResponse();
            res.setStatusCode(status);
            res.setBody('{}');
            return res;
        }
    }

    @isTest static void sendsAndSucceeds() {
        Test.setMock(HttpCalloutMock.class, new Mock(200));
        Test.startTest();
        Auth.CustomOneTimePasswordDeliveryResult r = new EchoHandler().sendOneTimePassword(
            '005000000000001AAA', '+15551234567', '123456', 'code', '0DB000000000001AAA', 'x');
        Test.stopTest();
        System.assertEquals(Auth.CustomOneTimePasswordDeliveryResult.SUCCESS, r);
    }

    @isTest static void providerErrorIsReported() {
        Test.setMock(HttpCalloutMock.class, new Mock(500));
        Auth.CustomOneTimePasswordDeliveryResult r = new EchoHandler().sendOneTimePassword(
            '005000000000001AAA', '+15551234567', '123456', 'code', '0DB000000000001AAA', 'x');
        System.assertEquals(Auth.CustomOneTimePasswordDeliveryResult.SUCCESS, r,
                            'a 500 is not a success');
    }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    classes = tmp_path / "force-app" / "main" / "default" / "classes"
    classes.mkdir(parents=True)
    (classes / "EchoHandler.cls").write_text(HANDLER)
    (classes / "EchoHandlerTest.cls").write_text(TESTS)
    return tmp_path


def test_check_of_a_clean_project_exits_0(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apex", "check", str(project)]) == 0
    assert "not compiled by Salesforce" in capsys.readouterr().out


def test_check_prints_each_problem_with_its_position_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Broken.cls").write_text(
        "public class Broken {\n  void f() { Database.query('x'); }\n}\n")
    assert main(["apex", "check", str(tmp_path / "Broken.cls")]) == 2
    out = capsys.readouterr().out
    assert out.startswith("Broken.cls:2:"), out
    assert "Database" in out


def test_check_of_a_missing_path_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apex", "check", str(tmp_path / "nope.cls")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_test_names_the_failing_method_line_and_values(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "out.xml"
    assert main(["apex", "test", str(project), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "PASS EchoHandlerTest.sendsAndSucceeds" in out
    assert ("FAIL EchoHandlerTest.providerErrorIsReported (EchoHandlerTest.cls:28): "
            "System.AssertException: Assertion Failed: a 500 is not a success: "
            "Expected: SUCCESS, Actual: PROVIDER_ERROR") in out
    assert "1 passed, 1 failed" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "2"


def test_test_exits_0_when_all_pass(project: Path) -> None:
    tests = project / "force-app/main/default/classes/EchoHandlerTest.cls"
    tests.write_text(TESTS.replace("new Mock(500)", "new Mock(200)"))
    assert main(["apex", "test", str(project)]) == 0


def test_test_without_test_classes_exits_2(tmp_path: Path) -> None:
    (tmp_path / "EchoHandler.cls").write_text(HANDLER)
    assert main(["apex", "test", str(tmp_path)]) == 2


def test_check_refuses_what_the_test_runner_cannot_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "T.cls").write_text(
        "@isTest\nprivate class T {\n  @TestSetup static void data() {}\n"
        "  @isTest void notStatic() {}\n}\n")
    assert main(["apex", "check", str(tmp_path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out == ["T.cls:3:1: unsupported: @TestSetup method data (no records to set up)",
                   "T.cls:4:1: Test methods must be static: T.notStatic"]


def test_junit_to_standard_output_moves_the_step_lines_to_stderr(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apex", "test", str(project), "--junit", "-"]) == 1
    captured = capsys.readouterr()
    assert ET.fromstring(captured.out).tag == "testsuites"
    assert "1 passed, 1 failed" in captured.err


def test_junit_into_a_missing_folder_is_refused_before_running(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apex", "test", str(project), "--junit", str(tmp_path / "no" / "x.xml")]) == 2
    captured = capsys.readouterr()
    assert "doesn't exist" in captured.err and "passed" not in captured.out


def test_start_test_gives_fresh_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "LimitsTest.cls").write_text("""@isTest
private class LimitsTest {
    class Ok implements HttpCalloutMock {
        public HttpResponse respond(HttpRequest req) { return new HttpResponse(); }
    }
    @isTest static void fresh() {
        Test.setMock(HttpCalloutMock.class, new Ok());
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://x.example/'); req.setMethod('GET');
        for (Integer i = 0; i < 60; i++) { new Http().send(req); }
        Test.startTest();
        for (Integer i = 0; i < 60; i++) { new Http().send(req); }
        System.assertEquals(60, Limits.getCallouts());
        Test.stopTest();
    }
}
""")
    assert main(["apex", "test", str(tmp_path)]) == 0, capsys.readouterr().out
