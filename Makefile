# make run  — create .venv, install otp-bench with its GUI, launch the app
# make test — create .venv, install everything, run lint, types, import contracts and all tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint coverage test-core test-gui test-pg test-wheel bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[gui,apex,postgres,test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/otp-bench

lint: $(STAMP)
	$(BIN)/ruff check otp_bench tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Line coverage is measured by SlipCover ([tool.slipcover] in pyproject.toml): it puts a probe on
# each line of otp_bench that removes itself once run, so a covered line costs nothing more, in
# every thread. (coverage.py's tracer on Python 3.11 slowed every line it saw: ~37 of the core
# suite's 135 CPU-s; SlipCover costs ~2.5 CPU-s per process to instrument, at import.) Each suite
# writes its figures to .slipcover/; `make coverage` merges them and checks a floor per package.
# COV= runs a suite without coverage.
COV ?= 1
covered = $(BIN)/python $(if $(COV),-m slipcover --out .slipcover/$(1).json) -m pytest \
    $(if $(COV),-p tests.slipcover_setup)
# the core suites run in one pytest-xdist worker per core plus one (coverage is merged): the
# spare worker fills a core while another waits (servers, second processes, deadlines); each
# worker costs ~5 CPU-s to start (imports, collection, SlipCover's instrumentation; the
# controller compiles the modules once for all of them, tests/conftest.py). Measured on 2 cores,
# quiet, same tree (2026-11-30): 2 workers 110 CPU-s in 75.7 s, 3 workers 119 CPU-s in 71.9 s.
# An idle worker steals from a busy one, the slowest modules start first and a worker that is
# done exits at once (tests/conftest.py), so no worker ends long after the others. JOBS=1 runs one process;
# PYTEST_ARGS adds options (e.g. --durations=20). Where the CPU goes, per test file:
# PYTHONPATH=bench make test-core JOBS=1 PYTEST_ARGS="-p pytest_cpu"; how the workers pack:
# PYTHONPATH=bench make test-core PYTEST_ARGS="-p pytest_timeline"
JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
XDIST := $(if $(filter 1,$(JOBS)),-p no:xdist,-n $(JOBS) --dist worksteal)
PYTEST_ARGS ?=
# pytest caches its rewritten test modules only where bytecode may be written
PYTEST := env PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
# a throwaway PostgreSQL for the suites, started while pytest starts (tests wait for it)
PG_SERVER := PG_TEST_SERVER_BACKGROUND=1 scripts/pg-test-server

test-core: $(STAMP)
	mkdir -p .slipcover
	$(PG_SERVER) env OTP_BENCH_NO_QT=1 PYTHONDONTWRITEBYTECODE= $(call covered,core) -q -p no:pytest-qt \
	    $(XDIST) --ignore=tests/gui $(PYTEST_ARGS)

test-gui: $(STAMP)
	mkdir -p .slipcover
	QT_QPA_PLATFORM=offscreen PYTEST_QT_API=pyside6 $(PG_SERVER) $(call covered,gui) -q tests/gui

# coverage per package with a floor each (scripts/coverage-floors): the core and GUI suites' figures merged
coverage: $(STAMP)
	$(BIN)/python scripts/coverage-floors

# the core suites again on a throwaway PostgreSQL server (scripts/pg-test-server starts it)
PG_SUITES := tests/store tests/engine tests/headless tests/scenario/test_on_postgres.py
test-pg: $(STAMP)
	$(PG_SERVER) env OTP_BENCH_NO_QT=1 OTP_BENCH_TEST_BACKEND=postgresql \
	    $(PYTEST) -q -p no:pytest-qt $(XDIST) $(PG_SUITES) $(PYTEST_ARGS)

# the built wheel in a clean virtualenv: version, run a shipped scenario, export apex, screenshot
test-wheel: $(STAMP)
	PYTHON=$(BIN)/python .ci/wheel-check

test: lint test-core test-gui coverage test-pg test-wheel

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_handler.py
	$(BIN)/python bench/bench_apex.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_gui.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_mock.py
	$(BIN)/python bench/bench_progress.py --events 20000

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/otp-bench --screenshot docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info
