"""Governor limits and callout rules: 100 callouts, setTimeout range, CPU, stack depth, SOQL;
Named Credentials (URL, generated header, merge fields) and Remote Site Settings; the warnings
the runtime raises about a handler's request."""

from __future__ import annotations

from otp_bench.apex import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    ApexRunResult,
    ApexSource,
    NamedCredential,
    SendArgs,
    load_program,
    run_send,
)
from otp_bench.domain.vocabulary import DeliveryResult
from tests.apex.harness import thrown_by, value_of

ARGS = SendArgs("005000000000001AAA", "+15551234567", "482913", "Your code is 482913",
                "0DB000000000001AAA", "exp1")


def recorder(status: int = 200, body: str = "{}") -> tuple[ApexEnvironment, list[ApexHttpRequest]]:
    seen: list[ApexHttpRequest] = []

    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        seen.append(request)
        return ApexHttpResponse(status, body=body.encode())

    sites = {"https://api.example.com": "https://api.example.com"}
    return ApexEnvironment(send=send, remote_sites=sites), seen


def handler(body: str, members: str = "") -> str:
    return f"""
public class H implements Auth.CustomOneTimePasswordDeliveryHandler {{
    {members}
    public Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId,
            String phoneNumber, String oneTimePassword, String defaultText, Id networkId,
            String experienceId) {{
{body}
    }}
}}
"""


def send_with(body: str, env: ApexEnvironment, members: str = "") -> ApexRunResult:
    program = load_program(ApexSource.from_text(handler(body, members), "H.cls"))
    return run_send(program, "H", ARGS, env)


CALL = """
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://api.example.com/sms');
        req.setMethod('POST');
        req.setBody('{"to":"' + phoneNumber + '","text":"' + oneTimePassword + '"}');
"""


