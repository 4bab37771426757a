"""Apex runtime costs: parse time per 1,000 lines, load (parse + link + whole-file check),
a cached load, and the interpreter's cost per handler call and per statement.

The handler call uses an in-process transport that answers at once, so the figure is the
runtime's own overhead on top of a real callout (bench/bench_apex.py compares a whole Apex
handler with the declarative one over loopback).
Run: .venv/bin/python bench/bench_apex_parse.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time

from otp_bench.apex import (
    ApexEnvironment,
    ApexHttpRequest,
    ApexHttpResponse,
    ApexSource,
    NamedCredential,
    SendArgs,
    load_program,
    run_send,
)
from otp_bench.apex import program as program_module
from otp_bench.apex.parser import parse_tree
from otp_bench.apex.run import run_static

HANDLER = """\
global with sharing class Handler{n} implements Auth.CustomOneTimePasswordDeliveryHandler {{
    public class ProviderException extends Exception {{}}
    public class Payload {{
        public String to;
        public String body;
        public Boolean unicode = false;
        public Payload(String to, String body) {{ this.to = to; this.body = body; }}
    }}
    public class Reply {{
        public String status;
        public Integer code;
        public List<Part> parts;
    }}
    public class Part {{ public String id; public Decimal price; }}
    private static Integer sent = 0;

    global Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId,
            String phoneNumber, String oneTimePassword, String defaultText, Id networkId,
            String experienceId) {{
        sent++;
        HttpRequest req = new HttpRequest();
        req.setEndpoint('callout:Vendor/v1/sms');
        req.setMethod('POST');
        req.setHeader('Content-Type', 'application/json');
        req.setTimeout(10000);
        String text = 'Your code is ' + oneTimePassword;
        req.setBody(JSON.serialize(new Payload(phoneNumber, text), true));
        try {{
            HttpResponse res = new Http().send(req);
            Reply reply = (Reply) JSON.deserialize(res.getBody(), Reply.class);
            if (res.getStatusCode() >= 500) {{
                return Auth.CustomOneTimePasswordDeliveryResult.PROVIDER_ERROR;
            }}
            switch on reply.code {{
                when 0 {{ return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS; }}
                when 3, 4 {{
                    return Auth.CustomOneTimePasswordDeliveryResult.INVALID_PHONE_NUMBER;
                }}
                when 29 {{
                    return Auth.CustomOneTimePasswordDeliveryResult.MESSAGE_LIMIT_EXCEEDED;
                }}
                when else {{ return Auth.CustomOneTimePasswordDeliveryResult.PROVIDER_ERROR; }}
            }}
        }} catch (CalloutException e) {{
            System.debug(LoggingLevel.ERROR, 'callout failed: ' + e.getMessage());
            return Auth.CustomOneTimePasswordDeliveryResult.EXCEPTION;
        }} catch (JSONException e) {{
            return Auth.CustomOneTimePasswordDeliveryResult.PROVIDER_ERROR;
        }}
    }}
}}
"""
LOOP = """public class Loop {
    public static Integer run() {
        Integer total = 0;
        for (Integer i = 0; i < 20000; i++) { total += Math.mod(i, 7); }
        return total;
    }
}
"""
ARGS = SendArgs("005000000000001AAA", "+15551234567", "482913", "Your code is 482913",
                "0DB000000000001AAA", "exp1")


def _answer(request: ApexHttpRequest, timeout_s: float) -> ApexHttpResponse:
    body = b'{"status":"0","code":0,"parts":[{"id":"m1","price":0.0075}]}'
    return ApexHttpResponse(200, body=body)


def timed(fn: object, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out


def main(repeats: int = 30) -> None:
    files = {f"Handler{n}.cls": HANDLER.format(n=n) for n in range(20)}
    lines = sum(text.count("\n") for text in files.values())
    source = ApexSource(files)
    parse_tree("class Warm {}")  # the grammar's import and load: once per process
    parse = timed(lambda: [parse_tree(t) for t in files.values()], repeats)

    def cold_load() -> None:
        program_module._cache.clear()
        load_program(source)

    load = timed(cold_load, repeats)
    cached = timed(lambda: load_program(source), repeats * 10)
    per_k = 1000 / lines
    print(f"source: {len(files)} classes, {lines} lines")
    print(f"tree-sitter parse:           {statistics.median(parse) * 1000 * per_k:7.2f} ms "
          "per 1,000 lines (median)")
    print(f"load (parse+build+link+check): {statistics.median(load) * 1000 * per_k:5.2f} ms "
          "per 1,000 lines (median)")
    print(f"cached load (content hash):  {statistics.median(cached) * 1e6:7.1f} µs for the "
          "whole source")

    program = load_program(ApexSource({"Handler0.cls": files["Handler0.cls"]}))
    env = ApexEnvironment(send=_answer, named_credentials={
        "Vendor": NamedCredential("https://api.vendor.example", "u", "p")})
    first = run_send(program, "Handler0", ARGS, env)
    assert first.ended.startswith("returned SUCCESS"), first.ended
    calls = timed(lambda: run_send(program, "Handler0", ARGS, env), repeats * 20)
    print(f"handler call (no network):   {statistics.median(calls) * 1e6:7.1f} µs median, "
          f"p95 {sorted(calls)[int(len(calls) * 0.95)] * 1e6:.1f} µs")
    loop = load_program(ApexSource({"Loop.cls": LOOP}))
    runs = timed(lambda: run_static(loop, "Loop", "run", []), max(3, repeats // 5))
    statements = 20000 * 3  # condition, body, update per iteration
    print(f"interpreter:                 {statistics.median(runs) / statements * 1e9:7.0f} ns "
          "per loop statement (median)")
    print("(timings are noisy while other work shares the machine)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
