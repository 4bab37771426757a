"""The Apex export proven by the runtime: for every preset, the exported class, run in the bench
against the mock provider, returns what the declarative handler returns, under every mock fault;
and the exported test class passes under ``otp-bench apex test``.

One in-process mock serves the whole module (no sockets); each handler has its own mock key, so
faults and the account the mock checks credentials against apply to both handlers alike. The
exported class reaches the mock through its Named Credential (the vendor's production URL,
routed by a remote site to the mock) and authenticates through the External Credential's header
formula: the mock's credential check proves the formula and the merge fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tree_sitter_language_pack", reason="the apex extra isn't installed")

from otp_bench.apex import ApexSource, load_program, run_tests
from otp_bench.cli import main
from otp_bench.delivery.apex_handler import ApexHandler
from otp_bench.delivery.http_handler import HttpHandler
from otp_bench.delivery.presets import PRESETS, preset_http
from otp_bench.domain.apex_provider import ApexConfig, origin
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.export.apex import ApexBundle, generate, write
from otp_bench.mockprovider.inprocess import InProcessMock
from otp_bench.store.store import Store

# The hang and drip faults end in a timeout on both sides, so they get a short one (the timeout
# is their expected outcome, whenever it fires); every other fault a long one, so an ordinary
# answer never times out on a loaded machine.
SHORT_TIMEOUT_S, TIMEOUT_S = 0.25, 5.0
TIMING_OUT = frozenset({"hang", "drip"})
FAULTS: dict[str, list[dict[str, Any]]] = {
    "success": [],
    "latency": [{"latency": 0.01}],
    "status_500": [{"status": 500}],
    "status_503": [{"status": 503}],
    "status_429": [{"status": 429}],
    "status_401": [{"status": 401}],
    "malformed": [{"malformed": True}],
    "drop": [{"drop": True}],
    "hang": [{"hang": True}],
    "drip": [{"drip": 0.05}],
}
USER, NETWORK = "005000000000001AAA", "0DB000000000001AAA"
OTP = "482915"


def _faults(preset: str) -> dict[str, list[dict[str, Any]]]:
    named = {f"error_{name}": [{"error": name}] for name in sorted(PRESETS[preset].failures)}
    return {**FAULTS, **named}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessMock]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('mock') / 'w.db'}", throwaway=True)
    m = InProcessMock(store)
    yield m
    m.close()
    store.close()


def _declarative(preset: str, mock: InProcessMock, fault: str = "",
                 timeout_s: float = TIMEOUT_S) -> tuple[HttpHandler, str]:
    key = f"decl-{preset}{fault}"
    creds = dict(PRESETS[preset].example_credentials)
    http = preset_http(preset, base_url=mock.url_for(key), timeout_s=timeout_s)
    mock.set_account(key, creds)
    config = ProviderConfig(id="01p000000000001AAA", name=key, kind=ProviderKind.HTTP,
                            http=http, credentials=creds)
    return HttpHandler(config, transport=mock.transport), key


def _export(preset: str, mock: InProcessMock, tmp: Path,
            timeout_s: float = TIMEOUT_S) -> tuple[ApexBundle, Path]:
    creds = dict(PRESETS[preset].example_credentials)
    http = preset_http(preset, base_url=mock.url_for(f"decl-{preset}"), timeout_s=timeout_s)
    bundle = generate(ProviderConfig(id="01p000000000002AAA", name=f"{preset}-export",
                                     kind=ProviderKind.HTTP, http=http, credentials=creds))
    folder = tmp / preset
    write(bundle, folder)
    return bundle, folder


def _exported(preset: str, mock: InProcessMock, tmp: Path, fault: str = "",
              made: tuple[ApexBundle, Path] | None = None,
              ) -> tuple[ApexHandler, str, ApexBundle]:
    key = f"apex-{preset}{fault}"
    creds = dict(PRESETS[preset].example_credentials)
    bundle, folder = made or _export(preset, mock, tmp)
    # what the admin enters in Setup: the URL's identifiers and the principal's parameters
    url = bundle.url_template.format(**creds)
    apex = ApexConfig.from_dict({
        "source": str(folder / "classes" / f"{bundle.class_name}.cls"),
        "remote_sites": {origin(url): mock.url_for(key)},
        "named_credentials": {bundle.named_credential: {
            "url": url, "external_credential": bundle.external_credential,
            "auth_headers": [list(h) for h in bundle.auth_headers]}},
    })
    mock.set_account(key, creds)
    config = ProviderConfig(
        id="01p000000000003AAA", name=key, kind=ProviderKind.APEX, apex=apex,
        credentials={f"{bundle.external_credential}.{k}": creds[k] for k in bundle.parameters})
    return ApexHandler(config, transport=mock.transport), key, bundle


def _send(handler: HttpHandler | ApexHandler) -> Any:
    return handler.send_one_time_password(USER, "+1 4155552671", OTP,
                                          f"{OTP} is your verification code.", NETWORK, "")


def _compare(preset: str, name: str, faults: list[dict[str, Any]], mock: InProcessMock,
             bundles: dict[bool, tuple[ApexBundle, Path]]) -> str | None:
    """One fault, both handlers (each on its own mock key, so faults can run side by side)."""
    short = name in TIMING_OUT
    decl, decl_key = _declarative(preset, mock, f"-{name}",
                                  SHORT_TIMEOUT_S if short else TIMEOUT_S)
    made = bundles[short]
    apex, apex_key, _ = _exported(preset, mock, made[1], f"-{name}", made)
    try:
        mock.set_faults(decl_key, faults)
        mock.set_faults(apex_key, faults)
        # both handlers at once, each on its own mock key: their timeouts overlap too
        with ThreadPoolExecutor(max_workers=1) as side:
            declared = side.submit(_send, decl)
            got = _send(apex)
            want = declared.result()
        if name == "success":
            assert got.callouts and got.callouts[0].status == want.callouts[0].status
            assert OTP in got.callouts[0].raw.request.body  # the code, explicitly in the message
        if got.result is not want.result:
            return (f"{name}: declarative {want.result.value} ({want.rule}), "
                    f"exported Apex {got.result.value} ({got.note})")
        return None
    finally:
        decl.close()
        apex.close()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_exported_class_returns_what_the_declarative_handler_returns(
        preset: str, mock: InProcessMock, tmp_path: Path) -> None:
    cases = _faults(preset)
    (tmp_path / "long").mkdir()
    (tmp_path / "short").mkdir()
    bundles = {False: _export(preset, mock, tmp_path / "long"),
            True: _export(preset, mock, tmp_path / "short", SHORT_TIMEOUT_S)}
    # the faults run side by side: the timeouts (hang, drip) overlap instead of adding up
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        outcomes = list(pool.map(lambda item: _compare(preset, item[0], item[1], mock, bundles),
                                 cases.items()))
    differences = [d for d in outcomes if d]
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_exported_test_class_passes(preset: str, mock: InProcessMock,
                                        tmp_path: Path) -> None:
    _, _, bundle = _exported(preset, mock, tmp_path)
    program = load_program(ApexSource.from_paths(tmp_path / preset / "classes"))
    results = run_tests(program)
    assert results, "no test methods ran"
    failed = [f"{r.name}: {r.message} (line {r.line})" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    assert {r.class_name for r in results} == {bundle.test_name}


def test_otp_bench_apex_test_passes_an_exported_bundle(mock: InProcessMock, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _exported("twilio", mock, tmp_path)
    assert main(["apex", "test", str(tmp_path / "twilio" / "classes")]) == 0