def test_the_101st_callout_is_an_uncatchable_limit_exception() -> None:
    env, seen = recorder()
    result = send_with(CALL + """
        try {
            for (Integer i = 0; i < 200; i++) { new Http().send(req); }
        } catch (Exception e) { return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS; }
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert result.result is DeliveryResult.EXCEPTION
    assert result.ended.startswith(
        "threw System.LimitException: Too many callouts: 101 at line")
    assert len(seen) == 100


def test_set_timeout_over_120000_is_refused_and_warned() -> None:
    env, seen = recorder()
    result = send_with(CALL + """
        req.setTimeout(130000);
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert result.result is DeliveryResult.EXCEPTION
    assert result.exception.type == "System.CalloutException"
    assert any("setTimeout(130000)" in w for w in result.warnings)
    assert seen == []


def test_the_timeout_reaches_the_transport() -> None:
    timeouts: list[float] = []

    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        timeouts.append(timeout_s)
        return ApexHttpResponse(200)

    env = ApexEnvironment(send=send,
                          remote_sites={"https://api.example.com": "http://127.0.0.1:9"})
    send_with(CALL + """
        req.setTimeout(2500);
        try { new Http().send(req); } catch (Exception e) {}
        new HttpRequest();
        HttpRequest other = new HttpRequest();
        other.setEndpoint('https://api.example.com/x'); other.setMethod('GET');
        try { new Http().send(other); } catch (Exception e) {}
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert timeouts == [2.5, 10.0]


def test_a_host_without_a_remote_site_is_an_unauthorized_endpoint() -> None:
    env, seen = recorder()
    result = send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://evil.example.net/sms?to=' + phoneNumber);
        req.setMethod('GET');
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert result.exception is not None
    assert str(result.exception) == (
        "System.CalloutException: Unauthorized endpoint, please check Setup->Security->"
        "Remote site settings. endpoint = https://evil.example.net/sms?to=+15551234567")
    assert seen == []


def test_a_remote_site_can_point_at_the_mock_provider() -> None:
    seen: list[ApexHttpRequest] = []

    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        seen.append(request)
        return ApexHttpResponse(200)

    env = ApexEnvironment(send=send, remote_sites={
        "https://api.twilio.com": "http://127.0.0.1:8765/~twilio"})
    send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json');
        req.setMethod('POST');
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert seen[0].endpoint == "http://127.0.0.1:8765/~twilio/2010-04-01/Accounts/AC1/Messages.json"


def test_named_credential_merge_fields_and_bearer_header() -> None:
    seen: list[ApexHttpRequest] = []

    def send(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
        seen.append(request)
        return ApexHttpResponse(200)

    env = ApexEnvironment(send=send, named_credentials={
        "WhatsApp": NamedCredential("https://graph.facebook.com/v19.0", token="EAAB-token",
                                    generate_authorization_header=False,
                                    allow_merge_fields=True)})
    send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:WhatsApp/12345/messages');
        req.setMethod('POST');
        req.setHeader('Authorization', 'Bearer {!$Credential.OAuthToken}');
        req.setBody('{"to":"' + phoneNumber + '","code":"' + oneTimePassword + '"}');
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert seen[0].endpoint == "https://graph.facebook.com/v19.0/12345/messages"
    assert seen[0].header("Authorization") == "Bearer EAAB-token"


def test_an_unknown_named_credential_is_a_callout_exception() -> None:
    result = send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:Nope/x');
        req.setMethod('POST');
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", ApexEnvironment())
    assert result.exception.type == "System.CalloutException"
    assert '"Nope"' in (result.exception.message or "")


def test_warnings_about_the_request() -> None:
    env, _ = recorder()
    result = send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://api.example.com/sms');
        req.setMethod('POST');
        req.setHeader('Content-Type', 'application/x-www-form-urlencoded');
        req.setBody('To=' + phoneNumber + '&Body=' + defaultText);
        System.debug('otp is ' + oneTimePassword);
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    warnings = "\n".join(result.warnings)
    assert "writes the OTP into the debug log (System.debug at line 13)" in warnings
    assert "no try/catch around Http.send at line 14" in warnings
    assert "form body not URL-encoded (line 14)" in warnings


def test_a_request_without_the_otp_is_warned() -> None:
    env, _ = recorder()
    result = send_with("""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('https://api.example.com/sms');
        req.setMethod('POST');
        req.setBody('{"to":"' + phoneNumber + '"}');
        try { new Http().send(req); } catch (CalloutException e) {}
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
    assert any("OTP never appears" in w for w in result.warnings)


def test_an_endless_loop_hits_the_cpu_limit() -> None:
    env = ApexEnvironment(cpu_limit_ms=200)
    assert thrown_by("Integer i = 0; while (true) { i++; }", env=env) == \
        "System.LimitException: Apex CPU time limit exceeded"


def test_deep_recursion_is_the_stack_depth_limit_not_a_python_error() -> None:
    members = "static Integer down(Integer n) { return n == 0 ? 0 : down(n - 1) + 1; }"
    assert value_of("return down(900);", members) == 900
    assert thrown_by("return down(5000);", members) == \
        "System.LimitException: Maximum stack depth reached: 1001"


def test_soql_query_limit() -> None:
    env = ApexEnvironment(user_by_id=lambda i: {"Id": i})
    assert thrown_by("""
        Id uid = '005000000000001AAA';
        for (Integer i = 0; i < 150; i++) { List<User> u = [SELECT Id FROM User WHERE Id = :uid]; }
        return null;""", env=env) == "System.LimitException: Too many SOQL queries: 101"


def test_a_growing_string_hits_the_heap_limit() -> None:
    assert thrown_by("String s = 'xxxxxxxxxx'; while (true) { s += s; }").startswith(
        "System.LimitException: Apex heap size too large: ")


def test_a_growing_list_hits_the_heap_limit() -> None:
    assert thrown_by("""
        List<String> l = new List<String>();
        String chunk = 'x'.repeat(1000);
        while (true) { l.add(chunk + l.size()); }""").startswith(
        "System.LimitException: Apex heap size too large: ")


def test_a_malformed_endpoint_is_a_callout_exception() -> None:
    env, seen = recorder()
    for url in ("https://[api.example.com/sms", "https://api.example.com:port/x", "api.example"):
        result = send_with(f"""
        HttpRequest req = new HttpRequest();
        req.setEndpoint('{url}');
        req.setMethod('GET');
        new Http().send(req);
        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS;""", env)
        assert result.exception is not None, result.ended
        assert result.exception.type == "System.CalloutException", result.ended
    assert seen == []
