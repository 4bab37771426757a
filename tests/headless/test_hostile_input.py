"""Hostile input against a real ``otp-bench headless`` process: bounded memory, clear 4xx.

The server runs in its own process so its memory (VmRSS from /proc) is measured alone, and its
stderr is read afterwards: no traceback may appear there.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from otp_bench.delivery.exchange import default_tls
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store

MB = 1024 * 1024


def _post(url: str, **kwargs: object) -> httpx.Response:
    """``httpx.post`` with the process's TLS context: a context of its own is ~40 ms of CPU."""
    return httpx.post(url, verify=default_tls(), **kwargs)  # type: ignore[arg-type]


pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


@dataclass
class Served:
    proc: subprocess.Popen[str]
    base: str
    stderr: Path

    def rss_mb(self) -> float:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        assert match
        return int(match.group(1)) / 1024


def _start(tmp_path: Path) -> Served:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    eng = Engine(Store(url))
    eng.new_site("Customers", url_prefix="customers", headless_passwordless_login=True)
    eng.close()
    err = tmp_path / "stderr.txt"
    env = {**os.environ, "OTP_BENCH_SECRETS": "file"}
    with err.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "otp_bench", "headless", "--port", "0", "--db", url],
            stdout=subprocess.PIPE, stderr=fh, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # "Headless identity API on http://127.0.0.1:PORT ..."
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert match, first + err.read_text()
    except BaseException:
        _stop(proc)
        raise
    return Served(proc, match.group(1), err)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for one in started:
        _stop(one.proc)


@pytest.fixture
def served(_servers: list[Served], tmp_path_factory: pytest.TempPathFactory) -> Served:
    """One server for the module's requests (each is answered on its own; none changes state);
    a process costs ~1.2 CPU-s to start. A test that stops it (it comes last) leaves the next
    test that asks for one a new one."""
    if not _servers or _servers[-1].proc.poll() is not None:
        _servers.append(_start(tmp_path_factory.mktemp("served")))
    return _servers[-1]


def _raw(base: str, head: str, body_chunks: Iterator[bytes], deadline: float = 20.0
         ) -> tuple[bytes, int]:
    """Sends a request over a raw socket; returns (the answer, body bytes the server took)."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=deadline) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.5)
        answer = b""
        end = time.monotonic() + deadline
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break  # the server stopped reading: it answered and closed
            if time.monotonic() > end:
                break
        sock.settimeout(5)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def _chunks(total: int, size: int = MB, chunked: bool = False) -> Iterator[bytes]:
    block = b"[" * size
    for _ in range(total // size):
        yield (f"{size:x}\r\n".encode() + block + b"\r\n") if chunked else block


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_400_mb_body_is_refused_without_being_read(served: Served, chunked: bool) -> None:
    path = "/customers/services/auth/headless/init/passwordless/login"
    framing = ("Transfer-Encoding: chunked" if chunked else f"Content-Length: {400 * MB}")
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n")
    before = served.rss_mb()
    answer, sent = _raw(served.base, head, _chunks(400 * MB, chunked=chunked))
    after = served.rss_mb()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"error":"invalid_request"' in answer and b"over 64 KB" in answer
    assert sent < 100 * MB  # the server closed the connection long before the end
    assert after - before < 40, (before, after)  # memory bounded (it was +800 MB)


def test_deep_json_is_a_400_not_a_500(served: Served) -> None:
    body = "[" * 30_000 + "]" * 30_000  # 60 KB, under the size limit
    resp = _post(f"{served.base}/customers/services/auth/headless/init/passwordless/login",
                      content=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid_request",
                           "error_description": "the JSON body nests deeper than 32 levels"}
    nested = '{"a":' * 10_000 + "1" + "}" * 10_000  # 60 KB
    resp = _post(f"{served.base}/customers/services/auth/headless/init/registration",
                      content=nested, timeout=10)
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "fragment"),
    [
        ("/customers/services/oauth2/authorize",
         {"data": {"response_type": "code_credentials", "client_id": "a", "redirect_uri": "b"},
          "headers": {"Auth-Request-Type": "passwordless-login"}},
         400, "Auth-Verification-Type header is missing"),
        ("/customers/services/oauth2/authorize",
         {"data": {"response_type": "code_credentials", "client_id": "a", "redirect_uri": "b"},
          "headers": {"Auth-Verification-Type": "sms"}},
         400, "Auth-Request-Type header is missing"),
        ("/customers/services/oauth2/token", {"content": b"\xff\xfe=\x00"}, 400, "isn't UTF-8"),
        ("/customers/services/oauth2/token", {"content": "&".join(["a=1"] * 500)}, 400,
         "more than 100 fields"),
        ("/customers/services/oauth2/token",
         {"data": {"grant_type": "refresh_token", "refresh_token": "nope"}}, 400,
         "expired access/refresh token"),
        ("/customers/services/auth/headless/init/passwordless/login",
         {"content": b'["not", "an object"]'}, 400, "must be a JSON object"),
        ("/customers/services/oauth2/userinfo", {"headers": {"Authorization": "Bearer x"}}, 401,
         "unknown or revoked"),
        ("/customers/services/oauth2/token",
         {"content": b"x", "headers": {"Content-Length": "abc"}}, 400, "Content-Length"),
    ],
)
def test_malformed_requests_answer_oauth_errors_naming_the_problem(
    served: Served, path: str, kwargs: dict[str, object], status: int, fragment: str
) -> None:
    try:
        resp = _post(served.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError:  # a client may refuse to send a broken Content-Length itself
        assert fragment == "Content-Length"
        return
    if fragment == "Content-Length" and resp.status_code != 400:
        return  # the HTTP layer (h11) already refused it: also not a 500
    assert resp.status_code == status, resp.text
    assert set(resp.json()) >= {"error", "error_description"}
    assert fragment in resp.json()["error_description"]


def test_no_traceback_reaches_stderr(served: Served) -> None:
    """Everything the module's server was sent, then its stop: not one traceback on stderr."""
    for body in ("[" * 60_000, "{" * 50_000, '{"username": ' + "[" * 40 + "]" * 40 + "}"):
        _post(f"{served.base}/customers/services/auth/headless/init/passwordless/login",
                   content=body, timeout=10)
    served.proc.terminate()
    served.proc.wait(timeout=10)
    assert "Traceback" not in served.stderr.read_text()
