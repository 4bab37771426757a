"""Shared fixtures. With OTP_BENCH_NO_QT=1 any import of PySide6 fails: the core runs without Qt."""

from __future__ import annotations

import gc
import importlib.abc
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if os.environ.get("OTP_BENCH_NO_QT") == "1":

    class _NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name == "PySide6" or name.startswith("PySide6."):
                raise ImportError("PySide6 is blocked: the core must run without Qt")
            return None

    sys.meta_path.insert(0, _NoQt())

# The collector's young generation is looked at every 10,000 allocations instead of 700: a test
# process makes and drops engines, sessions and Hypothesis draws by the million, and at the
# default the collector ran ~1,500 times in 380 tests (2.0 of their ~25 CPU-s; 1.3 at these).
gc.set_threshold(10_000, 50, 100)

# Imported where used: pytest-xdist's controller loads this file but runs no test, so it needn't
# import (and SlipCover instrument) the engine before it can start its workers.
if TYPE_CHECKING:
    from otp_bench.engine.clock import FrozenClock
    from otp_bench.engine.engine import Engine
    from tests import backends


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, the controller fills Hypothesis's caches while its workers start.

    - ``st.text()`` draws from the characters UTF-8 encodes, a table Hypothesis builds by encoding
      every code point (~3 CPU-s) and keeps under ``.hypothesis/``.
    - Hypothesis draws constants from the local modules a test process has imported: it parses
      each one's source once (~1.2 CPU-s for ``otp_bench``) and keeps what it found there too.

    On a fresh checkout (CI) every worker did both, in whichever test first drew. The controller
    runs no test and waits while its workers import and collect (~9 s): a thread of its own does
    both by then, and each worker reads the files (Hypothesis writes them whole, by rename). A
    worker that draws sooner does its own, as before."""
    if not getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        return
    import threading

    _compile_ahead(config)  # forks: before this process starts a thread
    threading.Thread(target=_fill_hypothesis_caches, name="hypothesis-caches", daemon=True).start()


def _compile_ahead(config: pytest.Config) -> None:
    """Under xdist, the controller compiles the suite's modules once, before its workers start.

    On a fresh checkout (CI) every worker compiled all of ``otp_bench`` and rewrote the asserts
    of every test module into its own pytest ``.pyc``: ~2.5 CPU-s each, the same work three
    times. Done here, in one forked process per core, each worker finds the files ready (pytest
    and Python check them by the source's hash or time, as always). On a checkout that already
    has them this only looks (~20 ms)."""
    import importlib.util
    import py_compile

    try:  # pytest's own (private) steps: a pytest without them just leaves this to the workers
        from _pytest.assertion.rewrite import (
            PYC_TAIL,
            _rewrite_test,
            _write_pyc,
            assertstate_key,
            get_cache_dir,
        )
    except ImportError:
        return

    if not hasattr(os, "fork") or sys.dont_write_bytecode:
        return
    root = Path(__file__).resolve().parents[1]
    ignored = [Path(p).resolve() for p in config.getoption("ignore") or []]
    modules = [p for p in sorted((root / "otp_bench").rglob("*.py"))
               + sorted((root / "tests").rglob("*.py"))
               if not any(p.is_relative_to(i) for i in ignored)]

    def rewritten(path: Path) -> bool:  # what pytest rewrites: test modules and conftests
        return path.name == "conftest.py" or path.name.startswith("test_")

    def pyc_of(path: Path) -> Path:
        if rewritten(path):
            return get_cache_dir(path) / (path.name[:-3] + PYC_TAIL)
        return Path(importlib.util.cache_from_source(str(path)))

    def up_to_date(path: Path) -> bool:
        try:
            with pyc_of(path).open("rb") as f:
                head = f.read(16)
        except OSError:
            return False
        if rewritten(path):  # pytest's: a checked source hash
            return head[8:16] == importlib.util.source_hash(path.read_bytes())[:8]
        stat = path.stat()  # Python's: the source's time and size
        return (int.from_bytes(head[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
                and int.from_bytes(head[12:16], "little") == stat.st_size & 0xFFFFFFFF)

    stale = [p for p in modules if not up_to_date(p)]
    if not stale:
        return
    state = config.stash[assertstate_key]
    cores = min(os.cpu_count() or 1, 8)
    children = []
    for share in range(cores):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - a child process: it exits here, whatever happens
            try:
                for path in stale[share::cores]:
                    if rewritten(path):
                        source_hash, co = _rewrite_test(path, config)
                        pyc_of(path).parent.mkdir(exist_ok=True)
                        _write_pyc(state, co, source_hash, pyc_of(path))
                    else:
                        py_compile.compile(str(path), doraise=False, quiet=2)
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


def _fill_hypothesis_caches() -> None:
    import types
    import unicodedata
    import warnings

    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisSideeffectWarning
    try:  # Hypothesis's own (private) cache: a Hypothesis without it needs nothing filled
        from hypothesis.internal.constants_ast import constants_from_module
    except ImportError:
        constants_from_module = None

    tables = (Path(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", ".hypothesis"))
              / "unicode_data" / unicodedata.unidata_version)
    with warnings.catch_warnings():  # slow at start-up on purpose: what it warns about
        warnings.simplefilter("ignore", HypothesisSideeffectWarning)
        if not (tables / "codec-v2-utf-8.json.gz").exists():
            st.text().validate()  # resolving the default alphabet builds and saves the tables
        # keyed by each source file's hash: a module object naming the file is all it reads
        for source in sorted((Path(__file__).parents[1] / "otp_bench").rglob("*.py")
                             if constants_from_module is not None else []):
            module = types.ModuleType(source.stem)
            module.__file__ = str(source)
            constants_from_module(module)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker ends here, once its results and coverage are with the controller.

    The last worker to finish is what the whole run waits for, and a normal interpreter exit
    took it 1-2 s more (measured with bench/pytest_timeline.py): joining the idle threads of the
    executors tests left behind, the exit handlers, then freeing a heap of hundreds of
    megabytes object by object. Nothing of the run's outcome is left to do by then: xdist's
    ``workerfinished`` (with the exit status) and SlipCover's file are written at session
    finish; the processes tests started are gone or end when this one does (forkservers read
    the end of their pipe)."""
    if hasattr(config, "workerinput") and os.environ.get("OTP_BENCH_TEST_SLOW_EXIT") != "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


# The modules that take longest by the clock under `-n 3` (second processes, PostgreSQL, real
# deadlines: bench/pytest_timeline.py lists them) run first. Under --dist worksteal an idle worker
# takes the second half of a busy one's queue, so a slow module that starts late ends the suite
# on its own while the other workers wait; started first, the quick tests fill in around it.
# Each module keeps its tests' order (and its module fixtures' one set-up).
_FIRST = (
    "tests/store/test_two_processes.py", "tests/cli/test_progress.py",
    "tests/store/test_round_trips.py", "tests/mockprovider/test_workers.py",
    "tests/store/test_team_secrets.py", "tests/store/test_notify.py",
    "tests/store/test_workspace_url.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in _FIRST)


def pytest_collection_finish() -> None:
    """What collection left alive (modules, test functions, fixtures' definitions) lives as long
    as the session: frozen (``gc.freeze``, as ``otp_bench.heap`` does in the app), each full
    collection no longer walks it again."""
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Workspace keys and default workspaces land in a temp dir, never the tester's own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[backends.PgServer]:
    from tests import backends

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
    from tests import backends

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
    from otp_bench.engine.clock import FrozenClock

    return FrozenClock()


def new_engine(db_url: str, clock: FrozenClock, seed: Path | None = None) -> Engine:
    """The engine fixture's engine: custom OTPs on. On SQLite, from a copy of ``seed`` (a closed
    workspace file that has them on) when given: the same rows, without the write (~3.5 ms)."""
    from otp_bench.domain.model import Settings
    from otp_bench.engine.engine import Engine
    from otp_bench.store.db import sqlite_path
    from otp_bench.store.store import Store

    path = sqlite_path(db_url)
    if seed is not None and path is not None:
        shutil.copyfile(seed, path)
        return Engine(Store(db_url, throwaway=True), clock)
    eng = Engine(Store(db_url, throwaway=True), clock)
    eng.save_settings(Settings(custom_otp_enabled=True))
    return eng


def make_seed(tmp_path_factory: pytest.TempPathFactory, engine_seed: Path, name: str,
              fill: Callable[[Engine], object]) -> Path:
    """A closed workspace file made once per test process: the engine fixture's, plus what
    ``fill`` writes (a folder's shared rows); its tests open copies (``engine_from_seed``)."""
    from otp_bench.engine.clock import FrozenClock

    path = tmp_path_factory.mktemp(name) / "workspace.db"
    eng = new_engine(f"sqlite:///{path}", FrozenClock(), engine_seed)
    fill(eng)
    eng.close()
    return path


def engine_from_seed(request: pytest.FixtureRequest, db_url: str, clock: FrozenClock,
                     engine_seed: Path, *, when: str, seed: str) -> Iterator[Engine]:
    """The engine fixture; for a test that uses fixture ``when``, on a copy of fixture ``seed``'s
    file (SQLite; PostgreSQL writes the rows per test)."""
    chosen = request.getfixturevalue(seed) if when in request.fixturenames else engine_seed
    eng = new_engine(db_url, clock, chosen)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def engine_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engine fixture's workspace, made once per test process and copied per test."""
    from otp_bench.engine.clock import FrozenClock

    path = tmp_path_factory.mktemp("engine-seed") / "workspace.db"
    new_engine(f"sqlite:///{path}", FrozenClock()).close()
    return path


@pytest.fixture
def engine(db_url: str, clock: FrozenClock, engine_seed: Path) -> Iterator[Engine]:
    eng = new_engine(db_url, clock, engine_seed)
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

