"""A workspace with headless-enabled sites and a loopback headless server over it."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey

from otp_bench.delivery.exchange import default_tls
from otp_bench.domain.flags import Flags
from otp_bench.domain.ids import new_id
from otp_bench.domain.model import Site, User
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.headless import keys, pkce
from otp_bench.headless.server import HeadlessServer
from tests.conftest import engine_from_seed, make_seed

MOBILE = "+1 415 555 2671"
E164 = "+14155552671"


@dataclass
class Bench:
    engine: Engine
    server: HeadlessServer
    http: httpx.Client
    custom: Site  # custom handler, both headless settings on, prefix "customers"
    default: Site  # Salesforce default provider, both settings on, prefix "members"
    closed: Site  # no headless setting, prefix "closed"
    ana: User  # member of all three, admin_verified only

    def code_for(self, number: str = E164) -> str:
        message = self.engine.store.inbox(number)[-1]
        assert message.otp is not None
        return message.otp

    def init_login(self, prefix: str, username: str) -> httpx.Response:
        return self.http.post(
            f"/{prefix}/services/auth/headless/init/passwordless/login",
            json={"username": username, "verificationmethod": "sms", "recaptcha": "token"},
        )

    def init_registration(self, prefix: str, username: str, mobile: str) -> httpx.Response:
        return self.http.post(
            f"/{prefix}/services/auth/headless/init/registration",
            json={
                "userdata": {"firstName": "Bo", "lastName": "Lee", "email": username,
                             "username": username},
                "customdata": {"mobilePhone": mobile},
                "verificationmethod": "sms",
            },
        )

    def echo(self, prefix: str) -> str:
        return f"{self.server.base_url}/{prefix}/services/oauth2/echo"

    def authorize(
        self, prefix: str, identifier: str, code: str, request_type: str = "passwordless-login",
        verifier: str = "v" * 50,
    ) -> httpx.Response:
        """Authorize as a client that follows the 302 to the echo: the answer is the echo's."""
        basic = base64.b64encode(f"{identifier}:{code}".encode()).decode()
        return self.http.post(
            f"/{prefix}/services/oauth2/authorize",
            headers={"Auth-Request-Type": request_type, "Auth-Verification-Type": "sms",
                     "Authorization": f"Basic {basic}"},
            data={"response_type": "code_credentials", "client_id": "app",
                  "redirect_uri": self.echo(prefix),
                  "code_challenge": pkce.challenge_for(verifier)},
            follow_redirects=True,
        )

    def token(self, prefix: str, code: str, verifier: str = "v" * 50) -> httpx.Response:
        return self.http.post(
            f"/{prefix}/services/oauth2/token",
            data={"code": code, "grant_type": "authorization_code", "client_id": "app",
                  "redirect_uri": self.echo(prefix), "code_verifier": verifier},
        )


@pytest.fixture(scope="session")
def _test_signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)


@pytest.fixture(autouse=True)
def _one_signing_key(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                     _test_signing_key: RSAKey) -> None:
    """Every new workspace's headless identity gets the same RSA key, generated once: making one
    and importing it back cost ~0.2 s of CPU per test. The identity's own tests (test_keys) make
    real ones."""
    if request.module.__name__.endswith(".test_keys"):
        return
    monkeypatch.setattr(keys, "_new", lambda: keys.Identity(
        new_id(keys.ORG_PREFIX), _test_signing_key, secrets.token_hex(32)))


def _bench_rows(engine: Engine) -> tuple[Site, Site, Site, User]:
    engine.new_provider("sms-ok")
    custom = engine.new_site("Customers", url_prefix="customers", handler="sms-ok",
                             headless_passwordless_login=True, headless_registration=True)
    default = engine.new_site("Members", url_prefix="members", headless_passwordless_login=True,
                              headless_registration=True)
    closed = engine.new_site("Closed Shop", url_prefix="closed", handler="sms-ok")
    ana = engine.new_user("ana@example.com", mobile=MOBILE, flags=Flags(False, True),
                          first_name="Ana", last_name="Silva", email="ana@example.com",
                          sites=frozenset({custom.id, default.id, closed.id}))
    return custom, default, closed, ana


@pytest.fixture(scope="session")
def _bench_seed(tmp_path_factory: pytest.TempPathFactory, engine_seed: Path) -> Path:
    """The bench's sites and user, written once per test process (~15 ms of CPU per test when
    each wrote them) into a workspace each test gets a closed copy of (SQLite)."""
    return make_seed(tmp_path_factory, engine_seed, "bench-seed", _bench_rows)


@pytest.fixture
def engine(request: pytest.FixtureRequest, db_url: str, clock: FrozenClock,
           engine_seed: Path) -> Iterator[Engine]:
    """As the suite's engine fixture; for a test that uses ``bench``, on a copy of its seed."""
    yield from engine_from_seed(request, db_url, clock, engine_seed, when="bench",
                                seed="_bench_seed")


@pytest.fixture
def bench(engine: Engine) -> Iterator[Bench]:
    ana = engine.store.user_by_username("ana@example.com")
    sites = [engine.store.site_by_name(n) for n in ("Customers", "Members", "Closed Shop")]
    if ana is None:  # PostgreSQL: written here
        custom, default, closed, ana = _bench_rows(engine)
    else:
        custom, default, closed = (site for site in sites if site is not None)
    server = HeadlessServer(engine)
    base = server.start()
    # the process's shared TLS context: a Client of its own loads the CA bundle (~40 ms CPU)
    with httpx.Client(base_url=base, timeout=10, verify=default_tls()) as http:
        yield Bench(engine, server, http, custom, default, closed, ana)
    server.stop()
