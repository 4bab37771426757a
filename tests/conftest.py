"""Shared fixtures. With OTP_BENCH_NO_QT=1 any import of PySide6 fails: the core runs without Qt."""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("OTP_BENCH_NO_QT") == "1":

    class _NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name == "PySide6" or name.startswith("PySide6."):
                raise ImportError("PySide6 is blocked: the core must run without Qt")
            return None

    sys.meta_path.insert(0, _NoQt())

from otp_bench.domain.model import Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests import backends


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, Hypothesis's Unicode tables are built once, here, before the workers start.

    ``st.text()`` draws from the characters UTF-8 encodes, a table Hypothesis builds by encoding
    every code point (~3 CPU-s) and keeps under ``.hypothesis/``. On a fresh checkout (CI) every
    worker built it again in whichever test first drew a string; built here, each reads it."""
    if not getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        return
    import unicodedata

    tables = (Path(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", ".hypothesis"))
              / "unicode_data" / unicodedata.unidata_version)
    if not (tables / "codec-v2-utf-8.json.gz").exists():
        from hypothesis import strategies as st

        st.text().validate()  # resolving the default alphabet builds and saves the tables


@pytest.fixture(scope="session", autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Workspace keys and default workspaces land in a temp dir, never the tester's own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[backends.PgServer]:
    yield from backends.pg_server()


@pytest.fixture
def pg_url(pg_server: backends.PgServer) -> Iterator[str]:
    """A migrated database of its own on the test PostgreSQL server, as a fresh one."""
    url = pg_server.migrated_database()
    yield url
    pg_server.release(url)


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The test's workspace database: SQLite, or PostgreSQL with OTP_BENCH_TEST_BACKEND."""
    if backends.selected_backend() == "postgresql":
        if request.node.get_closest_marker("sqlite_file"):
            pytest.skip("reads the SQLite workspace file itself")
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'workspace.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both backends in every run: for the tests of what differs between them (locks, notify)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'workspace.db'}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def engine(db_url: str, clock: FrozenClock) -> Iterator[Engine]:
    eng = Engine(Store(db_url, throwaway=True), clock)
    eng.save_settings(Settings(custom_otp_enabled=True))
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def _logs_in_tmp(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Commands run by tests log to a temporary folder, never the user's; handlers go after."""
    monkeypatch.setenv("OTP_BENCH_LOG_DIR", str(tmp_path_factory.getbasetemp() / "logs"))
    monkeypatch.delenv("OTP_BENCH_LOG_LEVEL", raising=False)
    yield
    from otp_bench.logs import reset_logging

    reset_logging()


def _property_based(item: pytest.Item) -> bool:
    """A Hypothesis test: a ``@given`` function or a rule-based state machine's TestCase."""
    from hypothesis import is_hypothesis_test
    from hypothesis.stateful import RuleBasedStateMachine

    if is_hypothesis_test(getattr(item, "obj", None)):
        return True
    cls = getattr(item, "cls", None)
    machine = getattr(cls, "__qualname__", "").split(".")[0]
    module = getattr(item, "module", None)
    owner = getattr(module, machine, None) if module is not None else None
    return isinstance(owner, type) and issubclass(owner, RuleBasedStateMachine)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if "hypothesis" not in sys.modules:  # no test module imported it: none is property-based
        return
    for item in items:
        if _property_based(item):
            item.add_marker(pytest.mark.untraced)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """An ``untraced`` test's own thread runs without the coverage line tracer.

    Property-based tests repeat hundreds of generated examples over lines the example tests
    already cover; under Python 3.11's tracer they cost 2-10x their untraced CPU (about 33 of
    the core suite's 136 CPU-s). Only this thread's trace function is lifted, and put back
    after: other threads (the Apex runner, the callout loop, servers) stay traced, and threads
    started meanwhile are traced as usual. (pytest-cov's ``no_cover`` stops the whole
    collector instead, and threads that outlive the test are never traced again.)

    ``untraced(threads=True)`` also starts the test's new threads untraced: for a test whose
    process runs no ``otp_bench`` code while it runs (it drives a server in another process,
    with httpx from a thread pool), where the tracer would only slow the client down; it
    measures nothing either way, as coverage isn't collected in the processes tests start.
    (The tracer slows every line it sees, not only those it records: Python 3.11 has no way
    for it to skip a library's frames.)"""
    mark = item.get_closest_marker("untraced")
    if mark is None or sys.gettrace() is None:
        return (yield)
    tracer, thread_tracer = sys.gettrace(), threading.gettrace()
    sys.settrace(None)
    if mark.kwargs.get("threads"):
        threading.settrace(None)  # type: ignore[arg-type]
    try:
        return (yield)
    finally:
        sys.settrace(tracer)
        threading.settrace(thread_tracer)  # type: ignore[arg-type]
